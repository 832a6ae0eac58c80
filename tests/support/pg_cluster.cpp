#include "support/pg_cluster.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <netinet/in.h>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

namespace harness {

namespace {

/// The newest /usr/lib/postgresql/N/bin with initdb, and PostGIS's extension installed.
std::string postgres_bin() {
    std::string best;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator("/usr/lib/postgresql", ec))
        if (std::filesystem::exists(e.path() / "bin" / "initdb") && e.path().string() > best) best = e.path();
    return best.empty() ? "" : best + "/bin";
}

int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t n = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &n);
    ::close(fd);
    return ntohs(a.sin_port);
}

std::string quoted(const std::string& s) {
    std::string out = "'";
    for (char c : s)
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

} // namespace

PgCluster& PgCluster::shared() {
    static PgCluster cluster;
    return cluster;
}

PgCluster::PgCluster() : m_bin(postgres_bin()) {
    REQUIRE_MESSAGE(!m_bin.empty(), "PostgreSQL is not installed (jobs/test.sh installs postgresql-15)");
    const std::string version = std::filesystem::path(m_bin).parent_path().filename();
    const std::string missing =
        "PostGIS is not installed (jobs/test.sh installs postgresql-" + version + "-postgis-3)";
    REQUIRE_MESSAGE(
        std::filesystem::exists("/usr/share/postgresql/" + version + "/extension/postgis.control"), missing);
    char tmpl[] = "/tmp/oznsync-pg-XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    m_dir = tmpl;
    m_port = free_port();
    write_file(m_dir + "/pw", std::string(kPassword) + "\n");
    if (::geteuid() == 0) REQUIRE(run({"/bin/chown", "-R", "postgres", m_dir}).exit_code == 0);
    Result init = as_postgres(m_bin + "/initdb -D " + m_dir +
                              "/data -U postgres -A scram-sha-256 --pwfile=" + m_dir + "/pw --no-sync");
    REQUIRE_MESSAGE(init.exit_code == 0, init.err);
    // The password file oznsync reads: the test process's own (root may read anything, a user its own).
    m_password_file = m_dir + "/password";
    write_file(m_password_file, std::string(kPassword) + "\n");
    ::chmod(m_password_file.c_str(), 0600);
    start();
}

PgCluster::~PgCluster() {
    if (m_running) as_postgres(m_bin + "/pg_ctl -D " + m_dir + "/data -m immediate stop");
    std::error_code ec;
    std::filesystem::remove_all(m_dir, ec);
}

Result PgCluster::as_postgres(const std::string& shell) const {
    if (::geteuid() == 0) return run({"/bin/su", "postgres", "-s", "/bin/sh", "-c", shell});
    return run({"/bin/sh", "-c", shell});
}

void PgCluster::start() {
    const std::string options = "-k " + m_dir + " -p " + std::to_string(m_port) +
                                " -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60";
    Result r = as_postgres(m_bin + "/pg_ctl -D " + m_dir + "/data -w -t 60 -l " + m_dir + "/log -o " +
                           quoted(options) + " start");
    const std::string why = r.out + r.err + read_file(m_dir + "/log");
    REQUIRE_MESSAGE(r.exit_code == 0, why);
    m_running = true;
}

void PgCluster::stop() {
    Result r = as_postgres(m_bin + "/pg_ctl -D " + m_dir + "/data -w -m fast stop");
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    m_running = false;
}

std::string PgCluster::url(const std::string& db) const {
    return "postgresql://postgres@127.0.0.1:" + std::to_string(m_port) + "/" + db;
}

Result PgCluster::psql(const std::string& db, const std::string& sql) const {
    return run({m_bin + "/psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url(db), "-c", sql},
               {{"PGPASSWORD", kPassword}});
}

std::string PgCluster::create_database() {
    const std::string db = "t" + std::to_string(++m_databases);
    Result r = psql("postgres", "CREATE DATABASE " + db);
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    r = psql(db, "CREATE EXTENSION postgis");
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    return db;
}

} // namespace harness
