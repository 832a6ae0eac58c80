#include "support/harness.hpp"
#include "support/snapshot_view.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <doctest/doctest.h>

#include <set>
#include <sys/stat.h>

#include <filesystem>
#include <sstream>

using namespace harness;

namespace {
const std::vector<std::string> kNetwork = {"--projects",          "3",   "--boxes", "240",
                                           "--splitters-per-box", "2",   "--ports", "8",
                                           "--occupancy",         "0.6", "--seed",  "5"};

std::vector<std::string> with(std::vector<std::string> base, const std::vector<std::string>& more) {
    base.insert(base.end(), more.begin(), more.end());
    return base;
}

Result check_pull_matches(Sim& sim, const std::string& extra_config = "",
                          const std::map<std::string, std::string>& env = {}) {
    TempDir dir;
    std::string cfg = write_config(dir, sim, extra_config);
    Result r = oznsync({"pull", "--config", cfg}, env);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto expected = sim_state_lines(sim.get("/__sim/state"));
    auto actual = snapshot_lines(dir.file("oznsync.db"));
    CHECK(expected.size() > 1000);
    CHECK_MESSAGE(first_difference(actual, expected).empty(), first_difference(actual, expected));
    return r;
}
} // namespace

TEST_SUITE("pull") {
    TEST_CASE("the snapshot equals the simulator's state: projects, boxes, drop splitters, ports, clients") {
        Sim sim(kNetwork);
        check_pull_matches(sim);
    }

    TEST_CASE("following nextUrl when pages carry no total") {
        Sim sim(with(kNetwork, {"--no-total"}));
        check_pull_matches(sim);
    }

    TEST_CASE(
        "a server that ignores `page` (cursor only, like the live API for the SDK) is followed by nextUrl") {
        Sim sim(with(kNetwork, {"--cursor-only"}));
        // Fast there too: large lists (here: lists of many small pages) are cut into `_id` ranges, each
        // followed by its own cursor, and the collections of all projects are fetched side by side,
        // never more than ozmap.concurrency (4) requests at once.
        check_pull_matches(sim, "", {{"OZNSYNC_OZMAP_PAGE_SIZE", "20"}});
        CHECK(sim.stat("id_range_lists") > 0);
        CHECK(sim.stat("max_in_flight") <= 4);
        // ... also with faults on, and with small pages.
        sim.set_faults(R"({"fail_rate": 0.1, "fail_status": 503, "reset_rate": 0.05})");
        check_pull_matches(sim, "", {{"OZNSYNC_OZMAP_PAGE_SIZE", "37"}});
        Sim one_at_a_time(with(kNetwork, {"--cursor-only"}));
        check_pull_matches(one_at_a_time, "", {{"OZNSYNC_OZMAP_CONCURRENCY", "1"}});
        CHECK(one_at_a_time.stat("max_in_flight") == 1);
        // A server that drops `_id` conditions it does not know: the overlap is seen, what was read is
        // void, and one cursor per list follows.
        Sim no_ranges(with(kNetwork, {"--cursor-only", "--ignore-id-ranges"}));
        Result r = check_pull_matches(no_ranges, "", {{"OZNSYNC_OZMAP_PAGE_SIZE", "20"}});
        CHECK(r.err.find("the server ignores `_id` ranges, one cursor follows") != std::string::npos);
    }

    TEST_CASE(
        "filters as the SDK sends them (a JSON body on the GET) or in the query, each where it is read") {
        Sim body_only(with(kNetwork, {"--filters-from", "body", "--cursor-only"}));
        check_pull_matches(body_only, "", {{"OZNSYNC_OZMAP_FILTER_IN", "body"}});
        Sim query_only(with(kNetwork, {"--filters-from", "query"}));
        check_pull_matches(query_only);
        // A nextUrl that carries the cursor alone: the limit, filter, sort and populate are sent again on
        // every page, in the query or in the body, as the SDK's findAll does.
        for (const char* where : {"body", "query"}) {
            Sim bare(with(kNetwork, {"--filters-from", where, "--cursor-only", "--next-url-cursor-only"}));
            check_pull_matches(bare, "",
                               {{"OZNSYNC_OZMAP_FILTER_IN", where}, {"OZNSYNC_OZMAP_PAGE_SIZE", "20"}});
        }
    }

    TEST_CASE("a list never completes short of the total its first page stated") {
        // `_id` ranges answered empty: short by ranges, so read again by one cursor, and complete.
        Sim empty_ranges(with(kNetwork, {"--cursor-only", "--empty-id-ranges"}));
        Result r = check_pull_matches(empty_ranges, "", {{"OZNSYNC_OZMAP_PAGE_SIZE", "20"}});
        CHECK(r.err.find("came up short") != std::string::npos);
        CHECK(empty_ranges.stat("id_range_lists") > 0);
        // Still short by one cursor (the total claims more than there is): that pull fails, exit 75, the
        // previous snapshot stays current, and the message names the collection.
        TempDir dir;
        Sim liar(with(kNetwork, {"--cursor-only"}));
        std::string cfg = write_config(dir, liar);
        REQUIRE(oznsync({"pull", "--config", cfg}).exit_code == 0);
        const auto before = snapshot_lines(dir.file("oznsync.db"));
        liar.set_faults(R"({"lying_total": 100000})");
        Result short_pull = oznsync({"pull", "--config", cfg}, {{"OZNSYNC_OZMAP_PAGE_SIZE", "500"}});
        INFO(short_pull.err);
        CHECK(short_pull.exit_code == 75);
        CHECK(short_pull.err.find("came up short") != std::string::npos);
        CHECK(snapshot_lines(dir.file("oznsync.db")) == before);
    }

    TEST_CASE("a login that expires mid-pull: logged in again once, and the pull completes") {
        Sim sim(with(kNetwork, {"--login", "integration:pw-Secr3t", "--expire-tokens-after", "6"}));
        TempDir dir;
        std::string cfg = dir.file("login.ini");
        write_file(cfg, "[ozmap]\nurl = " + sim.url() +
                            "\nusername = integration\npassword = pw-Secr3t\n[snapshot]\npath = " +
                            dir.file("db") + "\n");
        Result r = oznsync({"pull", "--config", cfg});
        INFO(r.err);
        CHECK(r.exit_code == 0);
        CHECK(sim.stat("logins") == 2);
        CHECK(first_difference(snapshot_lines(dir.file("db")), sim_state_lines(sim.get("/__sim/state")))
                  .empty());
    }

    TEST_CASE("login with username and password instead of an API key") {
        Sim sim(with(kNetwork, {"--login", "integration:pw-Secr3t"}));
        TempDir dir;
        std::string cfg = dir.file("login.ini");
        write_file(cfg, "[ozmap]\nurl = " + sim.url() +
                            "\nusername = integration\npassword = pw-Secr3t\n"
                            "[snapshot]\npath = " +
                            dir.file("db") + "\n");
        Result r = oznsync({"pull", "--config", cfg});
        INFO(r.err);
        CHECK(r.exit_code == 0);
        CHECK(r.err.find("pw-Secr3t") == std::string::npos);
        // Logged in as the official SDK does: POST /users/login?type=API.
        CHECK(sim.stat("logins") >= 1);
        CHECK(sim.stat("logins_without_type") == 0);
        write_file(cfg, "[ozmap]\nurl = " + sim.url() +
                            "\nusername = integration\npassword = wrong-pass\n"
                            "[snapshot]\npath = " +
                            dir.file("db") + "\n");
        CHECK(oznsync({"pull", "--config", cfg}).exit_code == 77);
    }

    TEST_CASE("faults on: 429 with Retry-After, 503, resets and truncated bodies give the same snapshot") {
        for (auto faults :
             {std::vector<std::string>{"--fail-rate", "0.15", "--fail-status", "429", "--retry-after", "0"},
              std::vector<std::string>{"--fail-rate", "0.2", "--fail-status", "503"},
              std::vector<std::string>{"--reset-rate", "0.1"},
              std::vector<std::string>{"--truncate-rate", "0.15"}}) {
            CAPTURE(faults[0]);
            CAPTURE(faults[1]);
            Sim sim(with(kNetwork, faults));
            check_pull_matches(sim);
            CHECK(sim.stat("api_requests") > 0);
        }
    }

    TEST_CASE("a wrong API key exits 77 and names the problem without printing the key") {
        Sim sim(kNetwork);
        TempDir dir;
        std::string cfg = write_config(dir, sim);
        Result r = oznsync({"pull", "--config", cfg}, {{"OZNSYNC_OZMAP_API_KEY", "wrong-key-555"}});
        CHECK(r.exit_code == 77);
        CHECK(r.err.find("refused") != std::string::npos);
        CHECK(r.err.find("wrong-key-555") == std::string::npos);
    }

    TEST_CASE("the simulator dying mid-pull exits 75 and the previous snapshot stays current") {
        Sim sim(kNetwork);
        TempDir dir;
        std::string cfg = write_config(dir, sim, "");
        REQUIRE(oznsync({"pull", "--config", cfg}).exit_code == 0);
        auto before = snapshot_lines(dir.file("oznsync.db"));
        REQUIRE_FALSE(before.empty());
        sim.set_faults(R"({"die_after_requests": 6})");
        Result r = oznsync({"pull", "--config", cfg});
        CHECK(r.exit_code == 75);
        CHECK(r.err.find("unavailable") != std::string::npos);
        CHECK(sim.process().wait() != 0);
        CHECK(first_difference(snapshot_lines(dir.file("oznsync.db")), before).empty());
    }

    TEST_CASE("check reports each selected project, and an unknown one by id") {
        Sim sim(kNetwork);
        TempDir dir;
        write_file(dir.file("sales.json"), "[]");
        const std::string sales = "[ozneutral]\nsales = file:" + dir.file("sales.json") + "\n";
        std::string cfg = write_config(dir, sim, sales);
        Result ok = oznsync({"check", "--config", cfg});
        INFO(ok.out << ok.err);
        CHECK(ok.exit_code == 0);
        CHECK(ok.out.find("3 project(s) readable") != std::string::npos);
        cfg = write_config(dir, sim, sales);
        Result bad =
            oznsync({"check", "--config", cfg}, {{"OZNSYNC_OZMAP_PROJECTS", "aaaaaaaaaaaaaaaaaaaaaaaa"}});
        CHECK(bad.exit_code == 78);
        CHECK(bad.out.find("aaaaaaaaaaaaaaaaaaaaaaaa") != std::string::npos);
    }

    TEST_CASE("check creates nothing; it checks the metrics file's folder and serve's tokens file") {
        Sim sim(kNetwork);
        TempDir dir;
        write_file(dir.file("sales.json"), "[]");
        write_file(dir.file("tokens"), "# for serve\nshort-token\n");
        ::chmod(dir.file("tokens").c_str(), 0600);
        const std::string cfg =
            write_config(dir, sim, "[ozneutral]\nsales = file:" + dir.file("sales.json") + "\n");
        const std::map<std::string, std::string> env{
            {"OZNSYNC_SNAPSHOT_PATH", dir.file("state/oznsync.db")},
            {"OZNSYNC_REPORTS_DIR", dir.file("state/reports")},
            {"OZNSYNC_REPORTS_METRICS_FILE", dir.file("prom/oznsync.prom")},
            {"OZNSYNC_SERVE_TOKENS_FILE", dir.file("tokens")}};
        std::set<std::string> before;
        for (const auto& e : std::filesystem::recursive_directory_iterator(dir.path()))
            before.insert(e.path().string());
        Result r = oznsync({"check", "--config", cfg}, env);
        INFO(r.out << r.err);
        CHECK(r.exit_code == 78); // the short token
        CHECK(r.out.find("serve.tokens_file: " + dir.file("tokens") + " line 2: a token shorter than 16") !=
              std::string::npos);
        CHECK(r.out.find("reports.dir " + dir.file("state/reports") + " does not exist yet") !=
              std::string::npos);
        CHECK(r.out.find("reports.metrics_file " + dir.file("prom/oznsync.prom") + ": its folder") !=
              std::string::npos);
        std::set<std::string> after;
        for (const auto& e : std::filesystem::recursive_directory_iterator(dir.path()))
            after.insert(e.path().string());
        CHECK(after == before); // no database, no folder, no probe file
        write_file(dir.file("tokens"), "a-token-of-enough-length-0123\n");
        std::filesystem::create_directories(dir.file("prom"));
        ::chmod(dir.file("prom").c_str(), 0777); // a folder anyone can write: links could be planted there
        Result shared = oznsync({"check", "--config", cfg}, env);
        CHECK(shared.exit_code == 78);
        CHECK(shared.out.find("reports.metrics_file: ") != std::string::npos);
        ::chmod(dir.file("prom").c_str(), 0750);
        Result ok = oznsync({"check", "--config", cfg}, env);
        INFO(ok.out << ok.err);
        CHECK(ok.exit_code == 0);
    }

    TEST_CASE("config errors exit 78 naming the key") {
        TempDir dir;
        std::string cfg = dir.file("bad.ini");
        write_file(cfg, "[ozmap]\nurl = http://127.0.0.1:1\napi_key = k\npage_sise = 10\n");
        Result r = oznsync({"pull", "--config", cfg});
        CHECK(r.exit_code == 78);
        CHECK(r.err.find("ozmap.page_sise") != std::string::npos);
        CHECK(oznsync({"pull", "--bogus"}).exit_code == 64);
    }
}

