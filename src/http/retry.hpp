#pragma once
// When to retry an OZmap or OZneutral call and how long to wait: pure, so it is unit-tested.
#include <chrono>
#include <mutex>
#include <string>

namespace oznsync {

struct RetryPolicy {
    int retries = 5;    // attempts after the first
    int base_ms = 250;  // first back-off
    int max_ms = 10000; // back-off cap
    int max_retry_after_s = 300;

    /// 429, 5xx (not 501) and 408 are worth another try; anything else is the caller's answer.
    static bool retryable_status(int status);
    /// Delay before attempt `attempt + 1` (attempt counts from 0). A usable Retry-After (seconds or an
    /// HTTP date is not supported: seconds only) wins, capped by `max_ms`; otherwise exponential back-off
    /// with "equal jitter": half fixed, half drawn from `jitter01` in [0,1).
    std::chrono::milliseconds delay(int attempt, const std::string& retry_after, double jitter01) const;
};

/// Client-side request rate limit shared by all workers (token bucket, burst of one second).
class RateLimiter {
public:
    explicit RateLimiter(double max_rps) : m_rps(max_rps) {}
    /// Waits until a request may go out.
    void acquire();
    /// Takes a token at `now` and returns how long its request must wait (zero when one was in the
    /// bucket): a request that waits is in debt, and the next ones wait behind it.
    std::chrono::steady_clock::duration reserve(std::chrono::steady_clock::time_point now);

private:
    double m_rps;
    std::mutex m_mutex;
    bool m_started = false;
    double m_tokens = 0; // negative: requests already promised a later slot
    std::chrono::steady_clock::time_point m_last{};
};

} // namespace oznsync
