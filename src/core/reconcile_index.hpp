#pragma once
// What reconcile and adopt look up in a snapshot (boxes, splitters, properties by id, code and proof) and
// the owned client of one sale as OZmap shows it. For core/reconcile only.
#include "core/ownership.hpp"
#include "core/reconcile.hpp"
#include "util/hash_map.hpp"

#include <algorithm>
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

/// Sorts by (action, project, box, splitter, port, sale, code, property). Indices are sorted, not the
/// changes themselves: a change is large, and a plan can hold hundreds of thousands.
inline void order_changes(std::vector<Change>& changes) {
    auto key = [](const Change& c) {
        return std::tie(c.action, c.project, c.target.box, c.target.splitter, c.target.port, c.sale_id,
                        c.code, c.property_id);
    };
    std::vector<size_t> idx(changes.size());
    for (size_t i = 0; i < idx.size(); ++i)
        idx[i] = i;
    std::stable_sort(idx.begin(), idx.end(),
                     [&](size_t a, size_t b) { return key(changes[a]) < key(changes[b]); });
    std::vector<Change> sorted;
    sorted.reserve(changes.size());
    for (size_t i : idx)
        sorted.push_back(std::move(changes[i]));
    changes.swap(sorted);
}

} // namespace oznsync::reconcile_detail
