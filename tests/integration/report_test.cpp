#include "support/harness.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <regex>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

using namespace harness;
namespace fs = std::filesystem;

namespace {

/// ISO-8601 UTC of a time `seconds` from now (negative: ago), as OZNSYNC_FIXED_CLOCK takes it.
std::string iso_from_now(long long seconds) {
    const std::time_t t = std::time(nullptr) + seconds;
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    return buf;
}

const std::map<std::string, std::string> kFixed = {{"OZNSYNC_FIXED_CLOCK", "2026-03-15T03:00:00Z"},
                                                   {"OZNSYNC_RUN_ID", "20260315T030000Z-golden"},
                                                   {"USER", "auditor"},
                                                   {"TRIGGER_UNIT", "oznsync@golden.timer"}};

/// The host name differs between machines (and with it the hashes of the files that print it, in
/// summary.json's integrity block); everything else in a golden file must match to the byte.
std::string normalise(std::string text) {
    text = std::regex_replace(text, std::regex(R"re("(report\.html|report\.txt)":"sha256:[0-9a-f]{64}")re"),
                              "\"$1\":\"sha256:HOST-DEPENDENT\"");
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    for (auto [from, to] :
         {std::pair<std::string, std::string>{"\"host\":\"" + std::string(host) + "\"", "\"host\":\"HOST\""},
          {" on " + std::string(host) + " by ", " on HOST by "}}) {
        for (size_t pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size()))
            text.replace(pos, from.size(), to);
    }
    return text;
}

/// A dry run of the lifecycle's first stage with relative paths, a fixed clock and a fixed run id.
std::string golden_run(const TempDir& dir, const Sim& sim) {
    write_file(dir.file("sales.json"), read_file(fixture("sales-stage1.json")));
    write_file(dir.file("pull.ini"), "[ozmap]\nurl = " + sim.url() + "\napi_key = " + Sim::kApiKey +
                                         "\n[snapshot]\npath = oznsync.db\n[operator]\nname = golden\n");
    REQUIRE(oznsync({"pull", "--config", "pull.ini"}, kFixed, dir.path()).exit_code == 0);
    write_file(dir.file("golden.ini"),
               "[ozmap]\nurl = https://acme.ozmap.com.br:9994\napi_key = golden-api-key-1234\n"
               "[ozneutral]\nsales = file:sales.json\n[snapshot]\npath = oznsync.db\n"
               "[reports]\ndir = reports\n[safety]\nmax_removals_pct = 100\nmax_invalid_pct = 50\n");
    chmod(dir.file("golden.ini").c_str(), 0600);
    Result r = oznsync({"plan", "--config", "golden.ini"}, kFixed, dir.path());
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    return dir.file("reports/20260315T030000Z-golden");
}

} // namespace

namespace {
std::string trim_line(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r'))
        s.pop_back();
    return s;
}
} // namespace

