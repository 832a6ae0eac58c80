#pragma once
// What reconcile and feasibility need from a snapshot, indexed for lookups. Built by the store (or by
// tests from plain values).
#include "core/model.hpp"

#include <string>
#include <unordered_map>
#include <vector>

namespace oznsync {

struct PortState {
    bool blocked = false;
    std::optional<Id> fiber; // the occupying fiber; nullopt = free
};

struct SplitterState {
    Id box, project;
    std::string name;
    std::vector<PortState> ports; // index N-1 = port N
};

struct Inventory {
    int64_t snapshot_id = 0;
    std::vector<Project> projects;
    std::unordered_map<Id, Box, IdHash> boxes;
    std::unordered_map<Id, SplitterState, IdHash> splitters;
    std::vector<Property> properties;
    std::vector<Client> clients; // the clients read by code (the owned ones), with or without a property

    bool has_project(const Id& id) const;
    void add_splitter(const Splitter& s);
};

/// Drop-splitter ports of one project: free, reserved (its property's client not implanted), active (a
/// fiber and an implanted client, or a fiber no property explains) and blocked.
struct ProjectOccupancy {
    std::string project, name;
    long long free = 0, reserved = 0, active = 0, blocked = 0;
};

/// Per project with ports, by project id.
std::vector<ProjectOccupancy> occupancy_of(const Inventory& inv);

} // namespace oznsync
