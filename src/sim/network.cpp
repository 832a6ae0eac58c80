#include "sim/network.hpp"

#include <algorithm>

#include "util/json_writer.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <cstdio>
#include <stdexcept>

namespace oznsync::sim {

using Poco::JSON::Array;
using Poco::JSON::Object;

namespace {

Object::Ptr parse_object(const std::string& body) {
    try {
        auto v = Poco::JSON::Parser().parse(body);
        auto o = v.extract<Object::Ptr>();
        if (!o) throw std::runtime_error("not an object");
        return o;
    } catch (const Poco::Exception& e) {
        throw std::runtime_error("body is not a JSON object: " + e.displayText());
    }
}

std::string get_str(const Object::Ptr& o, const std::string& k, const std::string& def = "") {
    if (!o->has(k) || o->isNull(k)) return def;
    auto v = o->get(k);
    if (v.isString()) return v.convert<std::string>();
    if (v.type() == typeid(Object::Ptr)) {
        auto inner = v.extract<Object::Ptr>();
        return get_str(inner, "id", get_str(inner, "_id"));
    }
    return v.convert<std::string>();
}

bool get_bool(const Object::Ptr& o, const std::string& k, bool def) {
    if (!o->has(k) || o->isNull(k)) return def;
    auto v = o->get(k);
    if (v.type() == typeid(bool)) return v.extract<bool>();
    throw std::runtime_error("'" + k + "' must be true or false");
}

double get_num(const Object::Ptr& o, const std::string& k, double def) {
    if (!o->has(k) || o->isNull(k)) return def;
    auto v = o->get(k);
    if (!v.isNumeric()) throw std::runtime_error("'" + k + "' must be a number");
    return v.convert<double>();
}

void get_coords(const Object::Ptr& o, double& lat, double& lng) {
    if (!o->has("coords") || o->isNull("coords")) return;
    auto a = o->getArray("coords");
    if (!a || a->size() < 2) throw std::runtime_error("'coords' must be [lng, lat]");
    lng = a->get(0).convert<double>();
    lat = a->get(1).convert<double>();
}

std::vector<std::pair<std::string, std::string>> user_projects(const Object::Ptr& o) {
    std::vector<std::pair<std::string, std::string>> out;
    if (auto ps = o->getArray("projects"))
        for (size_t i = 0; i < ps->size(); ++i) {
            auto po = ps->getObject(static_cast<unsigned>(i));
            if (!po) throw std::runtime_error("'projects' entries must be {project, role}");
            out.emplace_back(get_str(po, "project"), get_str(po, "role"));
        }
    return out;
}

/// A user as OZmap's POST /users body (and the fixture) gives it.
SimUser user_from_json(const Object::Ptr& o) {
    SimUser u;
    u.id = get_str(o, "id");
    u.username = get_str(o, "username");
    u.password = get_str(o, "password");
    u.email = get_str(o, "email");
    u.name = get_str(o, "name");
    u.role = get_str(o, "role");
    u.observation = get_str(o, "observation");
    u.locale = get_str(o, "locale");
    if (auto r = o->getArray("resources"))
        for (size_t i = 0; i < r->size(); ++i)
            u.resources.push_back(r->get(static_cast<unsigned>(i)).convert<std::string>());
    u.projects = user_projects(o);
    return u;
}

void coords(JsonWriter& w, double lat, double lng) {
    w.key("coords").begin_array().value(lng).value(lat).end_array();
}

} // namespace

void Network::reindex() {
    m_client_by_code.clear();
    m_properties_by_client.clear();
    for (const auto& [id, c] : clients)
        m_client_by_code[c.code] = id;
    for (const auto& [id, p] : properties)
        index_property(p);
}

void Network::index_property(const SimProperty& p) {
    if (!p.client.empty()) m_properties_by_client[p.client].insert(p.id);
}

void Network::unindex_property(const SimProperty& p) {
    auto it = m_properties_by_client.find(p.client);
    if (it != m_properties_by_client.end()) it->second.erase(p.id);
}

std::vector<const SimProperty*> Network::properties_by_code(const std::string& code) const {
    std::vector<const SimProperty*> out;
    auto c = m_client_by_code.find(code);
    if (c == m_client_by_code.end()) return out;
    auto ps = m_properties_by_client.find(c->second);
    if (ps == m_properties_by_client.end()) return out;
    for (const auto& pid : ps->second)
        out.push_back(&properties.at(pid));
    return out;
}

std::string Network::new_id() {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%016llx%08llx", static_cast<unsigned long long>(m_id_base),
                  static_cast<unsigned long long>(++m_counter));
    return buf;
}

