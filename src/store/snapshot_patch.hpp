#pragma once
// After apply, the current snapshot is brought in line with the changes that succeeded, so feasibility
// and availability reflect them before the next pull.
#include "store/run_store.hpp"

#include <vector>

namespace oznsync {

void patch_snapshot(Store& store, int64_t snapshot, const std::vector<JournalEntry>& entries);

} // namespace oznsync
