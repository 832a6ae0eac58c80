#pragma once
// What reconcile and adopt look up in a snapshot (boxes, splitters, properties by id, code and proof) and
// the owned client of one sale as OZmap shows it. For core/reconcile only.
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

/// Lookups over a snapshot shared by reconcile and adopt.
struct Index {
    explicit Index(const Inventory& inv) : inv(inv) {
        by_code.reserve(inv.properties.size());
        by_sale.reserve(inv.properties.size());
        by_port.reserve(inv.properties.size());
        property_clients.reserve(inv.properties.size());
        for (size_t i = 0; i < inv.properties.size(); ++i) {
            const Property& p = inv.properties[i];
            if (!p.client_code.empty()) by_code[p.client_code] = i;
            if (std::string_view sale = sale_in_external_id(p.external_id); !sale.empty())
                by_sale.emplace(sale, i);
            if (!p.splitter.empty() && p.port > 0) by_port[PortAt{p.splitter, p.port}] = i;
            if (!p.client_id.empty()) property_clients.insert(p.client_id);
        }
        clients_by_id.reserve(inv.clients.size());
        client_codes.reserve(inv.clients.size());
        for (size_t i = 0; i < inv.clients.size(); ++i) {
            clients_by_id.emplace(inv.clients[i].id, i);
            client_codes.emplace(inv.clients[i].code, i);
        }
    }

    /// The property proven to belong to this sale (external_id), if any.
    const Property* owned_property(const std::string& sale_id) const {
        auto it = by_sale.find(sale_id);
        return it == by_sale.end() ? nullptr : &inv.properties[it->second];
    }

    /// A client without a property, known as this sale's from the base line (its id was recorded when
    /// oznsync created it).
    const Client* lone_client(const OwnedState* base) const {
        if (!base || base->client_id.empty() || property_clients.count(base->client_id)) return nullptr;
        auto it = clients_by_id.find(base->client_id);
        return it == clients_by_id.end() ? nullptr : &inv.clients[it->second];
    }

    /// A client with this code that oznsync cannot prove is its own; empty when there is none.
    std::string foreign_code_holder(const std::string& code) const {
        auto it = by_code.find(code);
        if (it != by_code.end()) return "property " + inv.properties[it->second].id;
        if (auto c = client_codes.find(code); c != client_codes.end())
            return "client " + inv.clients[c->second].id + " (no property)";
        return "";
    }

    // Every key is a view into the inventory, which outlives the index: nothing is copied.
    const Inventory& inv;
    HashMap<std::string_view, size_t> by_code; // of several properties with one code: the last one
    HashMap<std::string_view, size_t> by_sale, clients_by_id, client_codes;
    HashMap<PortAt, size_t, PortAtHash> by_port;
    HashSet<std::string_view> property_clients;
};

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
