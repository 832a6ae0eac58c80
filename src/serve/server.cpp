#include "serve/server.hpp"

#include "app/queries.hpp"
#include "core/feasibility.hpp"
#include "serve/request.hpp"
#include "store/store.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/json_writer.hpp"
#include "util/prometheus.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Semaphore.h>
#include <Poco/ThreadPool.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <unordered_map>

namespace oznsync::serve {

namespace {

using Digest = std::array<unsigned char, 32>;

Digest sha256(std::string_view text) {
    Digest d{};
    unsigned int n = 0;
    EVP_Digest(text.data(), text.size(), d.data(), &n, EVP_sha256(), nullptr);
    return d;
}

/// The bearer tokens, kept as digests: a presented token is compared with every one in constant time.
class Tokens {
public:
    explicit Tokens(const std::string& path) {
        if (path.empty())
            throw ConfigError("serve.tokens_file: missing (a file with one bearer token per line)");
        std::string text;
        try {
            text = read_file(path);
        } catch (const std::exception& e) {
            throw ConfigError("serve.tokens_file: " + std::string(e.what()));
        }
        namespace fs = std::filesystem;
        std::error_code ec;
        const auto perms = fs::status(path, ec).permissions();
        if (!ec && (perms & fs::perms::others_read) != fs::perms::none)
            spdlog::warn("serve.tokens_file {} is readable by other users", path);
        for (auto& line : split(text, '\n')) {
            std::string t = trim(line);
            if (t.empty() || t[0] == '#') continue;
            if (t.size() < 16) throw ConfigError("serve.tokens_file: a token shorter than 16 characters");
            m_digests.push_back(sha256(t));
        }
        if (m_digests.empty()) throw ConfigError("serve.tokens_file: " + path + " holds no token");
    }

    bool accepts(const std::string& authorization) const {
        constexpr std::string_view kBearer = "Bearer ";
        if (authorization.size() <= kBearer.size() || authorization.compare(0, kBearer.size(), kBearer) != 0)
            return false;
        const Digest d = sha256(std::string_view(authorization).substr(kBearer.size()));
        int match = 0;
        for (const auto& known : m_digests)
            match |= CRYPTO_memcmp(known.data(), d.data(), d.size()) == 0;
        return match != 0;
    }

private:
    std::vector<Digest> m_digests;
};

/// A token bucket per client address: `rate` requests a second, bursts of twice that.
class RateLimit {
public:
    explicit RateLimit(double rate) : m_rate(rate), m_burst(std::max(1.0, rate * 2)) {}

    bool admit(const std::string& client) {
        const double t = monotonic_seconds();
        std::lock_guard lock(m_mutex);
        if (m_buckets.size() > 10000) m_buckets.clear(); // many addresses: start afresh, never grow unbounded
        auto [it, fresh] = m_buckets.try_emplace(client, Bucket{m_burst, t});
        Bucket& b = it->second;
        if (!fresh) {
            b.tokens = std::min(m_burst, b.tokens + (t - b.at) * m_rate);
            b.at = t;
        }
        if (b.tokens < 1) return false;
        b.tokens -= 1;
        return true;
    }

private:
    struct Bucket {
        double tokens, at;
    };
    double m_rate, m_burst;
    std::mutex m_mutex;
    std::unordered_map<std::string, Bucket> m_buckets;
};

struct Reply {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
};

Reply error(int status, const std::string& message) {
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
    void render(std::string& out) const {
        const char* name = "oznsync_serve_request_duration_seconds";
        out += std::string("# HELP ") + name +
               " Seconds from a request read to its answer written.\n# TYPE " + name + " histogram\n";
        for (size_t i = 0; i < kBounds.size(); ++i)
            out += std::string(name) + "_bucket{le=\"" + kLabels[i] + "\"} " +
                   std::to_string(m_buckets[i].load()) + "\n";
        out += std::string(name) + "_bucket{le=\"+Inf\"} " + std::to_string(m_count.load()) + "\n";
        out += std::string(name) + "_sum " + format_double(static_cast<double>(m_sum_ns.load()) / 1e9) + "\n";
        out += std::string(name) + "_count " + std::to_string(m_count.load()) + "\n";
    }

private:
    std::array<std::atomic<long long>, kBounds.size()> m_buckets{};
    std::atomic<long long> m_count{0}, m_sum_ns{0};
};

} // namespace

struct ApiServer::State {
    const Config& config;
    Tokens tokens;
    RateLimit limit;
    std::string host;
    int port = 0;
    bool tls = false;
    Poco::Net::ServerSocket socket;
    std::unique_ptr<Poco::ThreadPool> pool; // its own: each kept-alive connection holds a thread
    std::unique_ptr<Poco::Net::HTTPServer> server;
    std::atomic<long long> requests{0}, refused{0}, limited{0};
    Durations durations;
    // Each kept-alive connection holds a thread, but only `serve.workers` answer at once: the work is
    // CPU and SQLite reads, and more at once than cores only makes each answer wait for a core.
    Poco::Semaphore workers; // blocks on a condition variable (std::counting_semaphore spins and yields)

