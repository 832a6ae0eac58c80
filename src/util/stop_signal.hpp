#pragma once
// A watcher thread's "stop now": set once by its owner, waited on between the thread's looks, so a
// destructor ends the thread at once instead of after its next sleep.
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace oznsync {

class StopSignal {
public:
    void stop() {
        {
            std::lock_guard lock(m_mutex);
            m_stopped = true;
        }
        m_cv.notify_all();
    }
    bool stopped() {
        std::lock_guard lock(m_mutex);
        return m_stopped;
    }
    /// Waits `time` at most; true when stop() was called (before or meanwhile).
    bool wait_for(std::chrono::milliseconds time) {
        std::unique_lock lock(m_mutex);
        return m_cv.wait_for(lock, time, [this] { return m_stopped; });
    }

private:
    std::mutex m_mutex;
    std::condition_variable m_cv;
    bool m_stopped = false;
};

} // namespace oznsync