const std::string& Network::json(const SimProject& p) const {
    if (p.json.empty()) {
        JsonWriter w(p.json);
        w.begin_object().field("id", p.id).field("name", p.name).field("identifier", p.identifier);
        w.field("lat", p.lat).field("lng", p.lng).key("area").null();
        w.key("drop").begin_object().field("maxSize", 300).end_object().end_object();
    }
    return p.json;
}

const std::string& Network::json(const SimBox& b) const {
    if (b.json.empty()) {
        JsonWriter w(b.json);
        w.begin_object().field("id", b.id).field("name", b.name).field("project", b.project);
        if (b.has_coords)
            coords(w, b.lat, b.lng);
        else
            w.key("coords").null(); // as a damaged OZmap record would come
        w.key("boxType").null().field("hierarchyLevel", b.hierarchy_level).field("implanted", b.implanted);
        w.field("draft", b.draft).field("certified", b.certified).field("shared", b.shared);
        w.key("pole").null().field("address", "").end_object();
    }
    return b.json;
}

const std::string& Network::json(const SimSplitter& s) const {
    if (s.json.empty()) {
        JsonWriter w(s.json);
        w.begin_object()
            .field("id", s.id)
            .field("name", s.name)
            .field("parent", s.box)
            .field("project", s.project);
        w.field("isDrop", s.is_drop).field("implanted", s.implanted);
        w.key("ratio")
            .begin_object()
            .field("input", s.ratio_in)
            .field("output", static_cast<int>(s.output.size()));
        w.end_object();
        w.key("connectables")
            .begin_object()
            .key("input")
            .begin_array()
            .end_array()
            .key("output")
            .begin_array();
        for (const auto& f : s.output)
            w.value(f);
        w.end_array().end_object();
        w.key("ports").begin_array();
        for (size_t i = 0; i < s.blocked.size(); ++i)
            w.begin_object()
                .field("index", static_cast<int>(i))
                .field("blocked", bool(s.blocked[i]))
                .field("observation", "")
                .end_object();
        w.end_array().end_object();
    }
    return s.json;
}

const std::string& Network::json(const SimClient& c) const {
    if (c.json.empty()) {
        JsonWriter w(c.json);
        w.begin_object().field("id", c.id).field("code", c.code).field("name", c.name);
        w.field("observation", c.observation).field("implanted", c.implanted).field("certified", c.certified);
        w.field("status", c.status);
        w.key("onu")
            .begin_object()
            .field("user_PPPoE", "")
            .field("serial_number", "")
            .field("mac_address", "");
        w.end_object().key("tags").begin_array().end_array();
        w.key("external_id");
        if (c.external_id.empty())
            w.null();
        else
            w.value(c.external_id);
        w.field("createdAt", c.created_at).field("updatedAt", c.updated_at).end_object();
    }
    return c.json;
}

const std::string& Network::json(const SimUser& u) const {
    if (u.json.empty()) {
        JsonWriter w(u.json);
        w.begin_object().field("id", u.id).field("username", u.username).field("email", u.email);
        w.field("name", u.name).field("role", u.role).key("resources").begin_array();
        for (const auto& r : u.resources)
            w.value(r);
        w.end_array().key("projects").begin_array();
        for (const auto& [p, r] : u.projects)
            w.begin_object().field("project", p).field("role", r).end_object();
        w.end_array().key("projectGroups").begin_array().end_array();
        w.field("observation", u.observation).field("locale", u.locale).end_object();
    }
    return u.json;
}

