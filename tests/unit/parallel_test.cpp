#include "util/parallel.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <future>
#include <memory>
#include <numeric>
#include <set>

using namespace oznsync;

namespace {
using Push = std::function<void(int&&)>;
}

TEST_SUITE("parallel") {
    TEST_CASE("every item made by every producer is consumed once, on the calling thread") {
        std::atomic<int> next{0};
        std::multiset<int> seen;
        const auto caller = std::this_thread::get_id();
        bool on_caller = true;
        produce_consume<int>(
            4, 3,
            [&](int, const Push& push) {
                for (int i = next++; i < 1000; i = next++)
                    push(int(i));
            },
            [&](int& v) {
                seen.insert(v);
                on_caller = on_caller && std::this_thread::get_id() == caller;
            });
        CHECK(seen.size() == 1000);
        CHECK(std::set<int>(seen.begin(), seen.end()).size() == 1000);
        CHECK(on_caller);
    }

    TEST_CASE("no producer: nothing is consumed and it returns") {
        int consumed = 0;
        produce_consume<int>(
            0, 1, [](int, const Push&) {}, [&](int&) { ++consumed; });
        CHECK(consumed == 0);
    }

    TEST_CASE("a producer's failure stops the others, even one blocked on a full queue, and is rethrown") {
        std::promise<void> queue_full;
        std::atomic<int> pushed_after_failure{0};
        auto run = [&] {
            produce_consume<int>(
                2, 1,
                [&](int index, const Push& push) {
                    if (index == 0) {
                        queue_full.get_future().wait();
                        throw std::runtime_error("producer 0 failed");
                    }
                    for (int i = 0; i < 1000000; ++i)
                        push(int(i));
                    ++pushed_after_failure; // never reached: push throws once production stopped
                },
                [&](int& v) {
                    // Producer 0 fails once the first item is here, producer 1 pushing all the while.
                    if (v == 0) queue_full.set_value();
                });
        };
        CHECK_THROWS_WITH(run(), "producer 0 failed");
        CHECK(pushed_after_failure == 0);
    }

    TEST_CASE("the consumer's failure stops the producers; queued items are dropped, not consumed") {
        int consumed = 0;
        auto dropped = std::make_shared<int>(0);
        auto run = [&] {
            produce_consume<std::shared_ptr<int>>(
                3, 8,
                [&](int, const std::function<void(std::shared_ptr<int> &&)>& push) {
                    for (;;)
                        push(std::shared_ptr<int>(dropped));
                },
                [&](std::shared_ptr<int>&) {
                    if (++consumed == 5) throw std::runtime_error("disk full");
                });
        };
        CHECK_THROWS_WITH(run(), "disk full");
        CHECK(consumed == 5);
        CHECK(dropped.use_count() == 1); // nothing queued is kept alive
    }
}
