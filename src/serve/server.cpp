#include "serve/server.hpp"

#include "app/queries.hpp"
#include "core/feasibility.hpp"
#include "serve/box_index.hpp"
#include "serve/rate_limit.hpp"
#include "serve/request.hpp"
#include "serve/shared_index.hpp"
#include "serve/tmf645.hpp"
#include "store/store.hpp"
#include "util/deadline.hpp"
#include "util/digest.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/json_writer.hpp"
#include "util/prometheus.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

#include <Poco/DeflatingStream.h>
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
#include <Poco/URI.h>
#include <openssl/crypto.h>
#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sys/socket.h>
#include <unordered_map>

namespace oznsync::serve {

namespace {

using Digest = Sha256;

/// What a token may see: every operator, or the ones its line names (`TOKEN operators=acme,beta`).
struct Scope {
    bool all = true;
    std::set<std::string> operators;
    bool sees(const std::string& name) const { return all || operators.count(name) != 0; }
};

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
        int line_no = 0;
        for (auto& line : split(text, '\n')) {
            ++line_no;
            std::string t = trim(line);
            if (t.empty() || t[0] == '#') continue;
            Scope scope;
            if (const auto space = t.find_first_of(" \t"); space != std::string::npos) {
                const std::string rest = trim(t.substr(space));
                t = t.substr(0, space);
                constexpr std::string_view kOperators = "operators=";
                if (rest.rfind(kOperators, 0) != 0)
                    throw ConfigError("serve.tokens_file: line " + std::to_string(line_no) +
                                      ": after the token only operators=NAME,NAME may follow");
                scope.all = false;
                for (const auto& name : split(rest.substr(kOperators.size()), ','))
                    if (!name.empty()) scope.operators.insert(name);
                if (scope.operators.empty())
                    throw ConfigError("serve.tokens_file: line " + std::to_string(line_no) +
                                      ": operators= names none");
            }
            if (t.size() < 16) throw ConfigError("serve.tokens_file: a token shorter than 16 characters");
            m_tokens.push_back({sha256(t), std::move(scope)});
        }
        if (m_tokens.empty()) throw ConfigError("serve.tokens_file: " + path + " holds no token");
    }

    /// The scope of the presented token; none when it is not one of ours.
    std::optional<Scope> scope_of(const std::string& authorization) const {
        const std::string_view token = bearer_token(authorization);
        if (token.empty()) return std::nullopt;
        const Digest d = sha256(token);
        const Scope* found = nullptr;
        for (const auto& known : m_tokens) // every one compared: the time does not say which matched
            if (CRYPTO_memcmp(known.digest.data(), d.data(), d.size()) == 0) found = &known.scope;
        if (!found) return std::nullopt;
        return *found;
    }

private:
    struct Known {
        Digest digest;
        Scope scope;
    };
    std::vector<Known> m_tokens;
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
    /// A large answer written as it is made (chunked, gzip when the client takes it) instead of `body`.
    std::function<void(std::ostream&)> stream;
    std::string etag; // quoted; an If-None-Match naming it is answered 304
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

/// Read-only connections to one operator's database, lent to a request and given back: at most as many
/// as answer at once (serve.workers), each with a small page cache, so a fleet of operators holds a few
/// connections each, not one per server thread. SQLite in WAL mode shows each statement the last
/// committed snapshot, so a run that completes is seen by the next request, without a restart.
class StorePool {
public:
    static constexpr int kCacheKib = 1024;
    explicit StorePool(std::string path, std::string operator_name)
        : m_path(std::move(path)), m_operator(std::move(operator_name)) {}

    class Lease {
    public:
        Lease(StorePool& pool, std::unique_ptr<Store> store) : m_pool(pool), m_store(std::move(store)) {}
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;
        ~Lease() { m_pool.give_back(std::move(m_store)); }
        Store& operator*() const { return *m_store; }
        operator Store&() const { return *m_store; }

    private:
        StorePool& m_pool;
        std::unique_ptr<Store> m_store;
    };

