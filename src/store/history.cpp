#include "store/history.hpp"

#include "store/store_access.hpp"

namespace oznsync {

namespace {

constexpr const char* kJournalMark = "journal.pruned_before"; // the last journal cutoff applied

// The runs that began in [?1, ?2) and hold change rows.
constexpr const char* kOldJournals =
    "SELECT id FROM runs WHERE started_at >= ?1 AND started_at < ?2 AND status != 'running' "
    "AND EXISTS (SELECT 1 FROM changes WHERE run_id = runs.id)";

// The runs that began before ?1, wrote no report folder and hold no change rows.
constexpr const char* kFoldable = "started_at < ?1 AND status != 'running' "
                                  "AND NOT EXISTS (SELECT 1 FROM report_chain WHERE run_id = runs.id) "
                                  "AND NOT EXISTS (SELECT 1 FROM changes WHERE run_id = runs.id)";

} // namespace

HistoryPruned History::prune(const std::string& journal_cutoff, const std::string& runs_cutoff) {
    auto& db = db_of(m_store);
    HistoryPruned out;
    sql::Transaction tx(db);
    if (!journal_cutoff.empty()) {
        // Each run is looked at once: from the last cutoff applied to this one (runs.started_at indexed).
        const std::string from = m_store.get_state(kJournalMark).value_or("");
        if (from < journal_cutoff) {
            std::vector<std::string> runs;
            auto old = db.prepare(kOldJournals);
            old.bind(1, from).bind(2, journal_cutoff);
            while (old.step())
                runs.push_back(old.text(0));
            for (const auto& id : runs)
                out.change_rows += keep_counts_only(id);
            out.journals = static_cast<long long>(runs.size());
            m_store.set_state(kJournalMark, journal_cutoff);
        }
    }
    if (!runs_cutoff.empty()) {
        db.prepare(std::string("INSERT INTO run_days (day, mode, exit_code, runs) "
                               "SELECT substr(started_at, 1, 10), mode, coalesce(exit_code, -1), count(*) "
                               "FROM runs WHERE ") +
                   kFoldable +
                   " GROUP BY 1, 2, 3 "
                   "ON CONFLICT (day, mode, exit_code) DO UPDATE SET runs = runs + excluded.runs")
            .bind(1, runs_cutoff)
            .exec();
        db.prepare(std::string("DELETE FROM runs WHERE ") + kFoldable).bind(1, runs_cutoff).exec();
        out.runs_folded = db.changes();
    }
    tx.commit();
    return out;
}

long long History::keep_counts_only(const std::string& run_id) {
    auto& db = db_of(m_store);
    db.prepare("UPDATE runs SET change_counts = (SELECT json_group_object(action, n) FROM (SELECT action, "
               "count(*) AS n FROM changes WHERE run_id = ?1 AND state != 'intent' GROUP BY action)) "
               "WHERE id = ?1")
        .bind(1, run_id)
        .exec();
    db.prepare("DELETE FROM changes WHERE run_id = ? AND state != 'intent'").bind(1, run_id).exec();
    const long long removed = db.changes();
    // A saved plan without its changes cannot be applied: its base-line updates go with them.
    db.prepare("DELETE FROM plan_baseline WHERE run_id = ?").bind(1, run_id).exec();
    db.prepare("UPDATE runs SET plan_baseline = 0 WHERE id = ?").bind(1, run_id).exec();
    return removed;
}

std::vector<RunDay> History::run_days() {
    std::vector<RunDay> out;
    auto st = db_of(m_store).prepare("SELECT day, mode, exit_code, runs FROM run_days ORDER BY day, mode, "
                                     "exit_code");
    while (st.step())
        out.push_back({st.text(0), st.text(1), st.integer(2), st.int64(3)});
    return out;
}

} // namespace oznsync
