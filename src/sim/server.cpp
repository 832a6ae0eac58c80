#include "sim/server.hpp"

#include "core/feasibility.hpp"
#include "sim/query.hpp"
#include "util/ids.hpp"
#include "util/json_writer.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

#include <Poco/DeflatingStream.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTMLForm.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include <condition_variable>
#include <mutex>
#include <random>
#include <set>
#include <shared_mutex>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace oznsync::sim {

using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;

namespace {

struct Reply {
    int status = 200;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    bool json = true;
};

Reply error_reply(int status, const std::string& message) {
    Reply r;
    r.status = status;
    JsonWriter(r.body).begin_object().field("message", message).end_object();
    return r;
}

Reply no_content() {
    Reply r;
    r.status = 204;
    return r;
}

std::string faults_json(const Faults& f) {
    std::string out;
    JsonWriter w(out);
    w.begin_object()
        .field("latency_ms", f.latency_ms)
        .field("fail_rate", f.fail_rate)
        .field("fail_status", f.fail_status)
        .field("retry_after", f.retry_after)
        .field("reset_rate", f.reset_rate)
        .field("truncate_rate", f.truncate_rate)
        .field("rate_limit", f.rate_limit)
        .field("no_total", f.no_total)
        .field("cursor_only", f.cursor_only)
        .field("ignore_id_ranges", f.ignore_id_ranges)
        .field("filters_from", f.filters_from)
        .field("expire_tokens_after", static_cast<int64_t>(f.expire_tokens_after))
        .field("die_after_requests", static_cast<int64_t>(f.die_after_requests))
        .field("hang_after_writes", static_cast<int64_t>(f.hang_after_writes))
        .field("drop_after_write_rate", f.drop_after_write_rate)
        .field("trickle_bytes_per_s", f.trickle_bytes_per_s)
        .field("huge_body_mb", f.huge_body_mb)
        .field("endless_next", f.endless_next)
        .field("repeat_next", f.repeat_next)
        .field("lying_total", static_cast<int64_t>(f.lying_total))
        .field("error_message_bytes", static_cast<int64_t>(f.error_message_bytes))
        .end_object();
    return out;
}

/// Sale records or partnerships as the OZneutral source serves them.
struct Feed {
    std::vector<std::string> records; // serialised JSON
    std::vector<std::string> updated_at;

    static Feed parse(const std::string& json) {
        Feed f;
        if (trim(json).empty()) return f;
        auto root = Poco::JSON::Parser().parse(json);
        Poco::JSON::Array::Ptr arr;
        if (root.type() == typeid(Poco::JSON::Array::Ptr))
            arr = root.extract<Poco::JSON::Array::Ptr>();
        else if (root.type() == typeid(Poco::JSON::Object::Ptr))
            arr = root.extract<Poco::JSON::Object::Ptr>()->getArray("items");
        if (!arr) throw std::runtime_error("feed must be a JSON array or {\"items\": [...]}");
        for (size_t i = 0; i < arr->size(); ++i) {
            std::ostringstream os;
            Poco::JSON::Stringifier::stringify(arr->get(static_cast<unsigned>(i)), os);
            f.records.push_back(os.str());
            std::string updated;
            if (auto o = arr->getObject(static_cast<unsigned>(i)))
                updated = o->optValue<std::string>("updatedAt", "");
            f.updated_at.push_back(updated);
        }
        return f;
    }
};

} // namespace

struct SimServer::State {
    SimOptions options;
    Network original, network;
    std::shared_mutex network_mutex;

    std::mutex faults_mutex;
    Faults faults;
    std::mt19937_64 fault_rng;
    double bucket_tokens = -1;
    std::chrono::steady_clock::time_point bucket_last{};
    long long api_requests = 0;
    long long writes = 0;
    bool hanging_released = false;
    std::atomic<long long> endless_counter{0};
    std::atomic<long long> logins{0};
    std::atomic<int> in_flight{0}, max_in_flight{0}; // API requests being answered at once, and the most
    std::atomic<long long> id_range_lists{0};        // list requests cut by an `_id` range
    std::condition_variable hang_cv;
    bool stopping = false;

    std::mutex log_mutex;
    std::vector<std::string> write_log; // {"method","path","body"} per applied write

    std::mutex cache_mutex;
    struct CacheEntry {
        uint64_t version;
        std::shared_ptr<const std::vector<std::string>> ids;
    };
    std::map<std::string, CacheEntry> cache;

    std::mutex feed_mutex;
    Feed sales, partnerships, neutral_projects;
    std::set<std::string> ozmap_tokens, neutral_tokens;

    std::unique_ptr<Poco::Net::HTTPServer> server;

