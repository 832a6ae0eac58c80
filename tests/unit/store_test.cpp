// The store's readers and writers over an in-memory SQLite database (every migration applied): snapshots
// written, completed, revised and discarded; runs; the journal and its states; the report folders' chain.
#include "store/box_ports.hpp"
#include "store/change_codec.hpp"
#include "store/history.hpp"
#include "store/report_chain.hpp"
#include "store/run_store.hpp"
#include "store/snapshot_reader.hpp"
#include "store/snapshot_writer.hpp"
#include "store/sqlite.hpp"
#include "store/store.hpp"
#include "support/scratch_dir.hpp"
#include "util/capacity.hpp"
#include "util/error.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <map>

#include <algorithm>
#include <sqlite3.h>
#include <sys/mman.h>
#include <unistd.h>

using namespace oznsync;

namespace {

/// One project, one box with a drop splitter of four ports (port 2 occupied, port 3 blocked).
int64_t write_snapshot(Store& store, const std::string& box_name) {
    const int64_t id = store.begin_snapshot("test", {"p1"});
    {
        SnapshotWriter w(store, id);
        w.add(Project{"p1", "Project 1", "P1"});
        w.add(Box{"b1", "p1", box_name, -27.6, -48.5, false, true});
        Splitter s{"s1", "b1", "p1", "S1", true, false, {}};
        for (int n = 1; n <= 4; ++n)
            s.ports.push_back(
                Port{"s1", n, n == 3, n == 2 ? std::optional<std::string>("f2") : std::nullopt});
        w.add(s);
    }
    store.complete_snapshot(id, "{}");
    return id;
}

RunRecord run_record(const std::string& id, RunMode mode, const std::string& started_at) {
    RunRecord r;
    r.id = id;
    r.mode = mode;
    r.started_at = started_at;
    r.finished_at = started_at;
    r.status = RunStatus::Done;
    r.exit_code = 0;
    return r;
}

Change change(Action action, const std::string& sale, const std::string& code) {
    Change c;
    c.action = action;
    c.sale_id = sale;
    c.code = code;
    c.project = "p1";
    c.target = PortRef{"b1", "s1", 1};
    c.reason = "test";
    return c;
}

} // namespace

