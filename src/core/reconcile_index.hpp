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
    Id client_id() const { return lone_client ? lone_client->id : property ? property->client_id : ""; }
    bool exists() const { return property || lone_client; }
};

/// Each change's place (project, box, splitter) ranked among the distinct places of `changes` in string
/// order: comparing two ranks compares the three ids. One hash look-up a change; only the distinct places
/// (a few per splitter) are sorted.
inline std::vector<uint32_t> place_ranks(const std::vector<Change>& changes) {
    using Place = std::tuple<Id, Id, Id>; // ids order as their texts do
    struct PlaceHash {
        size_t operator()(const Place& p) const {
            size_t seed = std::get<0>(p).hash();
            for (size_t more : {std::get<1>(p).hash(), std::get<2>(p).hash()})
                seed ^= more + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2);
            return seed;
        }
    };
    HashMap<Place, uint32_t, PlaceHash> seen; // a place -> its index in `places`
    std::vector<Place> places;
    std::vector<uint32_t> out(changes.size());
    for (size_t i = 0; i < changes.size(); ++i) {
        const Change& c = changes[i];
        auto [it, fresh] = seen.try_emplace(Place{c.project, c.target.box, c.target.splitter},
                                            static_cast<uint32_t>(places.size()));
        if (fresh) places.push_back(it->first);
        out[i] = it->second;
    }
    std::vector<uint32_t> by_name(places.size());
    for (uint32_t i = 0; i < by_name.size(); ++i)
        by_name[i] = i;
    std::sort(by_name.begin(), by_name.end(), [&](uint32_t a, uint32_t b) { return places[a] < places[b]; });
    std::vector<uint32_t> rank(places.size());
    for (uint32_t r = 0; r < by_name.size(); ++r)
        rank[by_name[r]] = r;
    for (auto& place : out)
        place = rank[place];
    return out;
}

/// Sorts by (action, project, box, splitter, port, sale, code, property), equal changes in the order they
/// came. A plan can hold hundreds of thousands of changes of ~20 strings each: each change's place is
/// ranked once, the sort compares small keys side by side in one array (the strings only where two keys
/// tie), and each change is moved once into its place, in the same vector; changes already in order are
/// not moved.
inline void order_changes(std::vector<Change>& changes) {
    auto full_key = [](const Change& c) {
        return std::tie(c.action, c.project, c.target.box, c.target.splitter, c.target.port, c.sale_id,
                        c.code, c.property_id);
    };
    if (std::is_sorted(changes.begin(), changes.end(),
                       [&](const Change& a, const Change& b) { return full_key(a) < full_key(b); }))
        return; // in order already (a feed in port order): nothing to move
    struct Key {
        Action action;
        uint32_t place;
        int port;
        uint32_t index; // where the change is now
        auto head() const { return std::tie(action, place, port); }
    };
    const std::vector<uint32_t> place = place_ranks(changes);
    std::vector<Key> keys(changes.size());
    for (uint32_t i = 0; i < keys.size(); ++i)
        keys[i] = Key{changes[i].action, place[i], changes[i].target.port, i};
    auto rest = [&](uint32_t i) {
        return std::tie(changes[i].sale_id, changes[i].code, changes[i].property_id);
    };
    std::sort(keys.begin(), keys.end(), [&](const Key& a, const Key& b) {
        if (a.head() != b.head()) return a.head() < b.head();
        if (rest(a.index) != rest(b.index)) return rest(a.index) < rest(b.index);
        return a.index < b.index; // as they came
    });
    std::vector<uint32_t> idx(keys.size()); // the change that belongs at i comes from idx[i]
    for (uint32_t i = 0; i < idx.size(); ++i)
        idx[i] = keys[i].index;
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
