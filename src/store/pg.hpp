#pragma once
// A thin RAII layer over libpq (PostgreSQL's own client library): one connection, statements with
// parameters (never SQL built from values), rows read one at a time, COPY FROM STDIN for bulk rows,
// LISTEN/NOTIFY. A lost or refused connection is an UnavailableError (75), a refused password a
// ConfigError naming the key that holds it (78); anything else the server refuses is a pg::Error.
#include "util/error.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct pg_conn;
struct pg_result;

namespace oznsync::pg {

/// The server refused a statement: its message and SQLSTATE. Exit 78 when the deployment is the cause
/// (privileges, a missing database, schema or extension), else 75 (try again later).
struct Error : oznsync::Error {
    Error(const std::string& what, std::string sqlstate);
    std::string state;
};

/// Where and as whom to connect. The password never rides in the URL (config refuses one there).
struct Target {
    std::string url;          // postgresql://[user@]host[:port]/dbname[?params] (libpq's URI)
    std::string password;     // empty: none, or libpq's own means (~/.pgpass, PGPASSWORD)
    std::string password_key; // the config key naming it, for the error when the server refuses it
    int connect_timeout_s = 10;
};

/// One row of a result, as text (libpq's text format).
class Row {
public:
    Row(const pg_result* result, int row) : m_result(result), m_row(row) {}
    bool is_null(int col) const;
    std::string_view text(int col) const;
    int64_t int64(int col) const;
    double real(int col) const;
    bool boolean(int col) const;

private:
    const pg_result* m_result;
    int m_row;
};

using Params = std::vector<std::optional<std::string>>;

/// COPY's text format, a row at a time: fields escaped, tab between, newline after.
class CopyRow {
public:
    explicit CopyRow(std::string& out) : m_out(out) {}
    CopyRow& field(std::string_view text);
    CopyRow& field(const char* text) { return field(std::string_view(text)); } // not the bool overload
    CopyRow& field(int64_t value);
    CopyRow& field(double value);
    CopyRow& field(bool value);
    void end();

private:
    void separate();
    std::string& m_out;
    bool m_first = true;
};

/// COPY's text-format escape of one field (backslash, tab, newline, carriage return).
void copy_escape(std::string& out, std::string_view text);

class Connection {
public:
    explicit Connection(const Target& target);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    /// Runs a statement; its rows (if any) handed to `each`, one at a time, as they arrive.
    void exec(const std::string& sql, const Params& params = {},
              const std::function<void(const Row&)>& each = {});
    /// Runs a script of several statements without parameters (a migration: constant SQL).
    void exec_script(const std::string& sql);
    /// Runs `COPY ... FROM STDIN`; `fill` appends rows (CopyRow) to the buffer it is given, which is sent
    /// whenever it grows past a chunk.
    void copy_in(const std::string& copy_sql,
                 const std::function<void(std::string& buffer, const std::function<void()>& flush)>& fill);
    /// The notifications received so far ({channel, payload}), after reading what the socket holds.
    std::vector<std::pair<std::string, std::string>> notifications();
    /// Waits until the socket has something to read or `timeout_ms` passed.
    void wait_readable(int timeout_ms);
    /// False once the server is gone.
    bool ok() const;
    /// The server and user it is connected to, for messages (never the password).
    std::string describe() const;

private:
    [[noreturn]] void fail(const std::string& what, pg_result* result);
    pg_conn* m_conn = nullptr;
};

/// A transaction: BEGIN now, ROLLBACK unless committed.
class Transaction {
public:
    explicit Transaction(Connection& c) : m_conn(c) { m_conn.exec("BEGIN"); }
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit();

private:
    Connection& m_conn;
    bool m_done = false;
};

/// The URL with its password (if one were there) and query parameters left out, for logs.
std::string redacted(const std::string& url);

} // namespace oznsync::pg
