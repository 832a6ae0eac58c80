#pragma once
// The heart of the job: snapshot + sale records -> change set, following PRODUCT.md's rules table.
// Pure and deterministic: same inputs, same change set in the same order.
#include "core/change.hpp"
#include "core/inventory.hpp"
#include "core/model.hpp"

#include <map>
#include <set>
#include <string>
#include <vector>

namespace oznsync {

struct ReconcileOptions {
    bool create = true, move = true, promote = true, demote = true, remove = true;
    bool prune_orphans = false;
    std::set<std::string> only_projects; // empty = every project in the snapshot
};

/// Keeps the highest `version` of each record id; the rest of the feed's problems (invalid records)
/// pass through. Exposed for tests.
std::vector<Sale> latest_versions(const std::vector<Sale>& sales);

ChangeSet reconcile(const Inventory& inventory, const std::vector<Sale>& sales,
                    const std::vector<InvalidRecord>& invalid_records,
                    const std::map<std::string, OwnedState>& baseline, const ReconcileOptions& options);

} // namespace oznsync
