#include "sim/network.hpp"

#include "sim/fixture.hpp"
#include "util/json_writer.hpp"

#include <algorithm>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <cstdio>
#include <stdexcept>

namespace oznsync::sim {

using Poco::JSON::Array;
using Poco::JSON::Object;

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

void Network::free_port(const SimProperty& p, const std::string& now) {
    auto s = splitters.find(p.splitter);
    if (s == splitters.end() || p.port < 1 || p.port > static_cast<int>(s->second.output.size())) return;
    auto& slot = s->second.output[static_cast<size_t>(p.port - 1)];
    if (slot && *slot == p.drop) {
        slot.reset();
        s->second.updated_at = now;
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
                other.updated_at = now;
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
    s.updated_at = now;
    s.json.clear();
    touch("splitters");
    properties[p.id] = p;
    index_property(p);
    touch("properties");
    return to_json(*this, properties[p.id], false);
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
        free_port(p, now);
        if (p.drop.empty()) p.drop = new_id();
        p.box = box;
        p.splitter = splitter;
        p.port = port;
        auto& s = splitters[splitter];
        s.output[static_cast<size_t>(port - 1)] = p.drop;
        s.updated_at = now;
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
    free_port(p, now);
    p.splitter.clear();
    p.port = 0;
    p.updated_at = now;
    p.json_prefix.clear();
    touch("properties");
    return std::nullopt;
}

std::optional<SimError> Network::delete_property(const std::string& id, const std::string& now) {
    auto it = properties.find(id);
    if (it == properties.end()) return SimError{404, "property " + id + " not found"};
    free_port(it->second, now);
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

std::optional<SimError> Network::delete_client(const std::string& id, const std::string& now) {
    auto it = clients.find(id);
    if (it == clients.end()) return SimError{404, "ftth-client " + id + " not found"};
    m_client_by_code.erase(it->second.code);
    clients.erase(it);
    if (auto ps = m_properties_by_client.find(id); ps != m_properties_by_client.end()) {
        for (const auto& pid : ps->second) {
            auto& p = properties.at(pid);
            p.client.clear();
            p.updated_at = now;
            p.json_prefix.clear();
        }
        m_properties_by_client.erase(ps);
    }
    touch("ftth-clients");
    touch("properties");
    return std::nullopt;
}

std::optional<SimError> Network::edit(const std::string& body, const std::string& now) {
    try {
        auto o = parse_object(body);
        const std::string collection = get_str(o, "collection"), id = get_str(o, "id");
        auto set = o->getObject("set");
        if (!set) return SimError{400, "touch needs 'set': the fields to change"};
        if (collection == "boxes") {
            auto it = boxes.find(id);
            if (it == boxes.end()) return SimError{404, "box " + id + " not found"};
            SimBox& b = it->second;
            b.draft = get_bool(set, "draft", b.draft);
            b.implanted = get_bool(set, "implanted", b.implanted);
            if (set->has("name")) b.name = get_str(set, "name");
            b.updated_at = now;
            b.json.clear();
            touch("boxes");
            return std::nullopt;
        }
        if (collection == "splitters") {
            auto it = splitters.find(id);
            if (it == splitters.end()) return SimError{404, "splitter " + id + " not found"};
            SimSplitter& s = it->second;
            s.implanted = get_bool(set, "implanted", s.implanted);
            if (auto blocked = set->getArray("blocked")) {
                std::fill(s.blocked.begin(), s.blocked.end(), false);
                for (size_t i = 0; i < blocked->size(); ++i) {
                    const int port = blocked->getElement<int>(static_cast<unsigned>(i));
                    if (port < 1 || port > static_cast<int>(s.blocked.size()))
                        return SimError{422, "splitter " + id + " has no port " + std::to_string(port)};
                    s.blocked[static_cast<size_t>(port - 1)] = true;
                }
            }
            s.updated_at = now;
            s.json.clear();
            touch("splitters");
            return std::nullopt;
        }
        return SimError{400, "touch: collection must be boxes or splitters"};
    } catch (const std::exception& e) {
        return SimError{400, e.what()};
    }
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
    return to_json(users[u.id]);
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
        if (o->has("external_id")) u.external_id = get_str(o, "external_id");
        u.json.clear();
    } catch (const std::exception& e) {
        return SimError{400, e.what()};
    }
    touch("users");
    return std::nullopt;
}

} // namespace oznsync::sim
