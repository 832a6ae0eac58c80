#include "sim/ozmap_api.hpp"

#include "core/feasibility.hpp"
#include "sim/fixture.hpp"
#include "util/ids.hpp"
#include "util/json_writer.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <algorithm>
#include <sstream>

namespace oznsync::sim {

namespace {

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

template <typename E> std::string row_json(const Network&, const E& e, bool) {
    return to_json(e);
}
std::string row_json(const Network& n, const SimProperty& e, bool populate) {
    return to_json(n, e, populate);
}

/// A filter group that is one `_id` bound (<, >=): how a client cuts a list into ranges.
bool id_bound(const std::vector<Condition>& group) {
    return group.size() == 1 && (group[0].property == "_id" || group[0].property == "id") &&
           (group[0].op == "<" || group[0].op == ">=");
}

} // namespace

OzmapApi::OzmapApi(Network network, OzmapAccess access, FaultRoom& faults)
    : m_access(std::move(access)), m_faults(faults), m_original(network), m_network(std::move(network)) {}

std::string OzmapApi::dump() {
    std::shared_lock lock(m_network_mutex);
    return dump_fixture(m_network);
}

void OzmapApi::reset() {
    {
        std::unique_lock lock(m_network_mutex);
        m_network = m_original;
        for (const char* c :
             {"projects", "boxes", "splitters", "properties", "ftth-clients", "users", "roles"})
            m_network.touch(c);
    }
    clear_write_log();
}

std::optional<SimError> OzmapApi::edit(const std::string& body) {
    std::unique_lock lock(m_network_mutex);
    return m_network.edit(body, now_iso());
}

std::string OzmapApi::write_log() {
    std::lock_guard l(m_log_mutex);
    return "[" + join(m_write_log, ",") + "]";
}

std::string OzmapApi::filter_log() {
    std::lock_guard l(m_log_mutex);
    std::string out = "[";
    for (const auto& f : m_filter_log)
        out += (out.size() > 1 ? "," : "") + f;
    return out + "]";
}

void OzmapApi::clear_write_log() {
    std::lock_guard l(m_log_mutex);
    m_write_log.clear();
}

void OzmapApi::expire_tokens() {
    std::lock_guard l(m_token_mutex);
    m_tokens.clear();
}

namespace {
/// The body without one key (a field the SDK would strip before sending).
std::string without_key(const std::string& body, const std::string& key) {
    try {
        auto o = Poco::JSON::Parser().parse(body).extract<Poco::JSON::Object::Ptr>();
        o->remove(key);
        std::ostringstream out;
        o->stringify(out);
        return out.str();
    } catch (const Poco::Exception&) {
        return body;
    }
}

/// OZmap's answer to /ftth-viability/radius, as the simulator models it: one operator's boxes, so no
/// operator key. The simulator renders it itself (it stands in for OZmap): the integration tests compare
/// oznsync's own rendering with this one, byte for byte.
std::string viability_body(const FeasibilityAnswer& a) {
    std::string out;
    JsonWriter w(out);
    auto box_head = [&w](const Box& b, double distance_m) {
        w.begin_object().field("id", b.id).field("name", b.name).field("project", b.project);
        w.field("distance", round_distance(distance_m));
    };
    w.begin_object().field("viable", !a.viable.empty()).field("lat", a.lat).field("lng", a.lng);
    w.field("radius", a.radius_m).key("viable_boxes").begin_array();
    for (const ViableBox& v : a.viable) {
        box_head(v.box, v.distance_m);
        w.key("coords").begin_array().value(v.box.lng).value(v.box.lat).end_array();
        w.field("free_port_count", v.free_count()).key("splitters").begin_array();
        for (const ViableBox::Free& s : v.free) {
            w.begin_object().field("id", s.splitter).field("name", s.name).key("free_ports").begin_array();
            for (int port : s.ports)
                w.value(port);
            w.end_array().end_object();
        }
        w.end_array().end_object();
    }
    w.end_array().key("non_viable_boxes").begin_array();
    for (const NonViableBox& n : a.non_viable) {
        box_head(n.box, n.distance_m);
        w.field("reason", reason_name(n.reason)).end_object();
    }
    w.end_array().end_object();
    return out;
}
} // namespace

Reply OzmapApi::login(const std::string& body) {
    try {
        auto o = Poco::JSON::Parser().parse(body).extract<Poco::JSON::Object::Ptr>();
        const std::string login = o->optValue<std::string>("login", ""),
                          password = o->optValue<std::string>("password", "");
        bool known = !m_access.login_user.empty() && login == m_access.login_user &&
                     password == m_access.login_password;
        if (!known && !login.empty() && !password.empty()) { // a user of the network (a partner's)
            std::shared_lock lock(m_network_mutex);
            for (const auto& [id, u] : m_network.users)
                known = known || (u.username == login && u.password == password);
        }
        if (!known) return error_reply(401, "invalid login or password");
    } catch (const Poco::Exception&) {
        return error_reply(400, "login body must be {\"login\", \"password\"}");
    }
    std::string token = random_hex(20);
    {
        std::lock_guard l(m_token_mutex);
        m_tokens.insert(token);
    }
    ++m_logins;
    Reply r;
    JsonWriter(r.body).begin_object().field("authorization", token).end_object();
    return r;
}

bool OzmapApi::authorized(const std::string& authorization) {
    if (authorization.empty()) return false;
    if (authorization == m_access.api_key) return true;
    std::lock_guard l(m_token_mutex);
    return m_tokens.count(authorization) > 0;
}

Reply OzmapApi::handle(const std::string& method, const std::string& route, const Query& q,
                       const std::string& body, const std::string& authorization, bool& hang, bool& reset) {
    if (route == "users/login" && method == "POST") {
        bool api_type = false;
        for (const auto& [k, v] : q)
            api_type = api_type || (k == "type" && v == "API");
        if (!api_type) ++m_logins_without_type;
        return login(body);
    }
    if (!authorized(authorization)) return error_reply(401, "Unauthorized");
    auto parts = split(route, '/');
    if (const std::string forbidden = m_faults.now().forbidden_projects; !forbidden.empty()) {
        // A request that names a project the integration user may not read (its id in the filter).
        std::string asked = body;
        for (const auto& [k, v] : q)
            asked += " " + v;
        for (const auto& id : split(forbidden, ','))
            if (!id.empty() && asked.find(id) != std::string::npos)
                return error_reply(403, "Forbidden: no access to project " + id);
    }
    if (method == "GET") {
        if (parts.size() == 1) {
            Reply r = list(parts[0], q, body);
            const bool known = with_collection(m_network, parts[0], [](auto&) {});
            return known ? r : error_reply(404, "no collection " + parts[0]);
        }
        if (route == "ftth-viability/radius") return viability(q);
        if (parts.size() == 3 && parts[0] == "properties" && parts[1] == "client")
            return properties_by_code(parts[2]);
        if (parts.size() == 2) return get_one(parts[0], parts[1]);
        return error_reply(404, "no route GET /api/v2/" + route);
    }
    if (const Faults f = m_faults.now(); f.error_message_bytes > 0) {
        // A hostile message: long, with ANSI escapes and control characters in it.
        std::string msg = "\x1b[31mREFUSED\x1b[0m\r\n\x07";
        while (static_cast<long long>(msg.size()) < f.error_message_bytes)
            msg += "\x1b[2Jlong message ";
        return error_reply(422, msg);
    }
    if (m_faults.now().echo_authorization)
        return error_reply(422, "invalid request; headers received: Authorization: " + authorization);
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
            std::lock_guard l(m_log_mutex);
            m_write_log.push_back(entry);
        }
        m_faults.after_write(hang, reset);
    }
    return r;
}