    State(const Config& cfg)
        : config(cfg), tokens(cfg.serve.tokens_file), limit(cfg.serve.rate_limit),
          workers(cfg.serve.workers, cfg.serve.workers) {}

    /// One read-only connection per server thread: SQLite in WAL mode shows each statement the last
    /// committed snapshot, so a run that completes is seen by the next request, without a restart.
    Store& store() {
        thread_local std::unique_ptr<Store> t_store;
        thread_local const State* t_owner = nullptr;
        if (!t_store || t_owner != this) {
            t_store = std::make_unique<Store>(config.snapshot_path, Access::ReadOnly);
            t_owner = this;
        }
        return *t_store;
    }

    Reply route(const Target& t, const std::string& accept) {
        if (t.path == "/v1/feasibility") {
            const FeasibilityQuery q = feasibility_query(t);
            Reply r;
            r.body = feasibility_json(query_feasibility(store(), q.lat, q.lng, q.radius_m, q.limit).answer);
            return r;
        }
        if (t.path == "/v1/availability") {
            const std::string format = availability_format(t, accept);
            Reply r;
            r.body = export_availability(store(), format).text;
            r.content_type = format == "csv"       ? "text/csv; charset=utf-8"
                             : format == "geojson" ? "application/geo+json"
                                                   : "application/json";
            return r;
        }
        if (t.path == "/v1/runs") {
            Reply r;
            r.body = runs_json(list_runs(store(), runs_limit(t)));
            return r;
        }
        if (t.path.rfind("/v1/runs/", 0) == 0) {
            only(t, {});
            const std::string id = run_id_segment(std::string_view(t.path).substr(9));
            Reply r;
            r.body = show_report(store(), id, "json");
            return r;
        }
        if (t.path == "/healthz") {
            only(t, {});
            return health();
        }
        if (t.path == "/metrics") {
            only(t, {});
            Reply r;
            r.content_type = "text/plain; version=0.0.4; charset=utf-8";
            r.body = metrics();
            return r;
        }
        return error(404, "no such path: " + clean_message(t.path, 80));
    }

    Reply health() {
        const ServiceStatus s = service_status(store(), false);
        Reply r;
        r.status = s.snapshot ? 200 : 503;
        JsonWriter w(r.body);
        w.begin_object().field("status", s.snapshot ? "ok" : "no snapshot");
        if (s.snapshot)
            w.field("snapshot_id", *s.snapshot)
                .field("snapshot_finished_at", s.snapshot_finished_at)
                .field("snapshot_age_s", s.snapshot_age_s);
        w.key("last_run");
        if (s.last_run)
            w.begin_object()
                .field("id", s.last_run->id)
                .field("mode", s.last_run->mode)
                .field("exit_code", s.last_run->exit_code)
                .field("finished_at", s.last_run->finished_at)
                .end_object();
        else
            w.null();
        w.end_object();
        return r;
    }

