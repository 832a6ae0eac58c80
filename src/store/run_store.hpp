#pragma once
// Run history, the change journal and the ownership base line, in the snapshot database.
#include "core/change.hpp"
#include "core/journal.hpp"
#include "core/reconcile.hpp"
#include "store/store.hpp"

#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

namespace oznsync {

/// One run, as the `runs` table keeps it: the run's own state while it runs, the header of its report
/// after. `summary_json` is summary.json as written (the lists a column cannot hold: timings, the masked
/// config, the project selection, occupancy).
struct RunRecord {
    std::string id, started_at, finished_at;
    RunMode mode = RunMode::Plan;
    RunStatus status = RunStatus::Running;
    int exit_code = -1;
    std::string host, user, config_fingerprint;
    std::string started_by; // "timer NAME.timer", "unit NAME.service" or "user NAME"
    std::string reason;     // --reason TEXT ('' when none)
    bool insecure_tls = false;
    // Inputs.
    std::string ozmap_url, sales_source;
    int64_t snapshot_id = 0;
    std::string snapshot_finished_at, snapshot_revision, sales_fingerprint;
    long long sales_records = -1, sales_valid = -1, sales_invalid = -1;
    long long sales_count = -1; // the records of a feed that passed the guards (the next shrink guard's base)
    // What the plan saw and why the run stopped short.
    long long owned_clients = 0, in_sync = 0;
    std::string cap_reason, guard_reason, abort_reason;
    std::string handover_file;
    std::string summary_json;

    bool dry_run() const { return is_dry(mode); }
};

class RunStore {
public:
    /// The rows insert_plan commits at once (~32 MB of a first night's journal).
    static constexpr size_t kPlanRowsPerCommit = 65536;

    explicit RunStore(Store& store) : m_store(store) {}

    void begin(const RunRecord& run);
    /// Writes the run's facts (every column) and its summary; `begin` must have inserted it.
    void save(const RunRecord& run);
    std::optional<RunRecord> get(const std::string& run_id);
    std::vector<RunRecord> list(int limit);
    /// The newest finished run of one of these modes.
    std::optional<RunRecord> last_finished(const std::vector<RunMode>& modes);
    /// The run's journal counted by action (writes and findings), e.g. {create: 3, conflict: 1}.
    std::map<std::string, long long> action_counts(const std::string& run_id);
    /// The run's journal counted by action and state ({create, done}: 3); counts kept after
    /// journal.keep_days removed the rows have the state "kept".
    std::map<std::pair<std::string, std::string>, long long> result_counts(const std::string& run_id);
    /// The same for each of the newest `limit` runs, in one query: run id -> action -> count.
    std::map<std::string, std::map<std::string, long long>> action_counts_of_newest(int limit);
    /// Keeps the run's counts by action (of the change rows it wrote: the run counts them in memory) on
    /// its row, once, at its end: what the newest runs' counts are read from (not every row of theirs at
    /// every run; a first night's 500k rows are not read back to be counted).
    void keep_action_counts(const std::string& run_id, const std::map<std::string, long long>& counts);
    /// The feed fingerprint of the last run before `except_run` that read the feed ("" when none).
    std::string previous_sales_fingerprint(const std::string& except_run);
    /// Sales count of the last run that read the feed (for the shrink guard).
    std::optional<long long> last_sales_count(const std::string& except_run);

    /// Stores a plan as the run's journal: writes 'planned' (with `planned_result`: a dry run's "not
    /// sent"), findings 'finding'. The changes move into the entries it returns.
    std::vector<JournalEntry> save_plan(const std::string& run_id, std::vector<Change>&& writes,
                                        std::vector<Change>&& findings,
                                        const std::string& planned_result = "");
    /// save_plan in two steps. The entries of a plan, numbered after the run's rows so far (a run can plan
    /// in steps), not written yet:
    std::vector<JournalEntry> number_plan(const std::string& run_id, std::vector<Change>&& writes,
                                          std::vector<Change>&& findings, const std::string& planned_result);
    /// and their rows: the first `writes` entries (the plan's writes) 'planned' with `planned_result`, the
    /// rest 'finding'. It reads each entry's number, ULID, time and change, nothing else (a dry run may
    /// move the entries' states meanwhile). Committed kPlanRowsPerCommit rows at a time, so the log's
    /// checkpoints copy a first night's rows while the next are inserted: a run killed meanwhile keeps
    /// the pieces committed, and its status (never 'done') says its journal is partial.
    void insert_plan(const std::string& run_id, std::span<const JournalEntry> entries, size_t writes,
                     const std::string& planned_result);
    std::vector<JournalEntry> entries(const std::string& run_id);
    void set_state(const std::string& run_id, int seq, EntryState state, const std::string& result = "",
                   const std::string& error = "");
    /// Changes left in 'intent' by runs that died; marks them 'interrupted' (and those runs 'died') and
    /// returns them. `current_run` is the run asking.
    std::vector<JournalEntry> take_interrupted(const std::string& current_run);

    /// What oznsync last applied to each client it owns (the `owned` table), by sale id.
    Baseline baseline();
    /// The base line of these sales only (an incremental run's), and how many clients it holds in all.
    Baseline baseline_of(const std::set<std::string>& sale_ids);
    long long owned_count();
    /// The sales whose recorded client is one of these (ids), or sits on one of these splitters.
    std::set<std::string> sales_owning(const std::set<std::string>& client_ids,
                                       const std::set<std::string>& splitters);
    /// Writes the rows of `upsert` and deletes those of `forget`; other rows stay.
    void save_baseline(const std::string& run_id, const Baseline& upsert, const std::set<Id>& forget);
    /// A saved plan's base-line updates, kept with it: `apply --plan` applies them without reconciling.
    void save_plan_baseline(const std::string& run_id, const Baseline& upsert, const std::set<Id>& forget);
    /// Those of the saved plan `run_id`; nullopt for a plan saved before they were kept.
    std::optional<OwnedUpdate> plan_baseline(const std::string& run_id);
    /// The codes of owned clients that no property of `snapshot` carries: the pull reads these clients
    /// by code (a half-done removal, a technician's delete). Usually none, so it costs no request.
    std::vector<std::string> owned_codes_not_on_a_property(int64_t snapshot);

private:
    Store& m_store;
    std::optional<sql::Statement> m_set_state; // the journal's most frequent statement, prepared once
};

} // namespace oznsync
