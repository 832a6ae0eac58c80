#include "app/journal.hpp"

#include "util/error.hpp"

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

} // namespace oznsync