TEST_SUITE("reports") {
    TEST_CASE("every command's --help answers, even where options are required, and names no internal "
              "option") {
        // Every command the general help lists (the command table) answers with its own usage line and the
        // description the general help shows for it.
        std::istringstream general(oznsync({"--help"}).out);
        std::vector<std::string> commands;
        bool listing = false;
        for (std::string line; std::getline(general, line);) {
            if (line == "Commands:")
                listing = true;
            else if (listing && line.rfind("  ", 0) != 0)
                break;
            else if (listing) {
                const std::string command = line.substr(2, line.find(' ', 2) - 2);
                const std::string description = line.substr(line.find_first_not_of(' ', 2 + command.size()));
                CAPTURE(command);
                Result r = oznsync({command, "--help"});
                CHECK(r.exit_code == 0);
                CHECK(r.out.find("Usage: oznsync " + command + " ") == 0);
                CHECK(r.out.find("\n\n" + description) != std::string::npos);
                commands.push_back(command);
            }
        }
        CHECK(commands.size() == 16);
        CHECK(oznsync({"feasibility", "--help"}).out.find("Usage: oznsync feasibility --lat LAT --lng LNG") ==
              0);
        Result show = oznsync({"report", "show", "--help"});
        CHECK(show.exit_code == 0);
        CHECK(show.out.find("--run-id ") == std::string::npos);
        CHECK(show.out.find("--verb ") == std::string::npos); // (--verbose is a common option)
        Result missing = oznsync({"report", "show"});
        CHECK(missing.exit_code == 64);
        CHECK(missing.err.find("name the run") != std::string::npos);
        CHECK(oznsync({"feasibility", "--lng", "-48"}).exit_code == 64); // --lat still required
    }

    TEST_CASE("golden: fixed inputs, clock and run id give byte-identical report files") {
        Sim sim({"--fixture", fixture("network-small.json")});
        TempDir dir;
        std::string run = golden_run(dir, sim);
        const std::string golden = std::string(FIXTURES_DIR) + "/../golden/plan";
        const bool update = std::getenv("UPDATE_GOLDEN") != nullptr;
        std::string shown = oznsync({"report", "show", "20260315T030000Z-golden", "--config", "golden.ini"},
                                    kFixed, dir.path())
                                .out;
        write_file(dir.file("report-show.txt"), shown);
        for (const auto& [name, path] : std::vector<std::pair<std::string, std::string>>{
                 {"summary.json", run + "/summary.json"},
                 {"changes.csv", run + "/changes.csv"},
                 {"changes.jsonl", run + "/changes.jsonl"},
                 {"plan.json", run + "/plan.json"},
                 {"report.txt", run + "/report.txt"},
                 {"report-show.txt", dir.file("report-show.txt")}}) {
            CAPTURE(name);
            std::string actual = normalise(read_file(path));
            if (update) {
                fs::create_directories(golden);
                write_file(golden + "/" + name, actual);
            }
            REQUIRE_MESSAGE(fs::exists(golden + "/" + name), "missing golden file; run with UPDATE_GOLDEN=1");
            CHECK(actual == read_file(golden + "/" + name));
        }
        for (const char* f :
             {"summary.json", "changes.csv", "changes.jsonl", "plan.json", "report.html", "report.txt"})
            CHECK((fs::status(run + "/" + f).permissions() & fs::perms::all) ==
                  (fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read));
    }

    TEST_CASE("a dry run and an apply of the same inputs list the same changes") {
        Sim sim({"--fixture", fixture("network-small.json")});
        TempDir dir;
        std::string cfg = write_config(dir, sim,
                                       "[ozneutral]\nsales = file:" + fixture("sales-stage1.json") +
                                           "\n[safety]\nmax_removals_pct = 100\nmax_invalid_pct = 50\n");
        REQUIRE(oznsync({"pull", "--config", cfg}).exit_code == 0);
        REQUIRE(oznsync({"plan", "--config", cfg}, {{"OZNSYNC_RUN_ID", "r-dry"}}).exit_code == 0);
        REQUIRE(oznsync({"apply", "--config", cfg}, {{"OZNSYNC_RUN_ID", "r-apply"}}).exit_code == 3);
        // What changes, not how it went: every column but the run's ids, times and the results (the state,
        // its detail, and the ids OZmap gave created clients).
        auto columns = [](const std::string& csv) {
            std::vector<std::string> rows;
            std::vector<std::string> fields;
            std::string field;
            bool quoted = false;
            for (size_t i = csv.find("\r\n") + 2; i < csv.size(); ++i) {
                char c = csv[i];
                if (quoted) {
                    if (c == '"' && i + 1 < csv.size() && csv[i + 1] == '"')
                        field += csv[++i];
                    else if (c == '"')
                        quoted = false;
                    else
                        field += c;
                } else if (c == '"') {
                    quoted = true;
                } else if (c == ',') {
                    fields.push_back(field);
                    field.clear();
                } else if (c == '\r') {
                    fields.push_back(field);
                    field.clear();
                    std::string row;
                    for (size_t f = 4; f < 17; ++f)
                        if (f != 12 && f != 13) row += fields[f] + "|";
                    rows.push_back(row);
                    fields.clear();
                    ++i; // \n
                } else {
                    field += c;
                }
            }
            return rows;
        };
        auto dry = columns(read_file(dir.file("reports/r-dry/changes.csv")));
        auto applied = columns(read_file(dir.file("reports/r-apply/changes.csv")));
        CHECK(dry.size() == 9);
        CHECK(dry == applied);
    }

    TEST_CASE(
        "runs and report show read the history; reports.keep_days prunes old folders, not the database") {
        Sim sim({"--fixture", fixture("network-small.json")});
        TempDir dir;
        std::string cfg = write_config(
            dir, sim,
            "[ozneutral]\nsales = file:" + fixture("sales-stage1.json") +
                "\n[safety]\nmax_removals_pct = 100\nmax_invalid_pct = 50\n[reports]\nkeep_days = 30\n");
        // The first run 40 days ago, by the run's own clock (file times do not count).
        const std::string forty_days_ago = iso_from_now(-40LL * 86400);
        REQUIRE(oznsync({"run", "--config", cfg, "--dry-run"},
                        {{"OZNSYNC_RUN_ID", "old-run"}, {"OZNSYNC_FIXED_CLOCK", forty_days_ago}})
                    .exit_code == 0);
        REQUIRE(oznsync({"run", "--config", cfg}, {{"OZNSYNC_RUN_ID", "new-run"}}).exit_code == 3);
        CHECK_FALSE(fs::exists(dir.file("reports/old-run")));
        CHECK(fs::exists(dir.file("reports/new-run/report.html")));
        Result runs = oznsync({"runs", "--config", cfg});
        CHECK(runs.out.find("old-run") != std::string::npos);
        CHECK(runs.out.find("new-run") != std::string::npos);
        Result show = oznsync({"report", "show", "old-run", "--config", cfg});
        CHECK(show.exit_code == 0);
        CHECK(show.out.find("create ORD-A") != std::string::npos);
        Result html = oznsync({"report", "show", "old-run", "--config", cfg, "--format", "html"});
        CHECK(html.out.find("<table id=changes>") != std::string::npos);
        CHECK(oznsync({"report", "show", "no-such-run", "--config", cfg}).exit_code == 64);
    }

    TEST_CASE("the API key and the client secret appear in no report file and no log line, text or JSON") {
        Sim sim({"--fixture", fixture("network-small.json"), "--sales", fixture("sales-stage1.json"),
                 "--neutral-client-id", "oznsync", "--neutral-client-secret", "client-secret-Zq81"});
        TempDir dir;
        std::string cfg = write_config(dir, sim,
                                       "[ozneutral]\nsales = " + sim.url() +
                                           "\nclient_id = oznsync\nclient_secret = client-secret-Zq81\n"
                                           "[safety]\nmax_removals_pct = 100\nmax_invalid_pct = 50\n");
        std::string logs;
        for (const char* format : {"text", "json"}) {
            Result r = oznsync({"run", "--config", cfg, "-v", "--log-format", format});
            CHECK(r.exit_code == 3);
            logs += r.out + r.err;
        }
        CHECK(logs.find("\"level\":\"info\"") != std::string::npos);
        CHECK(logs.find("created ORD-A on CTO-000001 CTO-000001-S2 port 2 (sale 5e0000000000000000000a01)") !=
              std::string::npos);
        // A JSON line carries the change's keys as fields, and the run's id (the second run, in JSON, logs
        // the conflicts).
        CHECK(logs.find(
                  "\"action\":\"conflict\",\"code\":\"ORD-X1\",\"sale_id\":\"5e0000000000000000000e05\"") !=
              std::string::npos);
        CHECK(logs.find("\"run_id\":\"") != std::string::npos);
        // Conflicts are in the log too, not only in the report.
        CHECK(logs.find("conflict ORD-X1 on CTO-000001") != std::string::npos);
        for (const std::string& secret : {std::string(Sim::kApiKey), std::string("client-secret-Zq81")}) {
            CHECK(logs.find(secret) == std::string::npos);
            for (const auto& e : fs::recursive_directory_iterator(dir.file("reports")))
                if (e.is_regular_file())
                    CHECK_MESSAGE(read_file(e.path()).find(secret) == std::string::npos, e.path());
        }
    }

    TEST_CASE("a command refused before it starts records no run and writes no report") {
        Sim sim({"--fixture", fixture("network-small.json")});
        TempDir dir;
        const std::string cfg = write_config(dir, sim,
                                             "[ozneutral]\nsales = file:" + fixture("sales-stage1.json") +
                                                 "\n[safety]\nmax_invalid_pct = 50\n");
        auto runs = [&] { return oznsync({"runs", "--format", "json", "--config", cfg}).out; };
        Result no_snapshot = oznsync({"plan", "--config", cfg});
        CHECK(no_snapshot.exit_code == 64);
        CHECK(no_snapshot.err.find("oznsync pull") != std::string::npos);
        CHECK(oznsync({"apply", "--config", cfg}).exit_code == 64);
        CHECK(runs() == "[]\n");
        CHECK_FALSE(fs::exists(dir.file("reports")));
        REQUIRE(oznsync({"pull", "--config", cfg}).exit_code == 0);
        Result unknown = oznsync({"apply", "--plan", "20990101T000000Z-nope00", "--config", cfg});
        CHECK(unknown.exit_code == 64);
        CHECK(unknown.err.find("no such run") != std::string::npos);
        CHECK(runs() == "[]\n");
        CHECK(oznsync({"plan", "--no-such-option", "--config", cfg}).exit_code == 64);
        CHECK(runs() == "[]\n");
        CHECK_FALSE(fs::exists(dir.file("reports")));
    }

    TEST_CASE("runs lists newest first in the order the runs began, also within one second; --limit") {
        Sim sim({"--fixture", fixture("network-small.json")});
        TempDir dir;
        const std::string cfg = write_config(dir, sim,
                                             "[ozneutral]\nsales = file:" + fixture("sales-stage1.json") +
                                                 "\n[safety]\nmax_invalid_pct = 50\n");
        REQUIRE(oznsync({"pull", "--config", cfg}).exit_code == 0);
        // One clock second for all three, ids that sort the other way round.
        for (const char* id : {"zz-first", "mm-second", "aa-third"})
            REQUIRE(oznsync({"plan", "--config", cfg},
                            {{"OZNSYNC_FIXED_CLOCK", "2026-03-15T03:00:00Z"}, {"OZNSYNC_RUN_ID", id}})
                        .exit_code == 0);
        const std::string all = oznsync({"runs", "--config", cfg}).out;
        const size_t third = all.find("aa-third"), second = all.find("mm-second"),
                     first = all.find("zz-first");
        REQUIRE(third != std::string::npos);
        CHECK(third < second);
        CHECK(second < first);
        const std::string two = oznsync({"runs", "--limit", "2", "--config", cfg}).out;
        CHECK(two.find("aa-third") != std::string::npos);
        CHECK(two.find("mm-second") != std::string::npos);
        CHECK(two.find("zz-first") == std::string::npos);
    }

    TEST_CASE("options every command takes go before or after its name; a typo gets a suggestion") {
        Sim sim({"--fixture", fixture("network-small.json")});
        TempDir dir;
        const std::string cfg =
            write_config(dir, sim, "[ozneutral]\nsales = file:" + fixture("sales-stage1.json") + "\n");
        REQUIRE(oznsync({"pull", "--config", cfg, "-q"}).exit_code == 0); // runs reads, never creates
        Result before = oznsync({"--config", cfg, "-q", "runs", "--format", "json"});
        CHECK(before.exit_code == 0);
        CHECK(before.out == "[]\n");
        CHECK(oznsync({"-v", "--log-format=json", "--config=" + cfg, "runs"}).exit_code == 0);
        CHECK(oznsync({"runs", "-c", cfg, "-v"}).exit_code == 0);
        Result typo = oznsync({"--config", cfg, "rnu"});
        CHECK(typo.exit_code == 64);
        CHECK(typo.err.find("did you mean 'run'?") != std::string::npos);
        Result option = oznsync({"run", "--dry-rn", "--config", cfg});
        CHECK(option.exit_code == 64);
        CHECK(option.err.find("did you mean '--dry-run'?") != std::string::npos);
        CHECK(oznsync({"--dry-run", "run", "--config", cfg}).exit_code ==
              64); // not an option of every command
        write_file(dir.file("typo.ini"), read_file(cfg) + "[reports]\nkeep_dayz = 3\n");
        ::chmod(dir.file("typo.ini").c_str(), 0600);
        Result key = oznsync({"check", "--config", dir.file("typo.ini")});
        CHECK(key.exit_code == 78);
        CHECK(key.err.find("unknown key 'reports.keep_dayz' (did you mean 'reports.keep_days'?)") !=
              std::string::npos);
        const std::string help = oznsync({"--help"}).out;
        CHECK(help.find("before or after the command's name") != std::string::npos);
        // Every exit code the job can return, each with its meaning.
        for (int code : {0, 1, 2, 3, 4, 5, 6, 64, 65, 66, 74, 75, 77, 78, 130}) {
            const std::string c = std::to_string(code);
            CHECK_MESSAGE(help.find("\n  " + c + std::string(5 - c.size(), ' ')) != std::string::npos, c);
        }
    }

    TEST_CASE("tamper-evident history: report verify names the folder edited, removed or swapped; pruning "
              "is not tampering") {
        Sim sim({"--fixture", fixture("network-small.json")});
        TempDir dir;
        write_file(dir.file("sales.json"), read_file(fixture("sales-stage1.json")));
        const std::string cfg = write_config(dir, sim,
                                             "[ozneutral]\nsales = file:" + dir.file("sales.json") +
                                                 "\n[safety]\nmax_invalid_pct = 50\n");
        std::vector<std::string> runs;
        for (int i = 0; i < 4; ++i) {
            const std::string id = "20260101T00000" + std::to_string(i) + "Z-chain" + std::to_string(i);
            REQUIRE(oznsync({"run", "--dry-run", "--config", cfg}, {{"OZNSYNC_RUN_ID", id}}).exit_code == 0);
            runs.push_back(id);
        }
        auto verify = [&] { return oznsync({"report", "verify", "--config", cfg}); };
        Result intact = verify();
        CHECK(intact.exit_code == 0);
        CHECK(intact.out.find("intact: 4 folder(s)") != std::string::npos);
        const fs::path reports = dir.file("reports");
        const fs::path backup = dir.file("backup");
        fs::copy(reports, backup, fs::copy_options::recursive);
        auto restore = [&] {
            fs::remove_all(reports);
            fs::copy(backup, reports, fs::copy_options::recursive);
            REQUIRE(verify().exit_code == 0);
        };
        // One byte of one file of the second folder.
        write_file((reports / runs[1] / "report.html").string(),
                   read_file((reports / runs[1] / "report.html").string()) + " ");
        Result edited = verify();
        CHECK(edited.exit_code == 4);
        CHECK(edited.out.find("BROKEN at " + runs[1] + ": report.html was altered") != std::string::npos);
        restore();
        // A folder deleted.
        fs::remove_all(reports / runs[2]);
        Result removed = verify();
        CHECK(removed.exit_code == 4);
        CHECK(removed.out.find("BROKEN at " + runs[2] + ": the folder was removed") != std::string::npos);
        restore();
        // Two folders swapped.
        fs::rename(reports / runs[1], reports / "swap");
        fs::rename(reports / runs[2], reports / runs[1]);
        fs::rename(reports / "swap", reports / runs[2]);
        Result swapped = verify();
        CHECK(swapped.exit_code == 4);
        CHECK(swapped.out.find("BROKEN at " + runs[1]) != std::string::npos);
        restore();
        // The newest summary.json itself (the database keeps its hash).
        write_file((reports / runs[3] / "summary.json").string(),
                   std::regex_replace(read_file((reports / runs[3] / "summary.json").string()),
                                      std::regex(R"("conflict":3)"), R"("conflict":0)"));
        CHECK(verify().exit_code == 4);
        restore();
        // One file edited together with its row in the database (its new hash written there): the folder's
        // own summary.json, which the next folder vouches for, still names the old hash.
        write_file((reports / runs[1] / "report.txt").string(),
                   read_file((reports / runs[1] / "report.txt").string()) + "forged\n");
        const std::string forged =
            run({"/usr/bin/sha256sum", (reports / runs[1] / "report.txt").string()}).out.substr(0, 64);
        const std::string db = dir.file("oznsync.db");
        Result files =
            run({"/usr/bin/sqlite3", db, "SELECT files FROM report_chain WHERE run_id = '" + runs[1] + "'"});
        REQUIRE(files.exit_code == 0);
        const std::string edited_row =
            std::regex_replace(trim_line(files.out), std::regex(R"("report.txt":"sha256:[0-9a-f]+")"),
                               "\"report.txt\":\"sha256:" + forged + "\"");
        REQUIRE(run({"/usr/bin/sqlite3", db,
                     "UPDATE report_chain SET files = '" + edited_row + "' WHERE run_id = '" + runs[1] + "'"})
                    .exit_code == 0);
        Result both = verify();
        INFO(both.out);
        CHECK(both.exit_code == 4);
        CHECK(both.out.find("BROKEN at " + runs[1] +
                            ": the database's hash of report.txt is not the one its "
                            "summary.json recorded") != std::string::npos);
        REQUIRE(run({"/usr/bin/sqlite3", db,
                     "UPDATE report_chain SET files = '" + trim_line(files.out) + "' WHERE run_id = '" +
                         runs[1] + "'"})
                    .exit_code == 0);
        restore();
        // A file added to a folder.
        write_file((reports / runs[0] / "extra.txt").string(), "x");
        CHECK(verify().out.find("extra.txt was added") != std::string::npos);
        restore();
        // reports.keep_days prunes the oldest folder: still intact, its hashes kept in the database.
        REQUIRE(run({"/usr/bin/sqlite3", db,
                     "UPDATE report_chain SET written_at = '" + iso_from_now(-10LL * 86400) +
                         "' WHERE run_id = '" + runs[0] + "'"})
                    .exit_code == 0);
        write_file(cfg, read_file(cfg) + "[reports]\nkeep_days = 5\n");
        REQUIRE(oznsync({"run", "--dry-run", "--config", cfg}).exit_code == 0);
        CHECK_FALSE(fs::exists(reports / runs[0]));
        Result pruned = verify();
        INFO(pruned.out << pruned.err);
        CHECK(pruned.exit_code == 0);
        CHECK(pruned.out.find("intact: 4 folder(s) as written, 1 pruned") != std::string::npos);
        // While a run holds the database, verify says so (exit 75) instead of failing on a half-written
        // folder or a database being migrated.
        {
            Child holder({"/usr/bin/flock", dir.file("oznsync.db"), "sleep", "30"});
            Result busy;
            for (int i = 0; i < 100; ++i) { // until the holder has the lock
                busy = verify();
                if (busy.exit_code == 75) break;
            }
            CHECK(busy.exit_code == 75);
            CHECK(busy.err.find("a run is in progress") != std::string::npos);
        }
    }
}