TEST_SUITE("store") {
    TEST_CASE("a snapshot: written, current when complete, read back whole; a revision per change; a "
              "discarded one leaves the current") {
        Store store(sql::Database::kInMemory);
        CHECK_FALSE(store.current_snapshot());
        CHECK_THROWS_AS(store.require_snapshot(), UsageError);
        const int64_t id = write_snapshot(store, "CTO 1");
        REQUIRE(store.current_snapshot() == id);
        const auto info = store.snapshot(id);
        REQUIRE(info);
        CHECK(info->status == "complete");
        CHECK_FALSE(info->revision.empty());
        std::vector<BoxPorts> boxes;
        each_box(store, id, [&](BoxPorts&& b) { boxes.push_back(std::move(b)); });
        REQUIRE(boxes.size() == 1);
        CHECK(boxes[0].box.name == "CTO 1");
        REQUIRE(boxes[0].splitters.size() == 1);
        REQUIRE(boxes[0].splitters[0].ports.size() == 4);
        CHECK(boxes[0].splitters[0].ports[1].fiber.has_value());
        CHECK(boxes[0].splitters[0].ports[2].blocked);
        CHECK(free_ports_by_project(store, id).at("p1") == 2);
        const Inventory inv = load_inventory(store, id);
        CHECK(inv.boxes.size() == 1);

        {
            auto tx = store.transaction();
            store.new_revision(id);
            tx.commit();
        }
        CHECK(store.snapshot(id)->revision != info->revision);

        const int64_t unfinished = store.begin_snapshot("test", {"p1"});
        store.discard_snapshot(unfinished);
        CHECK(store.current_snapshot() == id);
        const int64_t next = write_snapshot(store, "CTO 1b");
        CHECK(store.current_snapshot() == next);
        CHECK(store.snapshot(id)->status == "superseded"); // its rows go when a new one completes
        size_t old_boxes = 0;
        each_box(store, id, [&](BoxPorts&&) { ++old_boxes; });
        CHECK(old_boxes == 0);
    }

    TEST_CASE("state keys; a database is one operator's") {
        Store store(sql::Database::kInMemory, Access::ReadWrite, "acme");
        CHECK_FALSE(store.get_state("publish.snapshot"));
        store.set_state("publish.snapshot", "1:abc");
        store.set_state("publish.snapshot", "2:def");
        CHECK(store.get_state("publish.snapshot") == "2:def");
        CHECK(store.schema_version() > 0);
    }

    TEST_CASE("runs: saved, read back, listed newest first, the last finished of some modes") {
        Store store(sql::Database::kInMemory);
        RunStore runs(store);
        runs.begin(run_record("r1", RunMode::Run, "2026-12-01T02:00:00Z"));
        runs.begin(run_record("r2", RunMode::Incremental, "2026-12-01T02:01:00Z"));
        RunRecord dry = run_record("r3", RunMode::RunDry, "2026-12-01T02:02:00Z");
        dry.reason = "rehearsal";
        runs.begin(dry);
        const auto got = runs.get("r3");
        REQUIRE(got);
        CHECK(got->mode == RunMode::RunDry);
        CHECK(got->reason == "rehearsal");
        CHECK(got->dry_run());
        const auto listed = runs.list(10);
        REQUIRE(listed.size() == 3);
        CHECK(listed[0].id == "r3");
        CHECK(listed[2].id == "r1");
        CHECK(runs.last_finished({RunMode::Run, RunMode::Apply})->id == "r1");
        CHECK_FALSE(runs.get("nope"));
    }

    TEST_CASE("the journal: a plan's writes planned and findings as findings, their states moved, an intent "
              "left by a run that died taken as interrupted") {
        Store store(sql::Database::kInMemory);
        RunStore runs(store);
        runs.begin(run_record("r1", RunMode::Run, "2026-12-01T02:00:00Z"));
        std::vector<Change> writes{change(Action::Create, "sale1", "ORD-1"),
                                   change(Action::Create, "sale2", "ORD-2")};
        std::vector<Change> findings{change(Action::Conflict, "sale3", "ORD-3")};
        const auto entries = runs.save_plan("r1", std::move(writes), std::move(findings));
        REQUIRE(entries.size() == 3);
        CHECK(entries[0].state == EntryState::Planned);
        CHECK(entries[2].state == EntryState::Finding);
        runs.set_state("r1", entries[0].seq, EntryState::Done, "created property p9");
        runs.set_state("r1", entries[1].seq, EntryState::Intent);
        const auto read = runs.entries("r1");
        REQUIRE(read.size() == 3);
        CHECK(read[0].state == EntryState::Done);
        CHECK(read[0].result == "created property p9");
        CHECK(read[0].change.code == "ORD-1");
        CHECK(read[1].state == EntryState::Intent);
        CHECK(runs.action_counts("r1").at("create") == 2);
        // The run died with a write in flight (its row still says running): the next run takes it as
        // interrupted.
        RunRecord died = run_record("r1", RunMode::Run, "2026-12-01T02:00:00Z");
        died.status = RunStatus::Running;
        runs.save(died);
        runs.begin(run_record("r2", RunMode::Run, "2026-12-02T02:00:00Z"));
        const auto interrupted = runs.take_interrupted("r2");
        REQUIRE(interrupted.size() == 1);
        CHECK(interrupted[0].change.code == "ORD-2");
        CHECK(runs.entries("r1")[1].state == EntryState::Interrupted);
        CHECK(runs.get("r1")->status == RunStatus::Died);
        CHECK(runs.take_interrupted("r2").empty()); // taken once
    }

    TEST_CASE("a plan numbered from its last change back (its storage given back as it goes): the entries "
              "in plan order, numbered on from the run's last, writes then findings, ULIDs rising") {
        Store store(sql::Database::kInMemory);
        RunStore runs(store);
        runs.begin(run_record("r1", RunMode::Plan, "2026-12-01T02:00:00Z"));
        runs.save_plan("r1", {change(Action::Create, "first", "ORD-0")}, {}); // seq 1: the run's earlier step
        std::vector<Change> writes, findings;
        for (int i = 0; i < 9000; ++i) // several megabytes of changes: many releases
            writes.push_back(change(Action::Create, "sale" + std::to_string(i), "ORD-" + std::to_string(i)));
        for (int i = 0; i < 700; ++i)
            findings.push_back(change(Action::Conflict, "f" + std::to_string(i), "C-" + std::to_string(i)));
        const auto entries = runs.number_plan("r1", std::move(writes), std::move(findings), "not sent");
        CHECK(writes.empty());
        CHECK(findings.empty());
        REQUIRE(entries.size() == 9700);
        bool in_order = true;
        for (size_t i = 0; i < entries.size(); ++i) {
            const auto& e = entries[i];
            const bool write = i < 9000;
            in_order =
                in_order && e.seq == int(i) + 2 &&
                e.change.sale_id == (write ? "sale" + std::to_string(i) : "f" + std::to_string(i - 9000)) &&
                e.state == (write ? EntryState::Planned : EntryState::Finding) &&
                e.result == (write ? "not sent" : "") && (i == 0 || entries[i - 1].ulid < e.ulid);
        }
        CHECK(in_order);
    }

    TEST_CASE("a plan's rows committed a piece at a time: every row once and in order across the pieces' "
              "edges; a piece that fails is undone, the pieces before it stay") {
        Store store(sql::Database::kInMemory);
        RunStore runs(store);
        runs.begin(run_record("r1", RunMode::Plan, "2026-12-01T02:00:00Z"));
        constexpr size_t kPiece = RunStore::kPlanRowsPerCommit;
        auto plan = [&runs](const std::string& run, size_t n) {
            std::vector<Change> writes;
            for (size_t i = 0; i < n; ++i)
                writes.push_back(change(Action::Create, "s" + std::to_string(i), "O-" + std::to_string(i)));
            return runs.number_plan(run, std::move(writes), {}, "not sent");
        };
        // Every row of `run` read back: numbered 1.. in order, each its own change, 'planned'.
        auto rows_in_order = [&runs](const std::string& run) {
            const auto read = runs.entries(run);
            bool ok = true;
            for (size_t i = 0; i < read.size(); ++i)
                ok = ok && read[i].seq == int(i) + 1 && read[i].change.code == "O-" + std::to_string(i) &&
                     read[i].state == EntryState::Planned;
            return ok ? read.size() : 0;
        };
        const auto entries = plan("r1", 2 * kPiece + 1);
        runs.insert_plan("r1", entries, entries.size(), "not sent");
        CHECK(rows_in_order("r1") == 2 * kPiece + 1);
        CHECK_NOTHROW(store.transaction().commit()); // no transaction left open

        runs.begin(run_record("r2", RunMode::Plan, "2026-12-02T02:00:00Z"));
        auto broken = plan("r2", kPiece + 10);
        broken[kPiece + 5].seq = broken[3].seq; // the second piece breaks (run_id, seq)'s uniqueness
        CHECK_THROWS(runs.insert_plan("r2", broken, broken.size(), "not sent"));
        CHECK(rows_in_order("r2") == kPiece);
    }

    /// How many whole pages of [from, to) of `v`'s storage are in memory.
    long resident_pages(const std::vector<uint64_t>& v, size_t from, size_t to) {
        const long page = ::sysconf(_SC_PAGESIZE);
        const auto begin =
            reinterpret_cast<uintptr_t>(v.data() + from + (page / 8 - 1)) & ~uintptr_t(page - 1);
        const auto end = reinterpret_cast<uintptr_t>(v.data() + to) & ~uintptr_t(page - 1);
        std::vector<unsigned char> in((end - begin) / page);
        REQUIRE(::mincore(reinterpret_cast<void*>(begin), end - begin, in.data()) == 0);
        return std::count_if(in.begin(), in.end(), [](unsigned char c) { return c & 1; });
    }

    TEST_CASE("a vector's unused capacity given back: those pages leave memory, the elements stay, it grows "
              "again") {
        std::vector<uint64_t> v(8u << 20); // 64 MiB, every page touched
        for (size_t i = 0; i < v.size(); ++i)
            v[i] = i;
        auto resident = [&](size_t from, size_t to) { return resident_pages(v, from, to); };
        const size_t cap = v.capacity();
        CHECK(resident(0, cap) > 16000);
        v.resize(v.size() / 4);
        release_unused_capacity(v);
        CHECK(resident(v.size(), cap) == 0);
        CHECK(resident(0, v.size()) > 4000);
        CHECK(v.capacity() == cap);
        bool kept = true;
        for (size_t i = 0; i < v.size(); ++i)
            kept = kept && v[i] == i;
        CHECK(kept);
        v.resize(cap, 7); // written again: the pages come back
        CHECK(v.back() == 7);
        CHECK(v[v.size() / 2] == 7);
    }

    TEST_CASE("a vector drained from its back: every element taken once, last first, and what was emptied "
              "leaves memory as it goes") {
        const size_t n = 8u << 20; // 64 MiB, every page touched
        std::vector<uint64_t> v(n);
        for (size_t i = 0; i < n; ++i)
            v[i] = i;
        size_t expected = n, wrong = 0;
        long upper_half_resident = -1, lower_quarter_resident = -1;
        drain_from_back(v, [&](uint64_t&& x) {
            wrong += x != --expected;
            if (expected == n / 4) { // three quarters taken: the emptied storage given back, the rest kept
                upper_half_resident = resident_pages(v, n / 2, n);
                lower_quarter_resident = resident_pages(v, 0, n / 4);
            }
        });
        CHECK(expected == 0);
        CHECK(wrong == 0);
        CHECK(upper_half_resident == 0);
        CHECK(lower_quarter_resident > 4000);
        CHECK(v.empty());
        CHECK(v.capacity() == 0);
    }

    TEST_CASE("a saved plan's base-line updates: kept with it, read back whole, gone with its changes") {
        Store store(sql::Database::kInMemory);
        RunStore runs(store);
        runs.begin(run_record("p1", RunMode::Plan, "2026-12-01T02:00:00Z"));
        runs.save_plan("p1", {change(Action::Create, "sale1", "ORD-1")}, {});
        CHECK_FALSE(runs.plan_baseline("p1")); // not kept (a plan of an older version)
        Baseline upsert;
        upsert["sale2"] = OwnedState{"property-2", "client-2", "ORD-2", PortRef{"b1", "s1", 4}, true};
        upsert["sale3"] = OwnedState{"", "client-3", "ORD-3", PortRef{}, false};
        runs.save_plan_baseline("p1", upsert, {"sale4"});
        auto kept = runs.plan_baseline("p1");
        REQUIRE(kept);
        CHECK(kept->upsert == upsert);
        CHECK(kept->forget == std::set<Id>{"sale4"});
        // Kept, and empty: a plan that updates nothing reads as "nothing", not as "not kept".
        runs.begin(run_record("p2", RunMode::Plan, "2026-12-01T03:00:00Z"));
        runs.save_plan_baseline("p2", {}, {});
        REQUIRE(runs.plan_baseline("p2"));
        CHECK(runs.plan_baseline("p2")->upsert.empty());
        CHECK_FALSE(runs.plan_baseline("missing"));
        // journal.keep_days removes the plan's changes: its updates cannot be applied without them.
        History(store).keep_counts_only("p1");
        CHECK_FALSE(runs.plan_baseline("p1"));
    }

    TEST_CASE("the newest runs' counts: kept on a finished run's row (its rows not read again, nor counted "
              "twice once journal.keep_days removes them); counted from the rows for a run without them") {
        Store store(sql::Database::kInMemory);
        RunStore runs(store);
        runs.begin(run_record("r1", RunMode::Run, "2026-12-01T02:00:00Z"));
        runs.save_plan("r1",
                       {change(Action::Create, "sale1", "ORD-1"), change(Action::Create, "sale2", "ORD-2")},
                       {change(Action::Conflict, "sale3", "ORD-3")});
        runs.begin(run_record("r2", RunMode::Run, "2026-12-02T02:00:00Z"));
        runs.save_plan("r2", {change(Action::Move, "sale1", "ORD-1")}, {});
        const std::map<std::string, long long> r1{{"conflict", 1}, {"create", 2}}, r2{{"move", 1}};
        CHECK(runs.action_counts_of_newest(10).at("r1") == r1);
        runs.keep_action_counts("r1", {{"conflict", 1}, {"create", 2}, {"move", 0}}); // none: not kept
        // The rows are not read for a run that kept its counts: a row added by hand does not show.
        runs.save_plan("r1", {change(Action::Remove, "sale4", "ORD-4")}, {});
        auto counts = runs.action_counts_of_newest(10);
        CHECK(counts.at("r1") == r1);
        CHECK(counts.at("r2") == r2);          // no counts kept: its rows
        History(store).keep_counts_only("r1"); // journal.keep_days
        CHECK(runs.action_counts_of_newest(10).at("r1") == r1);
    }

    TEST_CASE("the report folders' chain: appended in order, the last, pruned links kept and marked") {
        Store store(sql::Database::kInMemory);
        RunStore runs(store);
        ReportChain chain(store);
        CHECK_FALSE(chain.last());
        for (const char* id : {"r1", "r2", "r3"}) {
            runs.begin(run_record(id, RunMode::Run, "2026-12-01T02:00:00Z"));
            chain.append(ChainLink{0, id, std::string("sha256:") + id, {{"report.html", "sha256:h"}}, false});
        }
        REQUIRE(chain.last());
        CHECK(chain.last()->run_id == "r3");
        const auto all = chain.all();
        REQUIRE(all.size() == 3);
        CHECK(all[0].run_id == "r1");
        CHECK(all[0].files.at("report.html") == "sha256:h");
        CHECK(all[0].seq < all[1].seq);
        chain.mark_pruned({"r1"});
        CHECK(chain.all()[0].pruned);
        CHECK(chain.all().size() == 3); // a pruned folder keeps its link: verify still walks it
        CHECK(chain.written_before("1970-01-01T00:00:00Z").empty());
    }

    TEST_CASE("a journal row: its columns and a payload of what has no column; an older row's full payload "
              "reads the same") {
        Change c = change(Action::UserUpdate, "ship1", "");
        c.user.edit().username = "ozn-partner-1";
        c.user.edit().user_id = "65f000000000000000000001";
        c.user.edit().claim_user = true;
        c.user.edit().projects = {"p1", "p2"};
        c.before = "no external_id";
        c.after = "ozneutral-partner:1";
        const std::string payload = journal_payload(c);
        CHECK(payload.find("\"sale_id\"") == std::string::npos); // a column's field is not repeated
        CHECK(payload.find("\"reason\"") == std::string::npos);
        Change columns;
        columns.action = c.action;
        columns.sale_id = c.sale_id;
        columns.project = c.project;
        columns.target = c.target;
        columns.before = c.before;
        columns.after = c.after;
        columns.reason = c.reason;
        const Change read = change_from_row(columns, payload);
        CHECK(read.user->username == c.user->username);
        CHECK(read.user->claim_user);
        CHECK(read.user->projects == c.user->projects);
        CHECK(read.target.port == 1);
        const Change older = change_from_row(columns, change_to_json(c)); // a row of an earlier version
        CHECK(older.user->username == c.user->username);
        CHECK(older.user->projects == c.user->projects);
        CHECK(older.reason == c.reason);
        CHECK_THROWS_AS(change_from_row(columns, "{not json"), std::runtime_error);
        // A client's change carries no partner-user part, read back either way (an older row's payload
        // has its user fields, empty).
        Change create = change(Action::Create, "ship2", "");
        create.client_name = "Maria";
        Change create_columns;
        create_columns.action = Action::Create;
        CHECK_FALSE(change_from_row(create_columns, journal_payload(create)).user.present());
        CHECK_FALSE(change_from_row(create_columns, journal_payload(create)).from.present());
        Change move = change(Action::Move, "ship3", "");
        move.from.edit() = PortRef{"box-1", "splitter-1", 3};
        Change move_columns;
        move_columns.action = Action::Move;
        CHECK(*change_from_row(move_columns, journal_payload(move)).from == *move.from);
        CHECK_FALSE(change_from_row(create_columns,
                                    "{\"username\":\"\",\"user_id\":\"\",\"email\":\"\",\"projects\":[]}")
                        .user.present());
    }

    TEST_CASE("a change's partner-user part: absent reads empty, copies are deep, written only where set") {
        Change c;
        CHECK_FALSE(c.user.present());
        CHECK(c.user->username.empty()); // read without being made
        CHECK_FALSE(c.user.present());
        c.user.edit().username = "ozn-partner-1";
        Change copy = c;
        copy.user.edit().username = "ozn-partner-2";
        CHECK(c.user->username == "ozn-partner-1");
        CHECK(copy.user->username == "ozn-partner-2");
        copy = Change{};
        CHECK_FALSE(copy.user.present());
        CHECK(c.user.present());
    }
}