TEST_SUITE("pull") {
    TEST_CASE("ozmap.projects = from-ozneutral: OZneutral's list, intersected with what OZmap lets us read") {
        TempDir dir;
        // Project 2 of the fixture, and one OZmap does not have.
        write_file(dir.file("projects.json"),
                   R"(["65f000030000000000000002", {"_id":"65f0000300000000000000ff"}])");
        Sim sim({"--fixture", fixture("network-small.json"), "--neutral-projects", dir.file("projects.json"),
                 "--neutral-token", "ntok-1"});
        write_file(dir.file("sales.json"), "[]");
        for (const std::string& source : {"file:" + dir.file("projects.json"), sim.url()}) {
            CAPTURE(source);
            std::string cfg =
                write_config(dir, sim,
                             "[ozmap]\nprojects = from-ozneutral\n[ozneutral]\nprojects = " + source +
                                 "\ntoken = ntok-1\nsales = file:" + dir.file("sales.json") + "\n");
            Result r = oznsync({"run", "--config", cfg, "--dry-run"});
            INFO(r.out << r.err);
            CHECK(r.err.find("65f0000300000000000000ff, which the integration user may not read") !=
                  std::string::npos);
            auto lines = snapshot_lines(dir.file("oznsync.db"));
            bool p1 = false, p2 = false;
            for (const auto& l : lines) {
                p1 = p1 || l.find("65f000030000000000000001") != std::string::npos;
                p2 = p2 || l.find("65f000030000000000000002") != std::string::npos;
            }
            CHECK_FALSE(p1);
            CHECK(p2);
        }
        std::string report;
        for (const auto& e : std::filesystem::directory_iterator(dir.file("reports")))
            if (std::filesystem::exists(e.path() / "report.txt"))
                report += read_file(e.path() / "report.txt");
        CHECK(report.find("65f000030000000000000002 Project 2 (OZneutral)") != std::string::npos);
        CHECK(report.find("65f0000300000000000000ff (OZneutral; dropped: not readable in OZmap)") !=
              std::string::npos);
    }
}

