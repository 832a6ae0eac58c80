#include "core/inventory.hpp"

#include "core/ownership.hpp"
#include "util/hash_map.hpp"

#include <algorithm>
#include <map>

namespace oznsync {

bool Inventory::has_project(const std::string& id) const {
    return std::any_of(projects.begin(), projects.end(), [&](const Project& p) { return p.id == id; });
}

void Inventory::add_splitter(const Splitter& s) {
    SplitterState st{s.box, s.project, s.name, {}};
    st.ports.reserve(s.ports.size());
    for (const auto& p : s.ports)
        st.ports.push_back({p.blocked, p.fiber});
    splitters[s.id] = std::move(st);
}

std::vector<ProjectOccupancy> occupancy_of(const Inventory& inv) {
    // The implanted flag of the client on each connected port (the first property there).
    HashMap<PortAt, bool, PortAtHash> implanted_at;
    implanted_at.reserve(inv.properties.size());
    for (const auto& p : inv.properties)
        if (!p.splitter.empty() && p.port > 0 && !p.client_id.empty())
            implanted_at.emplace(PortAt{p.splitter, p.port}, p.client_implanted);
    std::map<std::string, ProjectOccupancy> by_project;
    for (const auto& [id, s] : inv.splitters) {
        if (s.ports.empty()) continue;
        ProjectOccupancy& o = by_project[s.project];
        for (size_t i = 0; i < s.ports.size(); ++i) {
            const PortState& port = s.ports[i];
            if (!port.fiber) {
                ++(port.blocked ? o.blocked : o.free);
                continue;
            }
            auto it = implanted_at.find(PortAt{id, static_cast<int>(i + 1)});
            ++(it == implanted_at.end() || it->second ? o.active : o.reserved);
        }
    }
    std::vector<ProjectOccupancy> out;
    for (auto& [project, o] : by_project) {
        o.project = project;
        for (const auto& p : inv.projects)
            if (p.id == project) o.name = p.name;
        out.push_back(std::move(o));
    }
    return out;
}

} // namespace oznsync
