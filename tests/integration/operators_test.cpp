// Every operator, one marketplace: whose OZmap a report, log line, metric or file is about, and one
// operator's config never reaching another operator's database or folders.
#include "support/harness.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <doctest/doctest.h>

#include <filesystem>
#include <map>
#include <sstream>
#include <sys/stat.h>

using namespace harness;
namespace fs = std::filesystem;

namespace {

/// Where an operator's config points; by default everything under `dir`/NAME.
struct Paths {
    std::string db, reports, handover;
};

/// An operator's config, named NAME.ini (its operator.name by default), with its database, reports and
/// hand-over folders under `dir`/NAME unless `paths` names others; its metrics file is `dir`/NAME.prom.
std::string operator_config(const TempDir& dir, const Sim& sim, const std::string& name, Paths paths = {},
                            const std::string& extra = "") {
    const std::string home = dir.file(name);
    fs::create_directories(home);
    ::chmod(home.c_str(), 0750);
    if (paths.db.empty()) paths.db = home + "/oznsync.db";
    if (paths.reports.empty()) paths.reports = home + "/reports";
    if (paths.handover.empty()) paths.handover = home + "/handover";
    const std::string path = dir.file(name + ".ini");
    write_file(
        path, "[ozmap]\nurl = " + sim.url() + "\napi_key = " + Sim::kApiKey +
                  "\nretries = 2\nretry_base_ms = 5\n[ozneutral]\nsales = file:" +
                  fixture("sales-stage1.json") + "\npartnerships = file:" + fixture("partnerships.json") +
                  "\n[partners]\nrole = Partner\nhandover_dir = " + paths.handover +
                  "\n[safety]\nmax_removals_pct = 100\nmax_invalid_pct = 50\n[snapshot]\npath = " + paths.db +
                  "\n[reports]\ndir = " + paths.reports + "\nmetrics_file = " + dir.file(name + ".prom") +
                  "\n" + extra);
    ::chmod(path.c_str(), 0600);
    return path;
}

Poco::JSON::Object::Ptr json_object(const std::string& text) {
    return Poco::JSON::Parser().parse(text).extract<Poco::JSON::Object::Ptr>();
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) out.push_back(line);
    return out;
}

} // namespace

