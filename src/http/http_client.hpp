#pragma once
// HTTP for both upstreams: keep-alive connections (a small pool, so workers can share one client),
// gzip, timeouts, and the retry loop with back-off, Retry-After and a client-side rate limit.
#include "config/config.hpp"
#include "http/retry.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace oznsync {

struct HttpOptions {
    int timeout_s = 30; // the whole request: connect, headers and body, however slowly it trickles
    bool gzip = true;
    std::string ca_file;
    bool insecure = false;
    long long max_body_bytes = 256LL << 20; // a larger answer (inflated) is refused
    int max_in_flight = 0;                  // requests sent at once by all threads (0: no limit)
    /// When the whole run must be over (ozmap.run_timeout_s); no request starts after it.
    std::chrono::steady_clock::time_point run_deadline = std::chrono::steady_clock::time_point::max();
};

/// The transport settings of one upstream (`ozmap.*` or `ozneutral.*`) as HTTP options and a retry policy.
HttpOptions http_options(const TransportConfig& t);
RetryPolicy retry_policy(const TransportConfig& t);

struct HttpRequest {
    std::string method = "GET";
    std::string target; // path + query, starting with '/'
    std::string body;
    std::string content_type = "application/json";
};

struct HttpResponse {
    int status = 0;
    std::string body;
    std::map<std::string, std::string> headers; // lower-case names
    std::string header(const std::string& name) const {
        auto it = headers.find(name);
        return it == headers.end() ? "" : it->second;
    }
};

/// The connection failed, timed out, or the body arrived cut short or unusable: worth another try.
struct TransportError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// The name did not resolve: retried once (resolvers flap), then a configuration error.
struct UnknownHost : TransportError {
    using TransportError::TransportError;
};

/// An answer larger than HttpOptions::max_body_bytes: refused at once, not retried.
struct BodyTooLarge : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// A fresh plain-HTTP connection closed without an answer: a dead server, or a TLS port spoken to in
/// plain HTTP (the client probes which, once).
struct NoAnswer : TransportError {
    using TransportError::TransportError;
};

/// A failure no retry can fix (TLS verification, a server that does not speak HTTP, or HTTPS where the
/// server speaks plain HTTP): the run ends at once with a configuration error naming the cause.
struct PermanentTransportError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class HttpConnection;

class ApiClient {
public:
    /// `name` ("OZmap", "OZneutral") prefixes every error message.
    ApiClient(std::string name, const std::string& origin, HttpOptions options, RetryPolicy policy,
              double max_rps);
    ~ApiClient();

    /// Value of the Authorization header for each request (may change after re-authentication).
    void set_authorization(std::function<std::string()> header);
    /// Called once on a 401 to log in again; returns false when that is not possible.
    void set_reauthenticate(std::function<bool()> reauth);

    /// Sends with retries. 2xx and non-retryable 4xx (but 401/403) are returned; `check` may throw
    /// TransportError to have a 2xx with an unusable body retried; it may consume the body (parse it in
    /// place). Throws AuthError (401/403) or UnavailableError when retries are exhausted.
    HttpResponse call(const HttpRequest& request, const std::function<void(HttpResponse&)>& check = nullptr);
    /// A write that must not be applied twice (a POST that creates): before every re-send, `applied`
    /// asks the server whether the previous attempt took effect although its answer was lost; when it
    /// did, its answer stands for the write's and nothing is sent again.
    using AppliedCheck = std::function<std::optional<HttpResponse>()>;
    HttpResponse call_once_only(const HttpRequest& request, const AppliedCheck& applied);
    /// One attempt, no retry, no auth refresh (for the login call itself).
    HttpResponse send_once(const HttpRequest& request);

    const std::string& origin() const { return m_origin; }
    long long requests_sent() const { return m_requests; }
    long long retries_done() const { return m_retries; }

private:
    HttpResponse call_with(const HttpRequest& request, const std::function<void(HttpResponse&)>& check,
                           const AppliedCheck& applied);
    std::unique_ptr<HttpConnection> borrow();
    void give_back(std::unique_ptr<HttpConnection> c);

    std::string m_name, m_origin;
    HttpOptions m_options;
    RetryPolicy m_policy;
    RateLimiter m_limiter;
    std::function<std::string()> m_authorization;
    std::function<bool()> m_reauth;
    std::mutex m_pool_mutex;
    std::vector<std::unique_ptr<HttpConnection>> m_pool;
    std::mutex m_auth_mutex;
    std::atomic<long long> m_auth_generation{0}; // logins done again so far
    std::atomic<long long> m_requests{0}, m_retries{0};
    std::atomic<bool> m_tls_probed{false};
    std::mutex m_flight_mutex; // at most HttpOptions::max_in_flight requests on the wire
    std::condition_variable m_flight_free;
    int m_in_flight = 0;
};

} // namespace oznsync