    Reply handle(HTTPServerRequest& req, const std::string& body, bool& reset, bool& truncate, bool& hang);
    Reply handle_admin(const std::string& method, const std::string& path, const std::string& body);
    Reply handle_neutral(HTTPServerRequest& req, const std::string& path, const Poco::URI::QueryParameters& q,
                         const std::string& body);
    Reply handle_ozmap(const std::string& method, const std::string& route,
                       const Poco::URI::QueryParameters& q, const std::string& body, bool& hang, bool& reset);
    Reply list(const std::string& collection, const Poco::URI::QueryParameters& q, const std::string& body);
    Reply get_one(const std::string& collection, const std::string& id);
    Reply viability(const Poco::URI::QueryParameters& q);
    Reply write(const std::string& method, const std::string& route, const std::string& body);
    bool take_token();
};

namespace {

std::string param(const Poco::URI::QueryParameters& q, const std::string& name, const std::string& def = "") {
    for (const auto& [k, v] : q)
        if (k == name) return v;
    return def;
}

template <typename F> bool with_collection(Network& n, const std::string& name, F&& f) {
    if (name == "projects") return f(n.projects), true;
    if (name == "boxes") return f(n.boxes), true;
    if (name == "splitters") return f(n.splitters), true;
    if (name == "properties") return f(n.properties), true;
    if (name == "ftth-clients") return f(n.clients), true;
    if (name == "users") return f(n.users), true;
    if (name == "roles") return f(n.roles), true;
    return false;
}

template <typename E> std::string row_json(const Network& n, const E& e, bool) {
    return n.json(e);
}
std::string row_json(const Network& n, const SimProperty& e, bool populate) {
    return n.json(e, populate);
}

} // namespace

bool SimServer::State::take_token() {
    // Called with faults_mutex held.
    if (faults.rate_limit <= 0) return true;
    auto now = std::chrono::steady_clock::now();
    if (bucket_tokens < 0) {
        bucket_tokens = std::max(1.0, faults.rate_limit);
        bucket_last = now;
    }
    bucket_tokens = std::min(std::max(1.0, faults.rate_limit),
                             bucket_tokens + std::chrono::duration<double>(now - bucket_last).count() *
                                                 faults.rate_limit);
    bucket_last = now;
    if (bucket_tokens < 1) return false;
    bucket_tokens -= 1;
    return true;
}

