#include "store/snapshot_reader.hpp"

#include "core/ownership.hpp"
#include "store/sale_records.hpp"
#include "store/store_access.hpp"

namespace oznsync {

namespace {

/// Which rows a reader takes: all of the snapshot's, or those the condition keeps (its parameters
/// ?2, ?3, ... are the JSON arrays `args`).
struct Rows {
    std::string where;
    std::vector<std::string> args;
};

sql::Statement select(sql::Database& db, const std::string& sql, int64_t snapshot, const Rows& rows,
                      const char* order = "") {
    auto st = db.prepare(sql + " WHERE snapshot_id = ?1" +
                         (rows.where.empty() ? "" : " AND (" + rows.where + ")") + order);
    st.bind(1, snapshot);
    for (size_t i = 0; i < rows.args.size(); ++i)
        st.bind(static_cast<int>(i) + 2, rows.args[i]);
    return st;
}

/// How many rows a whole-snapshot reader will take (to size its container once, not grow it a doubling
/// at a time); 0 for a reader of some rows (an incremental run's few: not worth a second query).
size_t count_rows(sql::Database& db, const char* table, int64_t snapshot, const Rows& rows) {
    if (!rows.where.empty()) return 0;
    auto st = select(db, std::string("SELECT count(*) FROM ") + table, snapshot, rows);
    return st.step() ? static_cast<size_t>(st.int64(0)) : 0;
}

/// The snapshot's projects.
void read_projects(sql::Database& db, int64_t snapshot, Inventory& inv, const Rows& rows) {
    auto st = select(db, "SELECT id, name, identifier FROM projects", snapshot, rows, " ORDER BY id");
    while (st.step())
        inv.projects.push_back({st.text(0), st.text(1), st.text(2)});
}

/// Its boxes, by id.
void read_boxes(sql::Database& db, int64_t snapshot, Inventory& inv, const Rows& rows) {
    inv.boxes.reserve(inv.boxes.size() + count_rows(db, "boxes", snapshot, rows));
    auto st = select(db, "SELECT id, project, name, lat, lng, draft, implanted FROM boxes", snapshot, rows);
    while (st.step()) {
        Box b{st.text(0), st.text(1), st.text(2), st.real(3), st.real(4), st.int64(5) != 0, st.int64(6) != 0};
        inv.boxes.emplace(b.id, std::move(b));
    }
}

/// Drop splitters, their ports sized.
void read_splitters(sql::Database& db, int64_t snapshot, Inventory& inv, const Rows& rows) {
    inv.splitters.reserve(inv.splitters.size() + count_rows(db, "splitters", snapshot, rows));
    auto st = select(db, "SELECT id, box, project, name, port_count FROM splitters", snapshot, rows);
    while (st.step()) {
        SplitterState s{st.text_view(1), st.text_view(2), st.text(3), {}};
        s.ports.resize(static_cast<size_t>(st.int64(4)));
        inv.splitters.emplace(Id(st.text_view(0)), std::move(s));
    }
}

/// The state of every port.
void read_ports(sql::Database& db, int64_t snapshot, Inventory& inv, const Rows& rows) {
    auto st = select(db, "SELECT splitter, number, blocked, fiber FROM ports", snapshot, rows);
    std::string last_id;
    SplitterState* last = nullptr;
    while (st.step()) {
        const std::string_view sid = st.text_view(0); // a splitter's ports come together: copied once
        if (sid != last_id) {
            last_id = sid;
            auto it = inv.splitters.find(last_id);
            last = it == inv.splitters.end() ? nullptr : &it->second;
        }
        if (!last) continue;
        size_t n = static_cast<size_t>(st.int64(1));
        if (n < 1 || n > last->ports.size()) continue;
        last->ports[n - 1] =
            PortState{st.int64(2) != 0, st.is_null(3) ? std::nullopt : std::optional<Id>(st.text_view(3))};
    }
}

/// Properties with their clients.
void read_properties(sql::Database& db, int64_t snapshot, Inventory& inv, const Rows& rows) {
    inv.properties.reserve(inv.properties.size() + count_rows(db, "properties", snapshot, rows));
    auto st = select(
        db,
        "SELECT id, project, coalesce(box,''), coalesce(splitter,''), coalesce(port,0), coalesce(lat,0), "
        "coalesce(lng,0), address, coalesce(external_id,''), coalesce(client_id,''), "
        "coalesce(client_code,''), "
        "coalesce(client_name,''), coalesce(client_implanted,0), coalesce(client_external_id,''), "
        "coalesce(updated_at,''), coalesce(drop_id,'') FROM properties",
        snapshot, rows, " ORDER BY id");
    while (st.step()) {
        Property& p = inv.properties.emplace_back(); // filled in place: 7 strings, 6 ids parsed from the text
        p.id = st.text_view(0);
        p.project = st.text_view(1);
        p.box = st.text_view(2);
        p.splitter = st.text_view(3);
        p.port = st.integer(4);
        p.lat = st.real(5);
        p.lng = st.real(6);
        p.address = st.text(7);
        p.external_id = st.text(8);
        p.client_id = st.text_view(9);
        p.client_code = st.text(10);
        p.client_name = st.text(11);
        p.client_implanted = st.int64(12) != 0;
        p.client_external_id = st.text(13);
        p.updated_at = st.text(14);
        p.drop = st.text_view(15);
    }
}

/// The owned clients read by code.
void read_clients(sql::Database& db, int64_t snapshot, Inventory& inv, const Rows& rows) {
    auto st = select(db,
                     "SELECT id, code, coalesce(external_id,''), implanted, coalesce(updated_at,'') "
                     "FROM clients",
                     snapshot, rows, " ORDER BY id");
    while (st.step())
        inv.clients.push_back(Client{st.text(0), st.text(1), st.text(2), st.text(4), st.int64(3) != 0});
}

} // namespace

Inventory load_inventory(Store& store, int64_t snapshot) {
    Inventory inv;
    inv.snapshot_id = snapshot;
    auto& db = db_of(store);
    for (auto read : {read_projects, read_boxes, read_splitters, read_ports, read_properties, read_clients})
        read(db, snapshot, inv, {}); // ports after splitters: they fill the splitters' port lists
    return inv;
}

std::vector<Project> load_projects(Store& store, int64_t snapshot) {
    Inventory inv;
    read_projects(db_of(store), snapshot, inv, {});
    return inv.projects;
}

Inventory load_inventory_part(Store& store, int64_t snapshot, const InventoryPart& part) {
    Inventory inv;
    inv.snapshot_id = snapshot;
    auto& db = db_of(store);
    const std::string splitters = json_array_of(part.splitters), codes = json_array_of(part.codes);
    std::set<std::string> proofs;
    for (const auto& id : part.sale_ids)
        proofs.insert(external_id_for(id));
    const char* in = " IN (SELECT value FROM json_each(?";
    auto in_arg = [&](const char* column, int arg) {
        return std::string(column) + in + std::to_string(arg) + "))";
    };
    read_projects(db, snapshot, inv, {});
    read_splitters(db, snapshot, inv, {in_arg("id", 2), {splitters}});
    std::set<std::string> boxes = part.boxes;
    for (const auto& [id, s] : inv.splitters)
        boxes.insert(s.box.str());
    read_boxes(db, snapshot, inv, {in_arg("id", 2), {json_array_of(boxes)}});
    read_ports(db, snapshot, inv, {in_arg("splitter", 2), {splitters}});
    // Each condition on its own index: the property's port, its proof, its client's code.
    read_properties(db, snapshot, inv,
                    {in_arg("splitter", 2) + " OR (external_id IS NOT NULL AND " + in_arg("external_id", 3) +
                         ") OR (client_code IS NOT NULL AND " + in_arg("client_code", 4) + ")",
                     {splitters, json_array_of(proofs), codes}});
    read_clients(db, snapshot, inv,
                 {in_arg("id", 2) + " OR " + in_arg("code", 3), {json_array_of(part.client_ids), codes}});
    return inv;
}

} // namespace oznsync
