#pragma once
// Reads a whole snapshot into the core's Inventory (reconcile's input).
#include "core/inventory.hpp"
#include "store/store.hpp"

#include <cstdint>

namespace oznsync {

Inventory load_inventory(Store& store, int64_t snapshot_id);

} // namespace oznsync