    std::string metrics() {
        const ServiceStatus s = service_status(store());
        PrometheusText p;
        if (s.last_run) {
            p.family("oznsync_last_run_exit_code", "gauge", "Exit code of the last finished run.")
                .sample("oznsync_last_run_exit_code", {{"mode", s.last_run->mode}}, s.last_run->exit_code);
            if (auto t = parse_iso8601(s.last_run->finished_at))
                p.family("oznsync_last_run_finished_timestamp_seconds", "gauge",
                         "When the last run finished (Unix time).")
                    .sample("oznsync_last_run_finished_timestamp_seconds", {},
                            std::chrono::duration<double>(t->time_since_epoch()).count());
            p.family("oznsync_last_run_changes", "gauge", "Changes of the last finished run, per action.");
            for (const auto& [action, n] : s.last_run_changes)
                p.sample("oznsync_last_run_changes", {{"action", action}}, static_cast<double>(n));
            p.family("oznsync_last_run_phase_seconds", "gauge", "Seconds each phase of the last run took.");
            for (const auto& [phase, seconds] : s.last_run_seconds)
                p.sample("oznsync_last_run_phase_seconds", {{"phase", phase}}, seconds);
        }
        p.family("oznsync_snapshot_age_seconds", "gauge",
                 "Seconds since the current snapshot was completed or refreshed (-1: none).")
            .sample("oznsync_snapshot_age_seconds", {}, s.snapshot_age_s);
        p.family("oznsync_owned_clients", "gauge", "OZmap clients oznsync owns (its base line).")
            .sample("oznsync_owned_clients", {}, static_cast<double>(s.owned_clients));
        p.family("oznsync_free_ports", "gauge", "Free, sellable drop-splitter ports per project.");
        for (const auto& [project, n] : s.free_ports) {
            auto name = s.project_names.find(project);
            p.sample("oznsync_free_ports",
                     {{"project", project}, {"name", name == s.project_names.end() ? "" : name->second}},
                     static_cast<double>(n));
        }
        p.family("oznsync_serve_requests_total", "counter", "Requests this server answered, by outcome.")
            .sample("oznsync_serve_requests_total", {{"outcome", "answered"}},
                    static_cast<double>(requests.load()))
            .sample("oznsync_serve_requests_total", {{"outcome", "unauthorized"}},
                    static_cast<double>(refused.load()))
            .sample("oznsync_serve_requests_total", {{"outcome", "rate_limited"}},
                    static_cast<double>(limited.load()));
        durations.render(p.out());
        return p.text();
    }

