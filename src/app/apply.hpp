#pragma once
// Executes a change set through an OzmapGateway, journaling every change: 'intent' before its call,
// 'done' / 'failed' after. Order: adoptions, creates, moves, promotes, demotes, removals; each step done
// before the next starts. Within a step the changes go `concurrency` at a time, in lanes: changes that
// share a code or a port are in one lane, in plan order.
#include "core/reconcile.hpp"
#include "core/safety.hpp"
#include "ozmap/gateway.hpp"
#include "store/run_store.hpp"
#include "util/progress.hpp"

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace oznsync {

/// Moves journal entries from state to state: in memory always, in the database when `store` is set (a
/// dry run records no intent: nothing is in flight). A failed database write throws IoError once and the
/// journal takes no more writes, so the caller stops before its next OZmap write.
class Journal {
public:
    Journal(RunStore* store, std::string run_id, bool sends)
        : m_store(store), m_run(std::move(run_id)), m_sends(sends) {}
    void mark(JournalEntry& e, const std::string& state, const std::string& result = "",
              const std::string& error = "");
    /// Writes what a dry run deferred: every change still 'planned' gets kNotSent as its result, in one
    /// statement instead of one per change.
    void flush();

    static constexpr const char* kNotSent = "dry run: not sent";

private:
    std::mutex m_mutex; // lanes mark from several threads
    RunStore* m_store;
    std::string m_run;
    bool m_sends;
    bool m_broken = false;
    bool m_deferred = false; // dry-run outcomes waiting for flush()
};

struct ApplyOutcome {
    int done = 0, failed = 0, skipped = 0, not_attempted = 0;
    std::string cap_reason; // set when a removal cap tripped (removals skipped)
    int abort_code = 0;     // 75/77 when the run had to stop
    std::string abort_reason;
    std::vector<WriteRequest> requests; // what was sent (or, dry run, would be)
};

constexpr size_t kBatchChunk = 100;

/// Runs `entries` (the writes of one run's journal, updated in place with their states), `concurrency`
/// writes at a time (one at a time with a recording gateway, so a dry run reads in plan order). With a
/// recording gateway nothing is journaled as sent: states stay 'planned'.
ApplyOutcome apply_changes(OzmapGateway& gateway, RunStore* journal, const std::string& run_id,
                           std::vector<JournalEntry>& entries, long long owned_clients,
                           const SafetyLimits& limits, int concurrency, Progress& progress);

/// Splits changes into lanes that may run side by side: two changes that share a client code or a port
/// (target or origin) are in one lane; each lane keeps the order of `changes`, lanes are ordered by their
/// first change.
std::vector<std::vector<JournalEntry*>> lanes_of(const std::vector<JournalEntry*>& changes);

/// Re-issues the deletes of removals a dead run left half done (404 = already gone).
void recover_interrupted(OzmapGateway& gateway, std::vector<JournalEntry>& interrupted);

/// The base-line rows a run writes: the plan's, plus every change that succeeded.
struct BaselineUpdate {
    std::map<std::string, OwnedState> upsert;
    std::set<std::string> forget;
};
BaselineUpdate baseline_after(const ChangeSet& plan, const std::vector<JournalEntry>& entries);

} // namespace oznsync
