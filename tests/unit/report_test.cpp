// Report files from plain values: the large ones stream to disk in pieces and read the same as built
// whole; the text report lists a bounded number of changes.
#include "report/report.hpp"
#include "util/fs.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <unistd.h>

using namespace oznsync;

namespace {

ReportData many_changes(int n) {
    ReportData d;
    d.run.id = "run-1";
    d.run.mode = RunMode::Plan;
    // The requests as a dry run keeps them: spilled to a file (a megabyte at a time), the rest in memory.
    auto requests = std::make_shared<RequestLog>(std::filesystem::temp_directory_path().string());
    for (int i = 0; i < n; ++i) {
        JournalEntry e;
        e.seq = i + 1;
        e.change.action = Action::Create;
        e.change.code = "CODE-" + std::to_string(i);
        e.change.sale_id = "sale-" + std::to_string(i);
        e.change.target = {"box", "splitter", 1 + i % 8};
        e.change.reason = "a reason, with \"quotes\" and = signs";
        d.entries.push_back(e);
        requests->add({"POST", "properties", "{\"code\":\"CODE-" + std::to_string(i) + "\"}"});
    }
    d.requests = requests;
    return d;
}

} // namespace

TEST_SUITE("report") {
    TEST_CASE("the streamed files equal the string forms, byte for byte, past the flush size") {
        const ReportData d = many_changes(20000); // several megabytes: many flushes
        const auto dir =
            std::filesystem::temp_directory_path() / ("oznsync-report-" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir);
        struct Case {
            const char* name;
            void (*write)(const ReportData&, TextOut&);
            std::string whole;
        } cases[] = {{"changes.jsonl", write_changes_jsonl, changes_jsonl(d)},
                     {"changes.csv", write_changes_csv, changes_csv(d)},
                     {"plan.json", write_plan_json, plan_json(d)}};
        for (const auto& c : cases) {
            CAPTURE(c.name);
            CHECK(c.whole.size() > (2u << 20));
            std::string buffer;
            AtomicFile file((dir / c.name).string());
            TextOut out(buffer, file);
            c.write(d, out);
            out.flush();
            file.commit();
            CHECK(read_file((dir / c.name).string()) == c.whole);
        }
        std::filesystem::remove_all(dir);
    }

    TEST_CASE(
        "changes.csv: a field a spreadsheet would run as a formula is neutralised, the partner is there") {
        ReportData d = many_changes(1);
        d.entries[0].change.code = "=HYPERLINK(\"http://evil\",\"x\")";
        d.entries[0].change.partner = "@Partner";
        d.entries[0].change.reason = "-1+1";
        const std::string csv = changes_csv(d);
        CHECK(csv.find(",\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\",'@Partner,") != std::string::npos);
        CHECK(csv.find(",'-1+1,") != std::string::npos);
        CHECK(csv.find(",=") == std::string::npos);
    }

    TEST_CASE("counts by action, by result, by project and by state: every entry counted once, projects "
              "interleaved, an action with no entry listed only where the report always lists it; the same "
              "counts whether made where asked or from the run's tally") {
        ReportData d;
        auto add = [&](Action a, const char* project, EntryState state) {
            JournalEntry e;
            e.change.action = a;
            e.change.project = project;
            e.state = state;
            d.entries.push_back(e);
        };
        add(Action::Create, "p1", EntryState::Done);
        add(Action::Create, "p1", EntryState::Failed);
        add(Action::Remove, "p2", EntryState::Skipped);
        add(Action::Create, "p1", EntryState::Planned);
        add(Action::Conflict, "p2", EntryState::Finding);
        add(Action::UserCreate, "", EntryState::Done);
        add(Action::Create, "p2", EntryState::Done);
        d.kept_counts = {{"move", 4}};
        SUBCASE("counted where asked") {}
        SUBCASE("counted once, from the tally") {
            d.count_entries();
            d.entries.clear(); // the tally alone answers now
        }
        const auto by_action = counts_by_action(d);
        CHECK(by_action.at("create") == 4);
        CHECK(by_action.at("remove") == 1);
        CHECK(by_action.at("conflict") == 1);
        CHECK(by_action.at("user_create") == 1);
        CHECK(by_action.at("move") == 4);     // kept by a run whose rows are gone
        CHECK(by_action.at("promote") == 0);  // always listed
        CHECK(by_action.count("adopt") == 0); // listed only when there is one
        const auto results = results_by_action(d);
        CHECK(results.size() == 3); // writes only: create, remove, user_create
        CHECK(results.at("create").planned == 4);
        CHECK(results.at("create").done == 2);
        CHECK(results.at("create").failed == 1);
        CHECK(results.at("create").not_sent == 1);
        CHECK(results.at("remove").skipped == 1);
        const std::map<std::string, std::map<std::string, long long>> projects{
            {"p1", {{"create", 3}}}, {"p2", {{"conflict", 1}, {"create", 1}, {"remove", 1}}}};
        CHECK(counts_by_project(d) == projects);
        const std::map<std::string, long long> states{
            {"done", 3}, {"failed", 1}, {"planned", 1}, {"skipped", 1}}; // findings not counted
        CHECK(counts_by_state(d) == states);
        CHECK(writes_and_conflicts(d) ==
              std::pair<long long, long long>{6, 1}); // 4 creates, a remove, a user
    }

    TEST_CASE("an AtomicFile dropped without commit leaves nothing behind") {
        const auto dir =
            std::filesystem::temp_directory_path() / ("oznsync-atomic-" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir);
        {
            AtomicFile file((dir / "half.json").string());
            file.write("{\"half\":");
        }
        CHECK(std::filesystem::is_empty(dir));
        std::filesystem::remove_all(dir);
    }

    TEST_CASE("report.txt lists at most kTextRowLimit changes and says where the rest are") {
        const std::string small = text_report(many_changes(3));
        CHECK(small.find("CODE-2") != std::string::npos);
        CHECK(small.find("more: changes.csv") == std::string::npos);
        const std::string big = text_report(many_changes(static_cast<int>(kTextRowLimit) + 7));
        CHECK(big.find("CODE-" + std::to_string(kTextRowLimit - 1) + " ") != std::string::npos);
        CHECK(big.find("CODE-" + std::to_string(kTextRowLimit) + " ") == std::string::npos);
        CHECK(big.find("... and 7 more: changes.csv and changes.jsonl list every change") !=
              std::string::npos);
    }
}

