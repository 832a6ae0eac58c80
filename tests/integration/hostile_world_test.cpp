// A hostile world, second pass (issue 25): the database file reached through a second name, a partner
// user whose answer was lost to a SIGKILL. The real binaries against ozmap-sim on loopback, a real SQLite
// file.
#include "support/harness.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <sstream>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

using namespace harness;
using Poco::JSON::Object;

namespace {

size_t users_in(const Sim& sim) {
    return Poco::JSON::Parser()
        .parse(sim.get("/api/v2/users"))
        .extract<Object::Ptr>()
        ->getArray("rows")
        ->size();
}

std::vector<std::string> sim_args() {
    return {"--fixture", fixture("network-small.json")};
}

/// A config for partner users: the fixture's partnerships, role Partner, hand-over files in `dir`.
std::string partners_config(const TempDir& dir, const Sim& sim) {
    write_file(dir.file("partnerships.json"), read_file(fixture("partnerships.json")));
    return write_config(dir, sim,
                        "[ozneutral]\npartnerships = file:" + dir.file("partnerships.json") +
                            "\n[partners]\nrole = Partner\nhandover_dir = " + dir.file("handover") + "\n");
}

} // namespace

TEST_SUITE("hostile") {
    TEST_CASE("a database with a second name (hard link) is refused: no two write-ahead logs for one file") {
        Sim sim(sim_args());
        TempDir dir;
        std::string cfg = write_config(dir, sim);
        REQUIRE(oznsync({"pull", "--config", cfg}).exit_code == 0);
        REQUIRE(::link(dir.file("oznsync.db").c_str(), dir.file("hard.db").c_str()) == 0);
        // Through either name, a writing or a reading command: refused with exit 78, naming the cause.
        for (const std::string& db : {dir.file("oznsync.db"), dir.file("hard.db")}) {
            for (const std::vector<std::string>& args :
                 {std::vector<std::string>{"run", "--config", cfg, "--dry-run"},
                  {"runs", "--config", cfg},
                  {"feasibility", "--config", cfg, "--lat", "-27.6", "--lng", "-48.6"}}) {
                Result r = oznsync(args, {{"OZNSYNC_SNAPSHOT_PATH", db}});
                INFO(args[0] << " on " << db << ": " << r.err);
                CHECK(r.exit_code == 78);
                CHECK(r.err.find("hard links") != std::string::npos);
            }
        }
        // Once the second name is gone, the database is used as before.
        std::filesystem::remove(dir.file("hard.db"));
        Result again = oznsync({"pull", "--config", cfg});
        INFO(again.err);
        CHECK(again.exit_code == 0);
    }

    TEST_CASE("a partner user created but never answered (SIGKILL) is a conflict every run until reset") {
        Sim sim(sim_args());
        TempDir dir;
        std::string cfg = partners_config(dir, sim);
        // The first user's POST is applied and its answer never comes; the job is killed then.
        sim.set_faults(R"({"hang_after_writes": 0})");
        {
            Child job({OZNSYNC_BIN, "partners", "--config", cfg});
            REQUIRE(sim.wait_for_writes(1));
            job.kill_now(9);
            job.wait();
        }
        sim.set_faults(R"({"hang_after_writes": -1})");
        REQUIRE(users_in(sim) == 1); // the user exists; its password is written nowhere

        // Every later run says so (the other partner's user is created and handed over).
        for (int run = 0; run < 2; ++run) {
            Result r = oznsync({"partners", "--config", cfg});
            INFO(r.out << r.err);
            CHECK(r.exit_code == 3);
            CHECK(r.out.find("conflict=1") != std::string::npos);
            CHECK(users_in(sim) == 2);
        }
        std::string report = read_file(newest_run_folder(dir) / "report.txt");
        CHECK(report.find("was never handed over") != std::string::npos);
        // Reset both (the lost one is one of them): then the runs are clean.
        for (const char* partner : {"65a000000000000000000007", "65a000000000000000000027"})
            CHECK(oznsync({"partners", "--config", cfg, "--reset-password", partner}).exit_code == 0);
        Result clean = oznsync({"partners", "--config", cfg});
        INFO(clean.out << clean.err);
        CHECK(clean.exit_code == 0);
        CHECK(clean.out.find("conflict") == std::string::npos);
    }

    TEST_CASE(
        "folders others can write to are refused, never chmod'ed; a device as metrics_file is refused") {
        Sim sim(sim_args());
        TempDir dir;
        write_file(dir.file("partnerships.json"), read_file(fixture("partnerships.json")));
        std::filesystem::create_directories(dir.file("shared"));
        ::chmod(dir.file("shared").c_str(), 01777);
        const std::string partners = "[ozneutral]\npartnerships = file:" + dir.file("partnerships.json") +
                                     "\n[partners]\nrole = Partner\nhandover_dir = ";
        std::string cfg = write_config(dir, sim, partners + dir.file("shared") + "\n");
        Result r = oznsync({"partners", "--config", cfg});
        INFO(r.err);
        CHECK(r.exit_code == 78);
        CHECK(r.err.find("partners.handover_dir: " + dir.file("shared") + " is writable by other users") !=
              std::string::npos);
        CHECK(users_in(sim) == 0);
        struct stat st {};
        REQUIRE(::stat(dir.file("shared").c_str(), &st) == 0);
        CHECK((st.st_mode & 07777) == 01777); // left as it was
        CHECK(oznsync({"check", "--config", cfg}).exit_code == 78);

        // reports.dir shared: the same.
        cfg = write_config(dir, sim, "[ozneutral]\nsales = file:" + fixture("sales-stage1.json") + "\n");
        r = oznsync({"run", "--config", cfg, "--dry-run"}, {{"OZNSYNC_REPORTS_DIR", dir.file("shared")}});
        CHECK(r.exit_code == 78);
        CHECK(r.err.find("reports.dir: ") != std::string::npos);

        // A character device as the metrics file: refused before anything is written, and left a device.
        cfg = write_config(dir, sim,
                           "[ozneutral]\nsales = file:" + fixture("sales-stage1.json") +
                               "\n[reports]\nmetrics_file = /dev/null\n");
        r = oznsync({"run", "--config", cfg});
        INFO(r.err);
        CHECK(r.exit_code == 78);
        CHECK(r.err.find("reports.metrics_file: /dev/null is not a regular file") != std::string::npos);
        REQUIRE(::stat("/dev/null", &st) == 0);
        CHECK(S_ISCHR(st.st_mode));
    }

    TEST_CASE("OZmap quoting the API key back in a refusal: masked in the report, the journal and the log") {
        Sim sim(sim_args());
        TempDir dir;
        std::string cfg = write_config(dir, sim,
                                       "[ozneutral]\nsales = file:" + fixture("sales-stage1.json") +
                                           "\n[safety]\nmax_invalid_pct = 50\n");
        sim.set_faults(R"({"echo_authorization": true})");
        Result r = oznsync({"run", "--config", cfg});
        INFO(r.out << r.err);
        CHECK(r.exit_code == 5); // refused writes
        CHECK(r.err.find(Sim::kApiKey) == std::string::npos);
        const auto folder = newest_run_folder(dir);
        size_t refusals = 0;
        for (const char* name :
             {"report.html", "report.txt", "changes.csv", "changes.jsonl", "summary.json"}) {
            const std::string text = read_file(folder / name);
            INFO(name);
            CHECK(text.find(Sim::kApiKey) == std::string::npos);
            if (text.find("headers received: Authorization: ***") != std::string::npos) ++refusals;
        }
        CHECK(refusals >= 3); // the refusal is there, the key is not
        Result dump = run({"/usr/bin/sqlite3", dir.file("oznsync.db"), ".dump"});
        REQUIRE(dump.exit_code == 0);
        CHECK(dump.out.find(Sim::kApiKey) == std::string::npos);
        CHECK(dump.out.find("Authorization: ***") != std::string::npos);
    }

    TEST_CASE("as root on the service user's database: a warning to run as that user") {
        if (::geteuid() != 0) return; // only root can hand a file to another user (CI runs as root)
        Sim sim(sim_args());
        TempDir dir;
        std::string cfg =
            write_config(dir, sim, "[ozneutral]\nsales = file:" + fixture("sales-stage1.json") + "\n");
        REQUIRE(oznsync({"pull", "--config", cfg}).exit_code == 0);
        CHECK(oznsync({"runs", "--config", cfg}).err.find("running as root") == std::string::npos);
        REQUIRE(::chown(dir.file("oznsync.db").c_str(), 65534, 65534) ==
                0); // nobody's, as the units' oznsync
        Result r = oznsync({"runs", "--config", cfg});
        CHECK(r.err.find("running as root on " + dir.file("oznsync.db") + ", which belongs to ") !=
              std::string::npos);
        CHECK(r.err.find("sudo -u ") != std::string::npos);
    }

    TEST_CASE("no config anywhere: exit 78 naming --config and where it looked") {
        TempDir empty;
        if (::access("/etc/oznsync/oznsync.ini", F_OK) == 0) return; // an installed host: that one is found
        Result r = oznsync({"runs"}, {}, empty.path());
        CHECK(r.exit_code == 78);
        CHECK(r.err.find("give --config FILE") != std::string::npos);
        CHECK(r.err.find("/etc/oznsync/oznsync.ini") != std::string::npos);
        CHECK(std::filesystem::is_empty(empty.path())); // nothing created
    }

    TEST_CASE(
        "command-line values are checked (exit 64); names from OZmap reach the terminal without escapes") {
        // A box named with an escape sequence in OZmap.
        auto network =
            Poco::JSON::Parser().parse(read_file(fixture("network-small.json"))).extract<Object::Ptr>();
        network->getArray("boxes")->getObject(0)->set("name", "CTO\x1b]0;owned\x07\x1b[2J-1");
        TempDir dir;
        std::ostringstream text;
        network->stringify(text);
        write_file(dir.file("net.json"), text.str());
        Sim sim({"--fixture", dir.file("net.json")});
        std::string cfg =
            write_config(dir, sim, "[ozneutral]\nsales = file:" + fixture("sales-stage1.json") + "\n");
        REQUIRE(oznsync({"pull", "--config", cfg}).exit_code == 0);

        for (const std::vector<std::string>& args :
             {std::vector<std::string>{"plan", "--only-project", "x' OR 1=1--"},
              {"pull", "--only-project", "65f00003000000000000000"},
              {"adopt", "--dry-run", "--only-project", "../x"},
              {"feasibility", "--lat", "nan", "--lng", "-48.6"},
              {"feasibility", "--lat", "-27.6", "--lng", "inf"},
              {"feasibility", "--lat", "-27.6", "--lng", "-48.6", "--radius", "nan"}}) {
            std::vector<std::string> full = args;
            full.insert(full.end(), {"--config", cfg});
            Result r = oznsync(full);
            INFO(args[0] << " " << args[1] << " " << args[2] << ": " << r.err);
            CHECK(r.exit_code == 64);
            CHECK(r.err.find("must be") + r.err.find("is not an OZmap project id") != 2 * std::string::npos);
        }
        for (const char* id : {"index.html", "handover", "INDEX.HTML"}) {
            Result r = oznsync({"plan", "--config", cfg}, {{"OZNSYNC_RUN_ID", id}});
            CHECK(r.exit_code == 64);
            CHECK(r.err.find("is the name of a file reports.dir keeps") != std::string::npos);
        }

        Result f = oznsync(
            {"feasibility", "--config", cfg, "--lat", "-27.6", "--lng", "-48.6", "--radius", "100000"});
        REQUIRE(f.exit_code == 0);
        CHECK(f.out.find("CTO?]0;owned??[2J-1") != std::string::npos);
        CHECK(f.out.find('\x1b') == std::string::npos);
        Result p = oznsync({"plan", "--config", cfg, "-v"}, {{"OZNSYNC_SAFETY_MAX_INVALID_PCT", "50"}});
        CHECK(p.err.find('\x1b') == std::string::npos);
    }

    TEST_CASE("a FIFO as the sale feed is refused at once, not waited on") {
        Sim sim(sim_args());
        TempDir dir;
        REQUIRE(::mkfifo(dir.file("feed").c_str(), 0600) == 0);
        std::string cfg = write_config(dir, sim, "[ozneutral]\nsales = file:" + dir.file("feed") + "\n");
        Result r = oznsync({"run", "--config", cfg, "--dry-run"});
        INFO(r.err);
        CHECK(r.exit_code == 65);
        CHECK(r.err.find("ozneutral.sales: " + dir.file("feed") + " is not a regular file") !=
              std::string::npos);
    }

    TEST_CASE("ozmap.timeout_s covers a whole answer: headers trickled byte by byte end at the deadline") {
        Child server(
            {"/usr/bin/python3", std::string(TOOLS_DIR) + "/trickle_server.py", "--interval", "0.5"});
        const std::string port = server.read_line();
        REQUIRE(!port.empty());
        TempDir dir;
        const std::string cfg = dir.file("oznsync.ini");
        write_file(cfg, "[ozmap]\nurl = http://127.0.0.1:" + port +
                            "\napi_key = k-123456789\ntimeout_s = 2\nretries = 0\n[snapshot]\npath = " +
                            dir.file("oznsync.db") + "\n[reports]\ndir = " + dir.file("reports") + "\n");
        ::chmod(cfg.c_str(), 0600);
        Result r = oznsync({"pull", "--config", cfg});
        INFO(r.err);
        CHECK(r.exit_code == 75);
        CHECK(r.err.find("took longer than 2 s (timeout_s)") != std::string::npos);
    }

    TEST_CASE("a reset password is handed over only once OZmap lets the user log in with it") {
        Sim sim({"--fixture", fixture("network-small.json"), "--strip-user-password"});
        TempDir dir;
        std::string cfg = partners_config(dir, sim);
        REQUIRE(oznsync({"partners", "--config", cfg}).exit_code ==
                0); // created: the password is in the POST
        const std::string partner = "65a000000000000000000007";
        Result reset = oznsync({"partners", "--config", cfg, "--reset-password", partner},
                               {{"OZNSYNC_RUN_ID", "r-reset"}});
        INFO(reset.out << reset.err);
        CHECK(reset.exit_code != 0);
        CHECK(reset.err.find("the new password does not work; NOT handed over") != std::string::npos);
        CHECK_FALSE(std::filesystem::exists(dir.file("handover/partners-oznsync-r-reset.txt")));
        // Every later run says the password is unknown until a reset works.
        Result next = oznsync({"partners", "--config", cfg});
        CHECK(next.exit_code == 3);
        CHECK(read_file(newest_run_folder(dir) / "report.txt").find("was never handed over") !=
              std::string::npos);
    }

    TEST_CASE("a partner user oznsync did not make (no proof) is never written: a conflict, every run") {
        Sim sim(sim_args());
        TempDir dir;
        // Someone made ozn-<partner> by hand, with projects of their own.
        int status = 0;
        sim.post(
            "/api/v2/users",
            R"({"username":"ozn-65a000000000000000000007","password":"handmade-pw-1","email":"x@y.example",)"
            R"("name":"Hand made","role":"Partner","resources":["OZmap"],"projects":[]})",
            &status);
        REQUIRE(status == 201);
        sim.request("DELETE", "/__sim/requests", "");
        std::string cfg = partners_config(dir, sim);
        Result r = oznsync({"partners", "--config", cfg});
        INFO(r.out << r.err);
        CHECK(r.exit_code == 3);
        const std::string writes = sim.get("/__sim/requests");
        CHECK(writes.find("PATCH") == std::string::npos); // the hand-made user untouched
        CHECK(writes.find("ozneutral-partner:65a000000000000000000027") !=
              std::string::npos); // made with proof
        CHECK(read_file(newest_run_folder(dir) / "report.txt").find("is not proven oznsync's") !=
              std::string::npos);
        // Its password is not oznsync's to reset either.
        Result reset = oznsync({"partners", "--config", cfg, "--reset-password", "65a000000000000000000007"});
        CHECK(reset.exit_code == 64);
        CHECK(reset.err.find("not proven oznsync's") != std::string::npos);
    }

    TEST_CASE("a partner user oznsync made before users carried the proof gets it once, read back") {
        Sim sim(sim_args());
        TempDir dir;
        std::string cfg = partners_config(dir, sim);
        REQUIRE(oznsync({"partners", "--config", cfg}).exit_code == 0);
        // As an older oznsync left them: no external_id (its database knows it made them).
        auto rows =
            Poco::JSON::Parser().parse(sim.get("/api/v2/users")).extract<Object::Ptr>()->getArray("rows");
        for (size_t i = 0; i < rows->size(); ++i)
            sim.request("PATCH",
                        "/api/v2/users/" +
                            rows->getObject(static_cast<unsigned>(i))->getValue<std::string>("id"),
                        R"({"external_id":""})");
        sim.request("DELETE", "/__sim/requests", "");
        Result r = oznsync({"partners", "--config", cfg});
        INFO(r.out << r.err);
        CHECK(r.exit_code == 0);
        CHECK(r.out.find("user_update=2") != std::string::npos);
        rows = Poco::JSON::Parser().parse(sim.get("/api/v2/users")).extract<Object::Ptr>()->getArray("rows");
        for (size_t i = 0; i < rows->size(); ++i) {
            auto u = rows->getObject(static_cast<unsigned>(i));
            CHECK(u->getValue<std::string>("external_id") ==
                  "ozneutral-partner:" + u->getValue<std::string>("username").substr(4));
        }
        CHECK(oznsync({"partners", "--config", cfg}).out.find("user_update") == std::string::npos); // once
    }
}
