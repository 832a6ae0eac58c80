#include "util/time.hpp"

#include "util/strings.hpp"

#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace oznsync {

using namespace std::chrono;

namespace {
/// OZNSYNC_FIXED_CLOCK, read in this one place.
const char* fixed_clock_value() {
    return std::getenv("OZNSYNC_FIXED_CLOCK");
}
} // namespace

bool clock_is_fixed() {
    return fixed_clock_value() != nullptr;
}

system_clock::time_point now() {
    if (const char* fixed = fixed_clock_value()) {
        if (auto tp = parse_iso8601(fixed)) return *tp;
    }
    return system_clock::now();
}

std::string iso8601(system_clock::time_point tp, bool millis) {
    auto secs = time_point_cast<seconds>(tp);
    if (secs > tp) secs -= seconds(1);
    std::time_t t = system_clock::to_time_t(secs);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[40];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    std::string out(buf);
    if (millis) {
        auto ms = duration_cast<milliseconds>(tp - secs).count();
        std::snprintf(buf, sizeof buf, ".%03d", static_cast<int>(ms));
        out += buf;
    }
    return out + "Z";
}

std::string now_iso() {
    return iso8601(now());
}

std::optional<system_clock::time_point> parse_iso8601(std::string_view s) {
    // YYYY-MM-DDTHH:MM:SS
    if (s.size() < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') || s[13] != ':' ||
        s[16] != ':')
        return std::nullopt;
    long long y, mo, d, h, mi, se;
    if (!parse_int(s.substr(0, 4), y) || !parse_int(s.substr(5, 2), mo) || !parse_int(s.substr(8, 2), d) ||
        !parse_int(s.substr(11, 2), h) || !parse_int(s.substr(14, 2), mi) || !parse_int(s.substr(17, 2), se))
        return std::nullopt;
    // system_clock counts nanoseconds: keep well inside its ~1678..2262 range.
    if (y < 1900 || y > 2200 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
        return std::nullopt;
    size_t i = 19;
    long long frac_ms = 0;
    if (i < s.size() && s[i] == '.') {
        size_t j = ++i;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9')
            ++i;
        if (i == j) return std::nullopt;
        std::string digits(s.substr(j, std::min<size_t>(3, i - j)));
        while (digits.size() < 3)
            digits += '0';
        parse_int(digits, frac_ms);
    }
    std::string_view tz = s.substr(i);
    if (tz != "Z" && tz != "+00:00") return std::nullopt;
    year_month_day ymd{year(static_cast<int>(y)), month(static_cast<unsigned>(mo)),
                       day(static_cast<unsigned>(d))};
    if (!ymd.ok()) return std::nullopt;
    return sys_days(ymd) + hours(h) + minutes(mi) + seconds(se) + milliseconds(frac_ms);
}

double seconds_since(std::string_view iso) {
    const auto t = parse_iso8601(iso);
    return t ? duration<double>(now() - *t).count() : -1;
}

double monotonic_seconds() {
    if (clock_is_fixed()) return 0; // a fixed clock does not move: durations are 0
    return duration<double>(steady_clock::now().time_since_epoch()).count();
}

} // namespace oznsync
