#include "store/pg.hpp"

#include "util/strings.hpp"

#include <libpq-fe.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>

#include <poll.h>

namespace oznsync::pg {

namespace {

struct ResultFree {
    void operator()(PGresult* r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultFree>;

std::string message_of(const pg_conn* conn) {
    return trim(PQerrorMessage(conn));
}

constexpr size_t kCopyChunk = 256 * 1024;

} // namespace

namespace {
bool deployment_problem(const std::string& state) {
    // 42501 insufficient privilege, 3D000 no such database, 3F000 no such schema, 58P01 a file the server
    // lacks (an extension not installed), 0A000 feature not supported
    return state == "42501" || state == "3D000" || state == "3F000" || state == "58P01" || state == "0A000";
}
} // namespace

Error::Error(const std::string& what, std::string sqlstate)
    : oznsync::Error(deployment_problem(sqlstate) ? kExitConfig : kExitUnavailable, what),
      state(std::move(sqlstate)) {}

bool Row::is_null(int col) const {
    return PQgetisnull(m_result, m_row, col) != 0;
}

std::string_view Row::text(int col) const {
    return {PQgetvalue(m_result, m_row, col), static_cast<size_t>(PQgetlength(m_result, m_row, col))};
}

int64_t Row::int64(int col) const {
    return std::strtoll(PQgetvalue(m_result, m_row, col), nullptr, 10);
}

double Row::real(int col) const {
    return std::strtod(PQgetvalue(m_result, m_row, col), nullptr);
}

bool Row::boolean(int col) const {
    return PQgetvalue(m_result, m_row, col)[0] == 't';
}

void copy_escape(std::string& out, std::string_view text) {
    for (char c : text) {
        switch (c) {
        case '\\':
            out += "\\\\";
            break;
        case '\t':
            out += "\\t";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        default:
            out += c;
        }
    }
}

void CopyRow::separate() {
    if (!m_first) m_out += '\t';
    m_first = false;
}

CopyRow& CopyRow::field(std::string_view text) {
    separate();
    copy_escape(m_out, text);
    return *this;
}

CopyRow& CopyRow::field(int64_t value) {
    separate();
    m_out += std::to_string(value);
    return *this;
}

CopyRow& CopyRow::field(double value) {
    separate();
    m_out += format_double(value);
    return *this;
}

CopyRow& CopyRow::field(bool value) {
    separate();
    m_out += value ? 't' : 'f';
    return *this;
}

void CopyRow::end() {
    m_out += '\n';
}

Connection::Connection(const Target& target) {
    const std::string timeout = std::to_string(target.connect_timeout_s);
    std::vector<const char*> keys{"dbname", "connect_timeout", "application_name"};
    std::vector<const char*> values{target.url.c_str(), timeout.c_str(), "oznsync"};
    if (!target.password.empty()) {
        keys.push_back("password");
        values.push_back(target.password.c_str());
    }
    keys.push_back(nullptr);
    values.push_back(nullptr);
    m_conn = PQconnectdbParams(keys.data(), values.data(), 1); // 1: dbname is a URI to expand
    if (m_conn && PQstatus(m_conn) == CONNECTION_OK) {
        PQsetNoticeProcessor(
            m_conn, [](void*, const char*) {}, nullptr); // "already exists, skipping"
        return;
    }
    const std::string why = m_conn ? message_of(m_conn) : "out of memory";
    const bool password_refused = why.find("password authentication failed") != std::string::npos;
    const bool password_missing = m_conn && PQconnectionNeedsPassword(m_conn) && target.password.empty();
    PQfinish(m_conn);
    m_conn = nullptr;
    const std::string where = "PostgreSQL at " + redacted(target.url);
    if (password_refused)
        throw ConfigError(target.password_key + ": " + where + " refused the password (" + why + ")");
    if (password_missing)
        throw ConfigError(target.password_key + ": missing; " + where + " asks for a password");
    if (why.find("invalid connection option") != std::string::npos ||
        why.find("invalid URI") != std::string::npos ||
        why.find("invalid integer value") != std::string::npos)
        throw ConfigError(where + ": " + why);
    throw UnavailableError(where + ": " + why);
}

Connection::~Connection() {
    PQfinish(m_conn);
}

bool Connection::ok() const {
    return m_conn && PQstatus(m_conn) == CONNECTION_OK;
}

std::string Connection::describe() const {
    const char* host = PQhost(m_conn);
    return std::string(PQuser(m_conn)) + "@" + (host ? host : "") + ":" + PQport(m_conn) + "/" + PQdb(m_conn);
}

void Connection::fail(const std::string& what, pg_result* result) {
    const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
    std::string why = result ? trim(PQresultErrorMessage(result)) : message_of(m_conn);
    if (why.empty()) why = message_of(m_conn);
    const std::string sqlstate = state ? state : "";
    if (!ok() || sqlstate.rfind("08", 0) == 0 || sqlstate == "57P01") // connection gone, admin shutdown
        throw UnavailableError("PostgreSQL: " + what + ": " + why);
    throw Error("PostgreSQL: " + what + ": " + why, sqlstate);
}

void Connection::exec(const std::string& sql, const Params& params,
                      const std::function<void(const Row&)>& each) {
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const auto& p : params)
        values.push_back(p ? p->c_str() : nullptr);
    if (!PQsendQueryParams(m_conn, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(),
                           nullptr, nullptr, 0))
        fail("sending a statement", nullptr);
    if (each) PQsetSingleRowMode(m_conn); // rows as they arrive: a million never held at once
    std::optional<std::string> failed;
    Result keep_error;
    std::exception_ptr refused; // a row `each` could not take: the rest are drained, then it is rethrown
    const auto take = [&](const PGresult* r, int row) {
        if (failed || refused) return;
        try {
            each(Row(r, row));
        } catch (...) { // kept and rethrown below, once the connection is ready for the next statement
            refused = std::current_exception();
        }
    };
    while (Result r{PQgetResult(m_conn)}) {
        const ExecStatusType status = PQresultStatus(r.get());
        if (status == PGRES_SINGLE_TUPLE) {
            take(r.get(), 0);
        } else if (status == PGRES_TUPLES_OK) {
            if (each)
                for (int i = 0; i < PQntuples(r.get()); ++i)
                    take(r.get(), i);
        } else if (status != PGRES_COMMAND_OK && !failed) {
            failed = "a statement";
            keep_error = std::move(r);
        }
    }
    if (failed) fail(*failed, keep_error.get());
    if (refused) std::rethrow_exception(refused);
}

void Connection::exec_script(const std::string& sql) {
    Result r{PQexec(m_conn, sql.c_str())};
    const ExecStatusType status = PQresultStatus(r.get());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) fail("a migration", r.get());
}

void Connection::copy_in(const std::string& copy_sql,
                         const std::function<void(std::string&, const std::function<void()>&)>& fill) {
    {
        Result r{PQexec(m_conn, copy_sql.c_str())};
        if (PQresultStatus(r.get()) != PGRES_COPY_IN) fail("starting COPY", r.get());
    }
    std::string buffer;
    bool sent_ok = true;
    const auto send = [&] {
        if (buffer.empty() || !sent_ok) return;
        sent_ok = PQputCopyData(m_conn, buffer.data(), static_cast<int>(buffer.size())) == 1;
        buffer.clear();
    };
    const std::function<void()> flush = [&] {
        if (buffer.size() >= kCopyChunk) send();
    };
    try {
        fill(buffer, flush);
    } catch (const std::exception& e) {
        PQputCopyEnd(m_conn, "the rows could not be read");
        while (Result r{PQgetResult(m_conn)}) {
        }
        throw;
    }
    send();
    if (!sent_ok || PQputCopyEnd(m_conn, nullptr) != 1) fail("sending rows", nullptr);
    std::optional<Result> error;
    while (Result r{PQgetResult(m_conn)})
        if (PQresultStatus(r.get()) != PGRES_COMMAND_OK && !error) error = std::move(r);
    if (error) fail("COPY", error->get());
}

std::vector<std::pair<std::string, std::string>> Connection::notifications() {
    std::vector<std::pair<std::string, std::string>> out;
    if (!PQconsumeInput(m_conn)) fail("reading notifications", nullptr);
    while (PGnotify* n = PQnotifies(m_conn)) {
        out.emplace_back(n->relname, n->extra);
        PQfreemem(n);
    }
    return out;
}

void Connection::wait_readable(int timeout_ms) {
    pollfd p{PQsocket(m_conn), POLLIN, 0};
    if (p.fd < 0) fail("waiting", nullptr);
    while (::poll(&p, 1, timeout_ms) < 0 && errno == EINTR) {
    }
}

Transaction::~Transaction() {
    if (m_done || !m_conn.ok()) return;
    try {
        m_conn.exec("ROLLBACK");
    } catch (const std::exception&) { // the connection is gone: the server rolls the transaction back
    }
}

void Transaction::commit() {
    m_conn.exec("COMMIT");
    m_done = true;
}

std::string redacted(const std::string& url) {
    std::string out = url.substr(0, url.find('?'));
    const size_t scheme = out.find("://");
    const size_t at = out.find('@', scheme == std::string::npos ? 0 : scheme + 3);
    const size_t colon = out.find(':', scheme == std::string::npos ? 0 : scheme + 3);
    if (at != std::string::npos && colon < at) out.erase(colon, at - colon); // user:secret@ -> user@
    return out;
}

} // namespace oznsync::pg
