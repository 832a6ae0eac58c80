#pragma once
// The journal of one run as apply moves its changes along: the entries in memory, the `changes` rows in
// the database.
#include "core/journal.hpp"
#include "store/run_store.hpp"

#include <mutex>
#include <string>

namespace oznsync {

/// Moves journal entries from state to state: in memory always, in the database when `store` is set (a
/// dry run records no intent: nothing is in flight). A failed database write throws IoError once and the
/// journal takes no more writes, so the caller stops before its next OZmap write.
class Journal {
public:
    Journal(RunStore* store, std::string run_id, bool sends)
        : m_store(store), m_run(std::move(run_id)), m_sends(sends) {}
    void mark(JournalEntry& e, EntryState state, const std::string& result = "",
              const std::string& error = "");
    /// Writes what a dry run deferred: every change still 'planned' gets kNotSent as its result, in one
    /// statement instead of one per change.
    void flush();

    static constexpr const char* kNotSent = "dry run: not sent";

private:
    std::mutex m_mutex; // lanes mark from several threads
    RunStore* m_store;
    std::string m_run;
    bool m_sends;
    bool m_broken = false;
    bool m_deferred = false; // dry-run outcomes waiting for flush()
};

} // namespace oznsync
