#include "serve/server.hpp"

#include "app/queries.hpp"
#include "core/feasibility.hpp"
#include "serve/rate_limit.hpp"
#include "serve/request.hpp"
#include "store/store.hpp"
#include "util/deadline.hpp"
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
#include <Poco/Net/HTTPServerConnection.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/TCPServer.h>
#include <Poco/Net/TCPServerConnectionFactory.h>
#include <Poco/Semaphore.h>
#include <Poco/ThreadPool.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <optional>
#include <set>
#include <sys/socket.h>
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

/// Connections per client address and in all: a client that opens many (slow or idle) connections holds
/// at most its share of the server's threads, so every other client is still answered. Counted when
/// accepted (the acceptor's filter), released when the connection ends.
class ConnectionLimits {
public:
    ConnectionLimits(int per_client, int total) : m_per_client(per_client), m_total(total) {}
    bool enter(const std::string& client) {
        std::lock_guard lock(m_mutex);
        int& mine = m_open[client];
        if (mine >= m_per_client || m_all >= m_total) {
            if (mine == 0) m_open.erase(client);
            return false;
        }
        ++mine;
        ++m_all;
        return true;
    }
    void leave(const std::string& client) {
        std::lock_guard lock(m_mutex);
        auto it = m_open.find(client);
        if (it == m_open.end()) return;
        if (--it->second <= 0) m_open.erase(it);
        --m_all;
    }

private:
    const int m_per_client, m_total;
    std::mutex m_mutex;
    std::unordered_map<std::string, int> m_open;
    int m_all = 0;
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

} // namespace

struct ApiServer::State {
    const Config& config;
    Tokens tokens;
    RateLimit limit;
    ConnectionLimits connections;
    std::atomic<long long> turned_away{0};
    std::mutex open_mutex;
    std::set<int> open_sockets; // of the connections being served: shut down when the server stops
    std::string host;
    int port = 0;
    bool tls = false;
    Poco::Net::ServerSocket socket;
    std::unique_ptr<Poco::ThreadPool> pool; // its own: each kept-alive connection holds a thread
    std::unique_ptr<Poco::Net::TCPServer> server;
    std::atomic<long long> requests{0}, refused{0}, limited{0};
    Durations durations;
    // Each kept-alive connection holds a thread, but only `serve.workers` answer at once: the work is
    // CPU and SQLite reads, and more at once than cores only makes each answer wait for a core.
    Poco::Semaphore workers; // blocks on a condition variable (std::counting_semaphore spins and yields)

    State(const Config& cfg)
        : config(cfg), tokens(cfg.serve.tokens_file), limit(cfg.serve.rate_limit),
          connections(cfg.serve.max_connections_per_client, cfg.serve.threads),
          workers(cfg.serve.workers, cfg.serve.workers) {}

