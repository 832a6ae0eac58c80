#pragma once
// The owned client of one sale as OZmap shows it, and the order of a plan's changes. For core/reconcile
// only.
#include "core/inventory_index.hpp"
#include "core/ownership.hpp"
#include "core/reconcile.hpp"
#include "util/hash_map.hpp"

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace oznsync::reconcile_detail {

inline std::string implanted_text(bool implanted) {
    return implanted ? "implanted" : "not implanted";
}

inline PortRef where(const Property& p) {
    return PortRef{p.box, p.splitter, p.port};
}

inline std::string join(const std::vector<std::string>& parts) {
    std::string out;
    for (size_t i = 0; i < parts.size(); ++i)
        out += (i ? "; " : "") + parts[i];
    return out;
}

/// The owned client of one sale as OZmap shows it: the property (with or without its client), or a
/// client whose property is gone.
struct Owned {
    const Property* property = nullptr;
    const Client* lone_client = nullptr;

    bool has_client() const { return lone_client || (property && !property->client_id.empty()); }
    /// A client on its property: the only shape oznsync moves and flips.
    bool whole() const { return property && !property->client_id.empty(); }
    std::string client_id() const {
        return lone_client ? lone_client->id : property ? property->client_id : "";
    }
    bool exists() const { return property || lone_client; }
};

/// Where each change's id of one kind (`id_of`: its project, box or splitter) stands among the distinct
/// ids of that kind in string order: comparing two of these integers compares the two ids.
template <class IdOf> std::vector<uint32_t> id_ranks(const std::vector<Change>& changes, IdOf id_of) {
    HashMap<std::string_view, uint32_t> rank;
    for (const Change& c : changes)
        rank.emplace(id_of(c), 0);
    std::vector<std::string_view> ids;
    ids.reserve(rank.size());
    for (const auto& entry : rank)
        ids.push_back(entry.first);
    std::sort(ids.begin(), ids.end());
    for (uint32_t i = 0; i < ids.size(); ++i)
        rank[ids[i]] = i;
    std::vector<uint32_t> out(changes.size());
    for (size_t i = 0; i < changes.size(); ++i)
        out[i] = rank.find(id_of(changes[i]))->second;
    return out;
}

/// Sorts by (action, project, box, splitter, port, sale, code, property), equal changes in the order they
/// came. A plan can hold hundreds of thousands of changes of ~20 strings each: the ids are ranked once
/// (a project, box or splitter id is compared by its rank), indices are sorted, not the changes, and
/// each change is moved once into its place, in the same vector; changes already in order are not moved.
inline void order_changes(std::vector<Change>& changes) {
    auto full_key = [](const Change& c) {
        return std::tie(c.action, c.project, c.target.box, c.target.splitter, c.target.port, c.sale_id,
                        c.code, c.property_id);
    };
    if (std::is_sorted(changes.begin(), changes.end(),
                       [&](const Change& a, const Change& b) { return full_key(a) < full_key(b); }))
        return; // in order already (a feed in port order): nothing to move
    const auto project = id_ranks(changes, [](const Change& c) -> std::string_view { return c.project; });
    const auto box = id_ranks(changes, [](const Change& c) -> std::string_view { return c.target.box; });
    const auto splitter =
        id_ranks(changes, [](const Change& c) -> std::string_view { return c.target.splitter; });
    std::vector<uint32_t> idx(changes.size());
    for (uint32_t i = 0; i < idx.size(); ++i)
        idx[i] = i;
    auto key = [&](uint32_t i) {
        return std::tuple(static_cast<int>(changes[i].action), project[i], box[i], splitter[i],
                          changes[i].target.port);
    };
    auto rest = [&](uint32_t i) {
        return std::tie(changes[i].sale_id, changes[i].code, changes[i].property_id);
    };
    std::sort(idx.begin(), idx.end(), [&](uint32_t a, uint32_t b) {
        if (key(a) != key(b)) return key(a) < key(b);
        if (rest(a) != rest(b)) return rest(a) < rest(b);
        return a < b; // as they came
    });
    // Into place along the permutation's cycles: each change moved once, no second vector of them (a
    // first night's 500k changes are ~350 MB of vector alone).
    std::vector<bool> placed(changes.size());
    for (uint32_t start = 0; start < idx.size(); ++start) {
        if (placed[start] || idx[start] == start) continue;
        Change held = std::move(changes[start]);
        uint32_t at = start;
        while (idx[at] != start) { // the change that belongs at `at` comes from idx[at]
            changes[at] = std::move(changes[idx[at]]);
            placed[at] = true;
            at = idx[at];
        }
        changes[at] = std::move(held);
        placed[at] = true;
    }
}

} // namespace oznsync::reconcile_detail
