#include "http/http_client.hpp"

#include "util/deadline.hpp"
#include "util/error.hpp"
#include "util/strings.hpp"

#include <Poco/Exception.h>
#include <Poco/InflatingStream.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/IPAddress.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <random>
#include <sstream>
#include <thread>

namespace oznsync {

HttpOptions http_options(const TransportConfig& t) {
    HttpOptions o;
    o.timeout_s = t.timeout_s;
    o.ca_file = t.ca_file;
    o.insecure = t.insecure;
    o.max_body_bytes = static_cast<long long>(t.max_body_mb) << 20;
    return o;
}

RetryPolicy retry_policy(const TransportConfig& t) {
    RetryPolicy p;
    p.retries = t.retries;
    p.base_ms = t.retry_base_ms;
    p.max_ms = t.retry_max_ms;
    return p;
}

class HttpConnection {
public:
    HttpConnection(const Poco::URI& uri, const HttpOptions& opt)
        : m_options(opt), m_tls(uri.getScheme() == "https") {
        if (m_tls) {
            auto mode = opt.insecure ? Poco::Net::Context::VERIFY_NONE : Poco::Net::Context::VERIFY_RELAXED;
            // ca_file adds to the system CAs (a private CA for OZmap must not break a public one elsewhere).
            Poco::Net::Context::Ptr ctx(new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "", "",
                                                               opt.ca_file, mode, 9, true));
            // The certificate must name the host we asked for: a valid chain for another name is refused
            // by OpenSSL during the handshake, before any request (and its API key) goes out.
            if (!opt.insecure) {
                X509_VERIFY_PARAM* param = SSL_CTX_get0_param(ctx->sslContext());
                Poco::Net::IPAddress ip;
                const std::string host = uri.getHost();
                if (Poco::Net::IPAddress::tryParse(host, ip))
                    X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str());
                else
                    X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
            }
            m_session = std::make_unique<Poco::Net::HTTPSClientSession>(uri.getHost(), uri.getPort(), ctx);
        } else {
            m_session = std::make_unique<Poco::Net::HTTPClientSession>(uri.getHost(), uri.getPort());
        }
        m_session->setKeepAlive(true);
        m_session->setTimeout(Poco::Timespan(opt.timeout_s, 0));
    }

    HttpResponse send(const HttpRequest& r, const std::string& authorization) {
        const bool fresh = !m_session->connected();
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(m_options.timeout_s);
        std::optional<DeadlineWatch::Guard> watch;
        try {
            try {
                HttpResponse out = exchange(r, authorization, deadline, watch);
                if (watch && watch->expired()) m_session->reset(); // shut down just after: not reusable
                return out;
            } catch (...) {
                // The watch shut the socket down: whatever Poco made of that, it is the timeout.
                if (watch && watch->expired()) {
                    m_session->reset();
                    throw TransportError("the answer took longer than " +
                                         std::to_string(m_options.timeout_s) + " s (timeout_s) to arrive");
                }
                throw;
            }
        } catch (const TransportError&) {
            throw;
        } catch (const BodyTooLarge&) {
            throw;
        } catch (const Poco::Net::SSLException& e) {
            m_session->reset();
            throw PermanentTransportError(
                "TLS failed: " + e.displayText() +
                " (check its ca_file setting, the host name in the URL, and that the "
                "server speaks HTTPS)");
        } catch (const Poco::Net::HostNotFoundException& e) {
            m_session->reset();
            throw UnknownHost("unknown host: " + e.displayText());
        } catch (const Poco::Net::NoAddressFoundException& e) {
            m_session->reset();
            throw UnknownHost("unknown host: " + e.displayText());
        } catch (const Poco::Net::NoMessageException& e) {
            m_session->reset();
            if (fresh && !m_tls) throw NoAnswer(e.displayText());
            throw TransportError(e.displayText());
        } catch (const Poco::Net::MessageException& e) {
            // A status line that is not HTTP: typically plain HTTP sent to a TLS port.
            m_session->reset();
            throw PermanentTransportError("the server's answer is not HTTP (" + e.displayText() +
                                          "); plain http:// sent to an HTTPS port?");
        } catch (const Poco::Exception& e) {
            m_session->reset();
            throw TransportError(e.displayText());
        } catch (const std::ios_base::failure& e) {
            m_session->reset();
            throw TransportError(e.what());
        }
    }

