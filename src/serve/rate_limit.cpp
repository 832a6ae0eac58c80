#include "serve/rate_limit.hpp"

#include <algorithm>
#include <vector>

namespace oznsync::serve {

RateLimit::RateLimit(double rate, size_t max_clients)
    : m_rate(rate), m_burst(std::max(1.0, rate * 2)), m_max_clients(std::max<size_t>(1, max_clients)) {}

bool RateLimit::admit(const std::string& client, double now) {
    std::lock_guard lock(m_mutex);
    auto it = m_buckets.find(client);
    if (it == m_buckets.end()) {
        if (m_buckets.size() >= m_max_clients) evict(now);
        it = m_buckets.emplace(client, Bucket{m_burst, now}).first;
    } else {
        Bucket& b = it->second;
        b.tokens = std::min(m_burst, b.tokens + std::max(0.0, now - b.at) * m_rate);
        b.at = now;
    }
    if (it->second.tokens < 1) return false;
    it->second.tokens -= 1;
    return true;
}

size_t RateLimit::clients() const {
    std::lock_guard lock(m_mutex);
    return m_buckets.size();
}

void RateLimit::evict(double now) {
    // Full again by now: forgetting such a bucket changes nothing.
    std::erase_if(m_buckets, [&](const auto& kv) {
        return kv.second.tokens + (now - kv.second.at) * m_rate >= m_burst;
    });
    if (m_buckets.size() < m_max_clients) return;
    // Still full of clients being held back: the least recently seen tenth goes.
    std::vector<std::pair<double, std::string>> by_age;
    by_age.reserve(m_buckets.size());
    for (const auto& [client, b] : m_buckets)
        by_age.emplace_back(b.at, client);
    const size_t drop = std::max<size_t>(1, m_buckets.size() / 10);
    std::nth_element(by_age.begin(), by_age.begin() + static_cast<long>(drop) - 1, by_age.end());
    for (size_t i = 0; i < drop; ++i)
        m_buckets.erase(by_age[i].second);
}

} // namespace oznsync::serve