    Lease lease() {
        {
            std::lock_guard lock(m_mutex);
            if (!m_idle.empty()) {
                auto store = std::move(m_idle.back());
                m_idle.pop_back();
                return Lease(*this, std::move(store));
            }
        }
        if (!file_exists(m_path)) // before the first run: not yet, not broken (503)
            throw UsageError("no snapshot yet: " + m_operator + "'s first run has not completed");
        auto store = std::make_unique<Store>(m_path, Access::ReadOnly, m_operator);
        store->limit_cache(kCacheKib);
        return Lease(*this, std::move(store));
    }

private:
    void give_back(std::unique_ptr<Store> store) {
        std::lock_guard lock(m_mutex);
        m_idle.push_back(std::move(store));
    }
    const std::string m_path, m_operator;
    std::mutex m_mutex;
    std::vector<std::unique_ptr<Store>> m_idle;
};

/// One operator the server answers for: its boxes in memory, its health and (from its own database)
/// its runs and monitoring.
class OperatorView {
public:
    virtual ~OperatorView() = default;
    virtual const std::string& name() const = 0;
    /// The boxes feasibility is answered from (null: no snapshot yet).
    virtual std::shared_ptr<const BoxIndex> boxes() const = 0;
    /// The boxes as last committed, for availability (a database is looked at again first).
    virtual std::shared_ptr<const BoxIndex> latest_boxes() { return boxes(); }
    /// Its health as one JSON object; true when it is ok.
    virtual bool write_health(JsonWriter& w) = 0;
    /// What the monitoring families say of it (none when only the shared store is known).
    virtual std::optional<MonitoringStatus> monitoring() { return std::nullopt; }
    /// Its database's connections, for its runs (none from the shared store).
    virtual StorePool* stores() { return nullptr; }
    /// Seconds since its boxes were published to the shared store (-1: not from there).
    virtual double published_age_s() const { return -1; }
};

/// An operator served from its own database (SQLite): its config, its boxes in memory and the connections
/// to its database.
class DatabaseOperator : public OperatorView {
public:
    explicit DatabaseOperator(Config c)
        : m_config(std::move(c)), m_index(m_config.snapshot_path, m_config.operator_name),
          m_stores(m_config.snapshot_path, m_config.operator_name) {}
    const std::string& name() const override { return m_config.operator_name; }
    std::shared_ptr<const BoxIndex> boxes() const override { return m_index.current(); }
    std::shared_ptr<const BoxIndex> latest_boxes() override {
        if (!file_exists(m_config.snapshot_path)) return nullptr;
        m_index.refresh();
        return m_index.current();
    }
    std::optional<MonitoringStatus> monitoring() override {
        return monitoring_status(m_stores.lease(), name());
    }
    StorePool* stores() override { return &m_stores; }

    /// Its snapshot and its last run.
    bool write_health(JsonWriter& w) override {
        std::optional<ServiceStatus> s;
        std::string problem;
        try {
            s = service_status(m_stores.lease(), false);
        } catch (const std::exception& e) {
            problem = e.what();
        }
        const bool ok = s && s->snapshot;
        w.begin_object()
            .field("operator", name())
            .field("status", ok  ? "ok"
                             : s ? "no snapshot"
                                 : "unreadable");
        if (!problem.empty()) w.field("problem", clean_message(problem, 200));
        if (ok) {
            w.field("snapshot_id", *s->snapshot)
                .field("snapshot_finished_at", s->snapshot_finished_at)
                .field("snapshot_age_s", s->snapshot_age_s);
            if (const auto held = boxes()) w.field("snapshot_in_memory", held->snapshot());
        }
        w.key("last_run");
        if (s && s->last_run)
            w.begin_object()
                .field("id", s->last_run->id)
                .field("mode", s->last_run->mode)
                .field("exit_code", s->last_run->exit_code)
                .field("finished_at", s->last_run->finished_at)
                .end_object();
        else
            w.null();
        w.end_object();
        return ok;
    }

private:
    Config m_config;
    LiveIndex m_index; // feasibility and availability are answered from here, never from SQLite
    StorePool m_stores;
};

/// Seconds from an ISO 8601 time to now (-1 when it is not one).
double age_of(const std::string& iso) {
    const auto t = parse_iso8601(iso);
    return t ? std::chrono::duration<double>(now() - *t).count() : -1;
}

/// An operator as the shared store published it (serve --store): immutable, a publish makes a new one.
class PublishedOperator : public OperatorView {
public:
    explicit PublishedOperator(std::shared_ptr<const Published> p) : m_published(std::move(p)) {}
    const std::string& name() const override { return m_published->head.operator_name; }
    std::shared_ptr<const BoxIndex> boxes() const override { return m_published->boxes; }
    double published_age_s() const override { return age_of(m_published->head.published_at); }
    bool write_health(JsonWriter& w) override {
        const PublishedHead& h = m_published->head;
        w.begin_object().field("operator", name()).field("status", "ok");
        w.field("snapshot_id", h.snapshot_id).field("snapshot_finished_at", h.snapshot_finished_at);
        w.field("snapshot_age_s", static_cast<int64_t>(age_of(h.snapshot_finished_at)));
        w.field("published_at", h.published_at)
            .field("published_age_s", static_cast<int64_t>(age_of(h.published_at)));
        w.field("snapshot_in_memory", m_published->boxes->snapshot()).field("boxes", h.boxes);
        w.key("last_run").null().end_object();
        return true;
    }

private:
    std::shared_ptr<const Published> m_published;
};

/// What the caller asked for does not exist, or not for this token: 404 (the same words either way, so a
/// scoped token cannot learn that another operator exists).
struct NotFound : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct ApiServer::State {
    const Config& config; // the server's own settings (serve.*)
    const bool fleet;     // several operators (serve --fleet, --store), or one operator's config
    std::vector<std::shared_ptr<OperatorView>> databases; // their own databases (SQLite)
    std::unique_ptr<SharedIndex> shared;                  // or the shared store (serve --store)
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

