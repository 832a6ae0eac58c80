#include "store/run_store.hpp"

#include "store/change_codec.hpp"
#include "store/sale_records.hpp"
#include "store/store_access.hpp"
#include "util/capacity.hpp"
#include "util/error.hpp"
#include "util/ids.hpp"
#include "util/json_writer.hpp"
#include "util/time.hpp"

#include <algorithm>
#include <cstdlib>
#include <iterator>

namespace oznsync {

namespace {

// The columns of `runs` a RunRecord holds, in one order for INSERT, UPDATE and SELECT.
constexpr const char* kRunFields[] = {
    "id",
    "started_at",
    "finished_at",
    "mode",
    "status",
    "exit_code",
    "host",
    "user",
    "config_fingerprint",
    "insecure_tls",
    "ozmap_url",
    "sales_source",
    "snapshot_id",
    "snapshot_finished_at",
    "snapshot_revision",
    "sales_fingerprint",
    "sales_records",
    "sales_valid",
    "sales_invalid",
    "sales_count",
    "owned_clients",
    "in_sync",
    "cap_reason",
    "guard_reason",
    "abort_reason",
    "handover_file",
    "started_by",
    "reason",
    "summary",
};

std::string joined(const char* between) {
    std::string out;
    for (const char* f : kRunFields)
        out += (out.empty() ? "" : between) + std::string(f);
    return out;
}

void bind_run(sql::Statement& st, const RunRecord& r) {
    int i = 0;
    auto text = [&](const std::string& v) { st.bind(++i, v); };
    auto text_or_null = [&](const std::string& v) { st.bind_text_or_null(++i, v); };
    auto number = [&](long long v) { st.bind(++i, static_cast<int64_t>(v)); };
    text(r.id);
    text(r.started_at);
    text_or_null(r.finished_at);
    text(mode_name(r.mode));
    text(status_name(r.status));
    number(r.exit_code);
    text(r.host);
    text(r.user);
    text(r.config_fingerprint);
    number(r.insecure_tls);
    text(r.ozmap_url);
    text(r.sales_source);
    number(r.snapshot_id);
    text(r.snapshot_finished_at);
    text_or_null(r.snapshot_revision);
    text_or_null(r.sales_fingerprint);
    for (long long n :
         {r.sales_records, r.sales_valid, r.sales_invalid, r.sales_count, r.owned_clients, r.in_sync})
        number(n);
    for (const std::string* v :
         {&r.cap_reason, &r.guard_reason, &r.abort_reason, &r.handover_file, &r.started_by, &r.reason})
        text(*v);
    text_or_null(r.summary_json);
}

RunRecord read_run(sql::Statement& st) {
    RunRecord r;
    int i = -1;
    r.id = st.text(++i);
    r.started_at = st.text(++i);
    r.finished_at = st.text(++i);
    const std::string mode = st.text(++i);
    if (auto m = mode_from_name(mode))
        r.mode = *m;
    else
        throw IoError("run " + r.id + " has mode '" + mode + "', which this oznsync does not know");
    r.status = run_status_of(st.text(++i)).value_or(RunStatus::Failed);
    r.exit_code = st.is_null(++i) ? -1 : st.integer(i);
    r.host = st.text(++i);
    r.user = st.text(++i);
    r.config_fingerprint = st.text(++i);
    r.insecure_tls = st.int64(++i) != 0;
    r.ozmap_url = st.text(++i);
    r.sales_source = st.text(++i);
    r.snapshot_id = st.int64(++i);
    r.snapshot_finished_at = st.text(++i);
    r.snapshot_revision = st.text(++i);
    r.sales_fingerprint = st.text(++i);
    for (long long* n : {&r.sales_records, &r.sales_valid, &r.sales_invalid, &r.sales_count})
        *n = st.is_null(++i) ? -1 : st.int64(i);
    r.owned_clients = st.int64(++i);
    r.in_sync = st.int64(++i);
    r.cap_reason = st.text(++i);
    r.guard_reason = st.text(++i);
    r.abort_reason = st.text(++i);
    r.handover_file = st.text(++i);
    r.started_by = st.text(++i);
    r.reason = st.text(++i);
    r.summary_json = st.text(++i);
    return r;
}

/// "?,?,...": one parameter per run field.
std::string run_parameters() {
    std::string out;
    for (size_t i = 0; i < std::size(kRunFields); ++i)
        out += i ? ",?" : "?";
    return out;
}

std::string select_runs(const std::string& rest) {
    return "SELECT " + joined(", ") + " FROM runs " + rest;
}

} // namespace

void RunStore::begin(const RunRecord& r) {
    auto st =
        db_of(m_store).prepare("INSERT INTO runs(" + joined(", ") + ") VALUES(" + run_parameters() + ")");
    bind_run(st, r);
    st.exec();
}

void RunStore::save(const RunRecord& r) {
    auto st = db_of(m_store).prepare("UPDATE runs SET (" + joined(", ") + ") = (" + run_parameters() +
                                     ") WHERE id = ?");
    bind_run(st, r);
    st.bind(static_cast<int>(std::size(kRunFields)) + 1, r.id);
    st.exec();
}

std::optional<RunRecord> RunStore::get(const std::string& run_id) {
    auto st = db_of(m_store).prepare(select_runs("WHERE id = ?"));
    st.bind(1, run_id);
    if (!st.step()) return std::nullopt;
    return read_run(st);
}

std::vector<RunRecord> RunStore::list(int limit) {
    // Newest first, in the order the runs began (rowid), also for runs that began in the same second.
    auto st = db_of(m_store).prepare(select_runs("ORDER BY rowid DESC LIMIT ?"));
    st.bind(1, limit);
    std::vector<RunRecord> out;
    while (st.step())
        out.push_back(read_run(st));
    return out;
}

std::optional<RunRecord> RunStore::last_finished(const std::vector<RunMode>& modes) {
    std::set<std::string> names;
    for (RunMode m : modes)
        names.insert(mode_name(m));
    auto st = db_of(m_store).prepare(
        select_runs("WHERE mode IN (SELECT value FROM json_each(?)) AND exit_code >= 0 "
                    "AND status != 'running' ORDER BY rowid DESC LIMIT 1"));
    st.bind(1, json_array_of(names));
    if (!st.step()) return std::nullopt;
    return read_run(st);
}

std::map<std::string, std::map<std::string, long long>> RunStore::action_counts_of_newest(int limit) {
    // A run that kept its counts at its end is read from them alone; one that did not (still running, or
    // recorded before migration 017) is counted from its rows plus the counts of those journal.keep_days
    // removed.
    auto st = db_of(m_store).prepare(
        "WITH newest AS (SELECT id, change_counts, action_counts FROM runs ORDER BY rowid DESC LIMIT ?) "
        "SELECT run_id, action, count(*) FROM changes WHERE run_id IN (SELECT id FROM newest WHERE "
        "action_counts IS NULL) GROUP BY run_id, action "
        "UNION ALL SELECT newest.id, c.key, c.value FROM newest, json_each(newest.change_counts) AS c "
        "WHERE newest.action_counts IS NULL "
        "UNION ALL SELECT newest.id, c.key, c.value FROM newest, json_each(newest.action_counts) AS c");
    st.bind(1, limit);
    std::map<std::string, std::map<std::string, long long>> out;
    while (st.step())
        out[st.text(0)][st.text(1)] += st.int64(2);
    return out;
}

void RunStore::keep_action_counts(const std::string& run_id, const std::map<std::string, long long>& counts) {
    std::string json;
    JsonWriter w(json);
    w.begin_object();
    for (const auto& [action, n] : counts)
        if (n > 0) w.field(action, n);
    w.end_object();
    db_of(m_store)
        .prepare("UPDATE runs SET action_counts = ?2 WHERE id = ?1")
        .bind(1, run_id)
        .bind(2, json)
        .exec();
}

std::map<std::string, long long> RunStore::action_counts(const std::string& run_id) {
    auto st = db_of(m_store).prepare(
        "SELECT action, count(*) FROM changes WHERE run_id = ?1 GROUP BY action "
        "UNION ALL SELECT c.key, c.value FROM runs, json_each(runs.change_counts) AS c WHERE runs.id = ?1");
    st.bind(1, run_id);
    std::map<std::string, long long> out;
    while (st.step())
        out[st.text(0)] += st.int64(1);
    return out;
}

std::string RunStore::previous_sales_fingerprint(const std::string& except_run) {
    auto st = db_of(m_store).prepare("SELECT sales_fingerprint FROM runs WHERE id != ? AND sales_fingerprint "
                                     "IS NOT NULL AND sales_fingerprint != '' ORDER BY rowid DESC LIMIT 1");
    st.bind(1, except_run);
    return st.step() ? st.text(0) : std::string();
}

std::map<std::pair<std::string, std::string>, long long> RunStore::result_counts(const std::string& run_id) {
    auto st = db_of(m_store).prepare(
        "SELECT action, state, count(*) FROM changes WHERE run_id = ?1 GROUP BY action, state "
        "UNION ALL SELECT c.key, 'kept', c.value FROM runs, json_each(runs.change_counts) AS c WHERE runs.id "
        "= ?1");
    st.bind(1, run_id);
    std::map<std::pair<std::string, std::string>, long long> out;
    while (st.step())
        out[{st.text(0), st.text(1)}] += st.int64(2);
    return out;
}

std::optional<long long> RunStore::last_sales_count(const std::string& except_run) {
    auto st = db_of(m_store).prepare(
        "SELECT sales_count FROM runs WHERE id != ? AND sales_count >= 0 AND status = 'done' "
        "ORDER BY rowid DESC LIMIT 1"); // rowid: the order runs began, also within one second
    st.bind(1, except_run);
    if (!st.step()) return std::nullopt;
    return st.int64(0);
}

namespace {
/// A change's columns in the journal, then its payload (what has no column): read by change_of_row.
constexpr const char* kChangeColumns =
    "action, sale_id, code, partner, project, box, splitter, port, before, after, reason, payload";

Change change_of_row(sql::Statement& st, int first) {
    Change c;
    if (!action_from_name(st.text(first), c.action))
        throw std::runtime_error("saved change has an unknown action " + st.text(first));
    c.sale_id = st.text(first + 1);
    c.code = st.text(first + 2);
    c.partner = st.text(first + 3);
    c.project = st.text(first + 4);
    c.target = PortRef{st.text(first + 5), st.text(first + 6), st.integer(first + 7)};
    c.before = st.text(first + 8);
    c.after = st.text(first + 9);
    c.reason = st.text(first + 10);
    return change_from_row(std::move(c), st.text(first + 11));
}
} // namespace

std::vector<JournalEntry> RunStore::save_plan(const std::string& run_id, std::vector<Change>&& writes,
                                              std::vector<Change>&& findings,
                                              const std::string& planned_result) {
    const size_t planned = writes.size();
    std::vector<JournalEntry> out =
        number_plan(run_id, std::move(writes), std::move(findings), planned_result);
    insert_plan(run_id, out, planned, planned_result);
    return out;
}

std::vector<JournalEntry> RunStore::number_plan(const std::string& run_id, std::vector<Change>&& writes,
                                                std::vector<Change>&& findings,
                                                const std::string& planned_result) {
    int seq = 0;
    {
        auto st = db_of(m_store).prepare("SELECT coalesce(max(seq), 0) FROM changes WHERE run_id = ?");
        st.bind(1, run_id);
        st.step();
        seq = st.integer(0); // a run can plan in steps (clients, then partner users)
    }
    auto t = now();
    const std::string ts = iso8601(t, true);
    const uint64_t ms = static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count());
    const bool fixed_clock = clock_is_fixed();
    // The entries are made from the last change back, and the changes' storage is given back as they are
    // taken (a megabyte at a time): a first night's 500k changes and their 500k entries are never in
    // memory whole at once. Then the entries are put in plan order, numbered and given their ULIDs.
    std::vector<JournalEntry> out;
    out.reserve(writes.size() + findings.size());
    auto take = [&](std::vector<Change>& changes, EntryState state) {
        drain_from_back(changes, [&](Change&& c) {
            out.push_back(JournalEntry{0, "", ts, std::move(c), state,
                                       state == EntryState::Planned ? planned_result : "", ""});
        });
    };
    take(findings, EntryState::Finding);
    take(writes, EntryState::Planned);
    std::reverse(out.begin(), out.end());
    for (auto& e : out) {
        e.seq = ++seq;
        e.ulid = fixed_clock ? deterministic_ulid(ms, run_id + "#" + std::to_string(seq)) : new_ulid(ms);
    }
    return out;
}

