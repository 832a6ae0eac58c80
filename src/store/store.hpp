#pragma once
// The local SQLite database: snapshots of OZmap, run history and the change journal. Opening it applies
// any migration from sql/ it has not seen yet.
#include "store/sqlite.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace oznsync {

struct SnapshotInfo {
    int64_t id = 0;
    std::string started_at, finished_at, status, source;
    std::string revision; // changes whenever the snapshot's content does (see sql/012)
    std::vector<std::string> projects;
    std::string counts_json;
};

/// How a command uses the database: the job writes; feasibility and availability only read (they work
/// on a read-only file or file system, and never migrate).
enum class Access { ReadWrite, ReadOnly };

class Store {
public:
    /// With `operator_name`, the database belongs to that operator: the first use records it, and a
    /// database recorded for another operator is refused (ConfigError naming both).
    explicit Store(const std::string& path, Access access = Access::ReadWrite,
                   const std::string& operator_name = "");

    int schema_version();
    /// SQLite's `data_version`: changes whenever another connection (another process) committed since
    /// this connection last asked; a watcher's cheap "did anything change?".
    int64_t data_version();
    /// The most page cache this connection keeps (64 MiB unless set): a server holding many connections
    /// keeps each small; the file system's cache still holds the file.
    void limit_cache(int kib);
    /// Gives back the page cache's memory (what a bulk read filled and nothing is using); it fills again
    /// as later statements read.
    void release_cache();
    /// One transaction around many writes of the store's classes (committed by `commit()`, rolled back
    /// when dropped without).
    sql::Transaction transaction() { return sql::Transaction(m_db); }

    std::optional<int64_t> current_snapshot();
    /// The current snapshot, or a UsageError telling the user to pull first.
    int64_t require_snapshot();
    std::optional<SnapshotInfo> snapshot(int64_t id);
    int64_t begin_snapshot(const std::string& source, const std::vector<std::string>& projects);
    /// Marks it complete, makes it current and drops every older snapshot, in one transaction.
    void complete_snapshot(int64_t id, const std::string& counts_json);
    /// Gives the snapshot a new revision: call inside the transaction that changes its content.
    void new_revision(int64_t id);
    /// Drops the rows of a snapshot that did not complete; the current one is untouched.
    void discard_snapshot(int64_t id);

    std::optional<std::string> get_state(const std::string& key);
    void set_state(const std::string& key, const std::string& value);

private:
    friend sql::Database& db_of(Store& store); // store/ only: store/store_access.hpp
    void migrate();
    void claim(const std::string& operator_name, Access access);
    void delete_snapshot_rows(int64_t id);
    sql::Database m_db;
};

/// Whether a run holds the database's lock now. Call before this process opens the database: it opens
/// and closes a descriptor of the file.
bool run_in_progress(const std::string& db_path);

/// One run at a time per database: an exclusive flock on the database file itself (whatever name or
/// symlink reaches it), released when destroyed; a database with a second name (hard link) is refused.
class RunLock {
public:
    explicit RunLock(const std::string& db_path);
    ~RunLock();
    RunLock(const RunLock&) = delete;
    RunLock& operator=(const RunLock&) = delete;

private:
    int m_fd = -1;
};

} // namespace oznsync
