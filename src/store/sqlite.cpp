#include "store/sqlite.hpp"

#include "util/error.hpp"

#include <sqlite3.h>

#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

namespace oznsync::sql {

bool SqlError::is_constraint() const {
    return (code & 0xff) == SQLITE_CONSTRAINT;
}
bool SqlError::is_busy() const {
    return (code & 0xff) == SQLITE_BUSY || (code & 0xff) == SQLITE_LOCKED;
}

namespace {
/// A storage failure (disk full, I/O error, read-only, cannot open) is not a bug: it is said plainly and
/// ends the run with the documented exit code 74; anything else is an SqlError.
[[noreturn]] void raise(const std::string& msg, int code) {
    switch (code & 0xff) {
    case SQLITE_FULL:
        throw IoError("the database's disk is full (" + msg + ")");
    case SQLITE_IOERR:
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
        throw IoError("the database could not be written (" + msg +
                      "): disk full, read-only or permissions?");
    default:
        throw SqlError(msg, code);
    }
}

[[noreturn]] void fail(sqlite3* db, int rc, std::string_view context) {
    raise(std::string(context) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)),
          db ? sqlite3_extended_errcode(db) : rc);
}
} // namespace

Statement::Statement(sqlite3* db, std::string_view sql) : m_db(db) {
    int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &m_stmt, nullptr);
    if (rc != SQLITE_OK) fail(db, rc, "prepare '" + std::string(sql.substr(0, 80)) + "'");
}

Statement::~Statement() {
    sqlite3_finalize(m_stmt);
}

