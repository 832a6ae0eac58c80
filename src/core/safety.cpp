#include "core/safety.hpp"

#include "util/strings.hpp"

namespace oznsync {

std::optional<std::string> removal_cap(long long removals, long long owned, const SafetyLimits& l) {
    if (removals <= 0) return std::nullopt;
    if (removals > l.max_removals)
        return std::to_string(removals) + " removals planned, more than safety.max_removals (" +
               std::to_string(l.max_removals) + ")";
    if (removals <= l.min_removals_for_pct) return std::nullopt;
    double pct = owned > 0 ? 100.0 * static_cast<double>(removals) / static_cast<double>(owned) : 100.0;
    if (pct > l.max_removals_pct)
        return std::to_string(removals) + " removals planned, " +
               format_double(static_cast<double>(static_cast<long long>(pct * 10)) / 10) + "% of the " +
               std::to_string(owned) + " clients oznsync owns, more than safety.max_removals_pct (" +
               format_double(l.max_removals_pct) + "%)";
    return std::nullopt;
}

std::optional<std::string> feed_guard(long long records, std::optional<long long> previous,
                                      const SafetyLimits& l) {
    if (records == 0)
        return std::string("the sale feed is empty: refusing to plan (it would remove every owned client)");
    if (previous && *previous > 0) {
        double shrink = 100.0 * static_cast<double>(*previous - records) / static_cast<double>(*previous);
        if (shrink > l.max_feed_shrink_pct)
            return "the sale feed shrank from " + std::to_string(*previous) + " to " +
                   std::to_string(records) +
                   " records since the last run, more than safety.max_feed_shrink_pct (" +
                   format_double(l.max_feed_shrink_pct) + "%)";
    }
    return std::nullopt;
}

} // namespace oznsync
