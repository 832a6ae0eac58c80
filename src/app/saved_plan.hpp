#pragma once
// `oznsync apply --plan RUN_ID`: the changes of a saved dry run, refused when its inputs changed since.
#include "core/change.hpp"
#include "store/run_store.hpp"

#include <cstdint>
#include <string>

namespace oznsync {

struct SavedPlan {
    ChangeSet changes;           // its writes and findings, in its order, and its base-line updates
    long long owned_clients = 0; // what its plan saw (the removal cap's base)
    long long in_sync = 0;
    bool baseline_kept = false; // false: a plan saved before its base-line updates were kept
};

/// The run `run_id` when it is a saved plan that finished; UsageError when there is no such run or it is
/// not one, SafetyError when its run did not finish (running, died or failed: its rows may be partial).
RunRecord require_saved_plan(RunStore& runs, const std::string& run_id);

/// The saved plan `run_id`, made from `snapshot` and the feed with `sales_fingerprint`; UsageError when
/// there is no such run or it is not a saved plan, SafetyError when it did not finish or is stale. Its
/// changes and base-line updates are what its reconcile decided: applied as they are, nothing is reconciled
/// again.
SavedPlan load_saved_plan(RunStore& runs, const std::string& run_id, int64_t snapshot,
                          const std::string& snapshot_revision, const std::string& sales_fingerprint);

} // namespace oznsync
