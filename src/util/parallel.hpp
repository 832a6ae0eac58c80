#pragma once
// Work on several threads. Many producers, one consumer: worker threads make items (pages fetched over
// the network), the calling thread consumes them one at a time (the single SQLite writer); the queue
// between them is bounded, so a slow consumer slows the producers instead of filling memory. And a plain
// parallel loop that stops at the first failure (the apply's lanes of writes). And a large value let go
// on a thread of its own.
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <future>
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

/// Calls fn(i) for every i in [0, n) on `threads` threads (the calling thread when threads <= 1), each
/// taking the next i as it becomes free. After the first exception no further i is started; the calls
/// in progress finish, every thread is joined, and that exception is rethrown.
inline void parallel_for(int threads, size_t n, const std::function<void(size_t)>& fn) {
    if (threads <= 1 || n <= 1) {
        for (size_t i = 0; i < n; ++i)
            fn(i);
        return;
    }
    std::atomic<size_t> next{0};
    std::atomic<bool> stop{false};
    std::mutex mutex;
    std::exception_ptr failure;
    std::vector<std::thread> pool;
    const size_t count = std::min(static_cast<size_t>(threads), n);
    pool.reserve(count);
    for (size_t t = 0; t < count; ++t)
        pool.emplace_back([&] {
            for (size_t i = next++; i < n && !stop; i = next++) {
                try {
                    fn(i);
                } catch (...) {
                    std::lock_guard lock(mutex);
                    if (!failure) failure = std::current_exception();
                    stop = true;
                }
            }
        });
    for (auto& t : pool)
        t.join();
    if (failure) std::rethrow_exception(failure);
}

/// Lowers the calling thread's scheduling priority to the least (nice 19): work that may wait for an idle
/// core. Best effort (Linux: a thread's nice value is its own).
void yield_to_others();

/// Destroys `value` on a thread of its own, at the least priority: freeing a structure of millions of
/// small pieces takes a noticeable time the caller need not wait for, and should not take a core the
/// caller's next step wants. The returned future waits for it when dropped.
template <typename T> std::future<void> destroy_in_background(T&& value) {
    return std::async(std::launch::async, [v = std::forward<T>(value)]() mutable {
        yield_to_others();
        T gone = std::move(v); // destroyed here, on that thread (the capture is left empty)
    });
}

} // namespace oznsync
