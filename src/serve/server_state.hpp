#pragma once
// The server's state and how it answers a request (routing, each endpoint): included by server.cpp only.
#include "app/queries.hpp"
#include "core/feasibility.hpp"
#include "report/views.hpp"
#include "serve/access.hpp"
#include "serve/operators.hpp"
#include "serve/rate_limit.hpp"
#include "serve/reply.hpp"
#include "serve/request.hpp"
#include "serve/server.hpp"
#include "serve/shared_index.hpp"
#include "serve/tmf645.hpp"
#include "util/digest.hpp"
#include "util/error.hpp"
#include "util/json_writer.hpp"
#include "util/prometheus.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/TCPServer.h>
#include <Poco/Semaphore.h>
#include <Poco/ThreadPool.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace oznsync::serve {

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

    /// Every operator served now (from the shared store: as last published; the views are made once per
    /// change of the store's operators, not per request).
    Views all() const {
        if (!shared) return databases;
        std::lock_guard lock(published_mutex);
        if (const uint64_t now_at = shared->generation(); now_at != published_generation) {
            published.clear();
            for (auto& [name, op] : shared->operators())
                published.push_back(std::make_shared<PublishedOperator>(op));
            published_generation = now_at;
        }
        return published;
    }
    mutable std::mutex published_mutex;
    mutable Views published; // shared's operators as views, as of published_generation
    mutable uint64_t published_generation = ~uint64_t{0};

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
        const OutputFormat format = availability_format(t, accept);
        std::shared_ptr<const BoxIndex> boxes = op.latest_boxes();
        if (!boxes) throw UsageError("no snapshot yet: " + op.name() + "'s first run has not completed");
        Reply r;
        r.content_type = format == OutputFormat::Csv       ? "text/csv; charset=utf-8"
                         : format == OutputFormat::Geojson ? "application/geo+json"
                                                           : "application/json";
        const std::string version = op.name() + "\n" + std::to_string(boxes->snapshot()) + "\n" +
                                    boxes->revision() + "\n" + format_name(format);
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
            r.body = public_run_summary(stores_of(op).lease(), run_id_segment(id));
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

} // namespace oznsync::serve