const std::string& Network::json(const SimRole& r) const {
    if (r.json.empty()) {
        JsonWriter w(r.json);
        w.begin_object().field("id", r.id).field("name", r.name).key("actions").begin_array().end_array();
        w.end_object();
    }
    return r.json;
}

std::string Network::json(const SimProperty& p, bool populate_client) const {
    if (p.json_prefix.empty()) {
        std::string& s = p.json_prefix;
        JsonWriter w(s);
        w.begin_object().field("id", p.id).field("project", p.project).field("box", p.box);
        coords(w, p.lat, p.lng);
        w.field("address", p.address).field("observation", p.observation);
        w.key("drop");
        if (p.drop.empty())
            w.null();
        else
            w.value(p.drop);
        w.key("connections").begin_array();
        if (!p.splitter.empty())
            w.begin_object()
                .field("id", p.splitter)
                .field("kind", "Splitter")
                .field("port", p.port)
                .field("fiber", p.drop)
                .end_object();
        w.end_array().key("external_id");
        if (p.external_id.empty())
            w.null();
        else
            w.value(p.external_id);
        w.field("createdAt", p.created_at).field("updatedAt", p.updated_at);
        s += ",\"client\":"; // the object is closed by the caller with the client member
    }
    std::string out = p.json_prefix;
    if (p.client.empty()) {
        out += "null";
    } else if (populate_client) {
        auto it = clients.find(p.client);
        out += it == clients.end() ? std::string("null") : json(it->second);
    } else {
        append_json_string(out, p.client);
    }
    out += '}';
    return out;
}

std::string Network::dump() const {
    std::string out;
    out.reserve(1 << 20);
    out += "{\"id_base\":\"";
    char buf[40];
    std::snprintf(buf, sizeof buf, "%016llx\",\"id_counter\":%llu",
                  static_cast<unsigned long long>(m_id_base), static_cast<unsigned long long>(m_counter));
    out += buf;
    auto section = [&](const char* name, const auto& coll, auto&& ser) {
        out += ",\"";
        out += name;
        out += "\":[";
        bool first = true;
        for (const auto& [id, e] : coll) {
            if (!first) out += ',';
            first = false;
            out += ser(e);
        }
        out += ']';
    };
    section("projects", projects, [&](const SimProject& e) { return json(e); });
    section("boxes", boxes, [&](const SimBox& e) { return json(e); });
    section("splitters", splitters, [&](const SimSplitter& e) { return json(e); });
    section("properties", properties, [&](const SimProperty& e) { return json(e, false); });
    section("ftth-clients", clients, [&](const SimClient& e) { return json(e); });
    section("users", users, [&](const SimUser& e) { return json(e); });
    section("roles", roles, [&](const SimRole& e) { return json(e); });
    out += '}';
    return out;
}