Reply SimServer::State::list(const std::string& collection, const Poco::URI::QueryParameters& q,
                             const std::string& body) {
    std::string filters_from;
    {
        std::lock_guard fl(faults_mutex);
        filters_from = faults.filters_from;
    }
    // filters_from = body: like a server that reads the filter only where the SDK puts it.
    std::string filter_text = filters_from == "body" ? "" : param(q, "filter");
    std::string sort_text = filters_from == "body" ? "" : param(q, "sort");
    if (filter_text.empty() && !trim(body).empty() && filters_from != "query") {
        // The SDK sends filter (and sort) as a JSON body on the GET.
        try {
            auto root = Poco::JSON::Parser().parse(body);
            if (root.type() == typeid(Poco::JSON::Array::Ptr)) {
                filter_text = body;
            } else if (root.type() == typeid(Poco::JSON::Object::Ptr)) {
                auto o = root.extract<Poco::JSON::Object::Ptr>();
                std::ostringstream fs, ss;
                if (o->has("filter")) Poco::JSON::Stringifier::stringify(o->get("filter"), fs);
                if (o->has("sort")) Poco::JSON::Stringifier::stringify(o->get("sort"), ss);
                filter_text = fs.str();
                if (sort_text.empty()) sort_text = ss.str();
            }
        } catch (const Poco::Exception& e) {
            return error_reply(400, "body is not JSON: " + e.displayText());
        }
    }
    long long limit = 25, page = 1, skip = -1;
    std::string after = param(q, "after");
    if (!param(q, "limit").empty() && (!parse_int(param(q, "limit"), limit) || limit < 1 || limit > 5000))
        return error_reply(400, "limit must be 1..5000");
    if (!param(q, "page").empty() && (!parse_int(param(q, "page"), page) || page < 1))
        return error_reply(400, "page must be >= 1");
    if (!param(q, "skip").empty() && (!parse_int(param(q, "skip"), skip) || skip < 0))
        return error_reply(400, "skip must be >= 0");
    const bool populate_client = param(q, "populate").find("client") != std::string::npos;

    std::shared_lock lock(network_mutex);
    Filter filter;
    std::vector<SortKey> sort;
    try {
        filter = parse_filter(filter_text);
        sort = parse_sort(sort_text);
    } catch (const BadQuery& e) {
        return error_reply(400, e.what());
    }
    if (!after.empty() && !sort.empty()) return error_reply(400, "after cursor cannot be combined with sort");
    auto id_bound = [](const std::vector<Condition>& group) {
        return group.size() == 1 && (group[0].property == "_id" || group[0].property == "id") &&
               (group[0].op == "<" || group[0].op == ">=");
    };
    if (std::any_of(filter.begin(), filter.end(), id_bound)) {
        ++id_range_lists;
        // ignore_id_ranges: a server that silently drops the `_id` comparisons it does not support.
        std::lock_guard fl(faults_mutex);
        if (faults.ignore_id_ranges) std::erase_if(filter, id_bound);
    }

    std::shared_ptr<const std::vector<std::string>> ids;
    const auto vit = network.versions.find(collection);
    const uint64_t version = vit == network.versions.end() ? 0 : vit->second;
    const std::string key = collection + "\n" + filter_text + "\n" + sort_text;
    {
        std::lock_guard cl(cache_mutex);
        auto it = cache.find(key);
        if (it != cache.end() && it->second.version == version) ids = it->second.ids;
    }
    if (!ids) {
        auto out = std::make_shared<std::vector<std::string>>();
        with_collection(network, collection, [&](auto& coll) {
            using E = typename std::decay_t<decltype(coll)>::mapped_type;
            std::vector<const E*> hits;
            for (const auto& [id, e] : coll)
                if (matches(network, e, filter)) hits.push_back(&e);
            if (!sort.empty())
                std::stable_sort(hits.begin(), hits.end(), [&](const E* a, const E* b) {
                    for (const auto& k : sort) {
                        int c = compare(field(network, *a, k.property), field(network, *b, k.property));
                        if (c != 0) return k.direction > 0 ? c < 0 : c > 0;
                    }
                    return false;
                });
            out->reserve(hits.size());
            for (auto* e : hits)
                out->push_back(e->id);
        });
        ids = out;
        std::lock_guard cl(cache_mutex);
        if (cache.size() > 64) cache.clear();
        cache[key] = {version, ids};
    }

    const long long total = static_cast<long long>(ids->size());
    long long start;
    if (!after.empty())
        start = std::upper_bound(ids->begin(), ids->end(), after) - ids->begin();
    else if (skip >= 0)
        start = skip;
    else
        start = (page - 1) * limit;
    {
        // cursor_only: like the live API as the official SDK uses it, `page` means nothing; only the
        // cursor of nextUrl moves on.
        std::lock_guard fl(faults_mutex);
        if (faults.cursor_only && after.empty() && skip < 0) start = 0;
    }
    start = std::min(start, total);
    const long long end = std::min(total, start + limit);

    Reply r;
    std::string& out = r.body;
    out.reserve(static_cast<size_t>(end - start) * 700 + 256);
    Faults f;
    {
        std::lock_guard fl(faults_mutex);
        f = faults;
    }
    const bool no_total = f.no_total || f.endless_next || f.repeat_next;
    const long long shown_total = f.lying_total >= 0 ? f.lying_total : total;
    out += '{';
    if (!no_total)
        out += "\"total\":" + std::to_string(shown_total) + ",\"start\":" + std::to_string(start) + ",";
    out += "\"count\":" + std::to_string(end - start) + ",\"limit\":" + std::to_string(limit) + ",\"rows\":[";
    with_collection(network, collection, [&](auto& coll) {
        for (long long i = start; i < end; ++i) {
            if (i > start) out += ',';
            auto it = coll.find((*ids)[static_cast<size_t>(i)]);
            out += row_json(network, it->second, populate_client);
        }
    });
    // endless_next: past the last row, empty pages that each promise another; repeat_next: the cursor
    // always leads back to the first page.
    const bool has_next = end < total || f.endless_next || f.repeat_next;
    out += "],\"hasNextPage\":";
    out += has_next ? "true" : "false";
    out += ",\"nextUrl\":";
    if (f.repeat_next) {
        append_json_string(out, "/api/v2/" + collection + "?limit=" + std::to_string(limit) +
                                    (filter_text.empty() ? "" : "&filter=" + url_encode(filter_text)) +
                                    (populate_client ? "&populate=client" : ""));
    } else if (f.endless_next && end >= total) {
        append_json_string(out, "/api/v2/" + collection + "?limit=" + std::to_string(limit) +
                                    "&after=" + url_encode("zzzz" + std::to_string(++endless_counter)) +
                                    (filter_text.empty() ? "" : "&filter=" + url_encode(filter_text)) +
                                    (populate_client ? "&populate=client" : ""));
    } else if (has_next) {
        // The cursor is deliberately not `page`: clients must treat nextUrl as opaque.
        std::string next = "/api/v2/" + collection + "?limit=" + std::to_string(limit);
        if (sort.empty())
            next += "&after=" + url_encode((*ids)[static_cast<size_t>(end - 1)]);
        else
            next += "&skip=" + std::to_string(end) + "&sort=" + url_encode(sort_text);
        if (!filter_text.empty()) next += "&filter=" + url_encode(filter_text);
        if (populate_client) next += "&populate=client";
        append_json_string(out, next);
    } else {
        out += "null";
    }
    out += '}';
    return r;
}

