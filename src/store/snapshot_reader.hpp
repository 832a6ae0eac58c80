#pragma once
// Reads a snapshot, whole or the part a plan over a few sales needs, into the core's Inventory
// (reconcile's input).
#include "core/inventory.hpp"
#include "store/store.hpp"

#include <cstdint>
#include <set>
#include <string>

namespace oznsync {

Inventory load_inventory(Store& store, int64_t snapshot_id);
/// Only its projects.
std::vector<Project> load_projects(Store& store, int64_t snapshot_id);

/// The part of a snapshot a plan over a few sales reads: every project, these splitters (with their
/// boxes and ports) and boxes, and the properties on those splitters, with those proofs
/// (`ozneutral:<sale id>`) or client codes; the clients read by code with those ids or codes.
struct InventoryPart {
    std::set<std::string> boxes, splitters, sale_ids, codes, client_ids;
};
Inventory load_inventory_part(Store& store, int64_t snapshot, const InventoryPart& part);

} // namespace oznsync
