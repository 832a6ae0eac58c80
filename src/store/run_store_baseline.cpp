// RunStore's base line: what oznsync last applied to each client it owns (the `owned` table), and the
// base-line updates a saved plan keeps for `apply --plan`.
#include "store/run_store.hpp"

#include "store/sale_records.hpp"
#include "store/store_access.hpp"

namespace oznsync {

namespace {
/// A base-line row as read_owned takes it, from `owned` or a saved plan's `plan_baseline`.
constexpr const char* kOwnedFields =
    "SELECT sale_id, coalesce(property_id,''), coalesce(client_id,''), coalesce(code,''), coalesce(box,''), "
    "coalesce(splitter,''), coalesce(port,0), coalesce(implanted,0)";
const std::string kOwnedColumns = std::string(kOwnedFields) + " FROM owned";

void read_owned(sql::Statement& st, Baseline& out) {
    while (st.step())
        out.insert_or_assign(Id(st.text_view(0)), // ids parsed from SQLite's text, never copied as strings
                             OwnedState{st.text_view(1), st.text_view(2), st.text(3),
                                        PortRef{st.text_view(4), st.text_view(5), st.integer(6)},
                                        st.int64(7) != 0});
}
} // namespace

long long RunStore::owned_count() {
    auto n = db_of(m_store).prepare("SELECT count(*) FROM owned");
    n.step();
    return n.int64(0);
}

Baseline RunStore::baseline() {
    Baseline out;
    out.reserve(static_cast<size_t>(owned_count()));
    auto st = db_of(m_store).prepare(kOwnedColumns);
    read_owned(st, out);
    return out;
}

std::set<std::string> RunStore::sales_owning(const std::set<std::string>& client_ids,
                                             const std::set<std::string>& splitters) {
    std::set<std::string> out;
    if (client_ids.empty() && splitters.empty()) return out;
    auto st = db_of(m_store).prepare(
        "SELECT sale_id FROM owned WHERE client_id IS NOT NULL AND client_id IN (SELECT value FROM "
        "json_each(?1)) UNION SELECT sale_id FROM owned WHERE splitter IS NOT NULL AND splitter IN (SELECT "
        "value FROM json_each(?2))");
    st.bind(1, json_array_of(client_ids)).bind(2, json_array_of(splitters));
    while (st.step())
        out.insert(st.text(0));
    return out;
}

Baseline RunStore::baseline_of(const std::set<std::string>& sale_ids) {
    Baseline out;
    auto st = db_of(m_store).prepare(kOwnedColumns + " WHERE sale_id IN (SELECT value FROM json_each(?))");
    st.bind(1, json_array_of(sale_ids));
    read_owned(st, out);
    return out;
}

void RunStore::save_baseline(const std::string& run_id, const Baseline& upsert, const std::set<Id>& forget) {
    sql::Transaction tx(db_of(m_store));
    auto del = db_of(m_store).prepare("DELETE FROM owned WHERE sale_id = ?");
    for (const auto& sale : forget)
        del.bind(1, sale).exec();
    auto ins =
        db_of(m_store).prepare("INSERT OR REPLACE INTO owned(sale_id, code, property_id, client_id, box, "
                               "splitter, port, implanted, run_id) VALUES(?,?,?,?,?,?,?,?,?)");
    for (const auto& [sale, s] : upsert) {
        ins.bind(1, sale)
            .bind(2, s.code)
            .bind_text_or_null(3, s.property_id)
            .bind_text_or_null(4, s.client_id);
        ins.bind(5, s.port.box)
            .bind(6, s.port.splitter)
            .bind(7, s.port.port)
            .bind(8, s.implanted)
            .bind(9, run_id);
        ins.exec();
    }
    tx.commit();
}

void RunStore::save_plan_baseline(const std::string& run_id, const Baseline& upsert,
                                  const std::set<Id>& forget) {
    auto& db = db_of(m_store);
    sql::Transaction tx(db);
    auto ins = db.prepare("INSERT OR REPLACE INTO plan_baseline(run_id, sale_id, forget, code, property_id, "
                          "client_id, box, splitter, port, implanted) VALUES(?,?,?,?,?,?,?,?,?,?)");
    for (const auto& sale : forget)
        ins.bind(1, run_id).bind(2, sale).bind(3, 1).exec();
    for (const auto& [sale, s] : upsert) {
        ins.bind(1, run_id)
            .bind(2, sale)
            .bind(3, 0)
            .bind(4, s.code)
            .bind(5, s.property_id)
            .bind(6, s.client_id);
        ins.bind(7, s.port.box).bind(8, s.port.splitter).bind(9, s.port.port).bind(10, s.implanted).exec();
    }
    db.prepare("UPDATE runs SET plan_baseline = 1 WHERE id = ?").bind(1, run_id).exec();
    tx.commit();
}

std::optional<OwnedUpdate> RunStore::plan_baseline(const std::string& run_id) {
    auto& db = db_of(m_store);
    auto kept = db.prepare("SELECT plan_baseline FROM runs WHERE id = ?");
    kept.bind(1, run_id);
    if (!kept.step() || kept.int64(0) == 0) return std::nullopt;
    OwnedUpdate out;
    auto forget = db.prepare("SELECT sale_id FROM plan_baseline WHERE run_id = ? AND forget = 1");
    forget.bind(1, run_id);
    while (forget.step())
        out.forget.insert(forget.text(0));
    auto upsert =
        db.prepare(std::string(kOwnedFields) + " FROM plan_baseline WHERE run_id = ? AND forget = 0");
    upsert.bind(1, run_id);
    read_owned(upsert, out.upsert);
    return out;
}

std::vector<std::string> RunStore::owned_codes_not_on_a_property(int64_t snapshot) {
    std::vector<std::string> out;
    auto st = db_of(m_store).prepare(
        // EXCEPT sorts both sides once: no per-row lookup into a snapshot of 800k properties.
        "SELECT DISTINCT code FROM owned WHERE code <> '' AND (client_id IS NULL OR client_id IN (SELECT "
        "client_id FROM owned EXCEPT SELECT client_id FROM properties WHERE snapshot_id = ?1)) ORDER BY "
        "code");
    st.bind(1, snapshot);
    while (st.step())
        out.push_back(st.text(0));
    return out;
}

} // namespace oznsync
