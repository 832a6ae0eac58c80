#pragma once
// The journal of one run as apply moves its changes along: the entries in memory, the `changes` rows in
// the database.
#include "core/journal.hpp"
#include "report/report.hpp"
#include "store/run_store.hpp"

#include <future>
#include <mutex>
#include <span>
#include <string>
#include <vector>

namespace oznsync {

/// Moves journal entries from state to state: in memory always, in the database when `store` is set. A dry
/// run records no intent (nothing is in flight), and its outcome "planned: dry run: not sent" is what the
/// plan already wrote (save_plan's `planned_result`), so it costs no statement. A failed database write
/// throws IoError once and the journal takes no more writes, so the caller stops before its next OZmap
/// write.
class Journal {
public:
    Journal(RunStore* store, std::string run_id, bool sends)
        : m_store(store), m_run(std::move(run_id)), m_sends(sends) {}
    void mark(JournalEntry& e, EntryState state, const std::string& result = "",
              const std::string& error = "");
    static constexpr const char* kNotSent = "dry run: not sent";

private:
    std::mutex m_mutex; // lanes mark from several threads
    RunStore* m_store;
    std::string m_run;
    bool m_sends;
    bool m_broken = false;
};

/// A dry run's plan written to its journal on a thread of its own while the dry run goes through the same
/// entries in memory: a dry run sends nothing, so its rows need not come before its steps. The rows are
/// the plan as numbered (RunStore::insert_plan reads no state); nothing else may use the database until
/// `finish`, which waits for them (rethrowing their error) and then writes, in one transaction, the states
/// the dry run moved entries to, as Journal would have (a safety cap's skips; never an intent). The
/// entries may move to another vector meanwhile (their storage stays where it is), but none may be added
/// or removed until `finish`. The destructor waits for the thread, so it never outlives the entries.
class BackgroundPlanWrite {
public:
    BackgroundPlanWrite(Store& store, RunStore& runs, std::string run_id,
                        const std::vector<JournalEntry>& entries, size_t writes, std::string planned_result);
    ~BackgroundPlanWrite();
    BackgroundPlanWrite(const BackgroundPlanWrite&) = delete;
    BackgroundPlanWrite& operator=(const BackgroundPlanWrite&) = delete;
    void finish();

private:
    Store& m_store;
    RunStore& m_runs;
    std::string m_run, m_planned_result;
    std::span<const JournalEntry> m_entries; // the entries' storage: moving their vector keeps it
    size_t m_writes;
    std::future<void> m_rows;
};

/// Waits for a dry run's rows (`rows.finish()`) while its report's data files are written from `d` (on a
/// first night they cost about as much as the rows), and returns them once the rows are written. When
/// the rows cannot be written the run has no plan: `d` reports nothing of the dry run, and the error is
/// thrown. When the files cannot be written, none is returned: the report writes them, or says why not.
ReportDataFiles finish_beside_report(BackgroundPlanWrite& rows, const std::string& reports_dir,
                                     ReportData& d);

} // namespace oznsync