    State(const Config& cfg, const std::vector<Config>& of, bool is_fleet)
        : config(cfg), fleet(is_fleet), tokens(cfg.serve.tokens_file), limit(cfg.serve.rate_limit),
          connections(cfg.serve.max_connections_per_client, cfg.serve.threads),
          workers(cfg.serve.workers, cfg.serve.workers) {
        if (!cfg.serve.store.empty()) {
            shared = std::make_unique<SharedIndex>(
                pg::Target{cfg.serve.store, cfg.serve.store_password, "serve.store_password", 10});
            return;
        }
        for (const auto& c : of)
            databases.push_back(std::make_shared<DatabaseOperator>(c));
    }

    using Views = std::vector<std::shared_ptr<OperatorView>>;

    /// Every operator served now (from the shared store: as last published).
    Views all() const {
        if (!shared) return databases;
        Views out;
        for (auto& [name, published] : shared->operators())
            out.push_back(std::make_shared<PublishedOperator>(published));
        return out;
    }

    /// The operator of this name, if this token may see it; else NotFound.
    std::shared_ptr<OperatorView> operator_named(const std::string& name, const Scope& scope) {
        for (auto& op : all())
            if (op->name() == name && scope.sees(name)) return op;
        throw NotFound("no operator " + name);
    }

    Views visible(const Scope& scope) {
        Views out;
        for (auto& op : all())
            if (scope.sees(op->name())) out.push_back(op);
        return out;
    }

    /// The operators a question is for: `operator=NAME`, or every one this token sees.
    Views asked_for(const FeasibilityQuery& q, const Scope& scope) {
        if (q.operator_name.empty()) return visible(scope);
        return {operator_named(q.operator_name, scope)};
    }

    Reply feasibility(const Target& t, const Scope& scope) {
        const FeasibilityQuery q = feasibility_query(t);
        const Views asked = asked_for(q, scope);
        Reply r;
        if (!fleet) { // one operator: its answer as the CLI gives it
            const auto boxes = asked.at(0)->boxes();
            if (!boxes) throw UsageError("no snapshot yet: the first run has not completed");
            r.body = feasibility_json(boxes->query(q.lat, q.lng, q.radius_m, q.limit));
            return r;
        }
        std::vector<std::pair<std::string, FeasibilityAnswer>> answers;
        for (const auto& op : asked)
            if (const auto boxes = op->boxes()) // an operator without a snapshot has no boxes yet
                answers.emplace_back(op->name(), boxes->query(q.lat, q.lng, q.radius_m, q.limit));
        FeasibilityAnswer merged = merge_feasibility(std::move(answers), q.limit);
        merged.lat = q.lat;
        merged.lng = q.lng;
        merged.radius_m = q.radius_m;
        r.body = feasibility_json(merged);
        return r;
    }

    /// The operator's feed, from its boxes in memory (read again first if its database changed, so the
    /// feed is the last committed snapshot, as the CLI's `availability` gives it), written as it is made.
    Reply availability(OperatorView& op, const Target& t, const std::string& accept) {
        const std::string format = availability_format(t, accept);
        std::shared_ptr<const BoxIndex> boxes = op.latest_boxes();
        if (!boxes) throw UsageError("no snapshot yet: " + op.name() + "'s first run has not completed");
        Reply r;
        r.content_type = format == "csv"       ? "text/csv; charset=utf-8"
                         : format == "geojson" ? "application/geo+json"
                                               : "application/json";
        const std::string version =
            op.name() + "\n" + std::to_string(boxes->snapshot()) + "\n" + boxes->revision() + "\n" + format;
        const Digest d = sha256(version);
        r.etag = "\"" + to_hex(d.data(), 12) + "\"";
        r.stream = [boxes, format](std::ostream& out) {
            write_availability(
                format, boxes->snapshot(), [&](const auto& each) { boxes->each_box(each); },
                [&](std::string_view chunk) {
                    out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
                });
        };
        return r;
    }

