#include "store/snapshot_writer.hpp"

#include "store/store_access.hpp"

namespace oznsync {

std::string port_states(const std::vector<Port>& ports) {
    std::string out;
    for (const auto& p : ports) {
        if (p.number < 1) continue;
        if (out.size() < static_cast<size_t>(p.number)) out.resize(static_cast<size_t>(p.number), '.');
        out[static_cast<size_t>(p.number) - 1] = p.fiber ? 'o' : p.blocked ? 'b' : '.';
    }
    return out;
}

SnapshotWriter::SnapshotWriter(Store& store, int64_t snapshot_id, Mode mode)
    : SnapshotWriter(db_of(store), snapshot_id, mode) {}

namespace {
std::string insert(SnapshotWriter::Mode mode, const char* rest) {
    return std::string(mode == SnapshotWriter::Mode::Replace ? "INSERT OR REPLACE INTO " : "INSERT INTO ") +
           rest;
}
} // namespace

SnapshotWriter::SnapshotWriter(sql::Database& db, int64_t snapshot_id, Mode mode)
    : m_db(db), m_snapshot(snapshot_id), m_mode(mode),
      m_project(db.prepare(insert(mode, "projects VALUES(?,?,?,?)"))),
      m_box(db.prepare(insert(mode, "boxes VALUES(?,?,?,?,?,?,?,?)"))),
      m_box_key(db.prepare("INSERT INTO box_keys(snapshot_id, box) VALUES(?,?)")),
      m_box_rtree(db.prepare(insert(mode, "box_rtree VALUES(?,?,?,?,?)"))),
      m_splitter(db.prepare(insert(mode, "splitters VALUES(?,?,?,?,?,?,?,?)"))),
      m_port(db.prepare("INSERT INTO ports VALUES(?,?,?,?,?)")),
      m_property(db.prepare(insert(mode, "properties VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"))),
      m_client(db.prepare(mode == Mode::Replace ? "INSERT OR REPLACE INTO clients VALUES(?,?,?,?,?,?)"
                                                : "INSERT OR IGNORE INTO clients VALUES(?,?,?,?,?,?)")) {}

void SnapshotWriter::add(const Project& p) {
    m_project.bind(1, m_snapshot).bind(2, p.id).bind(3, p.name).bind(4, p.identifier).exec();
}

void SnapshotWriter::add(const Box& b) {
    m_box.bind(1, m_snapshot)
        .bind(2, b.id)
        .bind(3, b.project)
        .bind(4, b.name)
        .bind(5, b.lat)
        .bind(6, b.lng)
        .bind(7, b.draft)
        .bind(8, b.implanted)
        .exec();
    int64_t key = 0;
    if (m_mode == Mode::Replace) {
        auto known = m_db.prepare("SELECT rid FROM box_keys WHERE snapshot_id = ? AND box = ?");
        known.bind(1, m_snapshot).bind(2, b.id);
        if (known.step()) key = known.int64(0);
    }
    if (!key) {
        m_box_key.bind(1, m_snapshot).bind(2, b.id).exec();
        key = m_db.last_insert_id();
    }
    m_box_rtree.bind(1, key).bind(2, b.lat).bind(3, b.lat).bind(4, b.lng).bind(5, b.lng).exec();
}

void SnapshotWriter::add(const Splitter& s) {
    if (m_mode == Mode::Replace)
        m_db.prepare("DELETE FROM ports WHERE snapshot_id = ? AND splitter = ?")
            .bind(1, m_snapshot)
            .bind(2, s.id)
            .exec();
    m_splitter.bind(1, m_snapshot)
        .bind(8, port_states(s.ports))
        .bind(2, s.id)
        .bind(3, s.box)
        .bind(4, s.project)
        .bind(5, s.name)
        .bind(6, s.implanted)
        .bind(7, static_cast<int64_t>(s.ports.size()))
        .exec();
    for (const auto& p : s.ports) {
        m_port.bind(1, m_snapshot).bind(2, s.id).bind(3, p.number).bind(4, p.blocked).bind(5, p.fiber).exec();
    }
}

void SnapshotWriter::add(const Property& p) {
    auto& st = m_property;
    st.bind(1, m_snapshot).bind(2, p.id).bind(3, p.project).bind_text_or_null(4, p.box);
    st.bind_text_or_null(5, p.splitter);
    if (p.port > 0)
        st.bind(6, p.port);
    else
        st.bind_null(6);
    st.bind(7, p.lat).bind(8, p.lng).bind(9, p.address).bind_text_or_null(10, p.external_id);
    if (p.client_id.empty()) {
        for (int i = 11; i <= 15; ++i)
            st.bind_null(i);
    } else {
        st.bind(11, p.client_id).bind(12, p.client_code).bind(13, p.client_name).bind(14, p.client_implanted);
        st.bind_text_or_null(15, p.client_external_id);
    }
    st.bind_text_or_null(16, p.updated_at);
    st.bind_text_or_null(17, p.drop);
    st.exec();
}

void SnapshotWriter::add(const Client& c) {
    m_client.bind(1, m_snapshot).bind(2, c.id).bind(3, c.code).bind_text_or_null(4, c.external_id);
    m_client.bind(5, c.implanted).bind_text_or_null(6, c.updated_at).exec();
}

long long SnapshotWriter::drop_splitters_without_box() {
    const char* orphan = "SELECT id FROM splitters s WHERE s.snapshot_id = ?1 AND NOT EXISTS "
                         "(SELECT 1 FROM boxes b WHERE b.snapshot_id = ?1 AND b.id = s.box)";
    sql::Transaction tx(m_db);
    m_db.prepare(std::string("DELETE FROM ports WHERE snapshot_id = ?1 AND splitter IN (") + orphan + ")")
        .bind(1, m_snapshot)
        .exec();
    m_db.prepare(std::string("DELETE FROM splitters WHERE snapshot_id = ?1 AND id IN (") + orphan + ")")
        .bind(1, m_snapshot)
        .exec();
    long long n = m_db.changes();
    tx.commit();
    return n;
}

void SnapshotWriter::clear(const std::string& collection, const std::string& project) {
    // Clients are read by code, not by project: a batch read again adds what it finds (INSERT OR IGNORE).
    if (collection == "ftth-clients") return;
    if (collection == "boxes") {
        m_db.prepare("DELETE FROM box_rtree WHERE rid IN (SELECT k.rid FROM box_keys k JOIN boxes b ON "
                     "b.snapshot_id = "
                     "k.snapshot_id AND b.id = k.box WHERE k.snapshot_id = ?1 AND b.project = ?2)")
            .bind(1, m_snapshot)
            .bind(2, project)
            .exec();
        m_db.prepare("DELETE FROM box_keys WHERE snapshot_id = ?1 AND box IN (SELECT id FROM boxes WHERE "
                     "snapshot_id = ?1 "
                     "AND project = ?2)")
            .bind(1, m_snapshot)
            .bind(2, project)
            .exec();
    }
    if (collection == "splitters") {
        m_db.prepare("DELETE FROM ports WHERE snapshot_id = ?1 AND splitter IN "
                     "(SELECT id FROM splitters WHERE snapshot_id = ?1 AND project = ?2)")
            .bind(1, m_snapshot)
            .bind(2, project)
            .exec();
    }
    const char* table = collection == "boxes"        ? "boxes"
                        : collection == "splitters"  ? "splitters"
                        : collection == "properties" ? "properties"
                                                     : "projects";
    const char* column = collection == "projects" ? "id" : "project";
    m_db.prepare(std::string("DELETE FROM ") + table + " WHERE snapshot_id = ? AND " + column + " = ?")
        .bind(1, m_snapshot)
        .bind(2, project)
        .exec();
}

SnapshotWriter::ProjectCounts SnapshotWriter::counts(const std::string& project) {
    auto st = m_db.prepare("SELECT (SELECT count(*) FROM boxes WHERE snapshot_id = ?1 AND project = ?2), "
                           "(SELECT count(*) FROM splitters WHERE snapshot_id = ?1 AND project = ?2), "
                           "(SELECT count(*) FROM ports p JOIN splitters s ON s.snapshot_id = p.snapshot_id "
                           "AND s.id = p.splitter "
                           "WHERE s.snapshot_id = ?1 AND s.project = ?2), "
                           "(SELECT count(*) FROM properties WHERE snapshot_id = ?1 AND project = ?2)");
    st.bind(1, m_snapshot).bind(2, project);
    st.step();
    return {st.int64(0), st.int64(1), st.int64(2), st.int64(3)};
}

long long SnapshotWriter::clients() {
    auto st = m_db.prepare("SELECT count(*) FROM properties WHERE snapshot_id = ? AND client_id IS NOT NULL");
    st.bind(1, m_snapshot);
    st.step();
    return st.int64(0);
}

} // namespace oznsync