TEST_SUITE("browser") {
    TEST_CASE("headless Chromium renders report.html: the change table with every row and both charts") {
        std::string chromium;
        for (const char* c : {"/usr/bin/chromium", "/usr/bin/chromium-browser"})
            if (fs::exists(c)) chromium = c;
        REQUIRE_MESSAGE(!chromium.empty(), "chromium is not installed (jobs/test.sh installs it)");
        Sim sim({"--fixture", fixture("network-small.json")});
        TempDir dir;
        std::string cfg = write_config(dir, sim,
                                       "[ozmap]\nweb_url = https://acme.ozmap.example/#/{kind}/{id}\n"
                                       "[ozneutral]\nsales = file:" +
                                           fixture("sales-stage1.json") +
                                           "\n[safety]\nmax_removals_pct = 100\nmax_invalid_pct = 50\n");
        REQUIRE(
            oznsync({"run", "--dry-run", "--config", cfg}, {{"OZNSYNC_RUN_ID", "browser-dry"}}).exit_code ==
            0);
        REQUIRE(oznsync({"run", "--config", cfg}, {{"OZNSYNC_RUN_ID", "browser-run"}}).exit_code == 3);
        const std::string page = "file://" + dir.file("reports/browser-run/report.html");
        const std::vector<std::string> flags = {chromium,
                                                "--headless",
                                                "--no-sandbox",
                                                "--disable-gpu",
                                                "--disable-quic",
                                                "--no-first-run",
                                                "--disable-background-networking",
                                                "--disable-component-update",
                                                "--disable-sync",
                                                "--user-data-dir=" + dir.file("chromium")};
        auto with = [&](std::vector<std::string> extra) {
            auto argv = flags;
            argv.insert(argv.end(), extra.begin(), extra.end());
            return argv;
        };
        Result dom = run(with({"--dump-dom", page}));
        REQUIRE(dom.exit_code == 0);
        const std::string& html = dom.out;
        auto table = html.find("<table id=\"changes\">");
        REQUIRE(table != std::string::npos);
        std::string changes = html.substr(table, html.find("</table>", table) - table);
        size_t rows = 0;
        for (size_t p = changes.find("<tr data-action="); p != std::string::npos;
             p = changes.find("<tr data-action=", p + 1))
            ++rows;
        CHECK(rows == 9);
        CHECK(html.find("id=\"chart-occupancy\"") != std::string::npos);
        CHECK(html.find("id=\"chart-actions\"") != std::string::npos);
        CHECK(html.find(">9 shown<") != std::string::npos); // the filter script ran in the browser
        // Names beside the ids, linked to the operator's OZmap pages; links to the folder's other files.
        CHECK(html.find(
                  "<a href=\"https://acme.ozmap.example/#/box/65f000030000000000000004\">CTO-000001</a>") !=
              std::string::npos);
        CHECK(html.find("<a "
                        "href=\"https://acme.ozmap.example/#/splitter/"
                        "65f000030000000000000012\">CTO-000001-S2</a>") != std::string::npos);
        for (const char* file : {"changes.csv", "changes.jsonl", "summary.json", "../index.html"})
            CHECK(html.find(std::string("<a href=\"") + file + "\">") != std::string::npos);
        const std::string artifacts = std::string(ARTIFACTS_DIR);
        fs::create_directories(artifacts);
        Result shot =
            run(with({"--window-size=1300,1800", "--screenshot=" + artifacts + "/report.png", page}));
        CHECK(shot.exit_code == 0);
        CHECK(fs::file_size(artifacts + "/report.png") > 10000);

        // reports/index.html: both runs, newest first, linked, and the chart of the last runs.
        const std::string index = "file://" + dir.file("reports/index.html");
        Result listing = run(with({"--dump-dom", index}));
        REQUIRE(listing.exit_code == 0);
        const size_t newest = listing.out.find("href=\"browser-run/report.html\""),
                     older = listing.out.find("href=\"browser-dry/report.html\"");
        CHECK(newest != std::string::npos);
        CHECK(older != std::string::npos);
        CHECK(newest < older);
        CHECK(listing.out.find("id=\"chart-runs\"") != std::string::npos);
        CHECK(listing.out.find("create=4") != std::string::npos);
        Result index_shot =
            run(with({"--window-size=1300,900", "--screenshot=" + artifacts + "/index.png", index}));
        CHECK(index_shot.exit_code == 0);
        CHECK(fs::file_size(artifacts + "/index.png") > 5000);
    }

    TEST_CASE("the auditor's page at 1280 px: a move by name, failed writes in red, who started it, the "
              "hashes that check it without oznsync") {
        std::string chromium;
        for (const char* c : {"/usr/bin/chromium", "/usr/bin/chromium-browser"})
            if (fs::exists(c)) chromium = c;
        REQUIRE_MESSAGE(!chromium.empty(), "chromium is not installed (jobs/test.sh installs it)");
        TempDir dir;
        // A night with a move (stage 1, then stage 2), started with a reason by a timer.
        Sim sim({"--fixture", fixture("network-small.json")});
        std::string cfg = write_config(dir, sim,
                                       "[ozneutral]\nsales = file:" + dir.file("sales.json") +
                                           "\n[safety]\nmax_removals_pct = 100\nmax_invalid_pct = 50\n");
        write_file(dir.file("sales.json"), read_file(fixture("sales-stage1.json")));
        REQUIRE(oznsync({"run", "--config", cfg}, {{"OZNSYNC_RUN_ID", "night-1"}}).exit_code == 3);
        write_file(dir.file("sales.json"), read_file(fixture("sales-stage2.json")));
        REQUIRE(oznsync({"run", "--reason", "ticket 4711: port change", "--config", cfg},
                        {{"OZNSYNC_RUN_ID", "night-2"}, {"TRIGGER_UNIT", "oznsync@acme.timer"}})
                    .exit_code == 3);
        // A night where OZmap refused every write.
        TempDir failing;
        Sim refusing({"--fixture", fixture("network-small.json")});
        refusing.set_faults(R"({"echo_authorization": true})");
        std::string failing_cfg = write_config(failing, refusing,
                                               "[ozneutral]\nsales = file:" + fixture("sales-stage1.json") +
                                                   "\n[safety]\nmax_invalid_pct = 50\n");
        REQUIRE(oznsync({"run", "--config", failing_cfg}, {{"OZNSYNC_RUN_ID", "night-f"}}).exit_code == 5);
        // Each page in Chromium at 1280 px, measured by a script added to a copy: no table wider than the
        // window (the columns wrap, none is cut off).
        const std::string measure =
            "<script>addEventListener('load',()=>{const w=document.documentElement.clientWidth;"
            "const "
            "over=[...document.querySelectorAll('table')].filter(t=>t.getBoundingClientRect().right>w+1)"
            ".map(t=>t.id||'table');document.body.setAttribute('data-overflow',over.join(',')||'none');});"
            "</script></body>";
        auto rendered = [&](const fs::path& folder) {
            std::string page = read_file(folder / "report.html");
            page.replace(page.rfind("</body>"), 7, measure);
            write_file((folder / "measured.html").string(), page);
            Result dom = run({chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                              "--disable-background-networking", "--disable-component-update",
                              "--window-size=1280,900", "--user-data-dir=" + dir.file("chromium"),
                              "--virtual-time-budget=2000", "--dump-dom",
                              "file://" + (folder / "measured.html").string()});
            REQUIRE(dom.exit_code == 0);
            return dom.out;
        };
        const fs::path moved = fs::path(dir.file("reports")) / "night-2";
        const std::string night = rendered(moved);
        CHECK(night.find("data-overflow=\"none\"") != std::string::npos);
        // The move's origin and target by name (OZmap's names of splitter 65f0...0040), not by id.
        CHECK(night.find("CTO-000005-S2 port 2 → CTO-000005-S2 port 4") != std::string::npos);
        CHECK(night.find("done: moved to CTO-000005-S2 port 4") != std::string::npos);
        CHECK(night.find("<dd id=\"started-by\">timer oznsync@acme.timer</dd>") != std::string::npos);
        CHECK(night.find("<dd id=\"reason\">ticket 4711: port change</dd>") != std::string::npos);
        // Integrity: sha256sum's own lines for the data files, and the previous summary's hash.
        const std::string csv_hash =
            run({"/usr/bin/sha256sum", (moved / "changes.csv").string()}).out.substr(0, 64);
        CHECK(night.find(csv_hash + "  changes.csv") != std::string::npos);
        const std::string previous =
            run({"/usr/bin/sha256sum", dir.file("reports/night-1/summary.json")}).out.substr(0, 64);
        CHECK(night.find("<code id=\"previous-summary\">" + previous + "</code>") != std::string::npos);
        Result checked =
            run({"/bin/sh", "-c",
                 "cd " + moved.string() +
                     " && sed -n '/<pre id=sha256sums>/,/<\\/pre>/p' report.html | "
                     "sed -e 's/<pre id=sha256sums>//' -e 's/<\\/pre>.*//' | grep . | sha256sum -c"});
        INFO(checked.out << checked.err);
        CHECK(checked.exit_code == 0);
        CHECK(checked.out.find("changes.jsonl: OK") != std::string::npos);

        const std::string failed = rendered(fs::path(failing.file("reports")) / "night-f");
        CHECK(failed.find("data-overflow=\"none\"") != std::string::npos);
        CHECK(failed.find("<rect class=\"part-failed\"") != std::string::npos);
        CHECK(failed.find("<rect class=\"part-done\"") == std::string::npos);
        CHECK(failed.find("<td class=\"n st-failed\">4</td>") != std::string::npos);
        CHECK(failed.find("exit 5") != std::string::npos);
        // No contradiction: every write failed, so the page never says APPLIED.
        CHECK(failed.find("some writes failed") != std::string::npos);
        CHECK(failed.find(">NOTHING APPLIED</span>") != std::string::npos);
        CHECK(failed.find(">APPLIED</span>") == std::string::npos);
        CHECK(night.find(">APPLIED</span>") != std::string::npos);
        Result shot = run({chromium, "--headless", "--no-sandbox", "--disable-gpu", "--window-size=1280,1600",
                           "--user-data-dir=" + dir.file("chromium"),
                           "--screenshot=" + std::string(ARTIFACTS_DIR) + "/report-failed-writes.png",
                           "file://" + failing.file("reports/night-f/report.html")});
        CHECK(shot.exit_code == 0);
    }
}
