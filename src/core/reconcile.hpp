#pragma once
// The heart of the job: snapshot + sale records -> change set, following PRODUCT.md's rules table.
// Pure and deterministic: same inputs, same change set in the same order.
#include "core/change.hpp"
#include "core/inventory.hpp"
#include "core/inventory_index.hpp"
#include "core/model.hpp"
#include "core/vetted_sales.hpp"
#include "util/hash_map.hpp"

#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace oznsync {

/// What to do when OZmap users changed a client oznsync owns (`reconcile.drift`).
enum class DriftMode {
    Report, // OZmap documents the field: report the edit (drift.jsonl), leave it as it is
    Revert, // put the client back where the sale says
};

struct ReconcileOptions {
    bool create = true, move = true, promote = true, demote = true, remove = true;
    bool prune_orphans = false;
    /// Owned clients whose record is gone are looked for (an incremental run sees a few sales, so it
    /// cannot tell; the nightly full run does).
    bool find_orphans = true;
    DriftMode drift = DriftMode::Report;
    bool keep_property = false; // removal.keep_property: disconnect the property, keep it
    std::set<Id> only_projects; // empty = every project in the snapshot
};

/// Keeps the highest `version` of each record id (ties: the later `updatedAt`), in feed order. Pointers
/// into the caller's sales: nothing is copied.
std::vector<const Sale*> latest_versions(const std::vector<const Sale*>& sales);

/// The feed contradicting itself: for each id with two different records of one version, the first
/// record that differs (in feed order). Reconcile uses neither record of such an id.
std::vector<const Sale*> contradictions(const std::vector<Sale>& sales);

/// Sale id -> the highest record version a run already reconciled (`sale_records`).
using ReconciledVersions = HashMap<Id, int64_t, IdHash>;

/// `baseline`: sale id -> what oznsync last applied to its client (the `owned` table). A record whose
/// version is lower than `reconciled` says is a finding ("stale record"), never applied.
/// `index`: the inventory's, and `feed`: the sales vetted (both made beforehand, so a plan can make them
/// while it reads the base line).
ChangeSet reconcile(const Inventory& inventory, const InventoryIndex& index, const VettedSales& feed,
                    const Baseline& baseline, const ReconcileOptions& options,
                    const ReconciledVersions& reconciled = {});
/// The same, indexing the inventory and vetting the sales itself.
inline ChangeSet reconcile(const Inventory& inventory, const std::vector<Sale>& sales,
                           const std::vector<InvalidRecord>& invalid_records, const Baseline& baseline,
                           const ReconcileOptions& options, const ReconciledVersions& reconciled = {}) {
    return reconcile(inventory, InventoryIndex(inventory), vet_sales(sales, invalid_records), baseline,
                     options, reconciled);
}

/// `oznsync adopt`: clients an earlier integration made, recognised by the code of a live sale, that sit
/// on that sale's port and carry no other external id. Each becomes an Adopt write; a client with the
/// code elsewhere, or with a foreign external id, is a conflict. Never implicit.
ChangeSet plan_adoptions(const Inventory& inventory, const InventoryIndex& index,
                         const std::vector<Sale>& sales, const ReconcileOptions& options);

} // namespace oznsync
