#pragma once
// A thin RAII layer over the SQLite C API: a database handle, prepared statements with typed binds,
// and a transaction guard. Errors become exceptions carrying SQLite's message.
#include "util/ids.hpp"

#include <atomic>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>

struct sqlite3;
struct sqlite3_stmt;

namespace oznsync::sql {

struct SqlError : std::runtime_error {
    SqlError(const std::string& what, int code) : std::runtime_error(what), code(code) {}
    int code;
    bool is_constraint() const;
    bool is_busy() const;
};

class Statement {
public:
    Statement(sqlite3* db, std::string_view sql);
    ~Statement();
    Statement(Statement&& o) noexcept : m_db(o.m_db), m_stmt(o.m_stmt) { o.m_stmt = nullptr; }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    Statement& bind(int i, std::string_view v);
    Statement& bind(int i, const std::string& v) { return bind(i, std::string_view(v)); }
    Statement& bind(int i, const char* v) { return bind(i, std::string_view(v)); }
    Statement& bind(int i, const Id& v) { return bind(i, IdText(v).view()); }
    Statement& bind(int i, int64_t v);
    Statement& bind(int i, int v) { return bind(i, static_cast<int64_t>(v)); }
    Statement& bind(int i, bool v) { return bind(i, static_cast<int64_t>(v ? 1 : 0)); }
    Statement& bind(int i, double v);
    Statement& bind_null(int i);
    /// Binds text without copying it: `v` must stay as it is until the statement is stepped and reset
    /// (a bulk insert binding fields of objects that outlive the row).
    Statement& bind_static(int i, std::string_view v);
    Statement& bind(int i, const std::optional<std::string>& v) { return v ? bind(i, *v) : bind_null(i); }
    /// Binds empty strings as NULL (for optional ids).
    Statement& bind_text_or_null(int i, std::string_view v) { return v.empty() ? bind_null(i) : bind(i, v); }
    Statement& bind_text_or_null(int i, const std::string& v) {
        return bind_text_or_null(i, std::string_view(v));
    }
    Statement& bind_text_or_null(int i, const Id& v) { return v.empty() ? bind_null(i) : bind(i, v); }

    /// Runs to the next row; false when done.
    bool step();
    /// Runs a statement that returns no rows.
    void exec();
    void reset();

    bool is_null(int col) const;
    int64_t int64(int col) const;
    int integer(int col) const { return static_cast<int>(int64(col)); }
    double real(int col) const;
    std::string text(int col) const;
    /// The same without a copy: valid until the statement steps again or is reset.
    std::string_view text_view(int col) const;
    std::optional<std::string> opt_text(int col) const;

private:
    sqlite3* m_db;
    sqlite3_stmt* m_stmt = nullptr;
};

class Database {
public:
    /// SQLite's in-memory database (unit tests of the store); never a configured path (config refuses it).
    static constexpr const char* kInMemory = ":memory:";
    enum Mode { ReadWrite, ReadOnly };
    /// ReadWrite creates the file (mode 0600: it holds client names and addresses) when missing.
    ///
    /// A read-write database copies its write-ahead log into the file (a checkpoint) once a commit leaves
    /// 64 MiB of it, on a thread of its own with a connection of its own: the commit that filled it (a
    /// first night's journal or snapshot, hundreds of MB) returns at once, and the copy overlaps what the
    /// caller does next. One copy at a time; the destructor waits for it. What is copied is committed
    /// already: a process killed during the copy loses nothing (the log is read again on the next open).
    explicit Database(const std::string& path, Mode mode = ReadWrite);
    ~Database();
    /// Waits for a checkpoint under way on its own thread, if any.
    /// Frees the page cache's pages no statement is using (what a bulk read filled); it fills again as
    /// later statements read.
    void release_cache();
    void finish_checkpoint();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    void exec(std::string_view sql);
    Statement prepare(std::string_view sql) { return Statement(m_db, sql); }
    int64_t last_insert_id() const;
    int changes() const;
    sqlite3* handle() { return m_db; }
    const std::string& path() const { return m_path; }

private:
    friend int on_commit(void* self, sqlite3* db, const char* name, int frames);
    void checkpoint_in_background();

    sqlite3* m_db = nullptr;
    std::string m_path;
    std::thread m_checkpoint;
    std::atomic<bool> m_checkpointing{false};
};

/// Throws a ConfigError when the database file has more than one name (hard links): SQLite names its
/// write-ahead log after the path, so two names would mean two logs for one file.
void refuse_extra_names(const std::string& path, unsigned long names);

class Transaction {
public:
    explicit Transaction(Database& db, bool immediate = true);
    Transaction(Transaction&& other) noexcept : m_db(other.m_db), m_done(other.m_done) {
        other.m_done = true;
    }
    Transaction& operator=(Transaction&&) = delete;
    ~Transaction();
    void commit();

private:
    Database& m_db;
    bool m_done = false;
};

} // namespace oznsync::sql
