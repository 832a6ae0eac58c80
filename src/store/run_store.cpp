#include "store/run_store.hpp"

#include "store/change_codec.hpp"
#include "util/ids.hpp"
#include "util/time.hpp"

#include <cstdlib>

namespace oznsync {

Inventory load_inventory(Store& store, int64_t snapshot) {
    Inventory inv;
    inv.snapshot_id = snapshot;
    auto& db = store.db();
    {
        auto st = db.prepare("SELECT id, name, identifier FROM projects WHERE snapshot_id = ? ORDER BY id");
        st.bind(1, snapshot);
        while (st.step())
            inv.projects.push_back({st.text(0), st.text(1), st.text(2)});
    }
    {
        auto st = db.prepare(
            "SELECT id, project, name, lat, lng, draft, implanted FROM boxes WHERE snapshot_id = ?");
        st.bind(1, snapshot);
        while (st.step()) {
            Box b{st.text(0), st.text(1),       st.text(2),      st.real(3),
                  st.real(4), st.int64(5) != 0, st.int64(6) != 0};
            inv.boxes.emplace(b.id, std::move(b));
        }
    }
    {
        auto st =
            db.prepare("SELECT id, box, project, name, port_count FROM splitters WHERE snapshot_id = ?");
        st.bind(1, snapshot);
        while (st.step()) {
            SplitterState s{st.text(1), st.text(2), st.text(3), {}};
            s.ports.resize(static_cast<size_t>(st.int64(4)));
            inv.splitters.emplace(st.text(0), std::move(s));
        }
    }
    {
        auto st = db.prepare("SELECT splitter, number, blocked, fiber FROM ports WHERE snapshot_id = ?");
        st.bind(1, snapshot);
        std::string last_id;
        SplitterState* last = nullptr;
        while (st.step()) {
            std::string sid = st.text(0);
            if (sid != last_id) {
                auto it = inv.splitters.find(sid);
                last = it == inv.splitters.end() ? nullptr : &it->second;
                last_id = sid;
            }
            if (!last) continue;
            size_t n = static_cast<size_t>(st.int64(1));
            if (n < 1 || n > last->ports.size()) continue;
            last->ports[n - 1] = PortState{st.int64(2) != 0, st.opt_text(3)};
        }
    }
    {
        auto st = db.prepare(
            "SELECT id, project, coalesce(box,''), coalesce(splitter,''), coalesce(port,0), coalesce(lat,0), "
            "coalesce(lng,0), address, coalesce(external_id,''), coalesce(client_id,''), "
            "coalesce(client_code,''), "
            "coalesce(client_name,''), coalesce(client_implanted,0), coalesce(client_external_id,''), "
            "coalesce(updated_at,''), coalesce(drop_id,'') FROM properties WHERE snapshot_id = ? ORDER BY "
            "id");
        st.bind(1, snapshot);
        while (st.step()) {
            Property p;
            p.id = st.text(0);
            p.project = st.text(1);
            p.box = st.text(2);
            p.splitter = st.text(3);
            p.port = st.integer(4);
            p.lat = st.real(5);
            p.lng = st.real(6);
            p.address = st.text(7);
            p.external_id = st.text(8);
            p.client_id = st.text(9);
            p.client_code = st.text(10);
            p.client_name = st.text(11);
            p.client_implanted = st.int64(12) != 0;
            p.client_external_id = st.text(13);
            p.updated_at = st.text(14);
            p.drop = st.text(15);
            inv.properties.push_back(std::move(p));
        }
    }
    {
        auto st = db.prepare("SELECT id, code, coalesce(external_id,''), implanted, coalesce(updated_at,'') "
                             "FROM clients WHERE snapshot_id = ? ORDER BY id");
        st.bind(1, snapshot);
        while (st.step())
            inv.clients.push_back(Client{st.text(0), st.text(1), st.text(2), st.text(4), st.int64(3) != 0});
    }
    return inv;
}

void RunStore::begin(const RunRecord& r) {
    m_store.db()
        .prepare(
            "INSERT INTO runs(id, started_at, mode, status, snapshot_id, sales_fingerprint, sales_count, "
            "config_fingerprint, host, user) VALUES(?,?,?,?,?,?,?,?,?,?)")
        .bind(1, r.id)
        .bind(2, r.started_at)
        .bind(3, r.mode)
        .bind(4, std::string("running"))
        .bind(5, r.snapshot_id)
        .bind_text_or_null(6, r.sales_fingerprint)
        .bind(7, static_cast<int64_t>(r.sales_count))
        .bind(8, r.config_fingerprint)
        .bind(9, r.host)
        .bind(10, r.user)
        .exec();
}

void RunStore::update_inputs(const std::string& run_id, int64_t snapshot_id,
                             const std::string& sales_fingerprint, long long sales_count) {
    m_store.db()
        .prepare("UPDATE runs SET snapshot_id = ?, sales_fingerprint = ?, sales_count = ? WHERE id = ?")
        .bind(1, snapshot_id)
        .bind_text_or_null(2, sales_fingerprint)
        .bind(3, static_cast<int64_t>(sales_count))
        .bind(4, run_id)
        .exec();
}

void RunStore::finish(const std::string& run_id, const std::string& status, int exit_code,
                      const std::string& summary_json) {
    m_store.db()
        .prepare("UPDATE runs SET finished_at = ?, status = ?, exit_code = ?, summary = ? WHERE id = ?")
        .bind(1, now_iso())
        .bind(2, status)
        .bind(3, exit_code)
        .bind(4, summary_json)
        .bind(5, run_id)
        .exec();
}

namespace {
const char* kRunColumns =
    "SELECT id, started_at, coalesce(finished_at,''), mode, status, coalesce(exit_code,-1), "
    "coalesce(snapshot_id,0), coalesce(sales_fingerprint,''), coalesce(sales_count,-1), "
    "coalesce(config_fingerprint,''), coalesce(host,''), coalesce(user,''), "
    "coalesce(summary,'') FROM runs ";
RunRecord read_run(sql::Statement& st) {
    RunRecord r;
    r.id = st.text(0);
    r.started_at = st.text(1);
    r.finished_at = st.text(2);
    r.mode = st.text(3);
    r.status = st.text(4);
    r.exit_code = st.integer(5);
    r.snapshot_id = st.int64(6);
    r.sales_fingerprint = st.text(7);
    r.sales_count = st.int64(8);
    r.config_fingerprint = st.text(9);
    r.host = st.text(10);
    r.user = st.text(11);
    r.summary_json = st.text(12);
    return r;
}
} // namespace

std::optional<RunRecord> RunStore::get(const std::string& run_id) {
    auto st = m_store.db().prepare(std::string(kRunColumns) + "WHERE id = ?");
    st.bind(1, run_id);
    if (!st.step()) return std::nullopt;
    return read_run(st);
}

std::vector<RunRecord> RunStore::list(int limit) {
    auto st = m_store.db().prepare(std::string(kRunColumns) + "ORDER BY started_at DESC, id DESC LIMIT ?");
    st.bind(1, limit);
    std::vector<RunRecord> out;
    while (st.step())
        out.push_back(read_run(st));
    return out;
}

std::optional<long long> RunStore::last_sales_count(const std::string& except_run) {
    auto st = m_store.db().prepare(
        "SELECT sales_count FROM runs WHERE id != ? AND sales_count >= 0 AND status = 'done' "
        "ORDER BY started_at DESC, id DESC LIMIT 1");
    st.bind(1, except_run);
    if (!st.step()) return std::nullopt;
    return st.int64(0);
}

std::vector<JournalEntry> RunStore::save_plan(const std::string& run_id, const ChangeSet& changes) {
    std::vector<JournalEntry> out;
    auto ins = m_store.db().prepare(
        "INSERT INTO changes(run_id, seq, ulid, ts, action, sale_id, code, partner, project, box, splitter, "
        "port, "
        "before, after, reason, payload, state) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    sql::Transaction tx(m_store.db());
    int seq = 0;
    {
        auto st = m_store.db().prepare("SELECT coalesce(max(seq), 0) FROM changes WHERE run_id = ?");
        st.bind(1, run_id);
        st.step();
        seq = st.integer(0); // a run can plan in steps (clients, then partner users)
    }
    auto t = now();
    const std::string ts = iso8601(t, true);
    const uint64_t ms = static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count());
    const bool fixed_clock = std::getenv("OZNSYNC_FIXED_CLOCK") != nullptr;
    auto add = [&](const Change& c, const char* state) {
        ++seq;
        std::string ulid =
            fixed_clock ? deterministic_ulid(ms, run_id + "#" + std::to_string(seq)) : new_ulid(ms);
        JournalEntry e{seq, ulid, ts, c, state, "", ""};
        ins.bind(1, run_id).bind(2, e.seq).bind(3, e.ulid).bind(4, e.ts).bind(5, action_name(c.action));
        ins.bind(6, c.sale_id).bind(7, c.code).bind(8, c.partner).bind(9, c.project).bind(10, c.target.box);
        ins.bind(11, c.target.splitter).bind(12, c.target.port).bind(13, c.before).bind(14, c.after);
        ins.bind(15, c.reason).bind(16, change_to_json(c)).bind(17, std::string(state));
        ins.exec();
        out.push_back(std::move(e));
    };
    for (const auto& c : changes.writes)
        add(c, "planned");
    for (const auto& c : changes.findings)
        add(c, "finding");
    tx.commit();
    return out;
}

std::vector<JournalEntry> RunStore::entries(const std::string& run_id) {
    auto st =
        m_store.db().prepare("SELECT seq, ulid, ts, payload, state, coalesce(result,''), coalesce(error,'') "
                             "FROM changes WHERE run_id = ? ORDER BY seq");
    st.bind(1, run_id);
    std::vector<JournalEntry> out;
    while (st.step())
        out.push_back({st.integer(0), st.text(1), st.text(2), change_from_json(st.text(3)), st.text(4),
                       st.text(5), st.text(6)});
    return out;
}

void RunStore::set_state(const std::string& run_id, int seq, const std::string& state,
                         const std::string& result, const std::string& error) {
    if (!m_set_state)
        m_set_state.emplace(m_store.db().prepare(
            "UPDATE changes SET state = ?, result = ?, error = ? WHERE run_id = ? AND seq = ?"));
    m_set_state->bind(1, state)
        .bind_text_or_null(2, result)
        .bind_text_or_null(3, error)
        .bind(4, run_id)
        .bind(5, seq)
        .exec();
}

void RunStore::set_result_of_planned(const std::string& run_id, const std::string& result) {
    m_store.db()
        .prepare("UPDATE changes SET result = ? WHERE run_id = ? AND state = 'planned'")
        .bind(1, result)
        .bind(2, run_id)
        .exec();
}

std::vector<JournalEntry> RunStore::take_interrupted(const std::string& current_run) {
    std::vector<JournalEntry> out;
    std::vector<std::string> runs;
    {
        auto st =
            m_store.db().prepare("SELECT run_id, seq, ulid, ts, payload FROM changes WHERE state = 'intent' "
                                 "ORDER BY run_id, seq");
        while (st.step()) {
            out.push_back(
                {st.integer(1), st.text(2), st.text(3), change_from_json(st.text(4)), "interrupted", "", ""});
            runs.push_back(st.text(0));
        }
    }
    m_store.db().exec("UPDATE changes SET state = 'interrupted', error = 'the run died during this call' "
                      "WHERE state = 'intent'");
    m_store.db()
        .prepare("UPDATE runs SET status = 'died', finished_at = coalesce(finished_at, started_at) "
                 "WHERE status = 'running' AND id != ?")
        .bind(1, current_run)
        .exec();
    for (size_t i = 0; i < out.size(); ++i)
        out[i].result = runs[i]; // the run it belonged to
    return out;
}

std::map<std::string, OwnedState> RunStore::baseline() {
    std::map<std::string, OwnedState> out;
    auto st = m_store.db().prepare(
        "SELECT sale_id, coalesce(property_id,''), coalesce(client_id,''), code, coalesce(box,''), "
        "coalesce(splitter,''), coalesce(port,0), coalesce(implanted,0) FROM owned");
    while (st.step())
        out[st.text(0)] = OwnedState{st.text(1), st.text(2), st.text(3),
                                     PortRef{st.text(4), st.text(5), st.integer(6)}, st.int64(7) != 0};
    return out;
}

void RunStore::save_baseline(const std::string& run_id, const std::map<std::string, OwnedState>& upsert,
                             const std::set<std::string>& forget) {
    sql::Transaction tx(m_store.db());
    auto del = m_store.db().prepare("DELETE FROM owned WHERE sale_id = ?");
    for (const auto& sale : forget)
        del.bind(1, sale).exec();
    auto ins =
        m_store.db().prepare("INSERT OR REPLACE INTO owned(sale_id, code, property_id, client_id, box, "
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

std::vector<std::string> RunStore::owned_codes_not_on_a_property(int64_t snapshot) {
    std::vector<std::string> out;
    auto st = m_store.db().prepare(
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
