#include "store/store.hpp"

#include "store/embedded_migration.hpp"

#include <filesystem>

#include "util/error.hpp"
#include "util/ids.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace oznsync {

namespace {
#include "migrations.inc"
}

Store::Store(const std::string& path, Access access, const std::string& operator_name)
    : m_db(path, access == Access::ReadOnly ? sql::Database::ReadOnly : sql::Database::ReadWrite) {
    if (access == Access::ReadWrite) {
        migrate();
    } else if (schema_version() < static_cast<int>(std::size(kMigrations))) {
        throw UsageError("the database " + path +
                         " is from an older oznsync: run `oznsync pull` once to update it");
    }
    if (!operator_name.empty()) claim(operator_name, access);
}

void Store::claim(const std::string& operator_name, Access access) {
    // Written on first use; read-only commands check it and never write it.
    const auto owner = get_state("operator");
    if (!owner) {
        if (access == Access::ReadWrite) set_state("operator", operator_name);
        return;
    }
    if (*owner != operator_name)
        throw ConfigError("snapshot.path: " + m_db.path() + " is the database of operator '" + *owner +
                          "', not of '" + operator_name +
                          "' (operator.name): give each operator a database of its own");
}

void Store::limit_cache(int kib) {
    m_db.exec("PRAGMA cache_size=-" + std::to_string(kib));
}

void Store::release_cache() {
    m_db.release_cache();
}

int64_t Store::data_version() {
    auto st = m_db.prepare("PRAGMA data_version");
    st.step();
    return st.int64(0);
}

int Store::schema_version() {
    auto st = m_db.prepare("PRAGMA user_version");
    st.step();
    return st.integer(0);
}

void Store::migrate() {
    int current = schema_version();
    int n = 0;
    for (const auto& m : kMigrations) {
        ++n;
        long long number = 0;
        if (!parse_int(std::string_view(m.name).substr(0, 3), number) || number != n)
            throw std::logic_error(std::string("migration out of sequence: ") + m.name);
        if (n <= current) continue;
        sql::Transaction tx(m_db);
        m_db.exec(m.sql);
        m_db.exec("PRAGMA user_version = " + std::to_string(n));
        tx.commit();
    }
    if (current > n)
        throw ConfigError("snapshot.path: " + m_db.path() + " has schema version " + std::to_string(current) +
                          ", newer than this oznsync knows (" + std::to_string(n) + ")");
}

std::optional<std::string> Store::get_state(const std::string& key) {
    auto st = m_db.prepare("SELECT value FROM state WHERE key = ?");
    st.bind(1, key);
    if (!st.step()) return std::nullopt;
    return st.text(0);
}

void Store::set_state(const std::string& key, const std::string& value) {
    m_db.prepare("INSERT INTO state(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = "
                 "excluded.value")
        .bind(1, key)
        .bind(2, value)
        .exec();
}

std::optional<int64_t> Store::current_snapshot() {
    auto v = get_state("current_snapshot");
    long long id;
    if (!v || !parse_int(*v, id)) return std::nullopt;
    return id;
}

int64_t Store::require_snapshot() {
    auto id = current_snapshot();
    if (!id) throw UsageError("no complete snapshot in " + m_db.path() + ": run `oznsync pull` first");
    return *id;
}

std::optional<SnapshotInfo> Store::snapshot(int64_t id) {
    auto st = m_db.prepare(
        "SELECT id, started_at, coalesce(finished_at,''), status, source, projects, coalesce(counts,'{}'), "
        "coalesce(revision, '') FROM snapshots WHERE id = ?");
    st.bind(1, id);
    if (!st.step()) return std::nullopt;
    SnapshotInfo s;
    s.id = st.int64(0);
    s.started_at = st.text(1);
    s.finished_at = st.text(2);
    s.status = st.text(3);
    s.source = st.text(4);
    for (auto& p : split(st.text(5), ','))
        if (!p.empty()) s.projects.push_back(p);
    s.counts_json = st.text(6);
    s.revision = st.text(7);
    return s;
}