TEST_SUITE("operators") {
    TEST_CASE("operator.name is in every report file, JSON log line, metric series, the hand-over file name "
              "and runs; two operators' textfiles merge without a duplicate series") {
        Sim acme_sim({"--fixture", fixture("network-small.json")});
        Sim beta_sim({"--fixture", fixture("network-small.json")});
        TempDir dir;
        const std::string acme = operator_config(dir, acme_sim, "acme");
        const std::string beta = operator_config(dir, beta_sim, "beta");

        Result ran = oznsync({"run", "--config", acme, "--log-format", "json"});
        INFO(ran.out << ran.err);
        REQUIRE(ran.exit_code == 3);
        REQUIRE(oznsync({"run", "--config", beta}).exit_code == 3);

        // Every JSON log line.
        const auto log = lines_of(ran.err);
        REQUIRE(log.size() > 3);
        for (const auto& line : log)
            CHECK(json_object(line)->getValue<std::string>("operator") == "acme");
        // The report folder: header, summary, every changes.jsonl line.
        fs::path folder;
        for (const auto& e : fs::directory_iterator(dir.file("acme/reports")))
            if (fs::exists(e.path() / "summary.json")) folder = e.path();
        REQUIRE(!folder.empty());
        CHECK(json_object(read_file((folder / "summary.json").string()))->getValue<std::string>("operator") ==
              "acme");
        const auto changes = lines_of(read_file((folder / "changes.jsonl").string()));
        REQUIRE(!changes.empty());
        for (const auto& line : changes)
            CHECK(json_object(line)->getValue<std::string>("operator") == "acme");
        CHECK(read_file((folder / "report.txt").string()).find("\n  operator acme\n") != std::string::npos);
        CHECK(read_file((folder / "report.html").string()).find("<b id=operator>acme</b>") !=
              std::string::npos);
        // The hand-over file names the operator.
        bool handover = false;
        for (const auto& e : fs::directory_iterator(dir.file("acme/handover")))
            handover = handover || e.path().filename().string().rfind("partners-acme-", 0) == 0;
        CHECK(handover);
        // runs, text and JSON.
        Result runs = oznsync({"runs", "--config", acme});
        CHECK(runs.out.rfind("operator acme\n", 0) == 0);
        auto listed = Poco::JSON::Parser()
                          .parse(oznsync({"runs", "--config", acme, "--format", "json"}).out)
                          .extract<Poco::JSON::Array::Ptr>();
        REQUIRE(listed->size() == 1);
        CHECK(listed->getObject(0)->getValue<std::string>("operator") == "acme");
        // Metrics: every series of each textfile carries its operator, and the two files merge as
        // node_exporter's textfile collector merges them (prometheus_client's parser), no series twice.
        for (const std::string name : {"acme", "beta"})
            for (const auto& line : lines_of(read_file(dir.file(name + ".prom"))))
                if (line[0] != '#') CHECK(line.find("{operator=\"" + name + "\"") != std::string::npos);
        Result merged = run({"/usr/bin/python3", std::string(TOOLS_DIR) + "/metrics_union.py",
                             dir.file("acme.prom"), dir.file("beta.prom")});
        INFO(merged.out << merged.err);
        CHECK(merged.exit_code == 0);
        CHECK(merged.out.find("2 files") != std::string::npos);
        // promtool (Debian's prometheus package) reads each file as valid exposition text.
        for (const std::string name : {"acme", "beta"}) {
            Result lint =
                run({"/bin/sh", "-c", "/usr/bin/promtool check metrics < " + dir.file(name + ".prom")});
            INFO(lint.out << lint.err);
            CHECK(lint.exit_code == 0);
        }
        // The same file twice is what the collector refuses, and so does the check.
        CHECK(run({"/usr/bin/python3", std::string(TOOLS_DIR) + "/metrics_union.py", dir.file("acme.prom"),
                   dir.file("acme.prom")})
                  .exit_code == 1);
    }

    TEST_CASE("a config that points one operator at another operator's database or folders is refused with "
              "exit 78 naming both, before anything is written") {
        Sim sim({"--fixture", fixture("network-small.json")});
        TempDir dir;
        const std::string acme = operator_config(dir, sim, "acme");
        REQUIRE(oznsync({"run", "--config", acme}).exit_code == 3);
        const auto folders_of_acme = [&] {
            size_t n = 0;
            for (const auto& e : fs::directory_iterator(dir.file("acme/reports")))
                n += fs::is_directory(e.path());
            return n;
        };
        const size_t before = folders_of_acme();

        // beta's config with acme's database (and folders).
        const std::string beta = operator_config(
            dir, sim, "beta",
            {dir.file("acme/oznsync.db"), dir.file("acme/reports"), dir.file("acme/handover")});
        for (const std::vector<std::string>& cmd : {std::vector<std::string>{"run", "--config", beta},
                                                    {"runs", "--config", beta},
                                                    {"plan", "--config", beta}}) {
            Result r = oznsync(cmd);
            INFO(cmd[0] << ": " << r.out << r.err);
            CHECK(r.exit_code == 78);
            CHECK(r.err.find("is the database of operator 'acme', not of 'beta'") != std::string::npos);
        }
        // beta with a database of its own but acme's reports folder; then acme's hand-over folder.
        const std::string beta_reports =
            operator_config(dir, sim, "beta", {"", dir.file("acme/reports"), ""});
        Result reports = oznsync({"run", "--config", beta_reports});
        INFO(reports.err);
        CHECK(reports.exit_code == 78);
        CHECK(reports.err.find("reports.dir: " + dir.file("acme/reports") +
                               " is the folder of operator 'acme', not of 'beta'") != std::string::npos);
        const std::string beta_handover =
            operator_config(dir, sim, "beta", {"", "", dir.file("acme/handover")});
        Result handover = oznsync({"run", "--config", beta_handover});
        INFO(handover.err);
        CHECK(handover.exit_code == 78);
        CHECK(handover.err.find("partners.handover_dir: " + dir.file("acme/handover") +
                                " is the folder of operator 'acme'") != std::string::npos);
        // Nothing of beta's landed in acme's folders, and acme's runs go on.
        CHECK(folders_of_acme() == before);
        Result again = oznsync({"run", "--config", acme});
        CHECK(again.exit_code == 3);
    }

    TEST_CASE("operator.name defaults to the config file's name; a name that is not letters, digits, '-' "
              "and '_' is refused") {
        Sim sim({"--fixture", fixture("network-small.json")});
        TempDir dir;
        const std::string cfg = operator_config(dir, sim, "north-1");
        // `runs` reads and never creates: before any run it names the operator and the missing database.
        Result runs = oznsync({"runs", "--config", cfg});
        CHECK(runs.exit_code == 66);
        CHECK(runs.err.find("(of operator north-1)") != std::string::npos);
        CHECK_FALSE(fs::exists(dir.file("north-1/oznsync.db")));
        const std::string named = operator_config(dir, sim, "x", {}, "[operator]\nname = Sul_2\n");
        CHECK(oznsync({"runs", "--config", named}).err.find("(of operator Sul_2)") != std::string::npos);
        const std::string bad = operator_config(dir, sim, "y", {}, "[operator]\nname = a/b\n");
        Result refused = oznsync({"runs", "--config", bad});
        CHECK(refused.exit_code == 78);
        CHECK(refused.err.find("operator.name: 'a/b' is not a name of letters, digits") != std::string::npos);
        const std::string dotted = dir.file("my.operator.ini");
        write_file(dotted, read_file(cfg));
        ::chmod(dotted.c_str(), 0600);
        Result stem = oznsync({"runs", "--config", dotted});
        CHECK(stem.exit_code == 78);
        CHECK(stem.err.find("set operator.name") != std::string::npos);
    }

    TEST_CASE(
        "fleet status: one line per operator; a broken config, a corrupt database, an unreachable OZmap "
        "and a missing database are their operators' lines, the others read; exit 6, then 0") {
        Sim sim({"--fixture", fixture("network-small.json")});
        TempDir dir;
        const std::string fleet = dir.file("operators.d");
        fs::create_directories(fleet);
        TempDir homes;
        // acme: a night with conflicts for a person (exit 3): healthy.
        const std::string acme = operator_config(homes, sim, "acme");
        REQUIRE(oznsync({"run", "--config", acme}).exit_code == 3);
        fs::copy_file(acme, fleet + "/acme.ini");
        // beta: a config with a key that does not exist.
        write_file(fleet + "/beta.ini", read_file(acme) + "[reports]\nkeep_dayz = 3\n");
        // gamma: its database is not a database.
        const std::string gamma = operator_config(homes, sim, "gamma");
        write_file(homes.file("gamma/oznsync.db"), std::string(8192, 'x'));
        fs::copy_file(gamma, fleet + "/gamma.ini");
        // delta: its OZmap does not answer (the run exits 75 and says so).
        std::string delta_text = read_file(operator_config(homes, sim, "delta"));
        delta_text.replace(delta_text.find(sim.url()), sim.url().size(), "http://127.0.0.1:9");
        delta_text.replace(delta_text.find("retries = 2"), 11, "retries = 0");
        write_file(fleet + "/delta.ini", delta_text);
        ::chmod((fleet + "/delta.ini").c_str(), 0600);
        ::chmod((fleet + "/beta.ini").c_str(), 0600);
        REQUIRE(oznsync({"run", "--config", fleet + "/delta.ini"}).exit_code == 75);
        // epsilon: never ran; fleet status must not create its database.
        fs::copy_file(operator_config(homes, sim, "epsilon"), fleet + "/epsilon.ini");

        Result status = oznsync({"fleet", "status", "--fleet", fleet, "--format", "json"});
        INFO(status.out << status.err);
        CHECK(status.exit_code == 6);
        auto list = Poco::JSON::Parser().parse(status.out).extract<Poco::JSON::Array::Ptr>();
        REQUIRE(list->size() == 5);
        std::map<std::string, Poco::JSON::Object::Ptr> by_name;
        for (size_t i = 0; i < list->size(); ++i) {
            auto o = list->getObject(static_cast<unsigned>(i));
            by_name[o->getValue<std::string>("operator")] = o;
        }
        REQUIRE(by_name.size() == 5);
        const auto attention = [&](const std::string& name) {
            std::string all;
            auto a = by_name.at(name)->getArray("attention");
            for (size_t i = 0; i < a->size(); ++i)
                all += a->getElement<std::string>(static_cast<unsigned>(i)) + "\n";
            return all;
        };
        CHECK(by_name.at("acme")->getValue<bool>("healthy"));
        CHECK(by_name.at("acme")->getObject("last_full_run")->getValue<int>("exit_code") == 3);
        CHECK(by_name.at("acme")->getValue<long long>("conflicts") == 3);
        CHECK(by_name.at("acme")->getValue<long long>("owned_clients") == 4);
        CHECK(by_name.at("acme")->getValue<long long>("free_ports") > 0);
        CHECK(by_name.at("acme")->getValue<double>("snapshot_age_h") < 1);
        CHECK_FALSE(by_name.at("beta")->getValue<bool>("healthy"));
        CHECK(attention("beta").find("unknown key 'reports.keep_dayz'") != std::string::npos);
        CHECK_FALSE(by_name.at("gamma")->getValue<bool>("healthy"));
        CHECK(attention("gamma").find("not a database") != std::string::npos);
        CHECK_FALSE(by_name.at("delta")->getValue<bool>("healthy"));
        CHECK(attention("delta").find("exited 75") != std::string::npos);
        CHECK(attention("epsilon").find("no database at") != std::string::npos);
        CHECK_FALSE(fs::exists(homes.file("epsilon/oznsync.db")));
        // The text table and the page say the same.
        Result text = oznsync({"fleet", "status", "--fleet", fleet});
        CHECK(text.exit_code == 6);
        CHECK(text.out.find("acme             healthy") != std::string::npos);
        CHECK(text.out.find("gamma            ATTENTION") != std::string::npos);
        Result page = oznsync({"fleet", "status", "--fleet", fleet, "--format", "html"});
        CHECK(page.out.find("<a href=\"file://" + homes.file("acme/reports") + "/index.html\">acme</a>") !=
              std::string::npos);

        // Only healthy operators left: exit 0.
        for (const char* gone : {"beta", "gamma", "delta", "epsilon"})
            fs::remove(fleet + "/" + gone + ".ini");
        CHECK(oznsync({"fleet", "status", "--fleet", fleet}).exit_code == 0);
        CHECK(oznsync({"fleet", "status", "--fleet", dir.file("nowhere")}).exit_code == 64);
    }
}
