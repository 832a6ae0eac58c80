#include "core/inventory.hpp"

#include <algorithm>

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

} // namespace oznsync
