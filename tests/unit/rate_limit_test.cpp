// The read API's per-client rate limit: a client held back stays held back however many others come.
#include "serve/rate_limit.hpp"

#include <doctest/doctest.h>

#include <string>

using oznsync::serve::RateLimit;

TEST_SUITE("rate_limit") {
    TEST_CASE("a bucket per address: a burst of twice the rate, then the rate") {
        RateLimit limit(10);
        int admitted = 0;
        for (int i = 0; i < 100; ++i)
            admitted += limit.admit("a", 0.0);
        CHECK(admitted == 20);
        CHECK_FALSE(limit.admit("a", 0.05));
        CHECK(limit.admit("a", 0.1)); // one token every 100 ms
        CHECK(limit.admit("b", 0.1)); // another address has its own
    }

    TEST_CASE("10,050 other addresses do not reset a client held back; idle buckets go first") {
        RateLimit limit(1, 10000);
        while (limit.admit("attacker", 0.0)) {
        }
        for (int i = 0; i < 10050; ++i) {
            limit.admit("client-" + std::to_string(i), 0.5 + i * 1e-6);
            CHECK_FALSE(limit.admit("attacker", 0.5 + i * 1e-6)); // still held back, every time
        }
        CHECK(limit.clients() <= 10000);
        // Once its bucket has refilled, it is admitted again.
        CHECK(limit.admit("attacker", 10.0));
    }
}
