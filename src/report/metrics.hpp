#pragma once
// What monitoring sees, as Prometheus text: the after-run textfile (reports.metrics_file, node_exporter's
// textfile collector) and `oznsync serve`'s /metrics render the same families with the same labels from
// the same facts, read from the database. Every sample is labelled with its operator, and the run series
// with the kind of run (`full`, `incremental`, `dry_run`): the minute timer never hides the night's run.
#include "core/journal.hpp"

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace oznsync {

/// `full` (run, apply, adopt, partners), `incremental`, or `dry_run` (plan and every --dry-run).
const char* run_kind(RunMode mode);

/// The last finished run of one kind.
struct LastRun {
    std::string kind, id, mode, started_at, finished_at;
    int exit_code = -1;
    std::map<std::pair<std::string, std::string>, long long> changes; // (action, result) -> count
    std::map<std::string, double> phase_seconds;
};

/// One operator, as monitoring sees it.
struct MonitoringStatus {
    std::string operator_name;
    std::vector<LastRun> last_runs; // one per kind that has run
    double snapshot_age_s = -1;     // -1: no snapshot
    long long owned_clients = 0;
    std::map<std::string, long long> free_ports; // per project id
    std::map<std::string, std::string> project_names;
    /// Publishing to the shared store (publish.url), when it has been tried.
    struct Publishing {
        double last_success = 0; // Unix time; 0: never
        long long failures = 0;  // in a row
        long long boxes = 0;
        double seconds = 0;
    };
    std::optional<Publishing> publish;
};

/// Each family once, with the samples of every operator given.
std::string monitoring_metrics(const std::vector<MonitoringStatus>& operators);

} // namespace oznsync