std::optional<Reply> OzmapApi::read_list_request(const Query& q, const std::string& body, const Faults& f,
                                                 ListRequest& req) {
    const std::string& filters_from = f.filters_from;
    // filters_from = body: like a server that reads the filter only where the SDK puts it.
    req.filter_text = filters_from == "body" ? "" : param(q, "filter");
    req.sort_text = filters_from == "body" ? "" : param(q, "sort");
    if (req.filter_text.empty() && !trim(body).empty() && filters_from != "query") {
        // The SDK sends filter (and sort) as a JSON body on the GET.
        try {
            auto root = Poco::JSON::Parser().parse(body);
            if (root.type() == typeid(Poco::JSON::Array::Ptr)) {
                req.filter_text = body;
            } else if (root.type() == typeid(Poco::JSON::Object::Ptr)) {
                auto o = root.extract<Poco::JSON::Object::Ptr>();
                std::ostringstream fs, ss;
                if (o->has("filter")) Poco::JSON::Stringifier::stringify(o->get("filter"), fs);
                if (o->has("sort")) Poco::JSON::Stringifier::stringify(o->get("sort"), ss);
                req.filter_text = fs.str();
                if (req.sort_text.empty()) req.sort_text = ss.str();
            }
        } catch (const Poco::Exception& e) {
            return error_reply(400, "body is not JSON: " + e.displayText());
        }
    }
    req.after = param(q, "after");
    if (!param(q, "limit").empty() &&
        (!parse_int(param(q, "limit"), req.limit) || req.limit < 1 || req.limit > 5000))
        return error_reply(400, "limit must be 1..5000");
    if (!param(q, "page").empty() && (!parse_int(param(q, "page"), req.page) || req.page < 1))
        return error_reply(400, "page must be >= 1");
    if (!param(q, "skip").empty() && (!parse_int(param(q, "skip"), req.skip) || req.skip < 0))
        return error_reply(400, "skip must be >= 0");
    req.populate_client = param(q, "populate").find("client") != std::string::npos;
    try {
        req.filter = parse_filter(req.filter_text);
        req.sort = parse_sort(req.sort_text);
    } catch (const BadQuery& e) {
        return error_reply(400, e.what());
    }
    if (!req.filter_text.empty()) {
        std::lock_guard l(m_log_mutex);
        if (m_filter_log.size() < 10000) m_filter_log.insert(req.filter_text);
    }
    if (!req.after.empty() && !req.sort.empty())
        return error_reply(400, "after cursor cannot be combined with sort");
    if (std::any_of(req.filter.begin(), req.filter.end(), id_bound)) {
        ++m_id_range_lists;
        // ignore_id_ranges: a server that silently drops the `_id` comparisons it does not support.
        if (f.ignore_id_ranges) std::erase_if(req.filter, id_bound);
    }
    return std::nullopt;
}