Reply SimServer::State::viability(const Poco::URI::QueryParameters& q) {
    double lat, lng, radius = 150;
    long long limit = 0;
    if (!parse_double(param(q, "lat"), lat) || lat < -90 || lat > 90)
        return error_reply(400, "lat is required (-90..90)");
    if (!parse_double(param(q, "lng"), lng) || lng < -180 || lng > 180)
        return error_reply(400, "lng is required (-180..180)");
    if (!param(q, "radius").empty() && (!parse_double(param(q, "radius"), radius) || radius < 0))
        return error_reply(400, "radius must be metres >= 0");
    if (!param(q, "limit").empty() && (!parse_int(param(q, "limit"), limit) || limit < 0))
        return error_reply(400, "limit must be >= 0");
    std::shared_lock lock(network_mutex);
    std::map<std::string, std::vector<const SimSplitter*>> by_box;
    for (const auto& [id, s] : network.splitters)
        if (s.is_drop) by_box[s.box].push_back(&s);
    std::vector<BoxPorts> candidates;
    for (const auto& [id, b] : network.boxes) {
        BoxPorts bp;
        bp.box = Box{b.id, b.project, b.name, b.lat, b.lng, b.draft, b.implanted};
        for (const SimSplitter* s : by_box[b.id]) {
            BoxPorts::SplitterPorts sp{s->id, s->name, {}};
            for (size_t i = 0; i < s->output.size(); ++i)
                sp.ports.push_back(PortState{bool(s->blocked[i]), s->output[i]});
            bp.splitters.push_back(std::move(sp));
        }
        candidates.push_back(std::move(bp));
    }
    Reply r;
    r.body = feasibility_json(evaluate_feasibility(lat, lng, radius, candidates, static_cast<int>(limit)));
    return r;
}

Reply SimServer::State::get_one(const std::string& collection, const std::string& id) {
    std::shared_lock lock(network_mutex);
    Reply r;
    bool found = false;
    with_collection(network, collection, [&](auto& coll) {
        auto it = coll.find(id);
        if (it == coll.end()) return;
        found = true;
        r.body = row_json(network, it->second, false);
    });
    return found ? r : error_reply(404, collection + " " + id + " not found");
}

Reply SimServer::State::write(const std::string& method, const std::string& route, const std::string& body) {
    std::unique_lock lock(network_mutex);
    const std::string now = now_iso();
    auto parts = split(route, '/');
    auto done = [](const std::optional<SimError>& err) {
        return err ? error_reply(err->status, err->message) : no_content();
    };
    auto created = [](const std::variant<std::string, SimError>& res) {
        if (auto err = std::get_if<SimError>(&res)) return error_reply(err->status, err->message);
        Reply r;
        r.status = 201;
        r.body = std::get<std::string>(res);
        return r;
    };
    if (method == "POST" && route == "properties") return created(network.create_property(body, now));
    if (method == "POST" && route == "ftth-clients/batch-update")
        return done(network.batch_update_clients(body, now));
    if (method == "POST" && route == "users") return created(network.create_user(body));
    if (method == "POST" && parts.size() == 4 && parts[0] == "cables" && parts[2] == "fibers" &&
        parts[3] == "disconnect")
        return done(network.disconnect_drop(parts[1], now));
    if (parts.size() == 2) {
        if (parts[0] == "properties" && method == "PATCH")
            return done(network.patch_property(parts[1], body, now));
        if (parts[0] == "properties" && method == "DELETE") return done(network.delete_property(parts[1]));
        if (parts[0] == "ftth-clients" && method == "PATCH")
            return done(network.patch_client(parts[1], body, now));
        if (parts[0] == "ftth-clients" && method == "DELETE") return done(network.delete_client(parts[1]));
        if (parts[0] == "users" && method == "PATCH") return done(network.patch_user(parts[1], body));
    }
    return error_reply(404, "no route " + method + " /api/v2/" + route);
}

