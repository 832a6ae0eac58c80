// A year of operation in bounded space: the journal, the run rows and the report folders are kept for
// their retention keys, and what an audit needs outlives them (each run's counts, every folder's hashes).
#include "support/harness.hpp"

#include <doctest/doctest.h>

#include <ctime>
#include <filesystem>

using namespace harness;
namespace fs = std::filesystem;

namespace {

/// The run's clock this many days (and minutes) after 2026-01-05T02:00:00Z.
std::map<std::string, std::string> at(int day, int minute = 0) {
    std::tm start{};
    start.tm_year = 2026 - 1900;
    start.tm_mon = 0;
    start.tm_mday = 5;
    start.tm_hour = 2;
    const std::time_t t = timegm(&start) + day * 86400LL + minute * 60LL;
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    return {{"OZNSYNC_FIXED_CLOCK", buf}};
}

std::string sql(const TempDir& dir, const std::string& query) {
    Result r = run({"/usr/bin/sqlite3", dir.file("oznsync.db"), query});
    REQUIRE(r.exit_code == 0);
    while (!r.out.empty() && (r.out.back() == '\n' || r.out.back() == '\r'))
        r.out.pop_back();
    return r.out;
}

size_t folders(const TempDir& dir) {
    size_t n = 0;
    for (const auto& e : fs::directory_iterator(dir.file("reports")))
        if (fs::exists(e.path() / "summary.json")) ++n;
    return n;
}

} // namespace

TEST_SUITE("history") {
    TEST_CASE("an incremental run that changed nothing leaves its row, not a report folder; retention keys "
              "remove old change rows, fold old run rows by day and remove old folders, keeping counts and "
              "hashes") {
        Sim sim({"--fixture", fixture("network-small.json")});
        TempDir dir;
        const std::string cfg = write_config(
            dir, sim,
            "[ozneutral]\nsales = file:" + fixture("sales-stage1.json") +
                "\n[safety]\nmax_removals_pct = 100\nmax_invalid_pct = 50\n"
                "[journal]\nkeep_days = 90\n[runs]\nkeep_days = 30\n[reports]\nkeep_days = 60\n");
        auto id_of = [&](const std::string& where) {
            return sql(dir, "SELECT id FROM runs WHERE " + where + " ORDER BY rowid DESC LIMIT 1");
        };

        // Day 0: the nightly run writes the sales (a folder, change rows); the minute timer finds nothing.
        REQUIRE(oznsync({"run", "--config", cfg}, at(0)).exit_code == 3);
        const std::string first = id_of("mode = 'run'");
        const std::string first_rows =
            sql(dir, "SELECT count(*) FROM changes WHERE run_id = '" + first + "'");
        REQUIRE(std::stoi(first_rows) > 0);
        REQUIRE(folders(dir) == 1);
        for (int minute = 1; minute <= 3; ++minute) {
            Result quiet = oznsync({"run", "--incremental", "--config", cfg}, at(0, minute));
            INFO(quiet.out << quiet.err);
            REQUIRE(quiet.exit_code == 0);
            CHECK(quiet.out.find("no report folder: nothing changed") != std::string::npos);
        }
        CHECK(folders(dir) == 1);
        CHECK(sql(dir, "SELECT count(*) FROM runs WHERE mode = 'incremental'") == "3");
        const std::string counts_before = oznsync({"runs", "--config", cfg}).out;

        // Day 40: the minute runs of day 0 are older than runs.keep_days: folded into one day's count.
        REQUIRE(oznsync({"run", "--config", cfg}, at(40)).exit_code == 3);
        CHECK(sql(dir, "SELECT count(*) FROM runs WHERE mode = 'incremental'") == "0");
        CHECK(sql(dir, "SELECT day || ' ' || mode || ' ' || exit_code || ' ' || runs FROM run_days") ==
              "2026-01-05 incremental 0 3");
        Result listed = oznsync({"runs", "--config", cfg});
        CHECK(listed.out.find("older: 3 run(s) without a report folder from 2026-01-05 to 2026-01-05") !=
              std::string::npos);
        // A run with a folder keeps its row, and its journal within journal.keep_days.
        CHECK(sql(dir, "SELECT count(*) FROM changes WHERE run_id = '" + first + "'") == first_rows);

        // Day 100: the first night's change rows are older than journal.keep_days, its folder older than
        // reports.keep_days (day 40's is not).
        REQUIRE(oznsync({"run", "--config", cfg}, at(100)).exit_code == 3);
        CHECK(sql(dir, "SELECT count(*) FROM changes WHERE run_id = '" + first + "'") == "0");
        CHECK_FALSE(fs::exists(dir.file("reports/" + first)));
        CHECK(folders(dir) == 2);
        // Its counts stay: `runs` shows the same line for it as before.
        const auto line_of = [&](const std::string& text) {
            const auto at = text.find(first);
            REQUIRE(at != std::string::npos);
            return text.substr(at, text.find('\n', at) - at);
        };
        CHECK(line_of(oznsync({"runs", "--config", cfg, "--limit", "100"}).out) == line_of(counts_before));
        // `report show` renders its header and counts, and says where its change list went.
        Result shown = oznsync({"report", "show", first, "--config", cfg});
        INFO(shown.out);
        CHECK(shown.exit_code == 0);
        CHECK(shown.out.find("create=4") != std::string::npos);
        CHECK(shown.out.find("removed by journal.keep_days") != std::string::npos);
        // Its hashes stay: the chain is intact, the folder counted as pruned.
        Result verify = oznsync({"report", "verify", "--config", cfg});
        INFO(verify.out << verify.err);
        CHECK(verify.exit_code == 0);
        CHECK(verify.out.find("1 pruned") != std::string::npos);
    }

    TEST_CASE("retention keys of 0 keep everything; bad values are refused naming the key") {
        Sim sim({"--fixture", fixture("network-small.json")});
        TempDir dir;
        const std::string base = "[ozneutral]\nsales = file:" + fixture("sales-stage1.json") +
                                 "\n[safety]\nmax_removals_pct = 100\nmax_invalid_pct = 50\n";
        const std::string cfg =
            write_config(dir, sim, base + "[journal]\nkeep_days = 0\n[runs]\nkeep_days = 0\n");
        REQUIRE(oznsync({"run", "--config", cfg}, at(0)).exit_code == 3);
        REQUIRE(oznsync({"run", "--incremental", "--config", cfg}, at(0, 1)).exit_code == 0);
        const std::string rows = sql(dir, "SELECT count(*) FROM changes");
        REQUIRE(oznsync({"run", "--config", cfg}, at(3000)).exit_code == 3);
        CHECK(std::stoi(sql(dir, "SELECT count(*) FROM changes")) >= std::stoi(rows));
        CHECK(sql(dir, "SELECT count(*) FROM runs") == "3");
        CHECK(folders(dir) == 2);

        const std::string bad = write_config(dir, sim, base + "[journal]\nkeep_days = -1\n");
        Result refused = oznsync({"run", "--config", bad});
        CHECK(refused.exit_code == 78);
        CHECK(refused.err.find("journal.keep_days") != std::string::npos);
    }
}