    /// An operator's own database: its runs are not in the shared store.
    static StorePool& stores_of(OperatorView& op) {
        if (StorePool* pool = op.stores()) return *pool;
        throw NotFound(
            "runs are not in the shared store: ask the operator's own host (serve without --store)");
    }

    Reply runs(OperatorView& op, const Target& t) {
        Reply r;
        r.body = runs_json(op.name(), list_runs(stores_of(op).lease(), runs_limit(t)), true);
        return r;
    }

    Reply run_summary(OperatorView& op, const Target& t, std::string_view id) {
        only(t, {});
        Reply r;
        try {
            r.body = public_summary(show_report(stores_of(op).lease(), run_id_segment(id), "json"));
        } catch (const UsageError& e) {
            throw NotFound(e.what());
        }
        return r;
    }

    Reply route(const Target& t, const std::string& accept, const Scope& scope) {
        if (t.path == "/v1/feasibility") return feasibility(t, scope);
        if (t.path == "/healthz") {
            only(t, {});
            return health(scope);
        }
        if (t.path == "/metrics") {
            only(t, {});
            Reply r;
            r.content_type = "text/plain; version=0.0.4; charset=utf-8";
            r.body = metrics(scope);
            return r;
        }
        // One operator's resources: /v1/operators/NAME/{availability,runs,runs/ID,healthz}, and (one
        // operator's server) the same without the prefix.
        std::string_view rest = t.path;
        std::string resource; // /v1/operators/NAME/x is answered as one operator's /v1/x
        std::shared_ptr<OperatorView> op;
        if (rest == "/v1/operators") {
            only(t, {});
            Reply r;
            JsonWriter w(r.body);
            w.begin_object().key("operators").begin_array();
            for (const auto& o : visible(scope))
                w.value(o->name());
            w.end_array().end_object();
            return r;
        }
        constexpr std::string_view kOperators = "/v1/operators/";
        if (rest.rfind(kOperators, 0) == 0) {
            rest.remove_prefix(kOperators.size());
            const size_t slash = rest.find('/');
            op = operator_named(operator_segment(rest.substr(0, slash)), scope);
            rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
            if (rest == "/healthz") {
                only(t, {});
                return health_of(*op);
            }
            if (rest.empty()) throw NotFound("no such path: " + clean_message(t.path, 80));
            resource = "/v1" + std::string(rest);
            rest = resource;
        } else if (!fleet && rest.rfind("/v1/", 0) == 0) {
            op = databases.at(0);
            if (!scope.sees(op->name())) throw NotFound("no such path: " + clean_message(t.path, 80));
        }
        if (op) {
            if (rest == "/v1/availability") return availability(*op, t, accept);
            if (rest == "/v1/runs") return runs(*op, t);
            if (rest.rfind("/v1/runs/", 0) == 0) return run_summary(*op, t, rest.substr(9));
        }
        throw NotFound("no such path: " + clean_message(t.path, 80));
    }

    Reply health_of(OperatorView& op) {
        Reply r;
        JsonWriter w(r.body);
        r.status = op.write_health(w) ? 200 : 503;
        return r;
    }

    Reply health(const Scope& scope) {
        if (!fleet) {
            if (!scope.sees(databases.at(0)->name())) throw NotFound("no such path: /healthz");
            return health_of(*databases.at(0));
        }
        // The fleet: 200 while every operator it shows is ok, else 503 with each one's state.
        Reply r;
        JsonWriter w(r.body);
        bool all_ok = true;
        w.begin_object().key("operators").begin_array();
        for (const auto& op : visible(scope))
            all_ok = op->write_health(w) && all_ok;
        w.end_array();
        if (shared) {
            // The shared store: while it cannot be reached the answers come from memory, so the replica
            // stays in service (200) and says how old what it holds is ("degraded", contact_age_s).
            const SharedIndex::Health h = shared->health();
            w.key("store").begin_object().field("status", h.up ? "up" : "down");
            w.field("contact_age_s", static_cast<int64_t>(h.contact_age_s));
            if (!h.problem.empty()) w.field("problem", h.problem);
            w.end_object();
            w.field("status", h.up ? "ok" : "degraded").end_object();
            return r;
        }
        w.field("status", all_ok ? "ok" : "degraded").end_object();
        r.status = all_ok ? 200 : 503;
        return r;
    }

