#pragma once
// Boxes with their drop splitters and ports, read from a snapshot: near a point through the R*Tree
// (feasibility), or all of them one at a time (availability, the read API's index).
#include "core/feasibility.hpp"
#include "core/geo.hpp"
#include "store/store.hpp"

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace oznsync {

std::vector<BoxPorts> boxes_in_rects(Store& store, int64_t snapshot, const std::vector<LatLngRect>& rects);
/// Every box of the snapshot, one at a time (by project, then id), without holding them all.
void each_box(Store& store, int64_t snapshot, const std::function<void(BoxPorts&&)>& each);

/// Free, sellable ports (not blocked, no fiber, on a box that is not a draft) per project id.
std::map<std::string, long long> free_ports_by_project(Store& store, int64_t snapshot);

} // namespace oznsync
