#include "sim/fixture.hpp"

#include "util/json_writer.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <cstdio>
#include <stdexcept>

namespace oznsync::sim {

using Poco::JSON::Object;

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

std::string get_str(const Object::Ptr& o, const std::string& k, const std::string& def) {
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
    u.external_id = get_str(o, "external_id");
    if (auto r = o->getArray("resources"))
        for (size_t i = 0; i < r->size(); ++i)
            u.resources.push_back(r->get(static_cast<unsigned>(i)).convert<std::string>());
    u.projects = user_projects(o);
    return u;
}

namespace {
void coords(JsonWriter& w, double lat, double lng) {
    w.key("coords").begin_array().value(lng).value(lat).end_array();
}
} // namespace

const std::string& to_json(const SimProject& p) {
    if (p.json.empty()) {
        JsonWriter w(p.json);
        w.begin_object().field("id", p.id).field("name", p.name).field("identifier", p.identifier);
        w.field("lat", p.lat).field("lng", p.lng).key("area").null();
        w.key("drop").begin_object().field("maxSize", 300).end_object().end_object();
    }
    return p.json;
}

const std::string& to_json(const SimBox& b) {
    if (b.json.empty()) {
        JsonWriter w(b.json);
        w.begin_object().field("id", b.id).field("name", b.name).field("project", b.project);
        if (b.has_coords)
            coords(w, b.lat, b.lng);
        else
            w.key("coords").null(); // as a damaged OZmap record would come
        w.key("boxType").null().field("hierarchyLevel", b.hierarchy_level).field("implanted", b.implanted);
        w.field("draft", b.draft).field("certified", b.certified).field("shared", b.shared);
        w.key("pole").null().field("address", "");
        if (!b.updated_at.empty()) w.field("updatedAt", b.updated_at);
        w.end_object();
    }
    return b.json;
}

const std::string& to_json(const SimSplitter& s) {
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
        w.end_array();
        if (!s.updated_at.empty()) w.field("updatedAt", s.updated_at);
        w.end_object();
    }
    return s.json;
}

const std::string& to_json(const SimClient& c) {
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

const std::string& to_json(const SimUser& u) {
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
        w.field("observation", u.observation).field("locale", u.locale);
        if (!u.external_id.empty()) w.field("external_id", u.external_id);
        w.end_object();
    }
    return u.json;
}

const std::string& to_json(const SimRole& r) {
    if (r.json.empty()) {
        JsonWriter w(r.json);
        w.begin_object().field("id", r.id).field("name", r.name).key("actions").begin_array().end_array();
        w.end_object();
    }
    return r.json;
}

std::string to_json(const Network& n, const SimProperty& p, bool populate_client) {
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
        auto it = n.clients.find(p.client);
        out += it == n.clients.end() ? std::string("null") : to_json(it->second);
    } else {
        append_json_string(out, p.client);
    }
    out += '}';
    return out;
}

std::string dump_fixture(const Network& n) {
    std::string out;
    out.reserve(1 << 20);
    out += "{\"id_base\":\"";
    char buf[40];
    std::snprintf(buf, sizeof buf, "%016llx\",\"id_counter\":%llu",
                  static_cast<unsigned long long>(n.id_base()),
                  static_cast<unsigned long long>(n.id_counter()));
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
    section("projects", n.projects, [&](const SimProject& e) { return to_json(e); });
    section("boxes", n.boxes, [&](const SimBox& e) { return to_json(e); });
    section("splitters", n.splitters, [&](const SimSplitter& e) { return to_json(e); });
    section("properties", n.properties, [&](const SimProperty& e) { return to_json(n, e, false); });
    section("ftth-clients", n.clients, [&](const SimClient& e) { return to_json(e); });
    section("users", n.users, [&](const SimUser& e) { return to_json(e); });
    section("roles", n.roles, [&](const SimRole& e) { return to_json(e); });
    out += '}';
    return out;
}

namespace {

SimProject read_project(const Object::Ptr& o) {
    SimProject p;
    p.id = get_str(o, "id");
    p.name = get_str(o, "name");
    p.identifier = get_str(o, "identifier");
    p.lat = get_num(o, "lat", 0);
    p.lng = get_num(o, "lng", 0);
    return p;
}

SimBox read_box(const Object::Ptr& o) {
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
    b.updated_at = get_str(o, "updatedAt");
    return b;
}

SimSplitter read_splitter(const Object::Ptr& o) {
    SimSplitter s;
    s.id = get_str(o, "id");
    s.box = get_str(o, "parent");
    s.project = get_str(o, "project");
    s.name = get_str(o, "name");
    s.is_drop = get_bool(o, "isDrop", false);
    s.implanted = get_bool(o, "implanted", true);
    s.updated_at = get_str(o, "updatedAt");
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
    if (auto r = o->getObject("ratio")) size = std::max(size, static_cast<size_t>(get_num(r, "output", 0)));
    s.output.resize(size);
    s.blocked.resize(size, false);
    return s;
}

SimClient read_client(const Object::Ptr& o) {
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
    return c;
}

SimProperty read_property(const Object::Ptr& o) {
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
    return p;
}

SimRole read_role(const Object::Ptr& o) {
    SimRole r;
    r.id = get_str(o, "id");
    r.name = get_str(o, "name");
    return r;
}

/// Continues the id counter past every loaded id that shares the network's prefix: new ids never collide.
void continue_ids(Network& n) {
    char prefix[20];
    std::snprintf(prefix, sizeof prefix, "%016llx", static_cast<unsigned long long>(n.id_base()));
    auto bump = [&](const std::string& id) {
        if (id.size() == 24 && id.compare(0, 16, prefix) == 0)
            n.set_id_counter(std::max<uint64_t>(n.id_counter(), std::stoull(id.substr(16), nullptr, 16)));
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
}

} // namespace

Network load_fixture(const std::string& fixture_json) {
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
    if (root->has("id_base")) n.set_id_base(std::stoull(root->getValue<std::string>("id_base"), nullptr, 16));
    if (root->has("id_counter")) n.set_id_counter(root->getValue<uint64_t>("id_counter"));
    each("projects", [&](const Object::Ptr& o) {
        SimProject e = read_project(o);
        n.projects[e.id] = std::move(e);
    });
    each("boxes", [&](const Object::Ptr& o) {
        SimBox e = read_box(o);
        n.boxes[e.id] = std::move(e);
    });
    each("splitters", [&](const Object::Ptr& o) {
        SimSplitter e = read_splitter(o);
        n.splitters[e.id] = std::move(e);
    });
    each("ftth-clients", [&](const Object::Ptr& o) {
        SimClient e = read_client(o);
        n.clients[e.id] = std::move(e);
    });
    each("properties", [&](const Object::Ptr& o) {
        SimProperty e = read_property(o);
        n.properties[e.id] = std::move(e);
    });
    each("users", [&](const Object::Ptr& o) {
        SimUser e = user_from_json(o);
        n.users[e.id] = std::move(e);
    });
    each("roles", [&](const Object::Ptr& o) {
        SimRole e = read_role(o);
        n.roles[e.id] = std::move(e);
    });
    continue_ids(n);
    n.reindex();
    return n;
}

} // namespace oznsync::sim