    std::string metrics(const Scope& scope) {
        std::vector<MonitoringStatus> shown;
        const Views seen = visible(scope);
        for (const auto& op : seen) {
            try {
                if (auto m = op->monitoring()) shown.push_back(std::move(*m));
            } catch (const std::exception& e) {
                spdlog::warn("{}: metrics: {}", op->name(), e.what());
            }
        }
        const std::string out = monitoring_metrics(shown); // the textfile's families, the same labels
        // The server's own series: the operator's in a one-operator server, no operator's in a fleet's.
        PrometheusText p(fleet ? PrometheusText::Labels{}
                               : PrometheusText::Labels{{"operator", databases.at(0)->name()}});
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
        if (shared) shared_metrics(p, seen);
        return out + p.text();
    }

    /// The shared store as this replica sees it: reachable, since when, and each operator's age.
    void shared_metrics(PrometheusText& p, const Views& seen) {
        const SharedIndex::Health h = shared->health();
        p.family("oznsync_serve_store_up", "gauge", "1 while the shared store answers this replica.")
            .sample("oznsync_serve_store_up", {}, h.up ? 1 : 0);
        p.family("oznsync_serve_store_contact_age_seconds", "gauge",
                 "Seconds since the shared store last answered this replica.")
            .sample("oznsync_serve_store_contact_age_seconds", {}, h.contact_age_s);
        p.family("oznsync_serve_store_loads_total", "counter", "Operators' publishes loaded into memory.")
            .sample("oznsync_serve_store_loads_total", {}, static_cast<double>(h.loads));
        p.family("oznsync_serve_published_age_seconds", "gauge",
                 "Seconds since each operator's boxes in memory were published.");
        for (const auto& op : seen)
            p.sample("oznsync_serve_published_age_seconds", {{"operator", op->name()}},
                     op->published_age_s());
        p.family("oznsync_serve_boxes", "gauge", "Boxes with a free port held in memory per operator.");
        for (const auto& op : seen)
            if (auto boxes = op->boxes())
                p.sample("oznsync_serve_boxes", {{"operator", op->name()}},
                         static_cast<double>(boxes->size()));
    }

    /// TMF645 checkServiceQualification: for each item's point, one serviceQualificationItem per operator
    /// this token sees (or `?operator=NAME`), within `?radius=` metres (default 150).
    Reply qualification(const Target& t, const std::string& body, const Scope& scope) {
        only(t, {"radius", "operator"});
        Target point = t; // the same rules as /v1/feasibility for radius and operator
        point.params.emplace_back("lat", "0");
        point.params.emplace_back("lng", "0");
        const FeasibilityQuery q = feasibility_query(point);
        const Views asked = asked_for(q, scope);
        const QualificationRequest request = parse_qualification(body);
        std::vector<std::vector<FeasibilityAnswer>> held(request.items.size());
        std::vector<std::vector<OperatorAnswer>> answers(request.items.size());
        for (size_t i = 0; i < request.items.size(); ++i) {
            held[i].reserve(asked.size());
            for (const auto& op : asked) {
                const auto boxes = op->boxes();
                if (!boxes) {
                    answers[i].push_back({op->name(), nullptr});
                    continue;
                }
                held[i].push_back(boxes->query(request.items[i].lat, request.items[i].lng, q.radius_m, 0));
                answers[i].push_back({op->name(), &held[i].back()});
            }
        }
        Reply r;
        r.body = qualification_json(request, answers);
        return r;
    }

    static constexpr std::string_view kQualificationPath =
        "/tmf-api/serviceQualificationManagement/v4/checkServiceQualification";
    static constexpr long long kMaxBodyBytes = 64 * 1024;