Network Network::load(const std::string& fixture_json) {
    Network n;
    Object::Ptr root = parse_object(fixture_json);
    auto each = [&](const char* key, auto&& fn) {
        if (!root->has(key)) return;
        auto arr = root->getArray(key);
        if (!arr) throw std::runtime_error(std::string("fixture: '") + key + "' must be an array");
        for (size_t i = 0; i < arr->size(); ++i) {
            auto o = arr->getObject(static_cast<unsigned>(i));
            if (!o)
                throw std::runtime_error(std::string("fixture: ") + key + "[" + std::to_string(i) +
                                         "] is not an object");
            try {
                fn(o);
            } catch (const std::exception& e) {
                throw std::runtime_error(std::string("fixture: ") + key + "[" + std::to_string(i) +
                                         "]: " + e.what());
            }
        }
    };
    if (root->has("id_base")) n.m_id_base = std::stoull(root->getValue<std::string>("id_base"), nullptr, 16);
    if (root->has("id_counter")) n.m_counter = root->getValue<uint64_t>("id_counter");
    each("projects", [&](const Object::Ptr& o) {
        SimProject p;
        p.id = get_str(o, "id");
        p.name = get_str(o, "name");
        p.identifier = get_str(o, "identifier");
        p.lat = get_num(o, "lat", 0);
        p.lng = get_num(o, "lng", 0);
        n.projects[p.id] = p;
    });
    each("boxes", [&](const Object::Ptr& o) {
        SimBox b;
        b.id = get_str(o, "id");
        b.project = get_str(o, "project");
        b.name = get_str(o, "name");
        b.has_coords = o->has("coords") && !o->isNull("coords");
        get_coords(o, b.lat, b.lng);
        b.draft = get_bool(o, "draft", false);
        b.implanted = get_bool(o, "implanted", true);
        b.certified = get_bool(o, "certified", false);
        b.shared = get_bool(o, "shared", false);
        b.hierarchy_level = static_cast<int>(get_num(o, "hierarchyLevel", 1));
        n.boxes[b.id] = b;
    });
    each("splitters", [&](const Object::Ptr& o) {
        SimSplitter s;
        s.id = get_str(o, "id");
        s.box = get_str(o, "parent");
        s.project = get_str(o, "project");
        s.name = get_str(o, "name");
        s.is_drop = get_bool(o, "isDrop", false);
        s.implanted = get_bool(o, "implanted", true);
        if (auto c = o->getObject("connectables"))
            if (auto out = c->getArray("output"))
                for (size_t i = 0; i < out->size(); ++i)
                    s.output.push_back(out->isNull(static_cast<unsigned>(i))
                                           ? std::nullopt
                                           : std::optional<std::string>(
                                                 out->get(static_cast<unsigned>(i)).convert<std::string>()));
        if (auto ports = o->getArray("ports"))
            for (size_t i = 0; i < ports->size(); ++i)
                s.blocked.push_back(get_bool(ports->getObject(static_cast<unsigned>(i)), "blocked", false));
        size_t size = std::max(s.output.size(), s.blocked.size());
        if (auto r = o->getObject("ratio"))
            size = std::max(size, static_cast<size_t>(get_num(r, "output", 0)));
        s.output.resize(size);
        s.blocked.resize(size, false);
        n.splitters[s.id] = s;
    });
    each("ftth-clients", [&](const Object::Ptr& o) {
        SimClient c;
        c.id = get_str(o, "id");
        c.code = get_str(o, "code");
        c.name = get_str(o, "name");
        c.observation = get_str(o, "observation");
        c.implanted = get_bool(o, "implanted", false);
        c.certified = get_bool(o, "certified", false);
        c.status = static_cast<int>(get_num(o, "status", 0));
        c.external_id = get_str(o, "external_id");
        c.created_at = get_str(o, "createdAt");
        c.updated_at = get_str(o, "updatedAt");
        n.clients[c.id] = c;
    });
    each("properties", [&](const Object::Ptr& o) {
        SimProperty p;
        p.id = get_str(o, "id");
        p.project = get_str(o, "project");
        p.box = get_str(o, "box");
        get_coords(o, p.lat, p.lng);
        p.address = get_str(o, "address");
        p.observation = get_str(o, "observation");
        p.drop = get_str(o, "drop");
        p.client = get_str(o, "client");
        p.external_id = get_str(o, "external_id");
        p.created_at = get_str(o, "createdAt");
        p.updated_at = get_str(o, "updatedAt");
        if (auto conns = o->getArray("connections"))
            for (size_t i = 0; i < conns->size(); ++i) {
                auto c = conns->getObject(static_cast<unsigned>(i));
                if (c && get_str(c, "kind") == "Splitter") {
                    p.splitter = get_str(c, "id");
                    p.port = static_cast<int>(get_num(c, "port", 0));
                    if (p.drop.empty()) p.drop = get_str(c, "fiber");
                }
            }
        n.properties[p.id] = p;
    });
    each("users", [&](const Object::Ptr& o) {
        SimUser u = user_from_json(o);
        n.users[u.id] = u;
    });
    each("roles", [&](const Object::Ptr& o) {
        SimRole r;
        r.id = get_str(o, "id");
        r.name = get_str(o, "name");
        n.roles[r.id] = r;
    });
    // Continue the id counter past every loaded id that shares our prefix, so new ids never collide.
    char prefix[20];
    std::snprintf(prefix, sizeof prefix, "%016llx", static_cast<unsigned long long>(n.m_id_base));
    auto bump = [&](const std::string& id) {
        if (id.size() == 24 && id.compare(0, 16, prefix) == 0)
            n.m_counter = std::max<uint64_t>(n.m_counter, std::stoull(id.substr(16), nullptr, 16));
    };
    auto bump_all = [&](const auto& coll) {
        for (const auto& [id, _] : coll)
            bump(id);
    };
    bump_all(n.projects);
    bump_all(n.boxes);
    bump_all(n.splitters);
    bump_all(n.clients);
    bump_all(n.users);
    bump_all(n.roles);
    for (const auto& [id, p] : n.properties) {
        bump(id);
        bump(p.drop);
    }
    for (const auto& [id, s] : n.splitters)
        for (const auto& f : s.output)
            if (f) bump(*f);
    n.reindex();
    return n;
}

