// A hostile world (issue 14): nothing the operator needs is ever lost. The real binaries against ozmap-sim
// on loopback, and the real SQLite file.
#include "support/harness.hpp"
#include "support/sim_view.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <doctest/doctest.h>

#include <filesystem>
#include <map>
#include <sstream>
#include <sys/stat.h>

using namespace harness;
using Poco::JSON::Object;

namespace {

const std::string kProject = "65f000030000000000000001";
const std::string kBox = "65f000030000000000000004";
const std::string kSplit = "65f000030000000000000012"; // ports 2, 3 and 7 free

std::string sale(const std::string& id, const std::string& code, int port) {
    return R"({"id":")" + id +
           R"(","version":1,"updatedAt":"2026-03-10T10:00:00Z","state":"reserved",)"
           R"("substate":"reserved","codeOrder":")" +
           code + R"(","clientName":"C","address":"Rua 1","ozmap":{"project":")" + kProject + R"(","box":")" +
           kBox + R"(","splitter":")" + kSplit + R"(","port":)" + std::to_string(port) + "}}";
}

std::string three_sales() {
    return "[" + sale("5e00000000000000000000a2", "H-2", 2) + "," +
           sale("5e00000000000000000000a3", "H-3", 3) + "," + sale("5e00000000000000000000a7", "H-7", 7) +
           "]";
}

Object::Ptr parse(const std::string& json) {
    return Poco::JSON::Parser().parse(json).extract<Object::Ptr>();
}

size_t users_in(const Sim& sim) {
    return parse(sim.get("/api/v2/users"))->getArray("rows")->size();
}

std::vector<std::string> sim_args() {
    return {"--fixture", fixture("network-small.json")};
}

} // namespace

