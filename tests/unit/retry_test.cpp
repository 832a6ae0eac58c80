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
}
