#pragma once
// `oznsync fleet status`: every operator of a fleet folder (one NAME.ini per operator) at a glance. Each
// operator is read on its own, read-only: a broken config, a missing, locked or corrupt database is that
// operator's line, never a reason to stop reading the others.
#include "app/hold.hpp"
#include "store/run_store.hpp"

#include <optional>
#include <string>
#include <vector>

namespace oznsync {

struct OperatorHealth {
    std::string name;    // operator.name, or the file's name when its config cannot be read
    std::string config;  // the config file
    std::string problem; // why its config or database could not be read ("" when read)
    std::string reports_dir;
    std::optional<RunRecord> last_full, last_incremental;
    long long conflicts = 0, drift = 0, invalid = 0; // findings of the last full run
    std::optional<double> snapshot_age_h;            // none: no snapshot
    long long owned_clients = 0, free_ports = 0;
    int max_snapshot_age_h = 26;
    std::optional<Hold> hold;           // incremental runs held (`oznsync hold`): said, not unhealthy
    std::vector<std::string> attention; // why it is not healthy; empty when it is
    bool healthy() const { return attention.empty(); }
};

/// The operator configs of a fleet folder: its *.ini files, sorted; UsageError when `dir` is no folder.
std::vector<std::string> fleet_configs(const std::string& dir);

/// The configs (*.ini) of `dir`, by name, each read and judged.
std::vector<OperatorHealth> fleet_status(const std::string& dir);

} // namespace oznsync
