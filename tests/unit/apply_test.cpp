// The applier with plain values: an in-process gateway that answers like OZmap on success and records
// what it was asked (no HTTP: the integration tests send the same changes to the simulator).
#include "app/apply.hpp"
#include "app/journal.hpp"
#include "core/ownership.hpp"
#include "support/scratch_dir.hpp"
#include "util/digest.hpp"
#include "util/error.hpp"
#include "util/log.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <mutex>

using namespace oznsync;

namespace {

JournalEntry entry(int seq, Action action, const std::string& code, const std::string& splitter, int port) {
    JournalEntry e;
    e.seq = seq;
    e.state = EntryState::Planned;
    e.change.action = action;
    e.change.sale_id = "sale-" + code;
    e.change.code = code;
    e.change.target = {"box-1", splitter, port};
    e.change.client_id = "client-" + code;
    e.change.property_id = "property-" + code;
    return e;
}

std::vector<JournalEntry*> pointers(std::vector<JournalEntry>& v) {
    std::vector<JournalEntry*> out;
    for (auto& e : v)
        out.push_back(&e);
    return out;
}

class FakeGateway : public OzmapGateway {
public:
    bool credentials_work(const std::string&, const std::string&) override { return true; }
    std::optional<std::string> user_external_id(const std::string&) override { return std::nullopt; }
    std::mutex mutex;
    std::vector<WriteRequest> written;
    int batch_lookups = 0, single_lookups = 0;
    std::map<std::string, std::vector<Property>> existing; // by code
    std::string unavailable_on;                            // a route that makes OZmap "unreachable"

    WriteResult write(const WriteRequest& r) override {
        std::lock_guard lock(mutex);
        if (!unavailable_on.empty() && r.body.find(unavailable_on) != std::string::npos)
            throw UnavailableError("OZmap unavailable");
        written.push_back(r);
        if (r.method != "POST") return {204, {}, {}, {}, {}};
        return {201, "new-property", "new-client", {}, {}}; // what the gateway reads from OZmap's answer
    }
    std::vector<Property> find_by_code(const std::string& code) override {
        std::lock_guard lock(mutex);
        ++single_lookups;
        auto it = existing.find(code);
        return it == existing.end() ? std::vector<Property>{} : it->second;
    }
    std::optional<std::map<std::string, std::vector<Property>>>
    find_by_codes(const std::vector<std::string>& codes) override {
        std::lock_guard lock(mutex);
        ++batch_lookups;
        std::map<std::string, std::vector<Property>> out;
        for (const auto& c : codes)
            if (existing.count(c)) out[c] = existing[c];
        return out;
    }
    bool sends() const override { return true; }
};

ApplyOutcome apply(FakeGateway& gw, std::vector<JournalEntry>& entries, int concurrency) {
    Progress progress("apply", "changes", false);
    SafetyLimits limits;
    limits.max_removals = 1000;
    limits.max_removals_pct = 100;
    return apply_changes(gw, nullptr, "run-1", entries, 1000, limits, concurrency, progress);
}

} // namespace