TEST_SUITE("pull") {
    TEST_CASE("from-ozneutral: a project OZmap refuses (403) is left out and said; the rest is synced") {
        TempDir dir;
        write_file(dir.file("projects.json"), R"(["65f000030000000000000001", "65f000030000000000000002"])");
        Sim sim(
            {"--fixture", fixture("network-small.json"), "--forbidden-projects", "65f000030000000000000001"});
        write_file(dir.file("sales.json"), "[]");
        std::string cfg = write_config(
            dir, sim,
            "[ozmap]\nprojects = from-ozneutral\n[ozneutral]\nprojects = file:" + dir.file("projects.json") +
                "\nsales = file:" + dir.file("sales.json") + "\n");
        Result r = oznsync({"pull", "--config", cfg});
        INFO(r.out << r.err);
        CHECK(r.exit_code == 0);
        CHECK(r.err.find("OZneutral lists project 65f000030000000000000001; OZmap refuses it") !=
              std::string::npos);
        CHECK(r.err.find("left out, the other projects are synced") != std::string::npos);
        bool p2 = false;
        for (const auto& l : snapshot_lines(dir.file("oznsync.db")))
            p2 = p2 || l.find("65f000030000000000000002") != std::string::npos;
        CHECK(p2);
    }

    TEST_CASE(
        "a project without a usable id in OZmap's answer is left out and said, never an internal error") {
        auto network = Poco::JSON::Parser()
                           .parse(read_file(fixture("network-small.json")))
                           .extract<Poco::JSON::Object::Ptr>();
        auto projects = network->getArray("projects");
        Poco::JSON::Object::Ptr odd = new Poco::JSON::Object(*projects->getObject(0));
        odd->set("id", "not-an-object-id");
        projects->add(odd);
        TempDir dir;
        std::ostringstream text;
        network->stringify(text);
        write_file(dir.file("odd.json"), text.str());
        {
            Sim sim({"--fixture", dir.file("odd.json")});
            Result r = oznsync({"pull", "--config", write_config(dir, sim)});
            INFO(r.err);
            CHECK(r.exit_code == 0);
            CHECK(r.err.find("OZmap project not-an-object-id skipped: id is not an OZmap id") !=
                  std::string::npos);
        }
    }
}