std::shared_ptr<const std::vector<std::string>> OzmapApi::matching_ids(const std::string& collection,
                                                                       const ListRequest& req) {
    const auto vit = m_network.versions.find(collection);
    const uint64_t version = vit == m_network.versions.end() ? 0 : vit->second;
    const std::string key = collection + "\n" + req.filter_text + "\n" + req.sort_text;
    {
        std::lock_guard cl(m_cache_mutex);
        auto it = m_cache.find(key);
        if (it != m_cache.end() && it->second.version == version) return it->second.ids;
    }
    auto ids = std::make_shared<std::vector<std::string>>();
    with_collection(m_network, collection, [&](auto& coll) {
        using E = typename std::decay_t<decltype(coll)>::mapped_type;
        std::vector<const E*> hits;
        for (const auto& [id, e] : coll)
            if (matches(m_network, e, req.filter)) hits.push_back(&e);
        if (!req.sort.empty())
            std::stable_sort(hits.begin(), hits.end(), [&](const E* a, const E* b) {
                for (const auto& k : req.sort) {
                    int c = compare(field(m_network, *a, k.property), field(m_network, *b, k.property));
                    if (c != 0) return k.direction > 0 ? c < 0 : c > 0;
                }
                return false;
            });
        ids->reserve(hits.size());
        for (auto* e : hits)
            ids->push_back(e->id);
    });
    std::lock_guard cl(m_cache_mutex);
    if (m_cache.size() > 64) m_cache.clear();
    m_cache[key] = {version, ids};
    return ids;
}

std::string OzmapApi::page_json(const std::string& collection, const ListRequest& req,
                                const std::vector<std::string>& ids, long long start, const Faults& f) {
    const long long total = static_cast<long long>(ids.size());
    const long long end = std::min(total, start + req.limit);
    std::string out;
    out.reserve(static_cast<size_t>(end - start) * 700 + 256);
    const bool no_total = f.no_total || f.endless_next || f.repeat_next;
    const long long shown_total = f.lying_total >= 0 ? f.lying_total : total;
    out += '{';
    if (!no_total)
        out += "\"total\":" + std::to_string(shown_total) + ",\"start\":" + std::to_string(start) + ",";
    out += "\"count\":" + std::to_string(end - start) + ",\"limit\":" + std::to_string(req.limit) +
           ",\"rows\":[";
    with_collection(m_network, collection, [&](auto& coll) {
        for (long long i = start; i < end; ++i) {
            if (i > start) out += ',';
            auto it = coll.find(ids[static_cast<size_t>(i)]);
            out += row_json(m_network, it->second, req.populate_client);
        }
    });
    // endless_next: past the last row, empty pages that each promise another; repeat_next: the cursor
    // always leads back to the first page.
    const bool has_next = end < total || f.endless_next || f.repeat_next;
    out += "],\"hasNextPage\":";
    out += has_next ? "true" : "false";
    out += ",\"nextUrl\":";
    // next_url_cursor_only: the cursor alone; what the list asked for (limit, filter, sort, populate) is
    // the client's to send again, as the official SDK's findAll does.
    const bool bare = f.next_url_cursor_only;
    const std::string base = "/api/v2/" + collection + (bare ? "?" : "?limit=" + std::to_string(req.limit));
    const std::string filter =
        req.filter_text.empty() || bare ? "" : "&filter=" + url_encode(req.filter_text);
    const std::string populate = req.populate_client && !bare ? "&populate=client" : "";
    if (f.repeat_next) {
        append_json_string(out, base + filter + populate);
    } else if (f.endless_next && end >= total) {
        append_json_string(out, base + "&after=" + url_encode("zzzz" + std::to_string(++m_endless_counter)) +
                                    filter + populate);
    } else if (has_next) {
        // The cursor is deliberately not `page`: clients must treat nextUrl as opaque.
        const std::string cursor =
            req.sort.empty()
                ? "&after=" + url_encode(ids[static_cast<size_t>(end - 1)])
                : "&skip=" + std::to_string(end) + (bare ? "" : "&sort=" + url_encode(req.sort_text));
        append_json_string(out, base + cursor + filter + populate);
    } else {
        out += "null";
    }
    out += '}';
    return out;
}