Reply SimServer::State::handle_ozmap(const std::string& method, const std::string& route,
                                     const Poco::URI::QueryParameters& q, const std::string& body, bool& hang,
                                     bool& reset) {
    auto parts = split(route, '/');
    if (method == "GET") {
        if (parts.size() == 1) {
            Reply r = list(parts[0], q, body);
            bool known = false;
            with_collection(network, parts[0], [&](auto&) { known = true; });
            return known ? r : error_reply(404, "no collection " + parts[0]);
        }
        if (route == "ftth-viability/radius") return viability(q);
        if (parts.size() == 3 && parts[0] == "properties" && parts[1] == "client") {
            std::shared_lock lock(network_mutex);
            std::string code = parts[2];
            Reply r;
            r.body = "[";
            bool first = true;
            for (const SimProperty* p : network.properties_by_code(code)) {
                if (!first) r.body += ',';
                first = false;
                r.body += network.json(*p, true);
            }
            r.body += "]";
            return r;
        }
        if (parts.size() == 2) return get_one(parts[0], parts[1]);
        return error_reply(404, "no route GET /api/v2/" + route);
    }
    {
        std::lock_guard fl(faults_mutex);
        if (faults.error_message_bytes > 0) {
            // A hostile message: long, with ANSI escapes and control characters in it.
            std::string msg = "\x1b[31mREFUSED\x1b[0m\r\n\x07";
            while (static_cast<long long>(msg.size()) < faults.error_message_bytes)
                msg += "\x1b[2Jlong message ";
            return error_reply(422, msg);
        }
    }
    Reply r = write(method, route, body);
    if (r.status < 300) {
        std::string entry;
        JsonWriter(entry)
            .begin_object()
            .field("method", method)
            .field("path", "/api/v2/" + route)
            .field("body", body)
            .end_object();
        {
            std::lock_guard l(log_mutex);
            write_log.push_back(entry);
        }
        std::lock_guard fl(faults_mutex);
        ++writes;
        if (faults.hang_after_writes >= 0 && writes > faults.hang_after_writes) hang = true;
        std::uniform_real_distribution<double> u(0, 1);
        // The write took effect; its answer is lost (a reset after the server applied it).
        if (faults.drop_after_write_rate > 0 && u(fault_rng) < faults.drop_after_write_rate) reset = true;
    }
    return r;
}

Reply SimServer::State::handle_neutral(HTTPServerRequest& req, const std::string& path,
                                       const Poco::URI::QueryParameters& q, const std::string& body) {
    if (path == "/oauth/token" && req.getMethod() == "POST") {
        Poco::Net::HTMLForm form;
        std::istringstream in(body);
        try {
            form.load(req, in);
        } catch (const Poco::Exception& e) {
            return error_reply(400, "bad form: " + e.displayText());
        }
        if (form.get("grant_type", "") != "client_credentials" ||
            form.get("client_id", "") != options.neutral_client_id ||
            form.get("client_secret", "") != options.neutral_client_secret ||
            options.neutral_client_id.empty())
            return error_reply(401, "invalid_client");
        std::string token = random_hex(16);
        {
            std::lock_guard l(feed_mutex);
            neutral_tokens.insert(token);
        }
        Reply r;
        JsonWriter(r.body)
            .begin_object()
            .field("access_token", token)
            .field("token_type", "Bearer")
            .field("expires_in", 3600)
            .end_object();
        return r;
    }
    std::string auth = req.get("Authorization", "");
    std::string bearer = auth.rfind("Bearer ", 0) == 0 ? auth.substr(7) : "";
    {
        std::lock_guard l(feed_mutex);
        bool ok = !bearer.empty() && (bearer == options.neutral_token || neutral_tokens.count(bearer));
        if (!ok) return error_reply(401, "invalid or missing bearer token");
    }
    if (req.getMethod() != "GET") return error_reply(405, "method not allowed");
    long long offset = 0, limit = 100;
    if (!param(q, "offset").empty() && (!parse_int(param(q, "offset"), offset) || offset < 0))
        return error_reply(400, "offset must be >= 0");
    if (!param(q, "limit").empty() && (!parse_int(param(q, "limit"), limit) || limit < 1 || limit > 10000))
        return error_reply(400, "limit must be 1..10000");
    std::string since = param(q, "updatedSince");
    std::lock_guard l(feed_mutex);
    const Feed& feed = path == "/serviceInventory/service" ? sales
                       : path == "/projects"               ? neutral_projects
                                                           : partnerships;
    std::vector<size_t> hits;
    for (size_t i = 0; i < feed.records.size(); ++i)
        if (since.empty() || feed.updated_at[i] >= since) hits.push_back(i);
    Reply r;
    r.body = "[";
    long long end = std::min<long long>(static_cast<long long>(hits.size()), offset + limit);
    for (long long i = offset; i < end; ++i) {
        if (i > offset) r.body += ',';
        r.body += feed.records[hits[static_cast<size_t>(i)]];
    }
    r.body += "]";
    r.headers.emplace_back("X-Total-Count", std::to_string(hits.size()));
    return r;
}

