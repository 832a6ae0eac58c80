#pragma once
// The journal of one run as apply moves its changes along: the entries in memory, the `changes` rows in
// the database.
#include "core/journal.hpp"
#include "store/run_store.hpp"

#include <mutex>
#include <string>

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

} // namespace oznsync
