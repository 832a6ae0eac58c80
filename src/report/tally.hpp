#pragma once
// What a run's entries count to (by action, by write action and state, by project, by state), in one pass
// over them: every part of a report reads these counts, and a first night has 500k entries.
#include "core/change.hpp"
#include "core/journal.hpp"
#include "util/ids.hpp"

#include <array>
#include <cstddef>
#include <unordered_map>
#include <vector>

namespace oznsync {

/// What became of the writes of one action: `planned` of them, of which done, failed, skipped, and
/// not_sent (a dry run's, or interrupted before their answer).
struct ActionResults {
    long long planned = 0, done = 0, failed = 0, skipped = 0, not_sent = 0;
};

using ActionCounts = std::array<long long, kActionCount>; // indexed by the Action
constexpr size_t kEntryStateCount = static_cast<size_t>(EntryState::Finding) + 1;

struct EntryTally {
    ActionCounts actions{};
    std::array<ActionResults, kActionCount> results{}; // the write actions' entries (no finding)
    std::unordered_map<Id, ActionCounts, IdHash> projects;
    std::array<long long, kEntryStateCount> states{}; // indexed by the EntryState
    long long writes() const;
    long long of(Action a) const { return actions[static_cast<size_t>(a)]; }
};

EntryTally tally_entries(const std::vector<JournalEntry>& entries);

} // namespace oznsync
