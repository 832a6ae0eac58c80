#include "app/journal.hpp"

#include "util/error.hpp"

namespace oznsync {

void Journal::mark(JournalEntry& e, EntryState state, const std::string& result, const std::string& error) {
    std::lock_guard lock(m_mutex);
    e.state = state;
    e.result = result;
    e.error = error;
    // A dry run journals its outcome ("planned: dry run: not sent", all at once in flush()) but no
    // intent: nothing is in flight.
    if (!m_store || m_broken || (!m_sends && state == EntryState::Intent)) return;
    if (!m_sends && state == EntryState::Planned && result == kNotSent && error.empty()) {
        m_deferred = true;
        return;
    }
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

void Journal::flush() {
    std::lock_guard lock(m_mutex);
    if (!m_deferred || !m_store || m_broken) return;
    m_deferred = false;
    try {
        m_store->set_result_of_planned(m_run, kNotSent);
    } catch (const std::exception& ex) {
        m_broken = true;
        throw IoError(std::string("the journal could not be written (") + ex.what() + ")");
    }
}

} // namespace oznsync
