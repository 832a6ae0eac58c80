#pragma once
// What reconcile and adopt look up in a snapshot: properties by client code, by the sale their external_id
// proves, by port; clients by id and code. Built once per snapshot, apart from reconcile, so a plan can
// build it while it still reads the base line.
#include "core/inventory.hpp"
#include "core/ownership.hpp"
#include "util/hash_map.hpp"

#include <span>
#include <string>
#include <string_view>

namespace oznsync {

class InventoryIndex {
public:
    explicit InventoryIndex(const Inventory& inv) : m_properties(inv.properties), m_clients(inv.clients) {
        by_code.reserve(inv.properties.size());
        by_sale.reserve(inv.properties.size());
        by_port.reserve(inv.properties.size());
        property_clients.reserve(inv.properties.size());
        for (size_t i = 0; i < inv.properties.size(); ++i) {
            const Property& p = inv.properties[i];
            if (!p.client_code.empty()) by_code[p.client_code] = i;
            if (std::string_view sale = sale_in_external_id(p.external_id); !sale.empty())
                by_sale.emplace(Id(sale), i);
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
    const Property* owned_property(const Id& sale_id) const {
        auto it = by_sale.find(sale_id);
        return it == by_sale.end() ? nullptr : &m_properties[it->second];
    }

    /// A client without a property, known by its id (from the base line: recorded when oznsync created
    /// it); null when it has a property or is not in the snapshot.
    const Client* lone_client(const Id& client_id) const {
        if (client_id.empty() || property_clients.count(client_id)) return nullptr;
        auto it = clients_by_id.find(client_id);
        return it == clients_by_id.end() ? nullptr : &m_clients[it->second];
    }

    /// The property on a port, if any.
    const Property* on_port(const PortAt& port) const {
        auto it = by_port.find(port);
        return it == by_port.end() ? nullptr : &m_properties[it->second];
    }

    /// The property holding a client code (of several: the last one listed), if any.
    const Property* with_code(std::string_view code) const {
        auto it = by_code.find(code);
        return it == by_code.end() ? nullptr : &m_properties[it->second];
    }

    /// A client with this code that oznsync cannot prove is its own; empty when there is none.
    std::string foreign_code_holder(std::string_view code) const {
        if (const Property* p = with_code(code)) return "property " + p->id;
        if (auto c = client_codes.find(code); c != client_codes.end())
            return "client " + m_clients[c->second].id + " (no property)";
        return "";
    }

private:
    // Every key is a view into the inventory, and the spans see its vectors' elements, which stay where
    // they are when the inventory is moved: it must outlive the index and not change.
    std::span<const Property> m_properties;
    std::span<const Client> m_clients;
    HashMap<std::string_view, size_t> by_code; // of several properties with one code: the last one
    HashMap<Id, size_t, IdHash> by_sale;
    HashMap<Id, size_t, IdHash> clients_by_id;
    HashMap<std::string_view, size_t> client_codes;
    HashMap<PortAt, size_t, PortAtHash> by_port;
    HashSet<Id, IdHash> property_clients;
};

} // namespace oznsync