private:
    /// One request and its answer, bounded by `deadline`: the watch is armed once the request is sent, so
    /// a status line and headers trickled byte by byte cannot outlast it.
    HttpResponse exchange(const HttpRequest& r, const std::string& authorization,
                          std::chrono::steady_clock::time_point deadline,
                          std::optional<DeadlineWatch::Guard>& watch) {
        Poco::Net::HTTPRequest req(r.method, r.target, Poco::Net::HTTPMessage::HTTP_1_1);
        req.setKeepAlive(true);
        if (!authorization.empty()) req.set("Authorization", authorization);
        req.set("Accept", "application/json");
        req.set("User-Agent", "oznsync/" OZNSYNC_VERSION);
        if (m_options.gzip) req.set("Accept-Encoding", "gzip");
        if (!r.body.empty() || r.method == "POST" || r.method == "PATCH" || r.method == "PUT") {
            req.setContentType(r.content_type);
            req.setContentLength(static_cast<std::streamsize>(r.body.size()));
        }
        std::ostream& os = m_session->sendRequest(req);
        // From here the whole exchange, headers included, ends at the deadline.
        watch.emplace(DeadlineWatch::instance().watch(static_cast<int>(m_session->socket().impl()->sockfd()),
                                                      deadline));
        m_session->socket().setNoDelay(true); // headers and body go out as separate writes
        os << r.body;
        Poco::Net::HTTPResponse resp;
        std::istream& is = m_session->receiveResponse(resp);
        HttpResponse out;
        out.status = resp.getStatus();
        for (const auto& [k, v] : resp)
            out.headers[to_lower(k)] = v;
        if (resp.hasContentLength() && resp.getContentLength64() > m_options.max_body_bytes) {
            m_session->reset();
            throw BodyTooLarge("an answer of " + std::to_string(resp.getContentLength64()) + " bytes");
        }
        std::string raw = read_bounded(is, deadline);
        if (resp.hasContentLength() && static_cast<long long>(raw.size()) != resp.getContentLength64()) {
            m_session->reset();
            throw TransportError("body cut short (" + std::to_string(raw.size()) + " of " +
                                 std::to_string(resp.getContentLength64()) + " bytes)");
        }
        if (to_lower(out.header("content-encoding")) == "gzip") {
            std::istringstream zin(raw);
            Poco::InflatingInputStream inflater(zin, Poco::InflatingStreamBuf::STREAM_GZIP);
            out.body = read_bounded(inflater, deadline);
        } else {
            out.body = std::move(raw);
        }
        return out;
    }

    /// The whole stream, but never past the request's deadline (a body trickled byte by byte) nor past
    /// max_body_bytes (a huge or endless body, a gzip bomb).
    std::string read_bounded(std::istream& is, std::chrono::steady_clock::time_point deadline) {
        std::string out;
        std::streambuf* buf = is.rdbuf();
        char chunk[65536];
        for (;;) {
            std::streamsize n = std::min<std::streamsize>(buf->in_avail(), sizeof chunk);
            if (n > 0) {
                out.append(chunk, static_cast<size_t>(buf->sgetn(chunk, n)));
            } else {
                int c = buf->sbumpc(); // blocks for at most the socket timeout
                if (c == std::char_traits<char>::eof()) break;
                out.push_back(static_cast<char>(c));
            }
            if (static_cast<long long>(out.size()) > m_options.max_body_bytes) {
                m_session->reset();
                throw BodyTooLarge("an answer of more than " + std::to_string(m_options.max_body_bytes) +
                                   " bytes");
            }
            if (std::chrono::steady_clock::now() > deadline) {
                m_session->reset();
                throw TransportError("the answer took longer than " + std::to_string(m_options.timeout_s) +
                                     " s (timeout_s) to arrive");
            }
        }
        return out;
    }

    HttpOptions m_options;
    bool m_tls;
    std::unique_ptr<Poco::Net::HTTPClientSession> m_session;
};