TEST_SUITE("apply") {
    TEST_CASE("lanes: changes that share a code or a port go one after the other, in plan order") {
        std::vector<JournalEntry> v{
            entry(1, Action::Move, "A", "s1", 1), entry(2, Action::Move, "B", "s2", 1),
            entry(3, Action::Move, "C", "s1", 1), entry(4, Action::Move, "A", "s9", 9),
            entry(5, Action::Move, "D", "s3", 2)};
        v[1].change.from.edit() = {"box-1", "s3", 2}; // B leaves the port D takes
        auto lanes = lanes_of(pointers(v));
        REQUIRE(lanes.size() == 2);
        auto seqs = [](const std::vector<JournalEntry*>& lane) {
            std::vector<int> out;
            for (auto* e : lane)
                out.push_back(e->seq);
            return out;
        };
        CHECK(seqs(lanes[0]) == std::vector<int>{1, 3, 4}); // A and C share s1#1; A again
        CHECK(seqs(lanes[1]) == std::vector<int>{2, 5});    // B's old port is D's new one
    }

    TEST_CASE("creates: one look-up per chunk of codes, sent side by side") {
        std::vector<JournalEntry> v;
        for (int i = 0; i < 250; ++i)
            v.push_back(
                entry(i + 1, Action::Create, "C" + std::to_string(1000 + i), "s" + std::to_string(i), 1));
        FakeGateway gw;
        ApplyOutcome out = apply(gw, v, 4);
        CHECK(out.done == 250);
        CHECK(gw.written.size() == 250);
        CHECK(gw.batch_lookups == 3); // chunks of 100
        CHECK(gw.single_lookups == 0);
        for (const auto& e : v)
            CHECK(e.state == EntryState::Done);
    }

    TEST_CASE("creates: what the look-up finds decides, and a code met twice is asked again") {
        std::vector<JournalEntry> v{
            entry(1, Action::Create, "MINE", "s1", 1), entry(2, Action::Create, "THEIRS", "s2", 1),
            entry(3, Action::Create, "TWICE", "s3", 1), entry(4, Action::Create, "TWICE", "s4", 1)};
        FakeGateway gw;
        Property mine;
        mine.id = "p-mine";
        mine.external_id = external_id_for("sale-MINE");
        mine.splitter = "s1";
        mine.port = 1;
        gw.existing["MINE"] = {mine}; // a create whose answer was lost last night
        Property theirs;
        theirs.id = "p-op";
        gw.existing["THEIRS"] = {theirs}; // the operator's own client
        ApplyOutcome out = apply(gw, v, 4);
        CHECK(v[0].state == EntryState::Done);
        CHECK(v[0].result.find("already present") != std::string::npos);
        CHECK(v[1].state == EntryState::Skipped);
        CHECK(v[3].state == EntryState::Done);
        CHECK(gw.single_lookups == 1); // the second TWICE
        CHECK(gw.written.size() == 2); // the two TWICE creates
        CHECK(out.skipped == 1);
    }

    TEST_CASE("OZmap unreachable: no change starts after it; what was in flight is failed, the rest not "
              "attempted") {
        std::vector<JournalEntry> v;
        for (int i = 0; i < 5; ++i)
            v.push_back(entry(i + 1, Action::Create, "K" + std::to_string(i), "s" + std::to_string(i), 1));
        v.push_back(entry(6, Action::Remove, "R", "s9", 1));
        FakeGateway gw;
        gw.unavailable_on = "\"K2\"";
        ApplyOutcome out = apply(gw, v, 1);
        CHECK(out.abort_code == kExitUnavailable);
        CHECK(v[2].state == EntryState::Failed);
        CHECK(v[3].state == EntryState::Planned);
        CHECK(v[5].state == EntryState::Planned);
        CHECK(out.not_attempted == 3);
        CHECK(gw.written.size() == 2);
    }

    TEST_CASE("a dry run: the recording gateway keeps every request in plan order; nothing counts as done") {
        // Changes of one code would share a lane; a dry run still lists them in plan order.
        std::vector<JournalEntry> v{
            entry(1, Action::Move, "A", "s1", 1), entry(2, Action::Move, "B", "s2", 1),
            entry(3, Action::Move, "A", "s3", 1), entry(4, Action::Remove, "C", "s4", 1)};
        RecordingGateway gw;
        Progress progress("plan", "changes", false);
        SafetyLimits limits;
        limits.max_removals = 1000;
        limits.max_removals_pct = 100;
        ApplyOutcome out = apply_changes(gw, nullptr, "run-1", v, 1000, limits, 4, progress);
        CHECK(out.done == 0);
        for (const auto& e : v) {
            CHECK(e.state == EntryState::Planned);
            CHECK(e.result == Journal::kNotSent);
        }
        const auto& sent = gw.requests();
        REQUIRE(sent.size() == 5); // 3 moves; the removal deletes the property, then the client
        CHECK(sent[0].route == "properties/property-A");
        CHECK(sent[1].route == "properties/property-B");
        CHECK(sent[2].route == "properties/property-A");
        CHECK(sent[3].route == "properties/property-C");
        CHECK(sent[4].route == "ftth-clients/client-C");
    }

    TEST_CASE("a dry run keeps each body as one JSON value, secrets masked") {
        register_secret("pw-unit-7731");
        register_secret("Q7\",\"b"); // a secret that spans JSON's own characters where it occurs
        RecordingGateway gw;
        gw.write(WriteRequest("POST", "users", "{\"username\":\"u\",\"password\":\"pw-unit-7731\"}"));
        gw.write(WriteRequest("PATCH", "users/x", "{\"a\":\"Q7\",\"b\":\"c\"}"));
        gw.write(WriteRequest("DELETE", "ftth-clients/x", ""));
        const auto& kept = gw.requests();
        REQUIRE(kept.size() == 3);
        CHECK(kept[0].body == "{\"username\":\"u\",\"password\":\"***\"}");
        // Masked into `{"a":"***":"c"}`, which is not JSON: kept as a string of that text.
        CHECK(kept[1].body == "\"{\\\"a\\\":\\\"***\\\":\\\"c\\\"}\"");
        CHECK(kept[2].body.empty());
    }

    TEST_CASE("a dry run's plan written beside the dry run: its rows as planned, then the states the dry run "
              "moved entries to, never an intent; the rows' error is the one finish throws") {
        Store store(sql::Database::kInMemory);
        RunStore runs(store);
        RunRecord run;
        run.id = "r1";
        run.mode = RunMode::Plan;
        runs.begin(run);
        std::vector<Change> writes{entry(0, Action::Create, "A", "s1", 1).change,
                                   entry(0, Action::Remove, "B", "s1", 2).change,
                                   entry(0, Action::Move, "C", "s1", 3).change};
        std::vector<Change> findings{entry(0, Action::Conflict, "D", "s1", 4).change};
        auto entries = runs.number_plan("r1", std::move(writes), std::move(findings), Journal::kNotSent);
        REQUIRE(entries.size() == 4);
        {
            BackgroundPlanWrite rows(store, runs, "r1", entries, 3, Journal::kNotSent);
            Journal dry(nullptr, "r1", false); // the dry run, meanwhile: in memory only
            dry.mark(entries[0], EntryState::Intent);
            dry.mark(entries[0], EntryState::Planned, Journal::kNotSent);
            dry.mark(entries[1], EntryState::Skipped, "", "safety cap: too many removals");
            dry.mark(entries[2], EntryState::Intent); // left in flight in memory: never a row's state
            rows.finish();
        }
        const auto read = runs.entries("r1");
        REQUIRE(read.size() == 4);
        CHECK(read[0].state == EntryState::Planned);
        CHECK(read[0].result == Journal::kNotSent);
        CHECK(read[0].change.code == "A");
        CHECK(read[1].state == EntryState::Skipped);
        CHECK(read[1].error == "safety cap: too many removals");
        CHECK(read[2].state == EntryState::Planned);
        CHECK(read[3].state == EntryState::Finding);
        CHECK(read[3].result.empty());
        // A run the database does not know: its rows are refused, and finish says so.
        std::vector<Change> orphan{entry(0, Action::Create, "E", "s1", 1).change};
        auto stray = runs.number_plan("no-such-run", std::move(orphan), {}, Journal::kNotSent);
        BackgroundPlanWrite refused(store, runs, "no-such-run", stray, 1, Journal::kNotSent);
        CHECK_THROWS(refused.finish());
        CHECK(runs.entries("no-such-run").empty());
    }

    TEST_CASE("a dry run's report data files written while its rows are: the rows read the entries where "
              "they are (moved into the report), the files are the report's once the rows are written; "
              "rows refused, the run reports no plan and no file is left") {
        Store store(sql::Database::kInMemory);
        RunStore runs(store);
        ScratchDir reports;
        ReportData d;
        d.run.id = "r1";
        d.run.mode = RunMode::Plan;
        runs.begin(d.run);
        std::vector<Change> writes{entry(0, Action::Create, "A", "s1", 1).change,
                                   entry(0, Action::Remove, "B", "s1", 2).change};
        auto entries = runs.number_plan("r1", std::move(writes), {}, Journal::kNotSent);
        BackgroundPlanWrite rows(store, runs, "r1", entries, 2, Journal::kNotSent);
        Journal(nullptr, "r1", false)
            .mark(entries[1], EntryState::Skipped, "", "safety cap: too many removals");
        d.entries = std::move(entries); // the run's report takes them while the rows are written
        ReportDataFiles files = finish_beside_report(rows, reports.path, d);
        REQUIRE(!files.empty());
        const auto read = runs.entries("r1");
        REQUIRE(read.size() == 2);
        CHECK(read[0].change.code == "A");
        CHECK(read[1].state == EntryState::Skipped);
        const auto hashes = files.commit();
        CHECK(hashes.size() == 3); // plan.json, changes.jsonl, changes.csv
        const std::string jsonl = read_file(reports.file("r1/changes.jsonl"));
        CHECK(hashes.at("changes.jsonl") == "sha256:" + sha256_hex(jsonl));
        CHECK(jsonl.find("\"code\":\"A\"") != std::string::npos);
        CHECK(jsonl.find("safety cap: too many removals") != std::string::npos);

        // A run the database does not know: its rows are refused; the report loses the dry run, and the
        // files written meanwhile are gone.
        ReportData stray;
        stray.run.id = "no-such-run";
        stray.run.mode = RunMode::Plan;
        std::vector<Change> orphan{entry(0, Action::Create, "E", "s1", 1).change};
        stray.entries = runs.number_plan("no-such-run", std::move(orphan), {}, Journal::kNotSent);
        BackgroundPlanWrite refused(store, runs, "no-such-run", stray.entries, 1, Journal::kNotSent);
        CHECK_THROWS(finish_beside_report(refused, reports.path, stray));
        CHECK(stray.entries.empty());
        CHECK(std::filesystem::is_empty(reports.file("no-such-run")));
    }
}