    /// One read-only connection per server thread: SQLite in WAL mode shows each statement the last
    /// committed snapshot, so a run that completes is seen by the next request, without a restart.
    Store& store() {
        thread_local std::unique_ptr<Store> t_store;
        thread_local const State* t_owner = nullptr;
        if (!t_store || t_owner != this) {
            t_store = std::make_unique<Store>(config.snapshot_path, Access::ReadOnly, config.operator_name);
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
            r.body = runs_json(config.operator_name, list_runs(store(), runs_limit(t)));
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
        w.begin_object()
            .field("operator", config.operator_name)
            .field("status", s.snapshot ? "ok" : "no snapshot");
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
        PrometheusText p({{"operator", config.operator_name}});
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
        p.family("oznsync_serve_connections_refused_total", "counter",
                 "Connections closed at accept: their address held serve.max_connections_per_client, or the "
                 "server serve.threads.")
            .sample("oznsync_serve_connections_refused_total", {}, static_cast<double>(turned_away.load()));
        durations.render(p);
        return p.text();
    }

    Reply handle(Poco::Net::HTTPServerRequest& req) {
        if (req.getMethod() != "GET" && req.getMethod() != "HEAD")
            return error(405, "only GET: this API reads, it never writes");
        if (req.hasContentLength() && req.getContentLength64() > 0)
            return error(413, "a GET carries no body");
        if (req.getURI().size() > kMaxTargetBytes) return error(414, "target longer than 2048 bytes");
        if (!limit.admit(req.clientAddress().host().toString(), monotonic_seconds())) {
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

/// The deadline of the connection this thread serves: its request's headers must be complete by then
/// (serve.header_timeout_s from the connection's start, serve.idle_timeout_s after an answer for the next
/// one), else the socket is shut down. A slow or idle client cannot hold a thread longer.
thread_local std::optional<DeadlineWatch::Guard> t_watch;
thread_local int t_fd = -1;

void arm(int seconds) {
    t_watch.reset();
    t_watch.emplace(
        DeadlineWatch::instance().watch(t_fd, DeadlineWatch::Clock::now() + std::chrono::seconds(seconds)));
}

class Handler : public Poco::Net::HTTPRequestHandler {
public:
    explicit Handler(ApiServer::State& s) : m_state(s) {}
    void handleRequest(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp) override {
        t_watch.reset(); // the headers are in: the answer has Poco's send timeout
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
        arm(m_state.config.serve.idle_timeout_s); // the next request on this connection, or close it
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

/// One client connection: Poco's HTTP connection under the header deadline, counted per address.
class Connection : public Poco::Net::HTTPServerConnection {
public:
    Connection(const Poco::Net::StreamSocket& socket, Poco::Net::HTTPServerParams::Ptr params,
               Poco::Net::HTTPRequestHandlerFactory::Ptr factory, ApiServer::State& state, std::string client)
        : HTTPServerConnection(socket, params, factory), m_state(state), m_client(std::move(client)) {}
    ~Connection() override { m_state.connections.leave(m_client); }
    void run() override {
        t_fd = static_cast<int>(socket().impl()->sockfd());
        {
            std::lock_guard lock(m_state.open_mutex);
            m_state.open_sockets.insert(t_fd);
        }
        arm(m_state.config.serve.header_timeout_s);
        HTTPServerConnection::run();
        t_watch.reset();
        {
            std::lock_guard lock(m_state.open_mutex);
            m_state.open_sockets.erase(t_fd);
        }
        t_fd = -1;
    }

private:
    ApiServer::State& m_state;
    std::string m_client;
};

class ConnectionFactory : public Poco::Net::TCPServerConnectionFactory {
public:
    ConnectionFactory(ApiServer::State& state, Poco::Net::HTTPServerParams::Ptr params)
        : m_state(state), m_params(params), m_handlers(new Factory(state)) {}
    Poco::Net::TCPServerConnection* createConnection(const Poco::Net::StreamSocket& socket) override {
        return new Connection(socket, m_params, m_handlers, m_state, socket.peerAddress().host().toString());
    }

private:
    ApiServer::State& m_state;
    Poco::Net::HTTPServerParams::Ptr m_params;
    Poco::Net::HTTPRequestHandlerFactory::Ptr m_handlers;
};

/// At accept: a client over its share of connections (or a full server) is closed at once, before it
/// takes a thread or a place in the queue.
class AcceptFilter : public Poco::Net::TCPServerConnectionFilter {
public:
    explicit AcceptFilter(ApiServer::State& state) : m_state(state) {}
    bool accept(const Poco::Net::StreamSocket& socket) override {
        const bool ok = m_state.connections.enter(socket.peerAddress().host().toString());
        if (!ok) ++m_state.turned_away;
        return ok;
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
            // A key that is not the certificate's would make every handshake fail: refuse to start.
            if (SSL_CTX_check_private_key(ctx->sslContext()) != 1)
                throw ConfigError("serve.tls_key: " + config.serve.tls_key +
                                  " is not the private key of serve.tls_cert " + config.serve.tls_cert);
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
    Poco::Net::HTTPServerParams::Ptr shared(params);
    m_state->server = std::make_unique<Poco::Net::TCPServer>(new ConnectionFactory(*m_state, shared),
                                                             *m_state->pool, m_state->socket, shared);
    m_state->server->setConnectionFilter(new AcceptFilter(*m_state));
    m_state->server->start();
}

void ApiServer::stop() {
    if (!m_state || !m_state->server) return;
    // No new connections; the ones being served end now (their threads see the socket shut down).
    m_state->server->stop();
    {
        std::lock_guard lock(m_state->open_mutex);
        for (int fd : m_state->open_sockets)
            ::shutdown(fd, SHUT_RDWR);
    }
    m_state->pool->joinAll();
    m_state->server.reset();
}

} // namespace oznsync::serve