namespace {
/// Whether the server at `origin` completes a TLS handshake (certificate not checked: only the protocol).
bool speaks_tls(const std::string& origin, int timeout_s) {
    try {
        Poco::URI uri(origin);
        Poco::Net::Context::Ptr ctx(new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "", "", "",
                                                           Poco::Net::Context::VERIFY_NONE));
        Poco::Net::SecureStreamSocket socket(ctx);
        socket.connect(Poco::Net::SocketAddress(uri.getHost(), uri.getPort()), Poco::Timespan(timeout_s, 0));
        socket.setReceiveTimeout(Poco::Timespan(timeout_s, 0));
        socket.completeHandshake();
        return true;
    } catch (...) {
        return false;
    }
}
} // namespace

ApiClient::ApiClient(std::string name, const std::string& origin, HttpOptions options, RetryPolicy policy,
                     double max_rps)
    : m_name(std::move(name)), m_origin(origin), m_options(std::move(options)), m_policy(policy),
      m_limiter(max_rps) {}

ApiClient::~ApiClient() = default;

void ApiClient::set_authorization(std::function<std::string()> header) {
    m_authorization = std::move(header);
}
void ApiClient::set_reauthenticate(std::function<bool()> reauth) {
    m_reauth = std::move(reauth);
}

std::unique_ptr<HttpConnection> ApiClient::borrow() {
    {
        std::lock_guard lock(m_pool_mutex);
        if (!m_pool.empty()) {
            auto c = std::move(m_pool.back());
            m_pool.pop_back();
            return c;
        }
    }
    try {
        return std::make_unique<HttpConnection>(Poco::URI(m_origin), m_options);
    } catch (const Poco::Exception& e) {
        throw ConfigError(m_name + " URL " + m_origin + ": " + e.displayText());
    }
}

void ApiClient::give_back(std::unique_ptr<HttpConnection> c) {
    std::lock_guard lock(m_pool_mutex);
    m_pool.push_back(std::move(c));
}

HttpResponse ApiClient::send_once(const HttpRequest& request) {
    // However many threads fetch, no more than max_in_flight requests are on the wire at once.
    struct Slot {
        ApiClient& c;
        explicit Slot(ApiClient& client) : c(client) {
            if (c.m_options.max_in_flight <= 0) return;
            std::unique_lock lock(c.m_flight_mutex);
            c.m_flight_free.wait(lock, [&] { return c.m_in_flight < c.m_options.max_in_flight; });
            ++c.m_in_flight;
        }
        ~Slot() {
            if (c.m_options.max_in_flight <= 0) return;
            {
                std::lock_guard lock(c.m_flight_mutex);
                --c.m_in_flight;
            }
            c.m_flight_free.notify_one();
        }
    } slot(*this);
    auto conn = borrow();
    m_limiter.acquire();
    ++m_requests;
    HttpResponse r = conn->send(request, m_authorization ? m_authorization() : "");
    give_back(std::move(conn));
    return r;
}

HttpResponse ApiClient::call(const HttpRequest& request, const std::function<void(HttpResponse&)>& check) {
    return call_with(request, check, nullptr);
}

HttpResponse ApiClient::call_once_only(const HttpRequest& request, const AppliedCheck& applied) {
    return call_with(request, nullptr, applied);
}

