#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace oznsync {

/// Wall clock for run ids and audit timestamps. OZNSYNC_FIXED_CLOCK (ISO-8601 UTC) pins it, so golden
/// tests produce byte-identical reports.
std::chrono::system_clock::time_point now();
/// True while OZNSYNC_FIXED_CLOCK pins the clock (ids made from it are made deterministic too).
bool clock_is_fixed();
std::string iso8601(std::chrono::system_clock::time_point tp, bool millis = false);
std::string now_iso();
/// Parses "YYYY-MM-DDTHH:MM:SS[.fff]Z" (or +00:00); nullopt on anything else.
std::optional<std::chrono::system_clock::time_point> parse_iso8601(std::string_view s);

/// Seconds from an ISO 8601 time (as parse_iso8601 reads it) to now(); -1 when it is not one.
double seconds_since(std::string_view iso);

/// Monotonic seconds since an arbitrary point, for durations.
double monotonic_seconds();

} // namespace oznsync