void RunStore::insert_plan(const std::string& run_id, std::span<const JournalEntry> entries, size_t writes,
                           const std::string& planned_result) {
    auto ins = db_of(m_store).prepare(
        "INSERT INTO changes(run_id, seq, ulid, ts, action, sale_id, code, partner, project, box, splitter, "
        "port, before, after, reason, payload, state, result) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    std::optional<sql::Transaction> tx;
    for (size_t i = 0; i < entries.size(); ++i) {
        if (i % kPlanRowsPerCommit == 0) { // the first piece's transaction, or the next one's
            if (tx) tx->commit();
            tx.reset();
            tx.emplace(db_of(m_store));
        }
        const JournalEntry& e = entries[i];
        const Change& c = e.change;
        const bool planned = i < writes;
        // Every text bound here outlives the insert: bound without a copy (500k rows on a first night);
        // an id's text is made for the bind and copied by it.
        const std::string payload = journal_payload(c);
        ins.bind_static(1, run_id).bind(2, e.seq).bind_static(3, e.ulid).bind_static(4, e.ts);
        ins.bind_static(5, action_name(c.action)).bind(6, c.sale_id).bind_static(7, c.code);
        ins.bind_static(8, c.partner).bind(9, c.project).bind(10, c.target.box);
        ins.bind(11, c.target.splitter).bind(12, c.target.port).bind_static(13, c.before.view());
        ins.bind_static(14, c.after.view()).bind_static(15, c.reason.view()).bind_static(16, payload);
        ins.bind_static(17, state_name(planned ? EntryState::Planned : EntryState::Finding));
        if (!planned || planned_result.empty())
            ins.bind_null(18);
        else
            ins.bind_static(18, planned_result);
        ins.exec();
    }
    if (tx) tx->commit();
}

std::vector<JournalEntry> RunStore::entries(const std::string& run_id) {
    auto st =
        db_of(m_store).prepare("SELECT seq, ulid, ts, state, coalesce(result,''), coalesce(error,''), " +
                               std::string(kChangeColumns) + " FROM changes WHERE run_id = ? ORDER BY seq");
    st.bind(1, run_id);
    std::vector<JournalEntry> out;
    while (st.step())
        out.push_back({st.integer(0), st.text(1), st.text(2), change_of_row(st, 6),
                       state_from_name(st.text(3)).value_or(EntryState::Failed), st.text(4), st.text(5)});
    return out;
}

void RunStore::set_state(const std::string& run_id, int seq, EntryState state, const std::string& result,
                         const std::string& error) {
    if (!m_set_state)
        m_set_state.emplace(db_of(m_store).prepare(
            "UPDATE changes SET state = ?, result = ?, error = ? WHERE run_id = ? AND seq = ?"));
    m_set_state->bind(1, std::string(state_name(state)))
        .bind_text_or_null(2, result)
        .bind_text_or_null(3, error)
        .bind(4, run_id)
        .bind(5, seq)
        .exec();
}

std::vector<JournalEntry> RunStore::take_interrupted(const std::string& current_run) {
    std::vector<JournalEntry> out;
    std::vector<std::string> runs;
    {
        auto st = db_of(m_store).prepare("SELECT run_id, seq, ulid, ts, " + std::string(kChangeColumns) +
                                         " FROM changes WHERE state = 'intent' ORDER BY run_id, seq");
        while (st.step()) {
            out.push_back({st.integer(1), st.text(2), st.text(3), change_of_row(st, 4),
                           EntryState::Interrupted, "", ""});
            runs.push_back(st.text(0));
        }
    }
    db_of(m_store).exec("UPDATE changes SET state = 'interrupted', error = 'the run died during this call' "
                        "WHERE state = 'intent'");
    db_of(m_store)
        .prepare("UPDATE runs SET status = 'died', finished_at = coalesce(finished_at, started_at) "
                 "WHERE status = 'running' AND id != ?")
        .bind(1, current_run)
        .exec();
    for (size_t i = 0; i < out.size(); ++i)
        out[i].result = runs[i]; // the run it belonged to
    return out;
}

} // namespace oznsync
