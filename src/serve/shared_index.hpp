#pragma once
// `serve --store`: every operator's published boxes (the shared store, PostgreSQL) in memory, loaded at
// start and again for one operator whenever it publishes (NOTIFY). The replica keeps no state of its own:
// any number of them answer alike. While PostgreSQL cannot be reached it answers from what it holds, says
// since when, and reconnects (catching up on every operator that published meanwhile).
#include "serve/box_index.hpp"
#include "store/shared_store.hpp"
#include "util/stop_signal.hpp"

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace oznsync::serve {

/// One operator's published boxes, immutable: a publish makes a new one.
struct Published {
    PublishedHead head;
    std::shared_ptr<const BoxIndex> boxes;
};

class SharedIndex {
public:
    /// Connects and loads every operator before returning (a refused password: ConfigError naming the key;
    /// PostgreSQL unreachable: UnavailableError), then watches in a thread of its own.
    explicit SharedIndex(pg::Target target);
    ~SharedIndex();
    SharedIndex(const SharedIndex&) = delete;
    SharedIndex& operator=(const SharedIndex&) = delete;

    /// Every operator published, by name.
    std::map<std::string, std::shared_ptr<const Published>> operators() const;
    /// Moves whenever an operator is loaded, replaced or dropped: what was built from operators() is current
    /// while it has not moved.
    uint64_t generation() const { return m_generation.load(); }

    struct Health {
        bool up = false;          // connected now
        double contact_age_s = 0; // since the store last answered
        std::string problem;      // why it is down
        long long loads = 0;      // operators loaded since start
    };
    Health health() const;

private:
    void connect_and_catch_up();
    void load(const std::string& operator_name);
    void loop();

    const pg::Target m_target;
    std::unique_ptr<SharedStore> m_store; // the watching thread's (and the constructor's) only
    mutable std::mutex m_mutex;
    std::map<std::string, std::shared_ptr<const Published>> m_operators;
    double m_contact = 0; // monotonic seconds
    std::string m_problem;
    long long m_loads = 0;
    std::atomic<uint64_t> m_generation{0};
    StopSignal m_stop;
    std::thread m_thread;
};

} // namespace oznsync::serve
