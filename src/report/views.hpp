#pragma once
// What the read-only commands and the read API show of an operator, rendered here: a feasibility
// answer (`oznsync feasibility --format json`, the read API's), the run listing (`oznsync runs`, text and
// JSON, and the read API's /v1/runs) and an operator's health (/healthz).
#include "core/feasibility.hpp"
#include "report/report.hpp"
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

/// One operator's health as /healthz shows it: its snapshot (and the one held in memory) and its last
/// run; `status` ok, "no snapshot" or "unreadable" (with the problem). True when it is ok.
bool write_health(JsonWriter& w, const std::string& operator_name, const std::optional<ServiceStatus>& status,
                  const std::string& problem, std::optional<int64_t> snapshot_in_memory);

/// One operator's health as a `serve --store` replica shows it: what it published, when, how old.
void write_published_health(JsonWriter& w, const PublishedHead& head, int64_t snapshot_in_memory);

} // namespace oznsync
