#pragma once
// A real PostgreSQL 15 + PostGIS server for the shared-store tests: initdb and pg_ctl from the Debian
// packages in a temporary folder, on a free loopback port, password (SCRAM) authentication, run as the
// unprivileged `postgres` user when the tests run as root. Stopped and removed at the end.
#include "support/harness.hpp"

#include <string>

namespace harness {

class PgCluster {
public:
    /// The cluster of this test process, started on first use (REQUIREs the packages).
    static PgCluster& shared();
    ~PgCluster();
    PgCluster(const PgCluster&) = delete;

    static constexpr const char* kPassword = "pg-test-password-4e1b";
    /// A new database with PostGIS's extension in it, for one test.
    std::string create_database();
    /// postgresql://postgres@127.0.0.1:PORT/DB (the password is not in it).
    std::string url(const std::string& db) const;
    /// A file holding the password (mode 0600), for publish.password_file / serve.store_password_file.
    std::string password_file() const { return m_password_file; }
    /// Runs SQL with psql (ON_ERROR_STOP); its output unaligned, tuples only.
    Result psql(const std::string& db, const std::string& sql) const;
    void stop();
    void start();

private:
    PgCluster();
    Result as_postgres(const std::string& shell) const;
    std::string m_bin, m_dir, m_password_file;
    int m_port = 0;
    int m_databases = 0;
    bool m_running = false;
};

} // namespace harness
