#pragma once
// Figures of a snapshot for reports: port occupancy per project.
#include "store/store.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace oznsync {

struct ProjectOccupancy {
    std::string project, name;
    long long free = 0, reserved = 0, active = 0, blocked = 0;
};

/// Drop-splitter ports per project: free, reserved (a client not implanted), active, blocked.
std::vector<ProjectOccupancy> occupancy(Store& store, int64_t snapshot);

} // namespace oznsync
