#pragma once
// What a full plan reconciles, read side by side: the sale feed (a download or a file, then parsed) on a
// second thread while this one reads the snapshot's inventory, the base line and the reconciled versions
// from the database (the inventory's index is built beside the last two). Neither side waits for the other; a
// feed that cannot be read is reported before anything the database said (as when they were read one after
// the other).
#include "app/run.hpp"
#include "config/config.hpp"
#include "core/change.hpp"
#include "core/inventory.hpp"
#include "core/reconcile.hpp"
#include "core/safety.hpp"
#include "core/vetted_sales.hpp"
#include "neutral/sale_source.hpp"
#include "store/run_store.hpp"
#include "store/store.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace oznsync {

struct PlanInputs {
    SaleFeed feed;
    Inventory inventory;
    // The inventory's look-ups, built on a thread of their own while the base line is read (it sees the
    // inventory's elements, which stay put when PlanInputs moves).
    std::optional<InventoryIndex> index;
    // The feed's own checks (vet_sales), made on the feed's thread once it is parsed, for a plan that
    // reconciles (its pointers see the feed's elements, which stay put when the feed moves).
    std::optional<VettedSales> vetted;
    // Read only for a plan that reconciles against them (not `adopt`, not a saved plan):
    std::optional<Baseline> baseline;
    std::optional<ReconciledVersions> reconciled;
    // How long each part took, as a summary's `timings_s` names them: sales, load_snapshot and (with the
    // base line) load_baseline. They overlap: the feed beside the other two.
    std::vector<std::pair<std::string, double>> timings;
};

/// The removal and feed-shrink limits of a run: the command's overrides, else the config's.
SafetyLimits safety_limits(const Config& cfg, const RunOptions& opt);

/// The rules a plan reconciles by: the command's options with the config's drift and keep_property.
ReconcileOptions reconcile_options(const Config& cfg, const RunOptions& opt);

/// Notes the feed on the run's record (fingerprint, counts), and logs what was read.
void note_feed(const SaleFeed& feed, RunRecord& run);
/// note_feed, then refuses the feed (nothing planned) when it is unusable or shrank past the guard
/// (`guard_reason` says why); a usable one's count is saved on the run's row.
void check_feed(const SaleFeed& feed, RunRecord& run, RunStore& runs, const Config& cfg,
                const SafetyLimits& limits);

/// Reads the feed (as `fetch_sales`) and, meanwhile, the snapshot `snapshot` of `store` and, with
/// `with_baseline`, the base line and the reconciled versions. The feed's error, when it has one, is the
/// one thrown.
PlanInputs read_plan_inputs(const Config& cfg, Store& store, int64_t snapshot, bool with_baseline);

} // namespace oznsync
