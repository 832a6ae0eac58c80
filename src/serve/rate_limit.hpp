#pragma once
// A token bucket per client address: `rate` requests a second, bursts of twice that. The buckets are
// bounded: past `max_clients` the idle ones go first (a full bucket holds nothing worth keeping), then the
// least recently seen, so many addresses cannot make it forget a client it is holding back.
#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

namespace oznsync::serve {

class RateLimit {
public:
    explicit RateLimit(double rate, size_t max_clients = 10000);
    /// Whether `client` may be answered at `now` (seconds, monotonic); takes a token when it may.
    bool admit(const std::string& client, double now);
    size_t clients() const;

private:
    struct Bucket {
        double tokens, at;
    };
    void evict(double now); // with m_mutex held
    double m_rate, m_burst;
    size_t m_max_clients;
    mutable std::mutex m_mutex;
    std::unordered_map<std::string, Bucket> m_buckets;
};

} // namespace oznsync::serve
