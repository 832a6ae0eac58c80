#include "app/saved_plan.hpp"

#include "util/error.hpp"

#include <spdlog/spdlog.h>

namespace oznsync {

RunRecord require_saved_plan(RunStore& runs, const std::string& run_id) {
    auto saved = runs.get(run_id);
    if (!saved) throw UsageError("--plan " + run_id + ": no such run (see oznsync runs)");
    if (!is_saved_plan(saved->mode))
        throw UsageError("--plan " + run_id + " is a " + mode_name(saved->mode) + " run, not a saved plan");
    // Its rows are committed in pieces (RunStore::insert_plan): a plan killed on the way keeps some.
    if (saved->status != RunStatus::Done)
        throw SafetyError("--plan " + run_id + " did not finish (its run is '" + status_name(saved->status) +
                          "'): its journal may hold only part of the plan; run `oznsync plan` again");
    return *saved;
}

SavedPlan load_saved_plan(RunStore& runs, const std::string& run_id, int64_t snapshot,
                          const std::string& snapshot_revision, const std::string& sales_fingerprint) {
    const auto saved = require_saved_plan(runs, run_id);
    if (saved.snapshot_id != snapshot)
        throw SafetyError("stale plan: saved plan " + saved.id + " was made from snapshot " +
                          std::to_string(saved.snapshot_id) + ", the current one is " +
                          std::to_string(snapshot) + "; run `oznsync plan` again");
    // The snapshot's revision, not its time: an incremental run or an apply in the same second changed it.
    if (saved.snapshot_revision != snapshot_revision)
        throw SafetyError("stale plan: snapshot " + std::to_string(snapshot) + " changed since saved plan " +
                          saved.id +
                          " was made (an incremental run or an apply wrote into it); run "
                          "`oznsync plan` again");
    if (saved.sales_fingerprint != sales_fingerprint)
        throw SafetyError("stale plan: the sale feed changed since saved plan " + saved.id +
                          " was made; run `oznsync plan` again");
    SavedPlan plan;
    for (auto& e : runs.entries(saved.id))
        (e.state == EntryState::Finding ? plan.changes.findings : plan.changes.writes)
            .push_back(std::move(e.change));
    plan.owned_clients = saved.owned_clients;
    plan.in_sync = saved.in_sync;
    if (auto update = runs.plan_baseline(saved.id)) {
        plan.baseline_kept = true;
        plan.changes.baseline = std::move(update->upsert);
        plan.changes.forget = std::move(update->forget);
    }
    spdlog::info("executing saved plan {}: {} change(s)", saved.id, plan.changes.writes.size());
    return plan;
}

} // namespace oznsync