TEST_SUITE("sqlite") {
    TEST_CASE(
        "a commit that leaves 64 MiB of write-ahead log has it copied into the file (on a thread of its "
        "own) while the database stays open; a small commit leaves it in the log; every row is there") {
        namespace fs = std::filesystem;
        const ScratchDir dir("oznsync-wal");
        const std::string path = dir.file("t.db");
        {
            sql::Database db(path);
            db.exec("CREATE TABLE t (x BLOB)");
            auto fill = [&](int rows) { // one 4 KiB page a row
                sql::Transaction tx(db);
                db.prepare("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
                           "INSERT INTO t SELECT zeroblob(4000) FROM n")
                    .bind(1, rows)
                    .exec();
                tx.commit();
            };
            fill(100);
            db.finish_checkpoint();
            const auto small = fs::file_size(path);
            CHECK(small < 100 * 4096); // still in the log: nothing copied for a small commit
            fill(18000);               // ~70 MiB
            db.finish_checkpoint();
            CHECK(fs::file_size(path) > 18000u * 4096u); // copied while `db` stays open
            sql::Database reader(path, sql::Database::ReadOnly);
            auto n = reader.prepare("SELECT count(*) FROM t");
            REQUIRE(n.step());
            CHECK(n.int64(0) == 18100);
        }
    }

    TEST_CASE("a bulk read's page cache is given back, and the database reads on") {
        const ScratchDir dir("oznsync-cache");
        const std::string path = dir.file("t.db");
        {
            sql::Database db(path);
            db.exec("CREATE TABLE t (x BLOB)");
            db.prepare("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 4000) "
                       "INSERT INTO t SELECT zeroblob(4000) FROM n")
                .exec();
            db.finish_checkpoint();
            sql::Database reader(path, sql::Database::ReadOnly);
            auto count = [&] {
                auto st = reader.prepare("SELECT count(*), sum(length(x)) FROM t");
                REQUIRE(st.step());
                return st.int64(0);
            };
            CHECK(count() == 4000); // ~16 MiB read through the cache
            const auto filled = sqlite3_memory_used();
            reader.release_cache();
            CHECK(sqlite3_memory_used() < filled - 8 * 1024 * 1024);
            CHECK(count() == 4000);
        }
    }
}