TEST_SUITE("hostile") {
    TEST_CASE(
        "partner passwords: the hand-over folder is checked first; a lost one is reported until reset") {
        Sim sim(sim_args());
        TempDir dir;
        write_file(dir.file("partnerships.json"), read_file(fixture("partnerships.json")));
        const std::string partners = "[ozneutral]\npartnerships = file:" + dir.file("partnerships.json") +
                                     "\n[partners]\nrole = Partner\nhandover_dir = ";
        // Not writable (a file stands where a folder should): exit 78 before any user is created.
        write_file(dir.file("blocker"), "x");
        std::string cfg = write_config(dir, sim, partners + dir.file("blocker") + "/handover\n");
        Result r = oznsync({"partners", "--config", cfg});
        CHECK(r.exit_code == 78);
        CHECK(r.err.find("partners.handover_dir") != std::string::npos);
        CHECK(users_in(sim) == 0);

        // The folder is writable, but this run's hand-over file cannot be written: the users exist, the
        // run says the passwords were not handed over, and every later run says so too.
        cfg = write_config(dir, sim, partners + dir.file("handover") + "\n");
        std::filesystem::create_directories(dir.file("handover/partners-oznsync-r-lost.txt/x"));
        r = oznsync({"partners", "--config", cfg}, {{"OZNSYNC_RUN_ID", "r-lost"}});
        INFO(r.out << r.err);
        CHECK(r.exit_code == 5); // the hand-over failed: a failure, not a finding
        CHECK(users_in(sim) == 2);
        CHECK(r.err.find("password NOT handed over") != std::string::npos);
        Result again = oznsync({"partners", "--config", cfg});
        INFO(again.out << again.err);
        CHECK(again.exit_code == 3);
        CHECK(again.out.find("conflict=2") != std::string::npos);
        CHECK(users_in(sim) == 2);

        // The operator resets them: new passwords, handed over; then the runs are clean.
        for (const char* partner : {"65a000000000000000000007", "65a000000000000000000027"}) {
            Result reset = oznsync({"partners", "--config", cfg, "--reset-password", partner},
                                   {{"OZNSYNC_RUN_ID", std::string("r-reset-") + partner}});
            INFO(reset.out << reset.err);
            CHECK(reset.exit_code == 0);
            std::string file =
                read_file(dir.file(std::string("handover/partners-oznsync-r-reset-") + partner + ".txt"));
            CHECK(file.find("ozn-" + std::string(partner) + "\t") != std::string::npos);
        }
        Result clean = oznsync({"partners", "--config", cfg});
        INFO(clean.out << clean.err);
        CHECK(clean.exit_code == 0);
        CHECK(clean.out.find("conflict") == std::string::npos);
        CHECK(oznsync({"partners", "--config", cfg, "--reset-password", "65a0000000000000000000ff"})
                  .exit_code == 64);
    }

    TEST_CASE("a run whose report cannot be written does not end in success, and says so") {
        Sim sim(sim_args());
        TempDir dir;
        write_file(dir.file("sales.json"), three_sales());
        std::string cfg =
            write_config(dir, sim, "[ozneutral]\nsales = file:" + dir.file("sales.json") + "\n");
        std::filesystem::create_directories(dir.file("reports"));
        write_file(dir.file("reports/r-noreport"), "a file where the run folder goes");
        Result r = oznsync({"run", "--config", cfg}, {{"OZNSYNC_RUN_ID", "r-noreport"}});
        INFO(r.out << r.err);
        CHECK(r.exit_code == 74);
        CHECK(r.err.find("could not be written") != std::string::npos);
        CHECK(r.out.find("report NOT written") != std::string::npos);
        auto runs = Poco::JSON::Parser()
                        .parse(oznsync({"runs", "--config", cfg, "--format", "json"}).out)
                        .extract<Poco::JSON::Array::Ptr>();
        REQUIRE(runs->size() == 1);
        auto run = runs->getObject(0);
        CHECK(run->getValue<int>("exit_code") == 74);
        // The database keeps every change: the report can be rebuilt from it.
        Result show = oznsync({"report", "show", "r-noreport", "--config", cfg});
        CHECK(show.out.find("H-7") != std::string::npos);
    }

    TEST_CASE("a journal that cannot be written stops the next write; the report lists what reached OZmap") {
        Sim sim(sim_args());
        TempDir dir;
        write_file(dir.file("sales.json"), three_sales());
        std::string cfg =
            write_config(dir, sim, "[ozneutral]\nsales = file:" + dir.file("sales.json") + "\n");
        REQUIRE(oznsync({"pull", "--config", cfg}).exit_code == 0);
        // The database 'fills up' once two changes of a run are journaled as done.
        Result t =
            run({"/usr/bin/sqlite3", dir.file("oznsync.db"),
                 "CREATE TRIGGER full_disk BEFORE UPDATE OF state ON changes WHEN NEW.state = 'done' AND "
                 "(SELECT count(*) FROM changes WHERE run_id = NEW.run_id AND state = 'done') >= 2 "
                 "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;"});
        REQUIRE(t.exit_code == 0);
        Result r = oznsync({"apply", "--config", cfg});
        INFO(r.out << r.err);
        CHECK(r.exit_code == 74);
        CHECK(r.err.find("journal could not be written") != std::string::npos);
        // Three creates were sent (the third's 'done' could not be journaled), no fourth write followed...
        auto counts = code_counts(sim.get("/__sim/state"));
        CHECK(counts.count("H-2") + counts.count("H-3") + counts.count("H-7") == 3);
        // ...and the report, built from memory, lists all three as done.
        std::string changes;
        for (const auto& e : std::filesystem::directory_iterator(dir.file("reports")))
            if (std::filesystem::exists(e.path() / "changes.jsonl"))
                changes = read_file(e.path() / "changes.jsonl");
        size_t done = 0;
        for (size_t p = 0; (p = changes.find("\"state\":\"done\"", p)) != std::string::npos; ++p)
            ++done;
        CHECK(done == 3);
    }

    TEST_CASE(
        "a pull that fills the disk says so plainly, exits 74 and leaves the previous snapshot current") {
        Sim sim({"--projects", "1", "--boxes", "500", "--seed", "5"});
        TempDir dir;
        std::string cfg = write_config(dir, sim);
        REQUIRE(oznsync({"pull", "--config", cfg}).exit_code == 0);
        // A file-size limit the write-ahead log of the next pull outgrows: the disk is "full".
        Result r = run({"/usr/bin/prlimit", "--fsize=300000", OZNSYNC_BIN, "pull", "--config", cfg});
        INFO(r.out << r.err);
        CHECK(r.exit_code == 74);
        CHECK((r.err.find("disk full") != std::string::npos ||
               r.err.find("disk is full") != std::string::npos));
        CHECK(r.err.find("internal error") == std::string::npos);
        // Feasibility still answers from the previous, complete snapshot.
        Result f = oznsync({"feasibility", "--config", cfg, "--lat", "-27.6", "--lng", "-48.6", "--radius",
                            "100000", "--limit", "1", "--format", "json"});
        CHECK(f.exit_code == 0);
        CHECK(oznsync({"pull", "--config", cfg}).exit_code == 0);
    }

    TEST_CASE("malformed OZmap rows are skipped, counted and named, never stored as facts") {
        // A damaged inventory: the first box has no coordinates (its two drop splitters then have no box).
        auto network =
            Poco::JSON::Parser().parse(read_file(fixture("network-small.json"))).extract<Object::Ptr>();
        auto box = network->getArray("boxes")->getObject(0);
        const std::string damaged = box->getValue<std::string>("id");
        box->set("coords", Poco::Dynamic::Var());
        TempDir dir;
        std::ostringstream fixture_text;
        network->stringify(fixture_text);
        write_file(dir.file("damaged.json"), fixture_text.str());
        Sim sim({"--fixture", dir.file("damaged.json")});
        write_file(dir.file("sales.json"), "[" + sale("5e00000000000000000000b1", "M-1", 2) + "]");
        const std::string sales = "[ozneutral]\nsales = file:" + dir.file("sales.json") + "\n";

        // Tolerated (ozmap.max_bad_rows = 10%): skipped and named in the log and the report.
        std::string cfg = write_config(dir, sim, sales + "[ozmap]\nmax_bad_rows = 10\n");
        Result r = oznsync({"run", "--config", cfg, "--dry-run"});
        INFO(r.out << r.err);
        CHECK(r.exit_code == 0);
        CHECK(r.err.find(damaged + " skipped: no coords") != std::string::npos);
        Result at_zero =
            run({"/usr/bin/sqlite3", dir.file("oznsync.db"),
                 "SELECT count(*) FROM boxes WHERE id = '" + damaged + "' OR (lat = 0 AND lng = 0)"});
        CHECK(at_zero.out == "0\n");
        CHECK(oznsync({"availability", "--config", cfg}).out.find(damaged) == std::string::npos);
        std::string report;
        for (const auto& e : std::filesystem::directory_iterator(dir.file("reports")))
            if (std::filesystem::exists(e.path() / "report.txt")) report = read_file(e.path() / "report.txt");
        CHECK(report.find("pull: 1 boxes skipped: no coords") != std::string::npos);
        CHECK(report.find("pull: 2 splitters skipped: box not in the snapshot") != std::string::npos);

        // Past the default (0.1% of the rows read) the pull fails and the previous snapshot stays current.
        cfg = write_config(dir, sim, sales);
        Result strict = oznsync({"pull", "--config", cfg});
        INFO(strict.err);
        CHECK(strict.exit_code == 75);
        CHECK(strict.err.find("ozmap.max_bad_rows") != std::string::npos);
        Result current = run({"/usr/bin/sqlite3", dir.file("oznsync.db"),
                              "SELECT value FROM state WHERE key = 'current_snapshot'"});
        CHECK(current.out == "1\n");
    }

    TEST_CASE("a server cannot make the job hang or eat memory: every bound holds and is named") {
        TempDir dir;
        auto pull = [&](const std::vector<std::string>& sim_args,
                        const std::map<std::string, std::string>& env) {
            std::vector<std::string> args{"--projects", "1", "--boxes", "300", "--seed", "9", "--no-gzip"};
            args.insert(args.end(), sim_args.begin(), sim_args.end());
            Sim sim(args);
            std::string cfg = write_config(dir, sim);
            Result r = oznsync({"pull", "--config", cfg}, env);
            long long requests = sim.stat("api_requests");
            return std::make_pair(r, requests);
        };
        SUBCASE(
            "a body trickled byte by byte is bounded by ozmap.timeout_s, the run by ozmap.run_timeout_s") {
            auto [r, n] = pull({"--trickle-bytes-per-s", "100"},
                               {{"OZNSYNC_OZMAP_TIMEOUT_S", "1"}, {"OZNSYNC_OZMAP_RETRIES", "1"}});
            CHECK(r.exit_code == 75);
            CHECK(r.err.find("took longer than 1 s") != std::string::npos);
            auto [r2, n2] = pull({"--trickle-bytes-per-s", "100"}, {{"OZNSYNC_OZMAP_TIMEOUT_S", "1"},
                                                                    {"OZNSYNC_OZMAP_RETRIES", "100"},
                                                                    {"OZNSYNC_OZMAP_RUN_TIMEOUT_S", "3"}});
            CHECK(r2.exit_code == 75);
            CHECK(r2.err.find("run_timeout_s") != std::string::npos);
        }
        SUBCASE("a huge body is refused, not read into memory") {
            auto [r, n] = pull({"--huge-body-mb", "64"}, {{"OZNSYNC_OZMAP_MAX_BODY_MB", "8"}});
            CHECK(r.exit_code == 75);
            CHECK(r.err.find("max_body_mb") != std::string::npos);
            CHECK(n <= 2); // refused at once, not retried
        }
        SUBCASE("an endless nextUrl, a repeating nextUrl and a lying total end the pull with a reason") {
            auto [endless, n1] = pull({"--endless-next"}, {});
            CHECK(endless.exit_code == 75);
            CHECK(endless.err.find("empty page that says more follow") != std::string::npos);
            CHECK(n1 < 20);
            auto [repeat, n2] = pull({"--repeat-next"}, {});
            CHECK(repeat.exit_code == 75);
            CHECK(repeat.err.find("already read") != std::string::npos);
            CHECK(n2 < 20);
            auto [lying, n3] = pull({"--lying-total", "100000"}, {});
            CHECK(lying.exit_code == 75);
            CHECK((lying.err.find("total is not true") != std::string::npos ||
                   lying.err.find("came up short") != std::string::npos));
            CHECK(n3 < 40);
            // The hard cap, whatever total says.
            auto [capped, n4] = pull({"--lying-total", "100000"}, {{"OZNSYNC_OZMAP_MAX_PAGES", "50"}});
            CHECK(capped.exit_code == 75);
            CHECK(capped.err.find("more than ozmap.max_pages (50)") != std::string::npos);
            CHECK(n4 < 5);
        }
    }

    TEST_CASE("a server's message is capped and stripped before it reaches a report or a log") {
        Sim sim({"--fixture", fixture("network-small.json"), "--error-message-bytes", "2000000"});
        TempDir dir;
        write_file(dir.file("sales.json"), "[" + sale("5e00000000000000000000b2", "E-1", 2) + "]");
        std::string cfg =
            write_config(dir, sim, "[ozneutral]\nsales = file:" + dir.file("sales.json") + "\n");
        Result r = oznsync({"run", "--config", cfg});
        CHECK(r.exit_code == 5); // every write refused: a failed night, never exit 3
        // What became of each action's writes: in the closing line, the report and summary.json; the
        // chart's bar is red, not the green of a done create.
        CHECK(r.out.find("  create: planned 1, done 0, failed 1, skipped 0\n") != std::string::npos);
        {
            const auto folder = newest_run_folder(dir);
            CHECK(
                read_file(folder / "report.txt").find("  create: planned 1, done 0, failed 1, skipped 0\n") !=
                std::string::npos);
            CHECK(read_file(folder / "summary.json")
                      .find("\"results_by_action\":{\"create\":{\"planned\":1,\"done\":0,\"failed\":1,"
                            "\"skipped\":0,\"not_sent\":0}}") != std::string::npos);
            const std::string html = read_file(folder / "report.html");
            CHECK(html.find("<rect class=\"part-failed\"") != std::string::npos);
            CHECK(html.find("<rect class=\"part-done\"") == std::string::npos);
        }
        CHECK(r.err.size() < 20000);
        CHECK(r.err.find('\x1b') == std::string::npos);
        for (const auto& e : std::filesystem::recursive_directory_iterator(dir.file("reports"))) {
            if (!e.is_regular_file()) continue;
            std::string text = read_file(e.path());
            CHECK_MESSAGE(text.size() < 100000, e.path());
            const std::string name = e.path().filename().string();
            const bool lists_changes = name != "drift.jsonl" && name != "summary.json" &&
                                       name != "index.html" && name != ".oznsync-operator";
            CHECK_MESSAGE((!lists_changes || text.find("REFUSED") != std::string::npos), e.path());
            CHECK_MESSAGE(text.find('\x1b') == std::string::npos, e.path());
            CHECK_MESSAGE(text.find("\\u001b") == std::string::npos, e.path());
        }
        // A dry run sends nothing: its writes are planned and not sent.
        Result dry = oznsync({"run", "--dry-run", "--config", cfg});
        CHECK(dry.out.find("  create: planned 1, done 0, failed 0, skipped 0, not sent 1\n") !=
              std::string::npos);
    }

    TEST_CASE("paths: run ids are names, not paths; the lock follows symlinks; the database is 0600 and "
              "readable read-only") {
        Sim sim(sim_args());
        TempDir dir;
        write_file(dir.file("sales.json"), "[" + sale("5e00000000000000000000b3", "P-1", 2) + "]");
        std::string cfg =
            write_config(dir, sim, "[ozneutral]\nsales = file:" + dir.file("sales.json") + "\n");
        for (const char* bad : {"../../escape", "", "a/b", ".hidden"}) {
            Result r = oznsync({"plan", "--config", cfg}, {{"OZNSYNC_RUN_ID", bad}});
            CHECK_MESSAGE(r.exit_code == 64, bad);
        }
        CHECK_FALSE(std::filesystem::exists(dir.file("../escape")));
        REQUIRE(oznsync({"run", "--config", cfg, "--dry-run"}, {{"OZNSYNC_RUN_ID", "r-once"}}).exit_code ==
                0);
        Result reused = oznsync({"plan", "--config", cfg}, {{"OZNSYNC_RUN_ID", "r-once"}});
        CHECK(reused.exit_code == 64);
        CHECK(reused.err.find("already") != std::string::npos);

        // The database holds client names and addresses: owner-only.
        CHECK((std::filesystem::status(dir.file("oznsync.db")).permissions() & std::filesystem::perms::all) ==
              (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));

        // availability --out naming a folder: a clear error.
        Result out = oznsync({"availability", "--config", cfg, "--out", dir.path()});
        CHECK(out.exit_code == 64);
        CHECK(out.err.find("is a folder") != std::string::npos);

        // A symlinked snapshot.path takes the same lock as the real one: the database file's own.
        std::filesystem::create_symlink(dir.file("oznsync.db"), dir.file("link.db"));
        std::string linked = dir.file("linked.ini"), text = read_file(cfg);
        text.replace(text.find(dir.file("oznsync.db")), dir.file("oznsync.db").size(), dir.file("link.db"));
        write_file(linked, text);
        ::chmod(linked.c_str(), 0600);
        {
            Child holder({"/usr/bin/flock", dir.file("oznsync.db"), "sleep", "30"});
            Result busy;
            for (int i = 0; i < 100; ++i) { // until the holder has the lock
                busy = oznsync({"plan", "--config", linked});
                if (busy.exit_code == 75) break;
            }
            CHECK(busy.exit_code == 75);
            CHECK(busy.err.find("another oznsync run") != std::string::npos);
        }

        // feasibility reads a database it cannot write (another user, a read-only folder).
        std::filesystem::permissions(dir.file("oznsync.db"), std::filesystem::perms::owner_read |
                                                                 std::filesystem::perms::group_read |
                                                                 std::filesystem::perms::others_read);
        std::filesystem::permissions(
            dir.path(), std::filesystem::perms::owner_all | std::filesystem::perms::group_read |
                            std::filesystem::perms::group_exec | std::filesystem::perms::others_read |
                            std::filesystem::perms::others_exec);
        ::chmod(cfg.c_str(), 0644);
        Result ro =
            run({"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", OZNSYNC_BIN,
                 "feasibility", "--config", cfg, "--lat", "-27.62", "--lng", "-48.545", "--radius", "1000"});
        INFO(ro.out << ro.err);
        CHECK(ro.exit_code == 0);
        CHECK(ro.out.find("viable box(es)") != std::string::npos);
    }
}