std::optional<SimError> Network::check_port(const std::string& box, const std::string& splitter, int port,
                                            bool force, const std::string& ignore_fiber) const {
    auto b = boxes.find(box);
    if (b == boxes.end()) return SimError{404, "box " + box + " not found"};
    auto s = splitters.find(splitter);
    if (s == splitters.end()) return SimError{404, "connector " + splitter + " not found"};
    if (s->second.box != box) return SimError{422, "connector " + splitter + " is not in box " + box};
    if (port < 1 || port > static_cast<int>(s->second.output.size()))
        return SimError{422, "port " + std::to_string(port) + " does not exist on connector " + splitter};
    if (force) return std::nullopt;
    if (s->second.blocked[static_cast<size_t>(port - 1)])
        return SimError{409, "port " + std::to_string(port) + " is blocked"};
    const auto& f = s->second.output[static_cast<size_t>(port - 1)];
    if (f && *f != ignore_fiber) return SimError{409, "port " + std::to_string(port) + " is occupied"};
    return std::nullopt;
}

void Network::free_port(const SimProperty& p) {
    auto s = splitters.find(p.splitter);
    if (s == splitters.end() || p.port < 1 || p.port > static_cast<int>(s->second.output.size())) return;
    auto& slot = s->second.output[static_cast<size_t>(p.port - 1)];
    if (slot && *slot == p.drop) {
        slot.reset();
        s->second.json.clear();
        touch("splitters");
    }
}

std::variant<std::string, SimError> Network::create_property(const std::string& body,
                                                             const std::string& now) {
    Object::Ptr o;
    SimProperty p;
    SimClient c;
    bool force;
    try {
        o = parse_object(body);
        p.project = get_str(o, "project");
        p.box = get_str(o, "box");
        p.splitter = get_str(o, "connector");
        p.port = static_cast<int>(get_num(o, "port", 0));
        p.address = get_str(o, "address");
        p.observation = get_str(o, "observation");
        p.external_id = get_str(o, "external_id");
        force = get_bool(o, "force", false);
        get_coords(o, p.lat, p.lng);
        if (auto co = o->getObject("client")) {
            c.code = get_str(co, "code");
            c.name = get_str(co, "name");
            c.observation = get_str(co, "observation");
            c.implanted = get_bool(co, "implanted", false);
            c.external_id = get_str(co, "external_id");
            if (c.code.empty()) return SimError{422, "client.code is required"};
        }
    } catch (const std::exception& e) {
        return SimError{400, e.what()};
    }
    if (!projects.count(p.project)) return SimError{422, "project " + p.project + " not found"};
    if (p.splitter.empty() || p.port == 0) return SimError{422, "connector and port are required"};
    auto b = boxes.find(p.box);
    if (b != boxes.end() && b->second.project != p.project)
        return SimError{422, "box " + p.box + " is not in project " + p.project};
    if (auto err = check_port(p.box, p.splitter, p.port, force)) return *err;
    if (!c.code.empty() && m_client_by_code.count(c.code))
        return SimError{409, "a client with code " + c.code + " already exists"};
    if (force) {
        // Forcing onto an occupied port evicts whatever drop was there (OZmap's "force").
        auto& slot = splitters[p.splitter].output[static_cast<size_t>(p.port - 1)];
        for (auto& [id, other] : properties)
            if (slot && other.drop == *slot) {
                other.splitter.clear();
                other.port = 0;
                other.json_prefix.clear();
            }
    }
    p.id = new_id();
    p.drop = new_id();
    p.created_at = p.updated_at = now;
    if (!c.code.empty()) {
        c.id = new_id();
        c.created_at = c.updated_at = now;
        p.client = c.id;
        clients[c.id] = c;
        m_client_by_code[c.code] = c.id;
        touch("ftth-clients");
    }
    auto& s = splitters[p.splitter];
    s.output[static_cast<size_t>(p.port - 1)] = p.drop;
    s.json.clear();
    touch("splitters");
    properties[p.id] = p;
    index_property(p);
    touch("properties");
    return json(properties[p.id], false);
}

