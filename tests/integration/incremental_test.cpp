// `oznsync run --incremental`: only what changed since the last run, ending where the nightly runs end.
#include "support/harness.hpp"
#include "support/sim_view.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <doctest/doctest.h>

#include <chrono>
#include <ctime>
#include <fcntl.h>
#include <filesystem>
#include <sys/file.h>
#include <unistd.h>

using namespace harness;

namespace {

const std::string kSplitA = "65f000030000000000000012"; // box 1, A/C on ports 2/3
const std::string kSplitB = "65f000030000000000000037"; // box 4, B on port 1
const std::string kSplitD = "65f000030000000000000040"; // box 5, D 2 -> 4
using V = std::vector<std::string>;

std::string config_for(const TempDir& dir, const Sim& sim, const std::string& sales) {
    return write_config(dir, sim,
                        "[ozneutral]\nsales = " + sales +
                            "\n[safety]\nmax_removals_pct = 100\nmax_invalid_pct = 50\n");
}

/// The small network, its stage-1 sales served over OZneutral's HTTP API (the simulator's arguments).
std::vector<std::string> http_feed_network() {
    return {"--fixture",       fixture("network-small.json"),
            "--sales",         fixture("sales-stage1.json"),
            "--neutral-token", "neutral-token-9"};
}
/// A config reading the sales from `sim`'s OZneutral API; more lines for its [ozneutral] and [safety].
std::string http_feed_config(const TempDir& dir, const Sim& sim, const std::string& neutral_extra,
                             const std::string& safety_extra) {
    return write_config(dir, sim,
                        "[ozneutral]\nsales = " + sim.url() + "\ntoken = neutral-token-9\n" + neutral_extra +
                            "[safety]\nmax_invalid_pct = 50\n" + safety_extra);
}

V owned_clients(const Sim& sim) {
    V out;
    for (auto& l : client_lines(sim.get("/__sim/state")))
        if (l.rfind("OP-", 0) != 0) out.push_back(l);
    return out;
}

Poco::JSON::Object::Ptr summary_of(const std::filesystem::path& run) {
    return Poco::JSON::Parser().parse(read_file(run / "summary.json")).extract<Poco::JSON::Object::Ptr>();
}

/// A column of the newest row of `runs` (a run without a report folder has only its row).
std::string newest_row(const TempDir& dir, const std::string& column) {
    Result r = run({"/usr/bin/sqlite3", dir.file("oznsync.db"),
                    "SELECT " + column + " FROM runs ORDER BY rowid DESC LIMIT 1"});
    REQUIRE(r.exit_code == 0);
    while (!r.out.empty() && r.out.back() == '\n')
        r.out.pop_back();
    return r.out;
}

std::string now_iso() {
    std::time_t t = std::time(nullptr);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    return buf;
}

/// A stage of the sale feed as OZneutral would serve it now: the records of `version` or above were
/// changed just now, the others long ago.
std::string stamped(const std::string& stage, int version) {
    auto records = Poco::JSON::Parser()
                       .parse(read_file(fixture("sales-" + stage + ".json")))
                       .extract<Poco::JSON::Array::Ptr>();
    for (size_t i = 0; i < records->size(); ++i) {
        auto r = records->getObject(static_cast<unsigned>(i));
        if (r->optValue<int>("version", 0) >= version) r->set("updatedAt", now_iso());
    }
    std::ostringstream out;
    records->stringify(out);
    return out.str();
}

/// The id of the client with this code, read through the API.
std::string client_id_of(const Sim& sim, const std::string& code) {
    auto props = Poco::JSON::Parser()
                     .parse(sim.get("/api/v2/properties/client/" + code))
                     .extract<Poco::JSON::Array::Ptr>();
    REQUIRE(props->size() == 1);
    return props->getObject(0)->getObject("client")->getValue<std::string>("id");
}

} // namespace

