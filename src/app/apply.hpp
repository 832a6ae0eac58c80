#pragma once
// Executes a change set through an OzmapGateway, journaling every change: 'intent' before its call,
// 'done' / 'failed' after. Order: adoptions, creates, moves, promotes, demotes, removals; each step done
// before the next starts. Within a step the changes go `concurrency` at a time, in lanes: changes that
// share a code or a port are in one lane, in plan order.
#include "app/journal.hpp"
#include "core/reconcile.hpp"
#include "core/safety.hpp"
#include "ozmap/gateway.hpp"
#include "store/run_store.hpp"
#include "util/progress.hpp"

#include <map>
#include <set>
#include <string>
#include <vector>

namespace oznsync {

struct ApplyOutcome {
    int done = 0, failed = 0, skipped = 0, not_attempted = 0;
    std::string cap_reason; // set when a removal cap tripped (removals skipped)
    int abort_code = 0;     // 75/77 when the run had to stop
    std::string abort_reason;
};

constexpr size_t kBatchChunk = 100;

/// Runs `entries` (the writes of one run's journal, updated in place with their states), `concurrency`
/// writes at a time (one at a time, in plan order, with a recording gateway: it keeps the requests as a
/// dry run's plan). With a recording gateway nothing is journaled as sent: states stay 'planned'.
ApplyOutcome apply_changes(OzmapGateway& gateway, RunStore* journal, const std::string& run_id,
                           std::vector<JournalEntry>& entries, long long owned_clients,
                           const SafetyLimits& limits, int concurrency, Progress& progress);

/// Splits changes into lanes that may run side by side: two changes that share a client code or a port
/// (target or origin) are in one lane; each lane keeps the order of `changes`, lanes are ordered by their
/// first change.
std::vector<std::vector<JournalEntry*>> lanes_of(const std::vector<JournalEntry*>& changes);

/// Re-issues the deletes of removals a dead run left half done (404 = already gone).
void recover_interrupted(OzmapGateway& gateway, std::vector<JournalEntry>& interrupted);

} // namespace oznsync