std::optional<SimError> Network::patch_property(const std::string& id, const std::string& body,
                                                const std::string& now) {
    auto it = properties.find(id);
    if (it == properties.end()) return SimError{404, "property " + id + " not found"};
    SimProperty& p = it->second;
    Object::Ptr o;
    std::string box, splitter;
    int port;
    bool force;
    try {
        o = parse_object(body);
        box = get_str(o, "box", p.box);
        splitter = get_str(o, "connector", p.splitter);
        port = static_cast<int>(get_num(o, "port", p.port));
        force = get_bool(o, "force", false);
        if (o->has("address")) p.address = get_str(o, "address");
        if (o->has("observation")) p.observation = get_str(o, "observation");
        if (o->has("external_id")) p.external_id = get_str(o, "external_id");
    } catch (const std::exception& e) {
        return SimError{400, e.what()};
    }
    if (box != p.box || splitter != p.splitter || port != p.port) {
        if (auto err = check_port(box, splitter, port, force, p.drop)) return *err;
        free_port(p);
        if (p.drop.empty()) p.drop = new_id();
        p.box = box;
        p.splitter = splitter;
        p.port = port;
        auto& s = splitters[splitter];
        s.output[static_cast<size_t>(port - 1)] = p.drop;
        s.json.clear();
        touch("splitters");
    }
    p.updated_at = now;
    p.json_prefix.clear();
    touch("properties");
    return std::nullopt;
}

std::optional<SimError> Network::disconnect_drop(const std::string& drop, const std::string& now) {
    auto it = std::find_if(properties.begin(), properties.end(),
                           [&](const auto& kv) { return !drop.empty() && kv.second.drop == drop; });
    if (it == properties.end()) return SimError{404, "cable " + drop + " not found"};
    SimProperty& p = it->second;
    free_port(p);
    p.splitter.clear();
    p.port = 0;
    p.updated_at = now;
    p.json_prefix.clear();
    touch("properties");
    return std::nullopt;
}

std::optional<SimError> Network::delete_property(const std::string& id) {
    auto it = properties.find(id);
    if (it == properties.end()) return SimError{404, "property " + id + " not found"};
    free_port(it->second);
    unindex_property(it->second);
    properties.erase(it);
    touch("properties");
    return std::nullopt;
}

namespace {
std::optional<SimError> apply_client_update(std::unordered_map<std::string, std::string>& by_code,
                                            SimClient& c, const Object::Ptr& o, const std::string& now) {
    try {
        if (o->has("code")) {
            std::string code = get_str(o, "code");
            auto other = by_code.find(code);
            if (other != by_code.end() && other->second != c.id)
                return SimError{409, "a client with code " + code + " already exists"};
            by_code.erase(c.code);
            by_code[code] = c.id;
            c.code = code;
        }
        c.implanted = get_bool(o, "implanted", c.implanted);
        c.certified = get_bool(o, "certified", c.certified);
        if (o->has("name")) c.name = get_str(o, "name");
        if (o->has("observation")) c.observation = get_str(o, "observation");
    } catch (const std::exception& e) {
        return SimError{400, e.what()};
    }
    c.updated_at = now;
    c.json.clear();
    return std::nullopt;
}
} // namespace