Reply SimServer::State::handle_admin(const std::string& method, const std::string& path,
                                     const std::string& body) {
    if (path == "/__sim/state" && method == "GET") {
        std::shared_lock lock(network_mutex);
        Reply r;
        r.body = network.dump();
        return r;
    }
    if (path == "/__sim/reset" && method == "POST") {
        std::unique_lock lock(network_mutex);
        network = original;
        for (const char* c :
             {"projects", "boxes", "splitters", "properties", "ftth-clients", "users", "roles"})
            network.touch(c);
        std::lock_guard l(log_mutex);
        write_log.clear();
        return no_content();
    }
    if (path == "/__sim/requests") {
        std::lock_guard l(log_mutex);
        if (method == "DELETE") {
            write_log.clear();
            return no_content();
        }
        Reply r;
        r.body = "[" + join(write_log, ",") + "]";
        return r;
    }
    if (path == "/__sim/stats") {
        std::lock_guard l(faults_mutex);
        Reply r;
        JsonWriter(r.body)
            .begin_object()
            .field("api_requests", static_cast<int64_t>(api_requests))
            .field("writes", static_cast<int64_t>(writes))
            .field("logins", static_cast<int64_t>(logins.load()))
            .field("max_in_flight", max_in_flight.load())
            .field("id_range_lists", static_cast<int64_t>(id_range_lists.load()))
            .end_object();
        return r;
    }
    if (path == "/__sim/faults") {
        std::lock_guard l(faults_mutex);
        if (method == "POST") {
            try {
                auto o = Poco::JSON::Parser().parse(body).extract<Poco::JSON::Object::Ptr>();
                Faults& f = faults;
                f.latency_ms = o->optValue<int>("latency_ms", f.latency_ms);
                f.fail_rate = o->optValue<double>("fail_rate", f.fail_rate);
                f.fail_status = o->optValue<int>("fail_status", f.fail_status);
                f.retry_after = o->optValue<int>("retry_after", f.retry_after);
                f.reset_rate = o->optValue<double>("reset_rate", f.reset_rate);
                f.truncate_rate = o->optValue<double>("truncate_rate", f.truncate_rate);
                f.rate_limit = o->optValue<double>("rate_limit", f.rate_limit);
                f.no_total = o->optValue<bool>("no_total", f.no_total);
                f.cursor_only = o->optValue<bool>("cursor_only", f.cursor_only);
                f.ignore_id_ranges = o->optValue<bool>("ignore_id_ranges", f.ignore_id_ranges);
                f.filters_from = o->optValue<std::string>("filters_from", f.filters_from);
                f.expire_tokens_after = o->optValue<long long>("expire_tokens_after", f.expire_tokens_after);
                f.die_after_requests = o->optValue<long long>("die_after_requests", f.die_after_requests);
                f.hang_after_writes = o->optValue<long long>("hang_after_writes", f.hang_after_writes);
                f.drop_after_write_rate =
                    o->optValue<double>("drop_after_write_rate", f.drop_after_write_rate);
                bucket_tokens = -1;
                if (f.hang_after_writes < 0) {
                    hanging_released = true;
                    hang_cv.notify_all();
                }
            } catch (const Poco::Exception& e) {
                return error_reply(400, "faults: " + e.displayText());
            }
        }
        Reply r;
        r.body = faults_json(faults);
        return r;
    }
    if ((path == "/__sim/sales" || path == "/__sim/partnerships") && method == "POST") {
        try {
            Feed f = Feed::parse(body);
            std::lock_guard l(feed_mutex);
            (path == "/__sim/sales" ? sales : partnerships) = std::move(f);
        } catch (const std::exception& e) {
            return error_reply(400, e.what());
        }
        return no_content();
    }
    if (path == "/__sim/expire-tokens" && method == "POST") {
        std::lock_guard l(feed_mutex);
        ozmap_tokens.clear();
        neutral_tokens.clear();
        return no_content();
    }
    return error_reply(404, "no admin route " + method + " " + path);
}

