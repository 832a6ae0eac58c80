#pragma once
// An answer as the handler writes it, the JSON error answer, and the server's answer-time histogram.
#include "util/json_writer.hpp"
#include "util/prometheus.hpp"

#include <array>
#include <atomic>
#include <functional>
#include <ostream>
#include <string>

namespace oznsync::serve {

struct Reply {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    /// A large answer written as it is made (chunked, gzip when the client takes it) instead of `body`.
    std::function<void(std::ostream&)> stream;
    std::string etag; // quoted; an If-None-Match naming it is answered 304
};

inline Reply error(int status, const std::string& message) {
    Reply r;
    r.status = status;
    JsonWriter w(r.body);
    w.begin_object().field("error", message);
    // A parameter's error starts with its name ("lat: must be from -90 to 90").
    if (status == 400)
        if (auto colon = message.find(':'); colon != std::string::npos)
            w.field("parameter", message.substr(0, colon));
    w.end_object();
    return r;
}

/// How long the server took to answer (from the request read to the answer written), as Prometheus
/// histogram buckets.
class Durations {
public:
    static constexpr std::array<double, 9> kBounds{0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.05, 0.25, 1};
    static constexpr std::array<const char*, 9> kLabels{"0.00025", "0.0005", "0.001", "0.002", "0.005",
                                                        "0.01",    "0.05",   "0.25",  "1"};

    void add(double seconds) {
        for (size_t i = 0; i < kBounds.size(); ++i)
            if (seconds <= kBounds[i]) ++m_buckets[i];
        ++m_count;
        m_sum_ns += static_cast<long long>(seconds * 1e9);
    }
    void render(PrometheusText& p) const {
        const char* name = "oznsync_serve_request_duration_seconds";
        p.family(name, "histogram", "Seconds from a request read to its answer written.");
        const std::string bucket = std::string(name) + "_bucket";
        for (size_t i = 0; i < kBounds.size(); ++i)
            p.sample(bucket, {{"le", kLabels[i]}}, static_cast<double>(m_buckets[i].load()));
        p.sample(bucket, {{"le", "+Inf"}}, static_cast<double>(m_count.load()));
        p.sample(std::string(name) + "_sum", {}, static_cast<double>(m_sum_ns.load()) / 1e9);
        p.sample(std::string(name) + "_count", {}, static_cast<double>(m_count.load()));
    }

private:
    std::array<std::atomic<long long>, kBounds.size()> m_buckets{};
    std::atomic<long long> m_count{0}, m_sum_ns{0};
};

} // namespace oznsync::serve
