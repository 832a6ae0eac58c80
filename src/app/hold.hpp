#pragma once
// An operator's hold on incremental runs: while someone reviews a dry run (`oznsync plan`), the minute
// timer's runs write nothing, so the plan they review stays the plan they apply. Explicit (`oznsync hold`,
// `oznsync release`) and bounded in time, so a forgotten hold ends by itself; `apply --plan` releases it.
// Nightly full runs are never held: they are the safety net (and their changes make a plan stale, as they
// should).
#include "core/model.hpp"
#include "store/store.hpp"

#include <optional>
#include <string>

namespace oznsync {

/// The hold in force now (none when there is none or it has ended).
std::optional<Hold> current_hold(Store& store);
void set_hold(Store& store, const Hold& hold);
/// Ends the hold; false when there was none in force.
bool release_hold(Store& store);
/// Whether a hold is in force, logged as the reason an incremental run is skipped.
bool holds_incremental_runs(Store& store);
/// Ends the hold once the plan under review (`plan_run_id`) was applied, logged.
void release_hold_after(Store& store, const std::string& plan_run_id);

} // namespace oznsync