TEST_SUITE("report") {
    TEST_CASE("port occupancy per project: free, reserved, active, blocked") {
        Inventory inv;
        inv.projects = {{"p1", "North", "N"}, {"p2", "South", "S"}};
        SplitterState s1{"box-1", "p1", "S1", {}};
        s1.ports = {{false, std::nullopt},
                    {true, std::nullopt},
                    {false, "fiber-a"},
                    {false, "fiber-b"},
                    {false, "fiber-c"}};
        SplitterState s2{"box-2", "p2", "S2", {{false, std::nullopt}}};
        inv.splitters = {{"s1", s1}, {"s2", s2}};
        auto property = [](const std::string& id, int port, bool implanted, bool client = true) {
            Property p;
            p.id = id;
            p.splitter = "s1";
            p.port = port;
            p.client_id = client ? "client-" + id : "";
            p.client_implanted = implanted;
            return p;
        };
        // Port 3: a reserved client (the first property there says; a second, implanted, does not count);
        // port 4: an implanted one; port 5: a fiber no property explains. A port the splitter does not
        // have, or a splitter the snapshot does not have, counts nowhere.
        Property stray = property("e", 2, true);
        stray.splitter = "no-such-splitter";
        inv.properties = {property("a", 3, false), property("b", 4, true), property("c", 5, false, false),
                          property("d", 3, true),  property("f", 9, true), stray};
        const auto occ = occupancy_of(inv);
        REQUIRE(occ.size() == 2);
        CHECK(occ[0].project == "p1");
        CHECK(occ[0].name == "North");
        CHECK(occ[0].free == 1);
        CHECK(occ[0].blocked == 1);
        CHECK(occ[0].reserved == 1);
        CHECK(occ[0].active == 2);
        CHECK(occ[1].project == "p2");
        CHECK(occ[1].free == 1);
        CHECK(occ[1].active + occ[1].reserved + occ[1].blocked == 0);
    }
}
