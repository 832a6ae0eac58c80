#include "util/deadline.hpp"

#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <sys/socket.h>
#include <thread>

namespace oznsync {

struct DeadlineWatch::State {
    struct Entry {
        int fd;
        Clock::time_point deadline;
    };
    std::mutex mutex;
    std::condition_variable changed;
    std::map<long long, Entry> watched;
    std::set<long long> expired; // ids whose socket was shut down, until their Guard goes
    long long next_id = 1;
    // When the thread wakes next by itself: a new deadline later than this needs no wake-up (every
    // request of a server sets one, and waking this thread for each cost a context switch per answer).
    Clock::time_point wakes_at = Clock::time_point::max();

    void run() {
        std::unique_lock lock(mutex);
        for (;;) {
            if (watched.empty()) {
                wakes_at = Clock::time_point::max();
                changed.wait(lock);
                continue;
            }
            auto first = watched.begin();
            for (auto it = watched.begin(); it != watched.end(); ++it)
                if (it->second.deadline < first->second.deadline) first = it;
            if (Clock::now() < first->second.deadline) {
                wakes_at = first->second.deadline;
                changed.wait_until(lock, first->second.deadline);
                continue;
            }
            // Under the lock: a Guard being destroyed waits, so its socket is never shut down after.
            ::shutdown(first->second.fd, SHUT_RDWR);
            expired.insert(first->first);
            watched.erase(first);
        }
    }
};

namespace {
std::shared_ptr<DeadlineWatch::State>& shared_state() {
    // Never destroyed: the watch thread outlives every static destructor.
    static auto* state = new std::shared_ptr<DeadlineWatch::State>(std::make_shared<DeadlineWatch::State>());
    return *state;
}
} // namespace

DeadlineWatch::DeadlineWatch() : m_state(shared_state()) {
    std::thread([state = m_state] { state->run(); }).detach();
}

DeadlineWatch& DeadlineWatch::instance() {
    static auto* watch = new DeadlineWatch();
    return *watch;
}

DeadlineWatch::Guard DeadlineWatch::watch(int fd, Clock::time_point deadline) {
    State& s = *m_state;
    std::lock_guard lock(s.mutex);
    const long long id = s.next_id++;
    if (fd >= 0) s.watched.emplace(id, State::Entry{fd, deadline});
    if (fd >= 0 && deadline < s.wakes_at) {
        s.wakes_at = deadline; // the thread recomputes it when it wakes
        s.changed.notify_one();
    }
    return Guard(id);
}

DeadlineWatch::Guard::~Guard() {
    if (m_id == 0) return;
    State& s = *shared_state();
    std::lock_guard lock(s.mutex);
    s.watched.erase(m_id);
    s.expired.erase(m_id);
}

bool DeadlineWatch::Guard::expired() const {
    State& s = *shared_state();
    std::lock_guard lock(s.mutex);
    return s.expired.count(m_id) > 0;
}

} // namespace oznsync
