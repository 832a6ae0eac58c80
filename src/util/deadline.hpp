#pragma once
// A whole request's deadline, kept where Poco cannot keep it: Poco reads a status line and headers with a
// timeout per read, so a server that trickles one byte a second holds a request for ever. The watch shuts
// the socket down when the deadline passes; the blocked read then fails at once.
#include <chrono>
#include <memory>
#include <utility>

namespace oznsync {

class DeadlineWatch {
public:
    using Clock = std::chrono::steady_clock;

    /// While a Guard lives, its socket is shut down (SHUT_RDWR) at the deadline. Once the Guard is gone, the
    /// socket is never touched again.
    class Guard {
    public:
        Guard(Guard&& o) noexcept : m_id(std::exchange(o.m_id, 0)) {}
        Guard& operator=(Guard&&) = delete;
        ~Guard();
        /// Whether the deadline passed and the socket was shut down.
        bool expired() const;

    private:
        friend class DeadlineWatch;
        explicit Guard(long long id) : m_id(id) {}
        long long m_id = 0;
    };

    /// The process's watch (one thread, started on first use).
    static DeadlineWatch& instance();
    Guard watch(int fd, Clock::time_point deadline);

    struct State;

private:
    DeadlineWatch();
    std::shared_ptr<State> m_state;
};

} // namespace oznsync