Reply SimServer::State::handle(HTTPServerRequest& req, const std::string& body, bool& reset, bool& truncate,
                               bool& hang) {
    Poco::URI uri(req.getURI());
    const std::string path = uri.getPath();
    if (path.rfind("/__sim/", 0) == 0) return handle_admin(req.getMethod(), path, body);

    // How many API requests are answered at once (a client must keep to its ozmap.concurrency).
    struct InFlight {
        State& s;
        explicit InFlight(State& state) : s(state) {
            int now = ++s.in_flight;
            for (int seen = s.max_in_flight; now > seen && !s.max_in_flight.compare_exchange_weak(seen, now);)
                ;
        }
        ~InFlight() { --s.in_flight; }
    } in_flight_now(*this);

    // Faults apply to every upstream call, OZmap or OZneutral.
    int latency;
    bool expire = false;
    {
        std::lock_guard l(faults_mutex);
        ++api_requests;
        if (faults.die_after_requests >= 0 && api_requests > faults.die_after_requests) {
            std::fprintf(stderr, "ozmap-sim: dying after %lld requests (--die-after-requests)\n",
                         api_requests - 1);
            std::fflush(stderr);
            ::_exit(3);
        }
        latency = faults.latency_ms;
        if (faults.expire_tokens_after >= 0 && api_requests > faults.expire_tokens_after) {
            faults.expire_tokens_after = -1; // once: every login token issued so far stops working
            expire = true;
        }
        std::uniform_real_distribution<double> u(0, 1);
        if (!take_token()) {
            Reply r = error_reply(429, "rate limit exceeded");
            r.headers.emplace_back("Retry-After", "1");
            return r;
        }
        if (faults.reset_rate > 0 && u(fault_rng) < faults.reset_rate) {
            reset = true;
            return {};
        }
        if (faults.fail_rate > 0 && u(fault_rng) < faults.fail_rate) {
            Reply r = error_reply(faults.fail_status, "injected failure");
            if (faults.retry_after >= 0)
                r.headers.emplace_back("Retry-After", std::to_string(faults.retry_after));
            return r;
        }
        truncate =
            faults.truncate_rate > 0 && req.getMethod() == "GET" && u(fault_rng) < faults.truncate_rate;
    }
    if (expire) {
        std::lock_guard l(feed_mutex);
        ozmap_tokens.clear();
    }
    if (latency > 0) std::this_thread::sleep_for(std::chrono::milliseconds(latency));

    Poco::URI::QueryParameters q;
    try {
        q = uri.getQueryParameters();
    } catch (const Poco::Exception& e) {
        return error_reply(400, "bad query string: " + e.displayText());
    }
    if (path == "/oauth/token" || path == "/serviceInventory/service" || path == "/partnerships" ||
        path == "/projects")
        return handle_neutral(req, path, q, body);
    if (path.rfind("/api/v2/", 0) != 0) return error_reply(404, "no route " + path);
    std::string route = path.substr(8);
    while (!route.empty() && route.back() == '/')
        route.pop_back();

    if (route == "users/login" && req.getMethod() == "POST") {
        try {
            auto o = Poco::JSON::Parser().parse(body).extract<Poco::JSON::Object::Ptr>();
            if (options.login_user.empty() || o->optValue<std::string>("login", "") != options.login_user ||
                o->optValue<std::string>("password", "") != options.login_password)
                return error_reply(401, "invalid login or password");
        } catch (const Poco::Exception&) {
            return error_reply(400, "login body must be {\"login\", \"password\"}");
        }
        std::string token = random_hex(20);
        {
            std::lock_guard l(feed_mutex);
            ozmap_tokens.insert(token);
        }
        ++logins;
        Reply r;
        JsonWriter(r.body).begin_object().field("authorization", token).end_object();
        return r;
    }
    std::string auth = req.get("Authorization", "");
    bool authorized = !auth.empty() && auth == options.api_key;
    if (!authorized) {
        std::lock_guard l(feed_mutex);
        authorized = ozmap_tokens.count(auth) > 0;
    }
    if (!authorized) return error_reply(401, "Unauthorized");
    return handle_ozmap(req.getMethod(), route, q, body, hang, reset);
}

namespace {

class Handler : public Poco::Net::HTTPRequestHandler {
public:
    explicit Handler(SimServer::State& s) : m_state(s) {}

