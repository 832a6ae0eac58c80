#include "util/parallel.hpp"

#include <doctest/doctest.h>

#include <cerrno>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <future>
#include <memory>
#include <numeric>
#include <set>
#include <thread>

using namespace oznsync;

namespace {
using Push = std::function<void(int&&)>;
}

namespace {
int niceness = 0; // the destroying thread's nice value, as it saw it
} // namespace

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
        auto run = [&] {
            produce_consume<int>(
                2, 1,
                [&](int index, const Push& push) {
                    if (index == 0) {
                        queue_full.get_future().wait();
                        throw std::runtime_error("producer 0 failed");
                    }
                    for (int i = 0;; ++i) // ends only when push throws: production stopped
                        push(int(i));
                },
                [&](int& v) {
                    // Producer 0 fails once the first item is here, producer 1 pushing all the while.
                    if (v == 0) queue_full.set_value();
                });
        };
        CHECK_THROWS_WITH(run(), "producer 0 failed");
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

TEST_SUITE("parallel") {
    TEST_CASE("parallel_for: every index once; one thread runs them in order on the caller") {
        std::vector<std::atomic<int>> hits(500);
        parallel_for(4, hits.size(), [&](size_t i) { ++hits[i]; });
        CHECK(std::all_of(hits.begin(), hits.end(), [](const std::atomic<int>& h) { return h == 1; }));
        std::vector<size_t> order;
        parallel_for(1, 5, [&](size_t i) { order.push_back(i); });
        CHECK(order == std::vector<size_t>{0, 1, 2, 3, 4});
    }

    TEST_CASE("parallel_for: a failure is rethrown after every thread is joined; on one thread nothing "
              "after it starts") {
        std::atomic<int> started{0};
        auto run = [&](int threads) {
            parallel_for(threads, 100, [&](size_t i) {
                ++started;
                if (i == 3) throw std::runtime_error("OZmap unavailable");
            });
        };
        CHECK_THROWS_WITH(run(4), "OZmap unavailable");
        started = 0;
        CHECK_THROWS_WITH(run(1), "OZmap unavailable");
        CHECK(started == 4);
    }

    TEST_CASE("destroy_in_background: the value is destroyed once, on another thread at the least priority, "
              "and the future waits for it") {
        struct Watched {
            std::shared_ptr<std::thread::id> destroyed_on;
            std::shared_ptr<int> destructions;
            ~Watched() {
                if (!destroyed_on) return; // a moved-from shell
                *destroyed_on = std::this_thread::get_id();
                *destructions += 1;
                errno = 0;
                niceness = ::getpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()));
            }
            Watched(std::shared_ptr<std::thread::id> on, std::shared_ptr<int> n)
                : destroyed_on(std::move(on)), destructions(std::move(n)) {}
            Watched(Watched&& o) noexcept = default;
        };
        const int callers = ::getpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()));
        auto on = std::make_shared<std::thread::id>();
        auto n = std::make_shared<int>(0);
        {
            Watched w(on, n);
            std::future<void> gone = destroy_in_background(std::move(w));
            gone.wait();
        }
        CHECK(*n == 1);
        CHECK(*on != std::thread::id());
        CHECK(*on != std::this_thread::get_id());
        CHECK(niceness == 19);
        CHECK(::getpriority(PRIO_PROCESS, static_cast<id_t>(::gettid())) == callers); // the caller's stays
    }
}