    Reply handle(Poco::Net::HTTPServerRequest& req) {
        if (req.getMethod() != "GET" && req.getMethod() != "HEAD")
            return error(405, "only GET: this API reads, it never writes");
        if (req.hasContentLength() && req.getContentLength64() > 0)
            return error(413, "a GET carries no body");
        if (req.getURI().size() > kMaxTargetBytes) return error(414, "target longer than 2048 bytes");
        if (!limit.admit(req.clientAddress().host().toString())) {
            ++limited;
            Reply r = error(429, "too many requests from this address (serve.rate_limit)");
            return r;
        }
        Target t;
        try {
            t = parse_target(req.getURI());
        } catch (const BadRequest& e) {
            return error(400, e.what());
        }
        const bool open = config.serve.open_metrics && (t.path == "/healthz" || t.path == "/metrics");
        if (!open && !tokens.accepts(req.get("Authorization", ""))) {
            ++refused;
            return error(401, "a bearer token from serve.tokens_file is needed");
        }
        ++requests;
        try {
            return route(t, req.get("Accept", ""));
        } catch (const BadRequest& e) {
            return error(400, e.what());
        } catch (const UsageError& e) {
            // No snapshot yet, or an unknown run: what the caller asked for does not exist (yet).
            return error(t.path.rfind("/v1/runs/", 0) == 0 ? 404 : 503, e.what());
        } catch (const std::exception& e) {
            spdlog::error("serve {}: {}", clean_message(t.path, 80), e.what());
            return error(500, "internal error");
        }
    }
};

namespace {

class Handler : public Poco::Net::HTTPRequestHandler {
public:
    explicit Handler(ApiServer::State& s) : m_state(s) {}
    void handleRequest(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp) override {
        m_state.workers.wait();
        const double t0 = monotonic_seconds();
        Reply r = m_state.handle(req);
        resp.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(r.status));
        resp.setContentType(r.content_type);
        resp.set("Cache-Control", "no-store");
        resp.set("X-Content-Type-Options", "nosniff");
        if (r.status == 401) resp.set("WWW-Authenticate", "Bearer");
        if (r.status == 429) resp.set("Retry-After", "1");
        resp.setContentLength64(static_cast<Poco::Int64>(r.body.size()));
        auto& out = resp.send();
        if (req.getMethod() != "HEAD") out.write(r.body.data(), static_cast<std::streamsize>(r.body.size()));
        out.flush();
        m_state.durations.add(monotonic_seconds() - t0);
        m_state.workers.set();
    }

private:
    ApiServer::State& m_state;
};

class Factory : public Poco::Net::HTTPRequestHandlerFactory {
public:
    explicit Factory(ApiServer::State& s) : m_state(s) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
        return new Handler(m_state);
    }

private:
    ApiServer::State& m_state;
};

} // namespace

ApiServer::ApiServer(const Config& config, const std::string& listen)
    : m_state(std::make_unique<State>(config)) {
    const std::string where = listen.empty() ? config.serve.listen : listen;
    const size_t colon = where.rfind(':');
    long long port = -1;
    if (colon == std::string::npos || !parse_int(where.substr(colon + 1), port) || port < 0 || port > 65535)
        throw UsageError("--listen: '" + where + "' is not HOST:PORT");
    m_state->host = where.substr(0, colon);
    try {
        const Poco::Net::SocketAddress address(m_state->host, static_cast<Poco::UInt16>(port));
        if (!config.serve.tls_cert.empty()) {
            Poco::Net::Context::Ptr ctx(new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE,
                                                               config.serve.tls_key, config.serve.tls_cert,
                                                               "", Poco::Net::Context::VERIFY_NONE));
            m_state->socket = Poco::Net::SecureServerSocket(address, 256, ctx);
            m_state->tls = true;
        } else {
            m_state->socket = Poco::Net::ServerSocket(address, 256);
        }
    } catch (const Poco::Exception& e) {
        throw ConfigError("serve.listen " + where + ": " + e.displayText());
    }
    m_state->port = m_state->socket.address().port();
}

ApiServer::~ApiServer() {
    stop();
}

std::string ApiServer::url() const {
    return std::string(m_state->tls ? "https" : "http") + "://" + m_state->host + ":" +
           std::to_string(m_state->port);
}

void ApiServer::start() {
    auto params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(m_state->config.serve.threads);
    params->setMaxQueued(1024);
    params->setKeepAlive(true);
    params->setMaxKeepAliveRequests(0);
    params->setKeepAliveTimeout(Poco::Timespan(15, 0));
    params->setTimeout(Poco::Timespan(10, 0)); // a request must arrive, and its answer leave, in 10 s
    m_state->pool = std::make_unique<Poco::ThreadPool>(2, m_state->config.serve.threads);
    m_state->server = std::make_unique<Poco::Net::HTTPServer>(new Factory(*m_state), *m_state->pool,
                                                              m_state->socket, params);
    m_state->server->start();
}

void ApiServer::stop() {
    if (!m_state || !m_state->server) return;
    m_state->server->stopAll(true);
    m_state->server.reset();
}

} // namespace oznsync::serve