TEST_SUITE("incremental") {
    TEST_CASE("a lifecycle driven by incremental runs ends where the nightly runs end; the full run after "
              "them plans nothing") {
        const std::vector<std::string> args{"--fixture", fixture("network-small.json")};
        Sim nightly_sim(args), fast_sim(args);
        TempDir nightly, fast;
        const std::string nightly_cfg =
            config_for(nightly, nightly_sim, "file:" + nightly.file("sales.json"));
        const std::string fast_cfg = config_for(fast, fast_sim, "file:" + fast.file("sales.json"));
        bool first = true;
        for (const char* stage : {"stage1", "stage2", "stage3", "stage4"}) {
            const std::string feed = read_file(fixture(std::string("sales-") + stage + ".json"));
            write_file(nightly.file("sales.json"), feed);
            write_file(fast.file("sales.json"), feed);
            Result n = oznsync({"run", "--config", nightly_cfg});
            Result f = oznsync({"run", "--incremental", "--config", fast_cfg});
            INFO(stage << "\n" << f.out << f.err);
            CHECK((f.exit_code == 0 || f.exit_code == 3));
            // The first has nothing to start from: it is a full run, and says so.
            CHECK((f.err.find("this run is a full run") != std::string::npos) == first);
            CHECK(f.out.find(first ? "(run)" : "(incremental)") != std::string::npos);
            first = false;
            CHECK(owned_clients(fast_sim) == owned_clients(nightly_sim));
            CHECK(n.exit_code == 3);
        }
        CHECK(owned_clients(fast_sim) == V{"ORD-B|" + kSplitB + "|1|1", "ORD-D|" + kSplitD + "|4|0"});
        // An incremental run with nothing new plans no write, and leaves its row but no report folder.
        const auto folder_before = newest_run_folder(fast);
        Result quiet = oznsync({"run", "--incremental", "--config", fast_cfg});
        CHECK(quiet.exit_code == 0);
        CHECK(quiet.out.find("no report folder: nothing changed") != std::string::npos);
        CHECK(newest_run_folder(fast) == folder_before);
        CHECK(newest_row(fast, "mode || ' ' || exit_code") == "incremental 0");
        // The nightly safety net after the incremental runs: nothing left to do.
        Result full = oznsync({"run", "--dry-run", "--config", fast_cfg});
        INFO(full.out << full.err);
        CHECK(writes_planned(summary_of(newest_run_folder(fast))) == 0);
    }

    TEST_CASE("an HTTP source is asked only for the records changed since the last run (updatedSince)") {
        Sim sim(http_feed_network());
        TempDir dir;
        const std::string cfg = http_feed_config(dir, sim, "", "max_removals_pct = 100\n");
        Result full = oznsync({"run", "--config", cfg});
        INFO(full.out << full.err);
        REQUIRE(full.exit_code == 3);
        // Stage 2: three records get a version 2, changed now; the others were last changed in March.
        int status = 0;
        sim.post("/__sim/sales", stamped("stage2", 2), &status);
        REQUIRE(status == 204);
        Result inc = oznsync({"run", "--incremental", "--config", cfg});
        INFO(inc.out << inc.err);
        CHECK(inc.exit_code == 0);
        auto summary = summary_of(newest_run_folder(dir));
        auto inputs = summary->getObject("inputs");
        INFO(read_file(newest_run_folder(dir) / "summary.json"));
        CHECK(inputs->getValue<long long>("sales_records") == 3);
        CHECK(owned_clients(sim) ==
              V{"ORD-A|" + kSplitA + "|2|1", "ORD-B|" + kSplitB + "|1|1", "ORD-D|" + kSplitD + "|4|0"});
        // Nothing changed since: the records inside the clock-skew overlap come again, and none is newer
        // than what the last run recorded, so nothing is planned.
        Result again = oznsync({"run", "--incremental", "--config", cfg});
        INFO(again.err);
        CHECK(again.exit_code == 0);
        CHECK(again.err.find("0 record(s) new or changed") != std::string::npos);
        CHECK(again.out.find("no report folder: nothing changed") != std::string::npos);
        // Once the records' changes lie before the mark, OZneutral has nothing newer: an empty answer is
        // no reason to stop (a full run would refuse an empty feed).
        sim.post("/__sim/sales", read_file(fixture("sales-stage2.json")), &status);
        REQUIRE(status == 204);
        Result empty = oznsync({"run", "--incremental", "--config", cfg});
        INFO(empty.err);
        CHECK(empty.exit_code == 0);
        CHECK(newest_row(dir, "sales_records") == "0");
    }

    TEST_CASE(
        "an OZneutral page in brackets that is not JSON stops the plan: exit 65, the page named, nothing "
        "planned from a feed read in part") {
        Sim sim(http_feed_network());
        TempDir dir;
        const std::string cfg = http_feed_config(dir, sim, "page_size = 2\n", "");
        REQUIRE(oznsync({"pull", "--config", cfg}).exit_code == 0);
        const Result read = oznsync({"plan", "--config", cfg});
        INFO(read.err);
        REQUIRE(read.exit_code == 0);             // the same feed, its pages whole: read and planned
        sim.set_faults(R"({"corrupt_rate": 1})"); // every GET from here: a control byte in its middle
        const Result broken = oznsync({"plan", "--config", cfg});
        INFO(broken.err);
        CHECK(broken.exit_code == 65);
        CHECK(broken.err.find("OZneutral page is not a JSON array") != std::string::npos);
        CHECK(newest_row(dir, "status") != "done");
    }

    TEST_CASE("an OZmap user's edits between runs are pulled and planned against") {
        Sim sim({"--fixture", fixture("network-small.json")});
        TempDir dir;
        const std::string cfg = config_for(dir, sim, "file:" + dir.file("sales.json"));
        write_file(dir.file("sales.json"), read_file(fixture("sales-stage1.json")));
        REQUIRE(oznsync({"run", "--config", cfg}).exit_code == 3);
        // A technician blocks port 4 of D's splitter (where stage 2 moves D) and demotes B's client.
        int status = 0;
        sim.post("/__sim/touch",
                 R"({"collection":"splitters","id":")" + kSplitD + R"(","set":{"blocked":[4]}})", &status);
        REQUIRE(status == 204);
        sim.request("PATCH", "/api/v2/ftth-clients/" + client_id_of(sim, "ORD-B"), R"({"implanted":false})",
                    &status);
        REQUIRE(status == 204);
        write_file(dir.file("sales.json"), read_file(fixture("sales-stage2.json")));
        Result inc = oznsync({"run", "--incremental", "--config", cfg});
        INFO(inc.out << inc.err);
        CHECK(inc.exit_code == 3); // the conflict
        const auto run = newest_run_folder(dir);
        const std::string changes = read_file(run / "changes.jsonl");
        INFO(changes);
        // The plan saw the blocked port: a conflict, no move sent (OZmap would refuse it as well).
        CHECK(changes.find("\"action\":\"conflict\"") != std::string::npos);
        CHECK(changes.find("port 4 is blocked") != std::string::npos);
        CHECK(changes.find("\"action\":\"move\"") == std::string::npos);
        CHECK(read_file(run / "drift.jsonl").find("ORD-B") != std::string::npos);
        // D stays where it is (blocked target), B stays demoted (drift is reported, not reverted).
        CHECK(owned_clients(sim) ==
              V{"ORD-A|" + kSplitA + "|2|1", "ORD-B|" + kSplitB + "|1|0", "ORD-D|" + kSplitD + "|2|0"});
    }

    TEST_CASE("a busy lock skips the incremental run quietly: exit 0, no run recorded, no error logged") {
        Sim sim({"--fixture", fixture("network-small.json")});
        TempDir dir;
        const std::string cfg = config_for(dir, sim, "file:" + fixture("sales-stage1.json"));
        REQUIRE(oznsync({"run", "--config", cfg}).exit_code == 3);
        const size_t runs_before = std::distance(std::filesystem::directory_iterator(dir.file("reports")),
                                                 std::filesystem::directory_iterator());
        const int fd = ::open(dir.file("oznsync.db").c_str(), O_RDWR); // the lock is the database file's own
        REQUIRE(fd >= 0);
        REQUIRE(::flock(fd, LOCK_EX | LOCK_NB) == 0);
        Result busy = oznsync({"run", "--incremental", "--config", cfg});
        Result full = oznsync({"run", "--config", cfg});
        ::close(fd);
        CHECK(busy.exit_code == 0); // normal: the units keep 75 (and OnFailure=) for an outage
        CHECK(busy.err.find("error") == std::string::npos);
        CHECK(busy.err.find("skipped") != std::string::npos);
        CHECK(full.exit_code == 75); // a full run held off is an error to report
        CHECK(full.err.find("error") != std::string::npos);
        CHECK(std::distance(std::filesystem::directory_iterator(dir.file("reports")),
                            std::filesystem::directory_iterator()) == static_cast<long>(runs_before));
        // --only-project and --prune-orphans belong to full runs.
        CHECK(oznsync({"run", "--incremental", "--prune-orphans", "--config", cfg}).exit_code == 64);
    }

    TEST_CASE("a saved plan is stale after an incremental run in the same second: an identity, not a time") {
        Sim sim({"--fixture", fixture("network-small.json")});
        TempDir dir;
        const std::string cfg = config_for(dir, sim, "file:" + fixture("sales-stage1.json"));
        // One clock reading for every run: the snapshot's times cannot tell them apart.
        const std::map<std::string, std::string> same_second{{"OZNSYNC_FIXED_CLOCK", "2026-06-01T02:00:00Z"}};
        REQUIRE(oznsync({"run", "--config", cfg}, same_second).exit_code == 3);
        auto with_id = [&](const std::string& id) {
            auto env = same_second;
            env["OZNSYNC_RUN_ID"] = id;
            return env;
        };
        REQUIRE(oznsync({"plan", "--config", cfg}, with_id("plan-x")).exit_code == 0);
        // An incremental run that finds nothing new writes nothing into the snapshot: the plan stands.
        Result idle = oznsync({"run", "--incremental", "--config", cfg}, with_id("inc-idle"));
        REQUIRE((idle.exit_code == 0 || idle.exit_code == 3));
        // One that pulls an OZmap edit (a technician demotes B's client) does: the plan is stale.
        int status = 0;
        sim.request("PATCH", "/api/v2/ftth-clients/" + client_id_of(sim, "ORD-B"), R"({"implanted":false})",
                    &status);
        REQUIRE(status == 204);
        Result inc = oznsync({"run", "--incremental", "--config", cfg}, with_id("inc-x"));
        INFO(inc.out << inc.err);
        REQUIRE((inc.exit_code == 0 || inc.exit_code == 3));
        sim.request("DELETE", "/__sim/requests", "");
        Result apply = oznsync({"apply", "--config", cfg, "--plan", "plan-x"}, with_id("apply-x"));
        INFO(apply.out << apply.err);
        CHECK(apply.exit_code == 4);
        CHECK(apply.err.find("changed since saved plan plan-x was made") != std::string::npos);
        // Said as what it is: a stale plan, never a safety cap.
        CHECK(apply.out.find("exit 4: stale plan: ") != std::string::npos);
        CHECK(apply.out.find("safety cap") == std::string::npos);
        CHECK(sim.get("/__sim/requests") == "[]");
    }

    TEST_CASE(
        "hold: incremental runs skip and write nothing while a plan is reviewed; apply --plan releases") {
        Sim sim({"--fixture", fixture("network-small.json")});
        TempDir dir;
        const std::string cfg = config_for(dir, sim, "file:" + dir.file("sales.json"));
        write_file(dir.file("sales.json"), read_file(fixture("sales-stage1.json")));
        // Nothing to hold before the first run: no database is created for it.
        CHECK(oznsync({"hold", "--config", cfg}).exit_code == 66);
        REQUIRE(oznsync({"run", "--config", cfg}).exit_code == 3);
        CHECK(oznsync({"hold", "--hours", "0", "--config", cfg}).exit_code == 64);
        Result held = oznsync({"hold", "--reason", "reviewing plan-h", "--config", cfg});
        INFO(held.out << held.err);
        REQUIRE(held.exit_code == 0);
        CHECK(held.out.find("held until ") != std::string::npos);
        CHECK(held.out.find("(reviewing plan-h)") != std::string::npos);
        REQUIRE(oznsync({"plan", "--config", cfg}, {{"OZNSYNC_RUN_ID", "plan-h"}}).exit_code == 0);
        // fleet status says so (a hold is not a reason for attention).
        const std::string fleet = oznsync({"fleet", "status", "--fleet", dir.path()}).out;
        CHECK(fleet.find(": incremental runs held until ") != std::string::npos);
        CHECK(fleet.find("(reviewing plan-h)") != std::string::npos);
        CHECK(oznsync({"fleet", "status", "--fleet", dir.path(), "--format", "json"})
                  .out.find("\"hold\":{\"until\":") != std::string::npos);
        // OZmap and OZneutral change (an edit, a new stage of sales): a held incremental run skips them.
        int status = 0;
        sim.request("PATCH", "/api/v2/ftth-clients/" + client_id_of(sim, "ORD-B"), R"({"implanted":false})",
                    &status);
        REQUIRE(status == 204);
        write_file(dir.file("sales.json"), read_file(fixture("sales-stage2.json")));
        sim.request("DELETE", "/__sim/requests", "");
        const std::string runs_before = oznsync({"runs", "--format", "json", "--config", cfg}).out;
        Result skipped = oznsync({"run", "--incremental", "--config", cfg});
        INFO(skipped.out << skipped.err);
        CHECK(skipped.exit_code == 0);
        CHECK(skipped.err.find("incremental runs are held until ") != std::string::npos);
        CHECK(sim.get("/__sim/requests") == "[]"); // not even a read
        CHECK(oznsync({"runs", "--format", "json", "--config", cfg}).out == runs_before);
        // The plan under review is still the plan: apply --plan goes through and ends the hold.
        write_file(dir.file("sales.json"), read_file(fixture("sales-stage1.json")));
        Result apply = oznsync({"apply", "--config", cfg, "--plan", "plan-h"});
        INFO(apply.out << apply.err);
        CHECK((apply.exit_code == 0 || apply.exit_code == 3));
        CHECK(apply.err.find("the hold on incremental runs is released") != std::string::npos);
        Result next = oznsync({"run", "--incremental", "--config", cfg});
        CHECK(next.err.find("held") == std::string::npos);
        CHECK(read_file(newest_run_folder(dir) / "drift.jsonl").find("ORD-B") != std::string::npos);
        // runs by kind: the dry run under review, the incremental runs, the full ones.
        const std::string dry = oznsync({"runs", "--mode", "dry-run", "--config", cfg}).out;
        CHECK(dry.find("plan-h") != std::string::npos);
        CHECK(dry.find(" incremental ") == std::string::npos);
        const std::string inc = oznsync({"runs", "--mode", "incremental", "--config", cfg}).out;
        CHECK(inc.find(" incremental ") != std::string::npos);
        CHECK(inc.find("plan-h") == std::string::npos);
        CHECK(inc.find(" run ") == std::string::npos);
        CHECK(oznsync({"runs", "--mode", "full", "--config", cfg}).out.find(" run ") != std::string::npos);
        CHECK(oznsync({"runs", "--mode", "nightly", "--config", cfg}).exit_code == 64);
        // release says whether there was a hold.
        CHECK(oznsync({"release", "--config", cfg}).out.find("were not held") != std::string::npos);
        REQUIRE(oznsync({"hold", "--config", cfg}).exit_code == 0);
        CHECK(oznsync({"release", "--config", cfg}).out.find("are no longer held") != std::string::npos);
    }
}