Reply OzmapApi::list(const std::string& collection, const Query& q, const std::string& body) {
    const Faults f = m_faults.now(); // one copy per list: the faults in force when it arrived
    ListRequest req;
    if (auto bad = read_list_request(q, body, f, req)) return *bad;
    std::shared_lock lock(m_network_mutex);
    if (f.empty_id_ranges && std::any_of(req.filter.begin(), req.filter.end(), id_bound)) {
        Reply empty;
        empty.body = page_json(collection, req, {}, 0, f);
        return empty;
    }
    const auto ids = matching_ids(collection, req);
    const long long total = static_cast<long long>(ids->size());
    long long start;
    if (!req.after.empty())
        start = std::upper_bound(ids->begin(), ids->end(), req.after) - ids->begin();
    else if (req.skip >= 0)
        start = req.skip;
    else
        start = (req.page - 1) * req.limit;
    // cursor_only: like the live API as the official SDK uses it, `page` means nothing; only the cursor
    // of nextUrl moves on.
    if (f.cursor_only && req.after.empty() && req.skip < 0) start = 0;
    Reply r;
    r.body = page_json(collection, req, *ids, std::min(start, total), f);
    return r;
}

Reply OzmapApi::get_one(const std::string& collection, const std::string& id) {
    std::shared_lock lock(m_network_mutex);
    Reply r;
    bool found = false;
    with_collection(m_network, collection, [&](auto& coll) {
        auto it = coll.find(id);
        if (it == coll.end()) return;
        found = true;
        r.body = row_json(m_network, it->second, false);
    });
    return found ? r : error_reply(404, collection + " " + id + " not found");
}

Reply OzmapApi::properties_by_code(const std::string& code) {
    std::shared_lock lock(m_network_mutex);
    Reply r;
    r.body = "[";
    bool first = true;
    for (const SimProperty* p : m_network.properties_by_code(code)) {
        if (!first) r.body += ',';
        first = false;
        r.body += to_json(m_network, *p, true);
    }
    r.body += "]";
    return r;
}

Reply OzmapApi::viability(const Query& q) {
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
    std::shared_lock lock(m_network_mutex);
    std::map<std::string, std::vector<const SimSplitter*>> by_box;
    for (const auto& [id, s] : m_network.splitters)
        if (s.is_drop) by_box[s.box].push_back(&s);
    std::vector<BoxPorts> candidates;
    for (const auto& [id, b] : m_network.boxes) {
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
    r.body = viability_body(evaluate_feasibility(lat, lng, radius, candidates, static_cast<int>(limit)));
    return r;
}

Reply OzmapApi::write(const std::string& method, const std::string& route, const std::string& body) {
    std::unique_lock lock(m_network_mutex);
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
    Network& n = m_network;
    if (method == "POST" && route == "properties") return created(n.create_property(body, now));
    if (method == "POST" && route == "ftth-clients/batch-update")
        return done(n.batch_update_clients(body, now));
    if (method == "POST" && route == "users") return created(n.create_user(body));
    if (method == "POST" && parts.size() == 4 && parts[0] == "cables" && parts[2] == "fibers" &&
        parts[3] == "disconnect")
        return done(n.disconnect_drop(parts[1], now));
    if (parts.size() == 2) {
        if (parts[0] == "properties" && method == "PATCH")
            return done(n.patch_property(
                parts[1], m_faults.now().strip_external_id ? without_key(body, "external_id") : body, now));
        if (parts[0] == "properties" && method == "DELETE") return done(n.delete_property(parts[1], now));
        if (parts[0] == "ftth-clients" && method == "PATCH") return done(n.patch_client(parts[1], body, now));
        if (parts[0] == "ftth-clients" && method == "DELETE") return done(n.delete_client(parts[1], now));
        if (parts[0] == "users" && method == "PATCH")
            return done(n.patch_user(
                parts[1], m_faults.now().strip_user_password ? without_key(body, "password") : body));
    }
    return error_reply(404, "no route " + method + " /api/v2/" + route);
}

} // namespace oznsync::sim
