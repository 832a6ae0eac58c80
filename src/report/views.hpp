#pragma once
// What the read-only commands and the read API show, rendered here: a feasibility answer (`oznsync
// feasibility`, its table and JSON, the read API's), the run listing (`oznsync runs`, text and JSON, and the
// read API's /v1/runs), an operator's health (/healthz) and a fleet's (`oznsync fleet status`: its table,
// JSON and page).
#include "core/feasibility.hpp"
#include "report/report.hpp"
#include "store/run_store.hpp"
#include "store/shared_store.hpp"
#include "util/json_writer.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace oznsync {

/// A feasibility answer as JSON: the keys of OZmap's /ftth-viability/radius (one operator's boxes), each
/// box named with its operator in an answer across operators.
std::string feasibility_json(const FeasibilityAnswer& a);
/// `oznsync feasibility`'s table: the viable boxes within the answer's radius of its point, each with its
/// free ports per splitter, then the boxes in range without a sellable port and why.
std::string feasibility_table(const FeasibilityAnswer& a, int64_t snapshot);

/// One line of `oznsync runs`.
struct RunListing {
    std::string id, started_at, finished_at, mode, status;
    int exit_code = -1;
    int64_t snapshot_id = 0;
    std::string counts;       // "create=3 remove=1", or "in sync"
    std::string summary_json; // as recorded
};
/// What monitoring asks of the job (`oznsync serve`'s /healthz and /metrics): the current snapshot and
/// its age, the last finished run, owned clients and free ports per project.
struct ServiceStatus {
    std::optional<int64_t> snapshot;
    std::string snapshot_finished_at;
    double snapshot_age_s = -1; // -1: no snapshot
    std::optional<RunListing> last_run;
    long long owned_clients = 0;
    std::map<std::string, long long> free_ports; // per project id
    std::map<std::string, std::string> project_names;
};

/// `oznsync runs --format json`'s document; `public_view`: each summary as `public_summary` gives it (the
/// read API's).
std::string runs_json(const std::string& operator_name, const std::vector<RunListing>& runs,
                      bool public_view = false);
/// `oznsync runs`'s table.
std::string runs_table(const std::string& operator_name, const std::vector<RunListing>& runs);

/// "held until 2026-12-03T14:00:00Z by ana (reviewing plan X)".
std::string hold_text(const Hold& hold);

/// One operator of a fleet folder as `oznsync fleet status` judges it (app/fleet).
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

/// `oznsync fleet status` as JSON (one object per operator), as a page linking each operator's
/// reports/index.html, and as its table (with a line per reason an operator needs attention, and its hold).
std::string fleet_json(const std::vector<OperatorHealth>& fleet);
std::string fleet_html(const std::vector<OperatorHealth>& fleet);
std::string fleet_table(const std::vector<OperatorHealth>& fleet);

/// One operator's health as /healthz shows it: its snapshot (and the one held in memory) and its last
/// run; `status` ok, "no snapshot" or "unreadable" (with the problem). True when it is ok.
bool write_health(JsonWriter& w, const std::string& operator_name, const std::optional<ServiceStatus>& status,
                  const std::string& problem, std::optional<int64_t> snapshot_in_memory);

/// One operator's health as a `serve --store` replica shows it: what it published, when, how old.
void write_published_health(JsonWriter& w, const PublishedHead& head, int64_t snapshot_in_memory);

} // namespace oznsync
