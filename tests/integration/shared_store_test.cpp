// The shared store against a real PostgreSQL 15 + PostGIS server (tests/support/pg_cluster): runs publish
// what `availability` exports, `serve --store` replicas answer as `serve` from SQLite and the CLI do, a
// killed publish leaves the old set, operators publish at once, replicas converge, PostgreSQL may go away.
#include "support/harness.hpp"
#include "support/pg_cluster.hpp"
#include "support/serve_client.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <functional>
#include <random>
#include <sstream>
#include <sys/stat.h>
#include <thread>

using namespace harness;

namespace {

const std::vector<std::string>& kNetwork = kGenerated;

/// One operator: a simulated OZmap, its database pulled, a config that publishes to `db`.
struct Operator {
    Sim sim;
    TempDir dir;
    std::string config;
    Operator(const std::string& name, const std::string& db, std::vector<std::string> network = kNetwork,
             const std::string& password_file = PgCluster::shared().password_file())
        : sim(network) {
        config = write_config(
            dir, sim,
            "[operator]\nname = " + name + "\n[ozneutral]\nsales = file:" + fixture("sales-stage1.json") +
                "\n[safety]\nmax_invalid_pct = 50\n" + "[publish]\nurl = " + PgCluster::shared().url(db) +
                "\npassword_file = " + password_file + "\n");
        pull_only();
    }
    /// A pull that publishes nothing (a pull publishes its snapshot when publish.url is set).
    void pull_only() const {
        Result pulled = oznsync({"pull", "--config", config}, {{"OZNSYNC_PUBLISH_URL", ""}});
        REQUIRE_MESSAGE(pulled.exit_code == 0, pulled.err);
    }
    Result publish(const std::vector<std::string>& extra = {}) const {
        std::vector<std::string> args{"publish", "--config", config};
        args.insert(args.end(), extra.begin(), extra.end());
        return oznsync(args);
    }
};

/// The [serve] settings of a replica (tokens, the store's password) and its tokens file.
std::string serve_settings(const TempDir& dir, const std::string& password_file) {
    write_file(dir.file("tokens"), kToken + "\n");
    ::chmod(dir.file("tokens").c_str(), 0600);
    write_file(dir.file("serve.ini"), "[serve]\ntokens_file = " + dir.file("tokens") +
                                          "\nrate_limit = 100000\nstore_password_file = " + password_file +
                                          "\n");
    ::chmod(dir.file("serve.ini").c_str(), 0600);
    return dir.file("serve.ini");
}

/// A `serve --store` replica of `db`.
struct Replica {
    TempDir dir;
    Server server;
    explicit Replica(const std::string& db)
        : server(serve_settings(dir, PgCluster::shared().password_file()),
                 {"--store", PgCluster::shared().url(db)}) {}
};

/// The viable boxes of a feasibility answer, without the operator's name (a store answer names it).
std::string viable_part(std::string body) {
    const size_t from = body.find("\"viable_boxes\":");
    const size_t to = body.find(",\"non_viable_boxes\"");
    REQUIRE(from != std::string::npos);
    REQUIRE(to != std::string::npos);
    body = body.substr(from, to - from);
    for (size_t at; (at = body.find("\"operator\":\"")) != std::string::npos;)
        body.erase(at, body.find("\",", at) + 2 - at);
    return body;
}

std::string number(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6f", v);
    return buf;
}

/// Polls (a generous 30 s at most, every 50 ms) until `done` holds.
bool eventually(const std::function<bool()>& done) {
    for (int i = 0; i < 600; ++i) {
        if (done()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return done();
}

std::string first_line(const Result& r) {
    return r.out.substr(0, r.out.find('\n'));
}

/// The snapshot id a replica holds of `op` (from /healthz), or -1.
long long held_snapshot(Server& s, const std::string& op) {
    const auto h = s.get("/v1/operators/" + op + "/healthz");
    if (h.status != 200) return -1;
    const size_t at = h.body.find("\"snapshot_in_memory\":");
    return at == std::string::npos ? -1 : std::stoll(h.body.substr(at + 21));
}

} // namespace

TEST_SUITE("shared_store") {
    TEST_CASE("a run publishes; at 1,000 points the CLI, serve (SQLite) and serve --store (PostgreSQL) give "
              "the same viable boxes; availability is the same bytes") {
        PgCluster& pg = PgCluster::shared();
        const std::string db = pg.create_database();
        Operator acme("acme", db);
        Result run = oznsync({"run", "--config", acme.config});
        REQUIRE_MESSAGE((run.exit_code == 0 || run.exit_code == 3), run.err);
        // The run says what it published, in its report and summary.
        const auto folder = newest_run_folder(acme.dir);
        const std::string summary = read_file((folder / "summary.json").string());
        CHECK(summary.find("\"publish\":{\"status\":\"published\"") != std::string::npos);
        CHECK(read_file((folder / "report.txt").string()).find("shared store: published ") !=
              std::string::npos);
        // Only what availability exports: no client data in the store.
        const Result columns =
            pg.psql(db, "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM "
                        "information_schema.columns WHERE table_name = 'available_boxes'");
        CHECK(first_line(columns) ==
              "operator,box_id,project,name,lat,lng,implanted,location,free_port_count,splitters");
        const Result count =
            pg.psql(db, "SELECT count(*) FROM oznsync.available_boxes WHERE operator = 'acme'");
        Result feed = oznsync({"availability", "--config", acme.config, "--format", "csv"});
        REQUIRE(feed.exit_code == 0);
        const long long lines = std::count(feed.out.begin(), feed.out.end(), '\n') - 1; // the header
        CHECK(std::stoll(first_line(count)) == lines);

        // serve from SQLite (its [serve] keys added to the operator's config) and from the store.
        TempDir serve_dir;
        const std::string tokens = serve_settings(serve_dir, pg.password_file());
        write_file(acme.config, read_file(acme.config) + read_file(tokens));
        Server sqlite_server(acme.config);
        Replica replica(db);
        const auto bounds =
            pg.psql(db, "SELECT min(lat), max(lat), min(lng), max(lng) FROM oznsync.available_boxes");
        std::vector<double> b;
        std::istringstream in(first_line(bounds));
        for (std::string part; std::getline(in, part, '|');)
            b.push_back(std::stod(part));
        REQUIRE(b.size() == 4);
        std::mt19937 rng(20261203); // fixed: the same points every run
        std::uniform_real_distribution<double> lat(b[0] - 0.01, b[1] + 0.01), lng(b[2] - 0.01, b[3] + 0.01);
        std::uniform_int_distribution<int> radius(0, 1500), limit(0, 6);
        int viable = 0;
        for (int i = 0; i < 1000; ++i) {
            const std::string la = number(lat(rng)), ln = number(lng(rng)), r = std::to_string(radius(rng)),
                              l = std::to_string(limit(rng));
            const std::string query = "lat=" + la + "&lng=" + ln + "&radius=" + r + "&limit=" + l;
            INFO("point " << i << ": " << query);
            const auto from_sqlite = sqlite_server.get("/v1/feasibility?" + query);
            const auto from_store = replica.server.get("/v1/feasibility?" + query);
            REQUIRE(from_sqlite.status == 200);
            REQUIRE(from_store.status == 200);
            REQUIRE(viable_part(from_store.body) == viable_part(from_sqlite.body));
            if (i % 10 == 0) { // the CLI is a process a question: every tenth point
                Result cli = oznsync({"feasibility", "--config", acme.config, "--lat", la, "--lng", ln,
                                      "--radius", r, "--limit", l, "--format", "json"});
                REQUIRE(cli.exit_code == 0);
                REQUIRE(viable_part(cli.out) == viable_part(from_store.body));
            }
            viable += from_store.body.find("\"viable\":true") != std::string::npos;
        }
        CHECK(viable > 100);
        CHECK(viable < 1000);
        for (const char* format : {"json", "csv", "geojson"}) {
            INFO(format);
            Result cli = oznsync({"availability", "--config", acme.config, "--format", format});
            const auto served =
                replica.server.get(std::string("/v1/operators/acme/availability?format=") + format);
            REQUIRE(served.status == 200);
            CHECK(served.body == cli.out);
        }
        // What the store does not hold, it says: runs stay on the operator's host.
        CHECK(replica.server.get("/v1/operators/acme/runs").status == 404);
    }

    TEST_CASE("a publish killed between rows leaves the old set: readers see it during and after") {
        PgCluster& pg = PgCluster::shared();
        const std::string db = pg.create_database();
        Operator acme("acme", db);
        Result first = acme.publish();
        REQUIRE_MESSAGE(first.exit_code == 0, first.err);
        const std::string before =
            first_line(pg.psql(db, "SELECT snapshot_id || ':' || revision || ':' || boxes "
                                   "FROM oznsync.operators"));
        const std::string rows_before = first_line(pg.psql(
            db, "SELECT count(*) || ':' || md5(string_agg(box_id || splitters::text, ',' ORDER BY box_id)) "
                "FROM oznsync.available_boxes"));
        // A new snapshot, then a publish held inside its COPY: the 100th row waits until the test kills it.
        acme.pull_only();
        REQUIRE(
            pg.psql(db,
                    "CREATE TABLE held (n int); INSERT INTO held VALUES (0); "
                    "CREATE FUNCTION hold_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                    "UPDATE held SET n = n + 1; IF (SELECT n FROM held) = 100 THEN PERFORM pg_sleep(600); "
                    "END IF; RETURN NEW; END $$; "
                    "CREATE TRIGGER hold BEFORE INSERT ON oznsync.available_boxes FOR EACH ROW "
                    "EXECUTE FUNCTION hold_row()")
                .exit_code == 0);
        Child publish({OZNSYNC_BIN, "publish", "--config", acme.config});
        REQUIRE(eventually([&] {
            return first_line(pg.psql(
                       db, "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep'")) == "1";
        }));
        // Mid-way: 99 new rows written, not committed. A reader sees the old set.
        CHECK(first_line(pg.psql(
                  db, "SELECT snapshot_id || ':' || revision || ':' || boxes FROM oznsync.operators")) ==
              before);
        publish.kill_now(SIGKILL);
        publish.wait();
        // The server ends the dead client's transaction (here at once; on its own once it notices).
        pg.psql(db, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE wait_event = 'PgSleep'");
        REQUIRE(eventually([&] {
            return first_line(pg.psql(
                       db, "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep'")) == "0";
        }));
        CHECK(first_line(pg.psql(
                  db, "SELECT snapshot_id || ':' || revision || ':' || boxes FROM oznsync.operators")) ==
              before);
        CHECK(
            first_line(pg.psql(db, "SELECT count(*) || ':' || md5(string_agg(box_id || splitters::text, ',' "
                                   "ORDER BY box_id)) FROM oznsync.available_boxes")) == rows_before);
        // The next publish puts the new snapshot there.
        REQUIRE(pg.psql(db, "DROP TRIGGER hold ON oznsync.available_boxes").exit_code == 0);
        // (a pull publishes the snapshot it made, as a run does)
        Result pulled_again = oznsync({"pull", "--config", acme.config});
        REQUIRE(pulled_again.exit_code == 0);
        CHECK(pulled_again.out.find("shared store: published ") != std::string::npos);
        CHECK(first_line(pg.psql(db, "SELECT snapshot_id FROM oznsync.operators")) ==
              pulled_again.out.substr(9, pulled_again.out.find(':') - 9));
        Result again = acme.publish({"--force"});
        REQUIRE_MESSAGE(again.exit_code == 0, again.err);
        CHECK(again.out.find("published") != std::string::npos);
        CHECK(first_line(pg.psql(db, "SELECT snapshot_id FROM oznsync.operators")) !=
              before.substr(0, before.find(':')));
    }

    TEST_CASE("two operators publish at once; a replica running during it and one started after converge") {
        PgCluster& pg = PgCluster::shared();
        const std::string db = pg.create_database();
        Operator acme("acme", db);
        std::vector<std::string> other = kNetwork;
        other.back() = "12"; // another seed: another network
        Operator beta("beta", db, other);
        Replica early(db); // before anything was published: no schema yet, no operator, it waits
        CHECK(early.server.get("/v1/operators").body == "{\"operators\":[]}");
        REQUIRE(acme.publish().exit_code == 0);
        Replica during(db);
        REQUIRE(during.server.get("/v1/operators").body == "{\"operators\":[\"acme\"]}");
        // Both at once, several times (each publish of an operator replaces its rows only).
        for (int round = 0; round < 3; ++round) {
            Child a({OZNSYNC_BIN, "publish", "--force", "--config", acme.config});
            Child b({OZNSYNC_BIN, "publish", "--force", "--config", beta.config});
            REQUIRE(a.wait() == 0);
            REQUIRE(b.wait() == 0);
        }
        for (const Operator* op : {&acme, &beta}) {
            const std::string name = op == &acme ? "acme" : "beta";
            Result feed = oznsync({"availability", "--config", op->config, "--format", "csv"});
            const long long lines = std::count(feed.out.begin(), feed.out.end(), '\n') - 1;
            CHECK(first_line(pg.psql(db, "SELECT count(*) FROM oznsync.available_boxes WHERE operator = '" +
                                             name + "'")) == std::to_string(lines));
        }
        Replica after(db);
        REQUIRE(eventually([&] { return held_snapshot(during.server, "beta") > 0; }));
        CHECK(during.server.get("/v1/operators").body == "{\"operators\":[\"acme\",\"beta\"]}");
        REQUIRE(eventually([&] { return held_snapshot(early.server, "beta") > 0; }));
        CHECK(early.server.get("/v1/operators").body == "{\"operators\":[\"acme\",\"beta\"]}");
        CHECK(after.server.get("/v1/operators").body == "{\"operators\":[\"acme\",\"beta\"]}");
        for (const char* op : {"acme", "beta"}) {
            const std::string path = std::string("/v1/operators/") + op + "/availability";
            CHECK(during.server.get(path).body == after.server.get(path).body);
        }
        const std::string question = "/v1/feasibility?lat=-27.6&lng=-48.5&radius=100000&limit=50";
        CHECK(during.server.get(question).body == after.server.get(question).body);
        // A new snapshot of one operator reaches the running replica (NOTIFY), not only new ones.
        beta.pull_only();
        REQUIRE(beta.publish().exit_code == 0);
        const std::string snapshot =
            first_line(pg.psql(db, "SELECT snapshot_id FROM oznsync.operators WHERE operator = 'beta'"));
        CHECK(eventually([&] { return std::to_string(held_snapshot(during.server, "beta")) == snapshot; }));
        CHECK(eventually([&] { return std::to_string(held_snapshot(after.server, "beta")) == snapshot; }));
        // A row edited by hand into something that is not free ports: that box is not offered, the rest are.
        const auto offered = [&](Server& s) {
            const std::string body = s.get("/v1/operators/acme/availability").body;
            size_t n = 0;
            for (size_t at = 0; (at = body.find("\"free_port_count\"", at)) != std::string::npos; ++at)
                ++n;
            return n;
        };
        const size_t before_edit = offered(during.server);
        REQUIRE(before_edit > 1);
        REQUIRE(pg.psql(db, "UPDATE oznsync.available_boxes SET splitters = '{\"not\": \"a list\"}' WHERE "
                            "operator = 'acme' AND box_id = (SELECT min(box_id) FROM oznsync.available_boxes "
                            "WHERE operator = 'acme'); SELECT pg_notify('oznsync_published', 'acme')")
                    .exit_code == 0);
        CHECK(eventually([&] { return offered(during.server) == before_edit - 1; }));
    }

    TEST_CASE("PostgreSQL stopped and started under a running replica: it answers from memory, says so, and "
              "catches up; a run meanwhile publishes next time") {
        PgCluster& pg = PgCluster::shared();
        const std::string db = pg.create_database();
        Operator acme("acme", db);
        REQUIRE(acme.publish().exit_code == 0);
        Replica replica(db);
        const std::string question = "/v1/feasibility?lat=-27.6&lng=-48.5&radius=100000&limit=20";
        const auto before = replica.server.get(question);
        REQUIRE(before.status == 200);
        REQUIRE(before.body.find("\"viable\":true") != std::string::npos);
        pg.stop();
        REQUIRE(eventually([&] {
            return replica.server.get("/healthz").body.find("\"status\":\"down\"") != std::string::npos;
        }));
        const auto health = replica.server.get("/healthz");
        CHECK(health.status == 200); // still in service: it answers from what it holds
        CHECK(health.body.find("\"status\":\"degraded\"") != std::string::npos);
        CHECK(health.body.find("\"contact_age_s\":") != std::string::npos);
        CHECK(replica.server.get(question).body == before.body);
        CHECK(replica.server.get("/metrics").body.find("oznsync_serve_store_up 0") != std::string::npos);
        // A run while the store is away: the sync is done, the publish a finding and a metric.
        const std::string metrics = acme.dir.file("metrics.prom");
        write_file(acme.config, read_file(acme.config) + "[reports]\nmetrics_file = " + metrics + "\n");
        Result run = oznsync({"run", "--config", acme.config});
        CHECK_MESSAGE((run.exit_code == 0 || run.exit_code == 3), run.err);
        const auto folder = newest_run_folder(acme.dir);
        CHECK(read_file((folder / "report.txt").string()).find("shared store: FAILED: ") !=
              std::string::npos);
        CHECK(read_file((folder / "summary.json").string()).find("\"publish\":{\"status\":\"failed\"") !=
              std::string::npos);
        CHECK(read_file(metrics).find("oznsync_publish_failures{operator=\"acme\"} 1") != std::string::npos);
        // Both read as Prometheus exposition text (promtool, Debian's prometheus package).
        write_file(acme.dir.file("replica.prom"), replica.server.get("/metrics").body);
        for (const std::string& file : {metrics, acme.dir.file("replica.prom")}) {
            Result check = harness::run({"/bin/sh", "-c", "/usr/bin/promtool check metrics < " + file});
            INFO(file << ": " << check.out << check.err);
            CHECK(check.exit_code == 0);
        }
        pg.start();
        REQUIRE(eventually([&] {
            return replica.server.get("/healthz").body.find("\"status\":\"up\"") != std::string::npos;
        }));
        // The next run (incremental: it asks the store only because the last publish failed) publishes.
        Result next = oznsync({"run", "--incremental", "--config", acme.config});
        CHECK_MESSAGE((next.exit_code == 0 || next.exit_code == 3), next.err);
        CHECK(read_file(metrics).find("oznsync_publish_failures{operator=\"acme\"} 0") != std::string::npos);
        const std::string snapshot = first_line(pg.psql(db, "SELECT snapshot_id FROM oznsync.operators"));
        CHECK(eventually([&] { return std::to_string(held_snapshot(replica.server, "acme")) == snapshot; }));
    }

    TEST_CASE("a wrong password is a config error naming the key; nothing of it is printed") {
        PgCluster& pg = PgCluster::shared();
        const std::string db = pg.create_database();
        TempDir keys;
        write_file(keys.file("wrong"), "not-the-password-91c\n");
        ::chmod(keys.file("wrong").c_str(), 0600);
        Operator acme("acme", db, kNetwork, keys.file("wrong"));
        Result r = acme.publish();
        CHECK(r.exit_code == 78);
        CHECK(r.err.find("publish.password: ") != std::string::npos);
        CHECK(r.err.find("refused the password") != std::string::npos);
        CHECK(r.err.find("not-the-password-91c") == std::string::npos);
        Result checked = oznsync({"check", "--config", acme.config});
        CHECK(checked.exit_code == 78);
        CHECK(checked.out.find("FAIL publish.password: ") != std::string::npos);
        CHECK(checked.out.find("not-the-password-91c") == std::string::npos);
        Result served = oznsync({"serve", "--listen", "127.0.0.1:0", "--config",
                                 serve_settings(keys, keys.file("wrong")), "--store", pg.url(db)});
        CHECK(served.exit_code == 78);
        CHECK(served.err.find("serve.store_password: ") != std::string::npos);
        CHECK(served.err.find("not-the-password-91c") == std::string::npos);
        // A password in the URL is refused before anything is sent.
        Result in_url = oznsync({"publish", "--config", acme.config},
                                {{"OZNSYNC_PUBLISH_URL", "postgresql://postgres:secret@127.0.0.1/x"}});
        CHECK(in_url.exit_code == 78);
        CHECK(in_url.err.find("publish.url: must not hold a password") != std::string::npos);
    }
}