std::optional<SimError> Network::patch_client(const std::string& id, const std::string& body,
                                              const std::string& now) {
    auto it = clients.find(id);
    if (it == clients.end()) return SimError{404, "ftth-client " + id + " not found"};
    Object::Ptr o;
    try {
        o = parse_object(body);
    } catch (const std::exception& e) {
        return SimError{400, e.what()};
    }
    auto err = apply_client_update(m_client_by_code, it->second, o, now);
    touch("ftth-clients");
    touch("properties");
    return err;
}

std::optional<SimError> Network::batch_update_clients(const std::string& body, const std::string& now) {
    Object::Ptr o, update;
    std::vector<std::string> ids;
    try {
        o = parse_object(body);
        update = o->getObject("update");
        auto filter = o->getArray("filter");
        if (!update || !filter) return SimError{400, "batch-update needs 'update' and 'filter'"};
        for (size_t i = 0; i < filter->size(); ++i) {
            auto cond = filter->getObject(static_cast<unsigned>(i));
            if (!cond || get_str(cond, "property") != "id" || get_str(cond, "operator") != "in")
                return SimError{422, "batch-update filter must be [{property:id, operator:in, value:[ids]}]"};
            auto values = cond->getArray("value");
            if (!values) return SimError{422, "batch-update filter value must be an array"};
            for (size_t j = 0; j < values->size(); ++j)
                ids.push_back(values->get(static_cast<unsigned>(j)).convert<std::string>());
        }
    } catch (const std::exception& e) {
        return SimError{400, e.what()};
    }
    for (const auto& id : ids) {
        auto it = clients.find(id);
        if (it == clients.end()) continue;
        if (auto err = apply_client_update(m_client_by_code, it->second, update, now)) return err;
    }
    touch("ftth-clients");
    touch("properties");
    return std::nullopt;
}

std::optional<SimError> Network::delete_client(const std::string& id) {
    auto it = clients.find(id);
    if (it == clients.end()) return SimError{404, "ftth-client " + id + " not found"};
    m_client_by_code.erase(it->second.code);
    clients.erase(it);
    if (auto ps = m_properties_by_client.find(id); ps != m_properties_by_client.end()) {
        for (const auto& pid : ps->second) {
            auto& p = properties.at(pid);
            p.client.clear();
            p.json_prefix.clear();
        }
        m_properties_by_client.erase(ps);
    }
    touch("ftth-clients");
    touch("properties");
    return std::nullopt;
}

std::variant<std::string, SimError> Network::create_user(const std::string& body) {
    SimUser u;
    try {
        u = user_from_json(parse_object(body));
    } catch (const std::exception& e) {
        return SimError{400, e.what()};
    }
    if (u.username.empty() || u.password.empty()) return SimError{422, "username and password are required"};
    for (const auto& [id, other] : users)
        if (other.username == u.username) return SimError{409, "username " + u.username + " is taken"};
    u.id = new_id();
    users[u.id] = u;
    touch("users");
    return json(users[u.id]);
}

std::optional<SimError> Network::patch_user(const std::string& id, const std::string& body) {
    auto it = users.find(id);
    if (it == users.end()) return SimError{404, "user " + id + " not found"};
    try {
        auto o = parse_object(body);
        SimUser& u = it->second;
        if (o->has("projects")) u.projects = user_projects(o);
        if (o->has("role")) u.role = get_str(o, "role");
        if (o->has("name")) u.name = get_str(o, "name");
        if (o->has("email")) u.email = get_str(o, "email");
        if (o->has("password")) u.password = get_str(o, "password");
        u.json.clear();
    } catch (const std::exception& e) {
        return SimError{400, e.what()};
    }
    touch("users");
    return std::nullopt;
}

} // namespace oznsync::sim