    Reply handle(Poco::Net::HTTPServerRequest& req) {
        const bool post = req.getMethod() == "POST";
        if (post) {
            // The one question asked with a body: TMF645's checkServiceQualification.
            const std::string& uri = req.getURI();
            if (std::string_view(uri).substr(0, uri.find('?')) != kQualificationPath)
                return error(405, "only GET (and POST to " + std::string(kQualificationPath) +
                                      "): this API reads, it never writes");
            if (!req.hasContentLength()) return error(411, "a Content-Length is needed");
            if (req.getContentLength64() > kMaxBodyBytes) return error(413, "a body of at most 64 KiB");
        } else if (req.getMethod() != "GET" && req.getMethod() != "HEAD") {
            return error(405, "only GET: this API reads, it never writes");
        } else if (req.hasContentLength() && req.getContentLength64() > 0) {
            return error(413, "a GET carries no body");
        }
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
        std::optional<Scope> scope = tokens.scope_of(req.get("Authorization", ""));
        if (!scope && open) scope = Scope{};
        // A token scoped to other operators opens nothing on one operator's server.
        if (scope && !fleet && !scope->sees(databases.at(0)->name()) && !open) scope.reset();
        if (!scope) {
            ++refused;
            return error(401, "a bearer token from serve.tokens_file is needed");
        }
        ++requests;
        try {
            if (post) {
                std::string body(static_cast<size_t>(req.getContentLength64()), '\0');
                req.stream().read(body.data(), static_cast<std::streamsize>(body.size()));
                if (req.stream().gcount() != static_cast<std::streamsize>(body.size()))
                    return error(400, "body: shorter than its Content-Length");
                return qualification(t, body, *scope);
            }
            return route(t, req.get("Accept", ""), *scope);
        } catch (const BadRequest& e) {
            return error(400, e.what());
        } catch (const NotFound& e) {
            return error(404, e.what());
        } catch (const NotAcceptable& e) {
            return error(406, e.what());
        } catch (const UsageError& e) {
            // No snapshot yet: what the caller asked for does not exist yet.
            return error(503, e.what());
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
        if (r.stream)
            send_stream(req, resp, r);
        else
            send_body(req, resp, r.body);
        m_state.durations.add(monotonic_seconds() - t0);
        m_state.workers.set();
        arm(m_state.config.serve.idle_timeout_s); // the next request on this connection, or close it
    }

private:
    static void send_body(const Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp,
                          const std::string& body) {
        resp.setContentLength64(static_cast<Poco::Int64>(body.size()));
        auto& out = resp.send();
        if (req.getMethod() != "HEAD") out.write(body.data(), static_cast<std::streamsize>(body.size()));
        out.flush();
    }

    /// A streamed answer: its entity tag (per encoding) first, 304 when the client has it, else chunks.
    static void send_stream(const Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp,
                            const Reply& r) {
        const bool gzip = accepts_gzip(req.get("Accept-Encoding", ""));
        const std::string etag = gzip ? r.etag.substr(0, r.etag.size() - 1) + "-gzip\"" : r.etag;
        resp.set("ETag", etag);
        resp.set("Vary", "Accept, Accept-Encoding");
        if (none_match(req.get("If-None-Match", ""), etag)) {
            resp.setStatusAndReason(Poco::Net::HTTPResponse::HTTP_NOT_MODIFIED);
            resp.setContentLength64(0);
            resp.send().flush();
            return;
        }
        if (gzip) resp.set("Content-Encoding", "gzip");
        resp.setChunkedTransferEncoding(true);
        auto& out = resp.send();
        if (req.getMethod() == "HEAD") return;
        if (!gzip) {
            r.stream(out);
            out.flush();
            return;
        }
        Poco::DeflatingOutputStream zipped(out, Poco::DeflatingStreamBuf::STREAM_GZIP, 1);
        r.stream(zipped);
        zipped.close();
        out.flush();
    }

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
        socket().setNoDelay(true); // an answer's last segment leaves now, not after the client's ACK
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

namespace {
/// Binds without SO_REUSEPORT (Poco's address constructors set it): a second server on a port that is
/// taken fails at start instead of sharing the port and answering half of another's requests.
void own_port(Poco::Net::ServerSocket& socket, const Poco::Net::SocketAddress& address) {
    socket.bind(address, true, false);
    socket.listen(256);
}
} // namespace

ApiServer::ApiServer(const Config& config, const std::string& listen)
    : ApiServer(config, {config}, false, listen) {}

ApiServer::ApiServer(const Config& config, const std::vector<Config>& operators, bool fleet,
                     const std::string& listen)
    : m_state(std::make_unique<State>(config, operators, fleet)) {
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
            Poco::Net::SecureServerSocket tls_socket(ctx);
            own_port(tls_socket, address);
            m_state->socket = tls_socket;
            m_state->tls = true;
        } else {
            Poco::Net::ServerSocket plain;
            own_port(plain, address);
            m_state->socket = plain;
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