int64_t Store::begin_snapshot(const std::string& source, const std::vector<std::string>& projects) {
    m_db.prepare("INSERT INTO snapshots(started_at, status, source, projects) VALUES(?, 'building', ?, ?)")
        .bind(1, now_iso())
        .bind(2, source)
        .bind(3, join(projects, ","))
        .exec();
    return m_db.last_insert_id();
}

void Store::delete_snapshot_rows(int64_t id) {
    m_db.prepare("DELETE FROM box_rtree WHERE rid IN (SELECT rid FROM box_keys WHERE snapshot_id = ?)")
        .bind(1, id)
        .exec();
    m_db.prepare("DELETE FROM box_keys WHERE snapshot_id = ?").bind(1, id).exec();
    for (const char* table : {"projects", "boxes", "splitters", "ports", "properties", "clients"}) {
        m_db.prepare(std::string("DELETE FROM ") + table + " WHERE snapshot_id = ?").bind(1, id).exec();
    }
}

void Store::complete_snapshot(int64_t id, const std::string& counts_json) {
    sql::Transaction tx(m_db);
    m_db.prepare("UPDATE snapshots SET status = 'complete', finished_at = ?, counts = ? WHERE id = ?")
        .bind(1, now_iso())
        .bind(2, counts_json)
        .bind(3, id)
        .exec();
    set_state("current_snapshot", std::to_string(id));
    new_revision(id);
    std::vector<int64_t> old;
    auto st = m_db.prepare("SELECT id FROM snapshots WHERE id < ? AND status IN ('building', 'complete')");
    st.bind(1, id);
    while (st.step())
        old.push_back(st.int64(0));
    for (auto o : old) {
        delete_snapshot_rows(o);
        m_db.prepare("UPDATE snapshots SET status = CASE status WHEN 'complete' THEN 'superseded' ELSE "
                     "'failed' END "
                     "WHERE id = ?")
            .bind(1, o)
            .exec();
    }
    tx.commit();
    // Fresh statistics keep the query planner on the indexes (a bounded sample: cheap on large snapshots).
    m_db.exec("PRAGMA analysis_limit = 1000; PRAGMA optimize;");
}

void Store::new_revision(int64_t id) {
    m_db.prepare("UPDATE snapshots SET revision = ? WHERE id = ?").bind(1, random_hex(12)).bind(2, id).exec();
}

void Store::discard_snapshot(int64_t id) {
    sql::Transaction tx(m_db);
    delete_snapshot_rows(id);
    m_db.prepare("UPDATE snapshots SET status = 'failed', finished_at = ? WHERE id = ?")
        .bind(1, now_iso())
        .bind(2, id)
        .exec();
    tx.commit();
}

bool run_in_progress(const std::string& db_path) {
    const int fd = ::open(db_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    const bool busy = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    ::close(fd);
    return busy;
}

RunLock::RunLock(const std::string& db_path) {
    // The lock is the database file's own (flock), so every name of the file, a symlink or a bind mount,
    // reaches the same lock; a second name of the file (a hard link) is refused outright, since SQLite
    // would give it a write-ahead log of its own. flock and SQLite's POSIX record locks do not meet on a
    // local file system.
    m_fd = ::open(db_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (m_fd < 0) throw ConfigError("snapshot.path: cannot open " + db_path + ": " + std::strerror(errno));
    struct stat st {};
    if (::fstat(m_fd, &st) != 0 || !S_ISREG(st.st_mode))
        throw ConfigError("snapshot.path: " + db_path + " is not a regular file");
    sql::refuse_extra_names(db_path, st.st_nlink);
    if (::flock(m_fd, LOCK_EX | LOCK_NB) != 0)
        throw LockBusy("another oznsync run holds " + db_path + "; try again when it has finished");
}

RunLock::~RunLock() {
    // Unlocked, never closed: closing a descriptor of the database file would also drop the POSIX locks
    // SQLite holds on it in this process. The descriptor lives as long as the process (O_CLOEXEC).
    if (m_fd >= 0) ::flock(m_fd, LOCK_UN);
}

} // namespace oznsync
