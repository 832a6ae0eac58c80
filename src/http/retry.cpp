#include "http/retry.hpp"

#include "util/strings.hpp"

#include <algorithm>
#include <cmath>
#include <thread>

namespace oznsync {

bool RetryPolicy::retryable_status(int status) {
    return status == 429 || status == 408 || (status >= 500 && status <= 599 && status != 501);
}

std::chrono::milliseconds RetryPolicy::delay(int attempt, const std::string& retry_after,
                                             double jitter01) const {
    long long secs;
    if (!retry_after.empty() && parse_int(trim(retry_after), secs) && secs >= 0) {
        // A server's Retry-After is honoured up to the back-off cap: it cannot park the job for minutes.
        return std::chrono::milliseconds(
            std::min<long long>(std::min<long long>(secs, max_retry_after_s) * 1000, max_ms));
    }
    double exp = static_cast<double>(base_ms) * std::pow(2.0, std::min(attempt, 30));
    double capped = std::min(exp, static_cast<double>(max_ms));
    double ms = capped / 2 + capped / 2 * std::clamp(jitter01, 0.0, 1.0);
    return std::chrono::milliseconds(static_cast<long long>(ms));
}

void RateLimiter::acquire() {
    if (m_rps <= 0) return;
    const auto wait = reserve(std::chrono::steady_clock::now());
    if (wait.count() > 0) std::this_thread::sleep_for(wait);
}

std::chrono::steady_clock::duration RateLimiter::reserve(std::chrono::steady_clock::time_point now) {
    if (m_rps <= 0) return {};
    std::lock_guard lock(m_mutex);
    if (!m_started) {
        m_started = true;
        m_tokens = 1;
        m_last = now;
    }
    const double elapsed = std::max(0.0, std::chrono::duration<double>(now - m_last).count());
    m_tokens = std::min(std::max(1.0, m_rps), m_tokens + elapsed * m_rps);
    m_last = std::max(m_last, now);
    m_tokens -= 1;
    if (m_tokens >= 0) return {};
    return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(-m_tokens / m_rps));
}

} // namespace oznsync
