#pragma once
// An incremental pull: what OZmap changed since the last pull, written into the current snapshot, and
// the keys it touched (the plan's scope).
#include "core/model.hpp"
#include "store/store.hpp"

#include <set>
#include <string>
#include <vector>

namespace oznsync {

/// Rows OZmap changed since a mark (its `updatedAt` filters).
struct InventoryDelta {
    std::vector<Box> boxes;
    std::vector<Splitter> splitters;
    std::vector<Property> properties;
    std::vector<Client> clients; // changed FTTH clients: their fields on the properties that hold them
    size_t rows() const { return boxes.size() + splitters.size() + properties.size() + clients.size(); }
};

/// Keys a delta touched: the sales that sit on them are planned again.
struct DeltaScope {
    std::set<std::string> splitters;  // changed, in a changed box, or under a changed property (before/after)
    std::set<std::string> sale_ids;   // the `ozneutral:` proofs on changed properties, before and after
    std::set<std::string> codes;      // client codes on changed properties and clients, before and after
    std::set<std::string> client_ids; // changed clients (the base line knows whose they are)
};

/// The splitters these properties sit on in the snapshot now.
std::set<std::string> splitters_of_properties(Store& store, int64_t snapshot,
                                              const std::set<std::string>& property_ids);

/// Writes the delta into the snapshot (rows replaced by id), inside the caller's transaction, and marks
/// the snapshot refreshed (`finished_at`: a plan saved before it is stale). Returns what it touched.
DeltaScope apply_delta(Store& store, int64_t snapshot, const InventoryDelta& delta, const std::string& now);

} // namespace oznsync
