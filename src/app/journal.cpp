#include "app/journal.hpp"

#include "util/error.hpp"

#include <spdlog/spdlog.h>

namespace oznsync {

void Journal::mark(JournalEntry& e, EntryState state, const std::string& result, const std::string& error) {
    std::lock_guard lock(m_mutex);
    e.state = state;
    e.result = result;
    e.error = error;
    if (!m_store || m_broken) return;
    if (!m_sends && (state == EntryState::Intent || (state == EntryState::Planned && result == kNotSent)))
        return;
    try {
        m_store->set_state(m_run, e.seq, state, result, error);
    } catch (const std::exception& ex) {
        // Without a journal a write could be neither recovered nor audited: no further write is sent. The
        // states stay in memory, so the report still lists what reached OZmap.
        m_broken = true;
        throw IoError(std::string("the journal could not be written (") + ex.what() +
                      "); stopped before the next write");
    }
}

BackgroundPlanWrite::BackgroundPlanWrite(Store& store, RunStore& runs, std::string run_id,
                                         const std::vector<JournalEntry>& entries, size_t writes,
                                         std::string planned_result)
    : m_store(store), m_runs(runs), m_run(std::move(run_id)), m_planned_result(std::move(planned_result)),
      m_entries(entries), m_writes(writes) {
    m_rows = std::async(std::launch::async,
                        [this] { m_runs.insert_plan(m_run, m_entries, m_writes, m_planned_result); });
}

BackgroundPlanWrite::~BackgroundPlanWrite() {
    if (m_rows.valid()) m_rows.wait();
}

void BackgroundPlanWrite::finish() {
    m_rows.get();
    sql::Transaction tx = m_store.transaction();
    for (size_t i = 0; i < m_entries.size(); ++i) {
        const JournalEntry& e = m_entries[i];
        const bool planned = i < m_writes;
        const bool as_written = e.state == (planned ? EntryState::Planned : EntryState::Finding) &&
                                e.result == (planned ? m_planned_result : "") && e.error.empty();
        if (!as_written && e.state != EntryState::Intent)
            m_runs.set_state(m_run, e.seq, e.state, e.result, e.error);
    }
    tx.commit();
}

ReportDataFiles finish_beside_report(BackgroundPlanWrite& rows, const std::string& reports_dir,
                                     ReportData& d) {
    auto files = std::async(std::launch::async, [&] { return ReportDataFiles::write(reports_dir, d); });
    try {
        rows.finish();
    } catch (...) {
        files.wait(); // they read `d`; dropped with the future
        d.entries.clear();
        d.requests = std::make_shared<RequestLog>();
        throw;
    }
    try {
        return files.get();
    } catch (const std::exception& e) {
        spdlog::debug("the data files of run {} are written with the rest of its report: {}", d.run.id,
                      e.what());
        return {};
    }
}

} // namespace oznsync