    void handleRequest(HTTPServerRequest& req, HTTPServerResponse& resp) override {
        // Poco writes headers and body separately: without TCP_NODELAY each answer waits for the peer's
        // delayed ACK (~40 ms), which would make the simulator, not the client, set the pace.
        static_cast<Poco::Net::HTTPServerRequestImpl&>(req).socket().setNoDelay(true);
        std::string body;
        Poco::StreamCopier::copyToString(req.stream(), body);
        bool reset = false, truncate = false, hang = false;
        Reply r;
        try {
            r = m_state.handle(req, body, reset, truncate, hang);
        } catch (const std::exception& e) {
            r = error_reply(500, std::string("simulator error: ") + e.what());
        }
        if (reset) {
            auto& socket = static_cast<Poco::Net::HTTPServerRequestImpl&>(req).socket();
            socket.setLinger(true, 0);
            socket.close();
            return;
        }
        if (hang) {
            std::unique_lock l(m_state.faults_mutex);
            m_state.hanging_released = false;
            m_state.hang_cv.wait(l, [&] { return m_state.hanging_released || m_state.stopping; });
            resp.setStatus(Poco::Net::HTTPResponse::HTTP_SERVICE_UNAVAILABLE);
            resp.setKeepAlive(false);
            resp.setContentLength(0);
            resp.send();
            return;
        }
        resp.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(r.status));
        for (const auto& [k, v] : r.headers)
            resp.set(k, v);
        if (r.status == 204) {
            resp.setContentLength(0);
            resp.send();
            return;
        }
        resp.setContentType("application/json; charset=utf-8");
        std::string payload = std::move(r.body);
        if (truncate && payload.size() > 2) {
            payload.resize(payload.size() / 2);
        } else if (m_state.options.gzip && payload.size() >= 1400 &&
                   req.get("Accept-Encoding", "").find("gzip") != std::string::npos) {
            std::ostringstream zs;
            {
                Poco::DeflatingOutputStream deflater(zs, Poco::DeflatingStreamBuf::STREAM_GZIP, 1);
                deflater.write(payload.data(), static_cast<std::streamsize>(payload.size()));
                deflater.close();
            }
            payload = zs.str();
            resp.set("Content-Encoding", "gzip");
        }
        Faults f;
        {
            std::lock_guard l(m_state.faults_mutex);
            f = m_state.faults;
        }
        const bool api = req.getURI().rfind("/api/v2/", 0) == 0;
        const long long padding =
            api && req.getMethod() == "GET" && !truncate ? static_cast<long long>(f.huge_body_mb) << 20 : 0;
        resp.setContentLength64(static_cast<Poco::Int64>(payload.size()) + padding);
        std::ostream& os = resp.send();
        // Leading whitespace keeps the JSON valid: only the size is hostile.
        const std::string spaces(1 << 16, ' ');
        for (long long sent = 0; sent < padding && os; sent += static_cast<long long>(spaces.size()))
            os.write(spaces.data(),
                     static_cast<std::streamsize>(std::min<long long>(spaces.size(), padding - sent)));
        if (api && f.trickle_bytes_per_s > 0) {
            // A body trickled out: a few bytes, a pause, for as long as it takes (or the client gives up).
            const size_t step = static_cast<size_t>(std::max(1, f.trickle_bytes_per_s / 10));
            for (size_t i = 0; i < payload.size() && os; i += step) {
                os.write(payload.data() + i,
                         static_cast<std::streamsize>(std::min(step, payload.size() - i)));
                os.flush();
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
            }
            return;
        }
        os.write(payload.data(), static_cast<std::streamsize>(payload.size()));
    }

private:
    SimServer::State& m_state;
};

class Factory : public Poco::Net::HTTPRequestHandlerFactory {
public:
    explicit Factory(SimServer::State& s) : m_state(s) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(const HTTPServerRequest&) override {
        return new Handler(m_state);
    }

private:
    SimServer::State& m_state;
};

} // namespace

SimServer::SimServer(Network network, SimOptions options) : m_state(std::make_unique<State>()) {
    m_state->options = std::move(options);
    m_state->faults = m_state->options.faults;
    m_state->fault_rng.seed(m_state->options.fault_seed);
    m_state->original = network;
    m_state->network = std::move(network);
    m_state->sales = Feed::parse(m_state->options.sales_json);
    m_state->partnerships = Feed::parse(m_state->options.partnerships_json);
    m_state->neutral_projects = Feed::parse(m_state->options.neutral_projects_json);
}

SimServer::~SimServer() {
    stop();
}

int SimServer::start(const std::string& host, int port) {
    const Poco::Net::SocketAddress address(host, static_cast<Poco::UInt16>(port));
    Poco::Net::ServerSocket socket;
    if (!m_state->options.tls_cert.empty()) {
        Poco::Net::Context::Ptr ctx(
            new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, m_state->options.tls_key,
                                   m_state->options.tls_cert, "", Poco::Net::Context::VERIFY_NONE));
        socket = Poco::Net::SecureServerSocket(address, 128, ctx);
    } else {
        socket = Poco::Net::ServerSocket(address, 128);
    }
    auto params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(m_state->options.threads);
    params->setMaxQueued(512);
    params->setKeepAlive(true);
    params->setMaxKeepAliveRequests(0);
    params->setKeepAliveTimeout(Poco::Timespan(30, 0));
    params->setTimeout(Poco::Timespan(60, 0));
    m_state->server = std::make_unique<Poco::Net::HTTPServer>(new Factory(*m_state), socket, params);
    m_state->server->start();
    return socket.address().port();
}

void SimServer::stop() {
    if (!m_state || !m_state->server) return;
    {
        std::lock_guard l(m_state->faults_mutex);
        m_state->stopping = true;
    }
    m_state->hang_cv.notify_all();
    m_state->server->stopAll(true);
    m_state->server.reset();
}

} // namespace oznsync::sim
