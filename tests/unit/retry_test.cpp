#include "http/retry.hpp"

#include <doctest/doctest.h>

using namespace oznsync;
using std::chrono::milliseconds;

TEST_SUITE("retry") {
    TEST_CASE("which answers are retried") {
        for (int s : {429, 500, 502, 503, 504, 408})
            CHECK(RetryPolicy::retryable_status(s));
        for (int s : {200, 201, 204, 400, 401, 403, 404, 409, 422, 501})
            CHECK_FALSE(RetryPolicy::retryable_status(s));
    }

    TEST_CASE("exponential back-off with bounded jitter and a cap") {
        RetryPolicy p;
        p.base_ms = 100;
        p.max_ms = 1000;
        CHECK(p.delay(0, "", 0.0) == milliseconds(50));
        CHECK(p.delay(0, "", 1.0) == milliseconds(100));
        CHECK(p.delay(2, "", 0.0) == milliseconds(200));
        CHECK(p.delay(2, "", 1.0) == milliseconds(400));
        CHECK(p.delay(10, "", 1.0) == milliseconds(1000));
        CHECK(p.delay(60, "", 0.5) == milliseconds(750));
    }

    TEST_CASE("Retry-After wins when usable, capped") {
        RetryPolicy p;
        CHECK(p.delay(0, "3", 0.0) == milliseconds(3000));
        CHECK(p.delay(4, " 0 ", 0.9) == milliseconds(0));
        // Capped by the back-off cap (retry_max_ms): Retry-After: 600 does not park the job for 10 minutes.
        CHECK(p.delay(0, "100000", 0.0) == milliseconds(p.max_ms));
        CHECK(p.delay(0, "600", 0.0) == milliseconds(p.max_ms));
        p.max_ms = 1000000;
        CHECK(p.delay(0, "100000", 0.0) == milliseconds(p.max_retry_after_s * 1000));
        CHECK(p.delay(1, "Wed, 21 Oct 2026 07:28:00 GMT", 0.0) == p.delay(1, "", 0.0));
    }

    TEST_CASE("max_rps is honoured: a burst of requests is spread at the rate, debts included") {
        RateLimiter limiter(10);
        const auto t0 = std::chrono::steady_clock::now();
        // 100 requests asked at the same instant: the n-th may go out (n-1)/10 s later, never sooner.
        std::chrono::steady_clock::duration last{};
        for (int n = 1; n <= 100; ++n) {
            const auto wait = limiter.reserve(t0);
            CHECK(wait >= last);
            last = wait;
        }
        const double last_s = std::chrono::duration<double>(last).count();
        CHECK(last_s == doctest::Approx(9.9).epsilon(0.01));
        // After the debt is paid (10 s on), one token per 100 ms again, the burst capped at one second.
        CHECK(limiter.reserve(t0 + std::chrono::seconds(10)).count() == 0);
        const auto later = t0 + std::chrono::seconds(60);
        int free = 0;
        while (limiter.reserve(later).count() == 0)
            ++free;
        CHECK(free == 10);
        // No limit: never a wait.
        RateLimiter none(0);
        for (int n = 0; n < 1000; ++n)
            CHECK(none.reserve(t0).count() == 0);
    }
}