Statement& Statement::bind(int i, std::string_view v) {
    int rc = sqlite3_bind_text(m_stmt, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    if (rc != SQLITE_OK) fail(m_db, rc, "bind");
    return *this;
}
Statement& Statement::bind_static(int i, std::string_view v) {
    int rc = sqlite3_bind_text(m_stmt, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
    if (rc != SQLITE_OK) fail(m_db, rc, "bind");
    return *this;
}
Statement& Statement::bind(int i, int64_t v) {
    int rc = sqlite3_bind_int64(m_stmt, i, v);
    if (rc != SQLITE_OK) fail(m_db, rc, "bind");
    return *this;
}
Statement& Statement::bind(int i, double v) {
    int rc = sqlite3_bind_double(m_stmt, i, v);
    if (rc != SQLITE_OK) fail(m_db, rc, "bind");
    return *this;
}
Statement& Statement::bind_null(int i) {
    int rc = sqlite3_bind_null(m_stmt, i);
    if (rc != SQLITE_OK) fail(m_db, rc, "bind");
    return *this;
}

bool Statement::step() {
    int rc = sqlite3_step(m_stmt);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    int ext = sqlite3_extended_errcode(m_db);
    std::string msg = sqlite3_errmsg(m_db);
    sqlite3_reset(m_stmt);
    raise("sqlite: " + msg, ext);
}

void Statement::exec() {
    while (step()) {
    }
    reset();
}

void Statement::reset() {
    sqlite3_reset(m_stmt);
    sqlite3_clear_bindings(m_stmt);
}

bool Statement::is_null(int col) const {
    return sqlite3_column_type(m_stmt, col) == SQLITE_NULL;
}
int64_t Statement::int64(int col) const {
    return sqlite3_column_int64(m_stmt, col);
}
double Statement::real(int col) const {
    return sqlite3_column_double(m_stmt, col);
}
std::string Statement::text(int col) const {
    auto p = sqlite3_column_text(m_stmt, col);
    return p ? std::string(reinterpret_cast<const char*>(p),
                           static_cast<size_t>(sqlite3_column_bytes(m_stmt, col)))
             : std::string();
}
std::string_view Statement::text_view(int col) const {
    auto p = sqlite3_column_text(m_stmt, col);
    return p ? std::string_view(reinterpret_cast<const char*>(p),
                                static_cast<size_t>(sqlite3_column_bytes(m_stmt, col)))
             : std::string_view();
}
std::optional<std::string> Statement::opt_text(int col) const {
    if (is_null(col)) return std::nullopt;
    return text(col);
}

void refuse_extra_names(const std::string& path, unsigned long names) {
    if (names <= 1) return;
    throw ConfigError("snapshot.path: " + path + " has " + std::to_string(names) +
                      " names (hard links); oznsync needs it to have one: through another name a second "
                      "process would use another write-ahead log and corrupt the database. Remove the other "
                      "names (find / -samefile " +
                      path + ")");
}

namespace {
void require_single_name(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return; // not there yet: SQLite creates it (or says why not)
    if (!S_ISREG(st.st_mode)) throw ConfigError("snapshot.path: " + path + " is not a regular file");
    refuse_extra_names(path, st.st_nlink);
}

constexpr int kCheckpointPages = 16384; // 64 MiB of 4 KiB pages in the log between checkpoints
} // namespace

/// After every commit of a read-write connection: `frames`, the pages now in the write-ahead log.
int on_commit(void* self, sqlite3* /*db*/, const char* /*name*/, int frames) {
    if (frames >= kCheckpointPages) static_cast<Database*>(self)->checkpoint_in_background();
    return SQLITE_OK;
}

Database::Database(const std::string& path, Mode mode) : m_path(path) {
    if (path == kInMemory) { // the tests' database: no file, nothing else to check
        if (sqlite3_open_v2(path.c_str(), &m_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
            SQLITE_OK)
            raise("cannot open an in-memory database", SQLITE_NOMEM);
        exec("PRAGMA foreign_keys=ON;");
        return;
    }
    if (mode == ReadWrite) {
        // Created owner-only before SQLite opens it (its -wal and -shm files take the same mode). Only a
        // file that did not exist is opened here: closing a descriptor of a file SQLite already has open
        // in this process would drop SQLite's POSIX locks on it.
        int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd >= 0) ::close(fd);
    }
    require_single_name(path);
    int flags = (mode == ReadOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
                SQLITE_OPEN_NOMUTEX;
    std::string target = path;
    if (mode == ReadOnly) {
        // Reading a WAL database needs its -shm file; where nothing can be created next to the file (a
        // read-only mount, another user's folder) the file is read as it stands.
        const auto slash = path.find_last_of('/');
        const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash + 1);
        if (::access(dir.c_str(), W_OK) != 0 || ::access(path.c_str(), W_OK) != 0) {
            target = "file:";
            for (char c : path) // '%', '?' and '#' mean something in a URI
                target += c == '%' ? "%25" : c == '?' ? "%3f" : c == '#' ? "%23" : std::string(1, c);
            target += "?immutable=1";
            flags |= SQLITE_OPEN_URI;
        }
    }
    int rc = sqlite3_open_v2(target.c_str(), &m_db, flags, nullptr);
    if (rc != SQLITE_OK) {
        std::string msg = m_db ? sqlite3_errmsg(m_db) : sqlite3_errstr(rc);
        sqlite3_close(m_db);
        m_db = nullptr;
        raise("cannot open database " + path + ": " + msg, rc);
    }
    sqlite3_busy_timeout(m_db, 5000);
    if (mode == ReadOnly) {
        exec("PRAGMA query_only=ON; PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;");
        return;
    }
    // WAL: readers (feasibility) never wait for a pull; a 64 MiB page cache keeps B-tree work off the disk.
    exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA "
         "cache_size=-65536; PRAGMA temp_store=MEMORY;");
    sqlite3_wal_hook(m_db, on_commit, this); // in place of SQLite's own checkpoint inside the commit
}

void Database::release_cache() {
    sqlite3_db_release_memory(m_db);
}

Database::~Database() {
    finish_checkpoint();
    sqlite3_close(m_db);
}

void Database::finish_checkpoint() {
    if (m_checkpoint.joinable()) m_checkpoint.join();
}

void Database::checkpoint_in_background() {
    if (m_checkpointing.load()) return; // one copy at a time; the commits after it start the next
    finish_checkpoint();                // the last one, finished
    m_checkpointing = true;
    try {
        // The file this connection has open, by the full name SQLite resolved it to, and no symlink
        // followed: a name swapped since the open leads nowhere, not to another database.
        std::string file = sqlite3_db_filename(m_db, "main");
        m_checkpoint = std::thread([path = std::move(file), &busy = m_checkpointing] {
            // PASSIVE: copies what no reader still needs, never waits for a writer or blocks one.
            // The pragma, not sqlite3_wal_checkpoint_v2: a connection that has read nothing yet does not
            // know its database is in WAL mode, and the call would do nothing.
            sqlite3* db = nullptr;
            if (sqlite3_open_v2(path.c_str(), &db,
                                SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW,
                                nullptr) == SQLITE_OK)
                sqlite3_exec(db, "PRAGMA wal_checkpoint(PASSIVE)", nullptr, nullptr, nullptr);
            sqlite3_close(db);
            busy = false;
        });
    } catch (const std::system_error&) { // no thread to be had: copied here, as SQLite would
        m_checkpointing = false;
        sqlite3_wal_checkpoint_v2(m_db, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    }
}

void Database::exec(std::string_view sql) {
    char* err = nullptr;
    std::string s(sql);
    int rc = sqlite3_exec(m_db, s.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
        std::string msg = err ? err : sqlite3_errstr(rc);
        sqlite3_free(err);
        raise("sqlite: " + msg, sqlite3_extended_errcode(m_db));
    }
}

int64_t Database::last_insert_id() const {
    return sqlite3_last_insert_rowid(m_db);
}
int Database::changes() const {
    return sqlite3_changes(m_db);
}

Transaction::Transaction(Database& db, bool immediate) : m_db(db) {
    m_db.exec(immediate ? "BEGIN IMMEDIATE" : "BEGIN");
}
Transaction::~Transaction() {
    if (!m_done) {
        try {
            m_db.exec("ROLLBACK");
        } catch (...) {
        }
    }
}
void Transaction::commit() {
    m_db.exec("COMMIT");
    m_done = true;
}

} // namespace oznsync::sql
