#pragma once
// The caps that stop a bad feed or a bad plan from emptying OZmap. Pure.
#include <optional>
#include <string>

namespace oznsync {

struct SafetyLimits {
    long long max_removals = 50;
    double max_removals_pct = 10;        // of the clients oznsync owns...
    long long min_removals_for_pct = 10; // ...once removals exceed this many
    double max_feed_shrink_pct = 20;     // against the last run's feed
};

/// Why these removals must not run; nullopt when they may. An explicit --max-removals replaces the
/// count cap.
std::optional<std::string> removal_cap(long long removals, long long owned_clients,
                                       const SafetyLimits& limits);

/// Why the feed must not be planned from (empty, or shrunk too much); nullopt when fine.
std::optional<std::string> feed_guard(long long records, std::optional<long long> previous,
                                      const SafetyLimits& limits);

} // namespace oznsync
