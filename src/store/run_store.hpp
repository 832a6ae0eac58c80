#pragma once
// Run history, the change journal and the ownership base line, in the snapshot database.
#include "core/change.hpp"
#include "core/inventory.hpp"
#include "core/reconcile.hpp"
#include "store/store.hpp"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace oznsync {

struct RunRecord {
    std::string id, started_at, finished_at, mode, status;
    int exit_code = -1;
    int64_t snapshot_id = 0;
    std::string sales_fingerprint;
    long long sales_count = -1;
    std::string config_fingerprint, host, user, summary_json;
};

/// A journal row: a change with its place in the run and what became of it.
struct JournalEntry {
    int seq = 0;
    std::string ulid, ts;
    Change change;
    std::string state; // planned | intent | done | failed | skipped | interrupted | finding
    std::string result, error;
};

Inventory load_inventory(Store& store, int64_t snapshot_id);

class RunStore {
public:
    explicit RunStore(Store& store) : m_store(store) {}

    void begin(const RunRecord& run);
    void update_inputs(const std::string& run_id, int64_t snapshot_id, const std::string& sales_fingerprint,
                       long long sales_count);
    void finish(const std::string& run_id, const std::string& status, int exit_code,
                const std::string& summary_json);
    std::optional<RunRecord> get(const std::string& run_id);
    std::vector<RunRecord> list(int limit);
    /// Sales count of the last run that read the feed (for the shrink guard).
    std::optional<long long> last_sales_count(const std::string& except_run);

    /// Stores a change set as the run's journal: writes 'planned', findings 'finding'.
    std::vector<JournalEntry> save_plan(const std::string& run_id, const ChangeSet& changes);
    std::vector<JournalEntry> entries(const std::string& run_id);
    void set_state(const std::string& run_id, int seq, const std::string& state,
                   const std::string& result = "", const std::string& error = "");
    /// Every change of the run still 'planned' gets this result (a dry run's outcome).
    void set_result_of_planned(const std::string& run_id, const std::string& result);
    /// Changes left in 'intent' by runs that died; marks them 'interrupted' (and those runs 'died') and
    /// returns them. `current_run` is the run asking.
    std::vector<JournalEntry> take_interrupted(const std::string& current_run);

    /// What oznsync last applied to each client it owns (the `owned` table), by sale id.
    std::map<std::string, OwnedState> baseline();
    /// Writes the rows of `upsert` and deletes those of `forget`; other rows stay.
    void save_baseline(const std::string& run_id, const std::map<std::string, OwnedState>& upsert,
                       const std::set<std::string>& forget);
    /// The codes of owned clients that no property of `snapshot` carries: the pull reads these clients
    /// by code (a half-done removal, a technician's delete). Usually none, so it costs no request.
    std::vector<std::string> owned_codes_not_on_a_property(int64_t snapshot);

private:
    Store& m_store;
    std::optional<sql::Statement> m_set_state; // the journal's most frequent statement, prepared once
};

} // namespace oznsync