HttpResponse ApiClient::call_with(const HttpRequest& request, const std::function<void(HttpResponse&)>& check,
                                  const AppliedCheck& applied) {
    thread_local std::mt19937_64 rng(std::random_device{}());
    std::uniform_real_distribution<double> jitter(0.0, 1.0);
    bool reauthenticated = false;
    std::string last_problem;
    for (int attempt = 0;; ++attempt) {
        std::string retry_after;
        if (std::chrono::steady_clock::now() >= m_options.run_deadline)
            throw UnavailableError(m_name + ": the run took longer than its time limit (run_timeout_s); " +
                                   request.method + " " + request.target.substr(0, request.target.find('?')) +
                                   " not sent; try again later");
        try {
            if (attempt > 0 && applied) {
                if (std::optional<HttpResponse> earlier = applied()) {
                    spdlog::warn("{} {} {}: the answer was lost ({}) but the write took effect; not sent "
                                 "again",
                                 m_name, request.method, request.target, last_problem);
                    return *earlier;
                }
            }
            const long long generation = m_auth_generation;
            HttpResponse r = send_once(request);
            if (r.status == 401 || r.status == 403) {
                if (r.status == 401 && !reauthenticated && m_reauth) {
                    reauthenticated = true;
                    std::lock_guard lock(m_auth_mutex);
                    // Requests in flight all see the expired login: only the first logs in again.
                    if (m_auth_generation != generation || (m_reauth() && ++m_auth_generation)) {
                        --attempt; // a fresh login is not a retry
                        continue;
                    }
                }
                const std::string what = m_name + " refused the credentials (HTTP " +
                                         std::to_string(r.status) + " on " + request.method + " " +
                                         request.target.substr(0, request.target.find('?')) +
                                         "): check the API key / login and its permissions";
                if (r.status == 403) throw Forbidden(what);
                throw AuthError(what);
            }
            if (RetryPolicy::retryable_status(r.status)) {
                last_problem = "HTTP " + std::to_string(r.status);
                retry_after = r.header("retry-after");
            } else {
                if (check && r.status >= 200 && r.status < 300) {
                    // A body the parser cannot use is the server's fault, like a cut-short one: retried,
                    // then exit 75 — never an internal error.
                    try {
                        check(r);
                    } catch (const Error&) {
                        throw;
                    } catch (const TransportError&) {
                        throw;
                    } catch (const std::exception& e) {
                        throw TransportError(std::string("an unusable answer (") +
                                             clean_message(e.what(), 200) + ")");
                    }
                }
                return r;
            }
        } catch (const PermanentTransportError& e) {
            throw ConfigError(m_name + " " + m_origin + ": " + e.what());
        } catch (const BodyTooLarge& e) {
            throw UnavailableError(m_name + " " + request.method + " " +
                                   request.target.substr(0, request.target.find('?')) + ": " + e.what() +
                                   ", more than the limit (max_body_mb); refused");
        } catch (const UnknownHost& e) {
            if (attempt >= 1) throw ConfigError(m_name + " " + m_origin + ": " + e.what());
            last_problem = e.what();
        } catch (const NoAnswer& e) {
            if (!m_tls_probed.exchange(true) && speaks_tls(m_origin, m_options.timeout_s))
                throw ConfigError(m_name + " " + m_origin +
                                  ": the server speaks TLS but the URL says http://; use https://");
            last_problem = e.what();
        } catch (const TransportError& e) {
            last_problem = e.what();
        }
        if (attempt >= m_policy.retries) {
            throw UnavailableError(m_name + " unavailable: " + request.method + " " +
                                   request.target.substr(0, request.target.find('?')) + " failed after " +
                                   std::to_string(attempt + 1) + " attempts (last: " + last_problem +
                                   "); try again later");
        }
        auto wait = m_policy.delay(attempt, retry_after, jitter(rng));
        spdlog::debug("{} {} {}: {}; retry {} in {} ms", m_name, request.method,
                      request.target.substr(0, request.target.find('?')), last_problem, attempt + 1,
                      wait.count());
        ++m_retries;
        auto left = m_options.run_deadline - std::chrono::steady_clock::now();
        std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(wait, std::max(left, {})));
    }
}

} // namespace oznsync
