#pragma once
// Many producers, one consumer: worker threads make items (pages fetched over the network), the calling
// thread consumes them one at a time (the single SQLite writer). The queue between them is bounded, so a
// slow consumer slows the producers instead of filling memory.
#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace oznsync {

/// Thrown by `push` in a producer when the work is being abandoned (another thread failed).
struct ProductionStopped : std::runtime_error {
    ProductionStopped() : std::runtime_error("stopped: another part of the work failed") {}
};

/// Runs `producers` threads, each calling produce(index, push); `push(item)` queues an item for the
/// calling thread, which hands each to consume(item) in arrival order. A producer takes its own work
/// (from a counter it shares with the others) and returns when there is none left. The first exception
/// thrown anywhere stops the rest (a blocked push throws ProductionStopped, queued items are dropped),
/// every thread is joined, and that exception is rethrown here.
template <typename T>
void produce_consume(int producers, size_t capacity,
                     const std::function<void(int, const std::function<void(T&&)>&)>& produce,
                     const std::function<void(T&)>& consume) {
    std::mutex mutex;
    std::condition_variable ready, space;
    std::deque<T> queue;
    std::exception_ptr failure;
    int running = producers;
    capacity = std::max<size_t>(1, capacity);

    auto fail = [&](std::exception_ptr e) { // with the lock held
        if (!failure) failure = e;
        queue.clear();
    };
    const std::function<void(T &&)> push = [&](T&& item) {
        std::unique_lock lock(mutex);
        space.wait(lock, [&] { return queue.size() < capacity || failure; });
        if (failure) throw ProductionStopped();
        queue.push_back(std::move(item));
        ready.notify_one();
    };
    std::vector<std::thread> threads;
    threads.reserve(static_cast<size_t>(std::max(0, producers)));
    for (int i = 0; i < producers; ++i)
        threads.emplace_back([&, i] {
            try {
                produce(i, push);
            } catch (const ProductionStopped&) {
            } catch (...) {
                std::lock_guard lock(mutex);
                fail(std::current_exception());
                space.notify_all();
            }
            std::lock_guard lock(mutex);
            --running;
            ready.notify_one();
        });

    for (;;) {
        T item;
        {
            std::unique_lock lock(mutex);
            ready.wait(lock, [&] { return !queue.empty() || failure || running == 0; });
            if (failure || queue.empty()) break; // failed, or every producer is done and all is consumed
            item = std::move(queue.front());
            queue.pop_front();
        }
        space.notify_one();
        try {
            consume(item);
        } catch (...) {
            std::lock_guard lock(mutex);
            fail(std::current_exception());
            space.notify_all();
            break;
        }
    }
    for (auto& t : threads)
        t.join();
    if (failure) std::rethrow_exception(failure);
}

} // namespace oznsync
