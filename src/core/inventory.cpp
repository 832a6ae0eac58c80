#include "core/inventory.hpp"

#include "core/ownership.hpp"
#include "util/hash_map.hpp"

#include <algorithm>
#include <cstdint>
#include <map>

namespace oznsync {

bool Inventory::has_project(const Id& id) const {
    return std::any_of(projects.begin(), projects.end(), [&](const Project& p) { return id == p.id; });
}

void Inventory::add_splitter(const Splitter& s) {
    SplitterState st{s.box, s.project, s.name, {}};
    st.ports.reserve(s.ports.size());
    for (const auto& p : s.ports)
        st.ports.push_back({p.blocked, p.fiber ? std::optional<Id>(*p.fiber) : std::nullopt});
    splitters[s.id] = std::move(st);
}

std::vector<ProjectOccupancy> occupancy_of(const Inventory& inv) {
    // Every splitter's ports as one run of a flat array, so a property's port is found with one look-up
    // of its splitter (not a map of every port): what client is there, implanted or not.
    enum : uint8_t { kNoClient, kImplanted, kNotImplanted };
    struct Run {
        size_t first, size;
    };
    HashMap<Id, Run, IdHash> runs;
    runs.reserve(inv.splitters.size());
    size_t ports = 0;
    for (const auto& [id, s] : inv.splitters) {
        runs.emplace(id, Run{ports, s.ports.size()});
        ports += s.ports.size();
    }
    std::vector<uint8_t> client_at(ports, kNoClient);
    for (const auto& p : inv.properties) { // the first property on a port says
        if (p.splitter.empty() || p.port <= 0 || p.client_id.empty()) continue;
        auto it = runs.find(p.splitter);
        if (it == runs.end() || static_cast<size_t>(p.port) > it->second.size) continue;
        uint8_t& at = client_at[it->second.first + static_cast<size_t>(p.port) - 1];
        if (at == kNoClient) at = p.client_implanted ? kImplanted : kNotImplanted;
    }
    std::map<Id, ProjectOccupancy> by_project; // ids order as their texts do
    size_t first = 0; // the splitters in the order the runs were laid out (the map is unchanged)
    for (const auto& [id, s] : inv.splitters) {
        const size_t at = first;
        first += s.ports.size();
        if (s.ports.empty()) continue;
        ProjectOccupancy& o = by_project[s.project];
        for (size_t i = 0; i < s.ports.size(); ++i) {
            const PortState& port = s.ports[i];
            if (!port.fiber)
                ++(port.blocked ? o.blocked : o.free);
            else
                ++(client_at[at + i] == kNotImplanted ? o.reserved : o.active);
        }
    }
    std::vector<ProjectOccupancy> out;
    for (auto& [project, o] : by_project) {
        o.project = project.str();
        for (const auto& p : inv.projects)
            if (p.id == project) o.name = p.name;
        out.push_back(std::move(o));
    }
    return out;
}

} // namespace oznsync
