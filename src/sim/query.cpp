#include "sim/query.hpp"

#include "util/strings.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

namespace oznsync::sim {

using Poco::JSON::Array;
using Poco::JSON::Object;

namespace {

std::vector<std::string> var_strings(const Poco::Dynamic::Var& v);

Condition to_condition(const Object::Ptr& o) {
    if (!o || !o->has("property") || !o->has("operator"))
        throw BadQuery("filter condition needs 'property' and 'operator'");
    Condition c{
        o->getValue<std::string>("property"), o->getValue<std::string>("operator"), o->get("value"), {}};
    static const char* ops[] = {"=", "eq", "!=", "in", "notin", "like", "<", "<=", ">", ">=", "exists"};
    bool known = false;
    for (auto op : ops)
        known = known || c.op == op;
    if (!known) throw BadQuery("unsupported filter operator '" + c.op + "'");
    if (c.op == "eq") c.op = "=";
    if (c.op == "in" || c.op == "notin") {
        c.values = var_strings(c.value);
        std::sort(c.values.begin(), c.values.end());
    }
    return c;
}

std::string var_string(const Poco::Dynamic::Var& v) {
    return v.isEmpty() ? "" : v.convert<std::string>();
}

std::vector<std::string> var_strings(const Poco::Dynamic::Var& v) {
    std::vector<std::string> out;
    if (v.type() == typeid(Array::Ptr)) {
        auto a = v.extract<Array::Ptr>();
        for (size_t i = 0; i < a->size(); ++i)
            out.push_back(a->get(static_cast<unsigned>(i)).convert<std::string>());
    } else if (!v.isEmpty()) {
        out.push_back(v.convert<std::string>());
    }
    return out;
}

bool var_bool(const Poco::Dynamic::Var& v) {
    if (v.type() == typeid(bool)) return v.extract<bool>();
    std::string s = to_lower(var_string(v));
    return s == "true" || s == "1";
}

FieldValue opt(const std::string& s) {
    return s.empty() ? FieldValue(nullptr) : FieldValue(s);
}

} // namespace

Filter parse_filter(const std::string& json) {
    Filter f;
    if (trim(json).empty()) return f;
    Poco::Dynamic::Var root;
    try {
        root = Poco::JSON::Parser().parse(json);
    } catch (const Poco::Exception& e) {
        throw BadQuery("filter is not JSON: " + e.displayText());
    }
    Array::Ptr arr;
    if (root.type() == typeid(Array::Ptr)) {
        arr = root.extract<Array::Ptr>();
    } else if (root.type() == typeid(Object::Ptr)) {
        f.push_back({to_condition(root.extract<Object::Ptr>())});
        return f;
    } else {
        throw BadQuery("filter must be an array of conditions");
    }
    for (size_t i = 0; i < arr->size(); ++i) {
        auto el = arr->get(static_cast<unsigned>(i));
        if (el.type() == typeid(Array::Ptr)) {
            auto group = el.extract<Array::Ptr>();
            std::vector<Condition> ors;
            for (size_t j = 0; j < group->size(); ++j)
                ors.push_back(to_condition(group->getObject(static_cast<unsigned>(j))));
            f.push_back(std::move(ors));
        } else if (el.type() == typeid(Object::Ptr)) {
            f.push_back({to_condition(el.extract<Object::Ptr>())});
        } else {
            throw BadQuery("filter element " + std::to_string(i) + " is neither a condition nor a group");
        }
    }
    return f;
}

std::vector<SortKey> parse_sort(const std::string& json) {
    std::vector<SortKey> out;
    if (trim(json).empty()) return out;
    try {
        auto root = Poco::JSON::Parser().parse(json);
        Array::Ptr arr = root.type() == typeid(Array::Ptr) ? root.extract<Array::Ptr>() : new Array;
        if (root.type() == typeid(Object::Ptr)) arr->add(root);
        for (size_t i = 0; i < arr->size(); ++i) {
            auto o = arr->getObject(static_cast<unsigned>(i));
            if (!o) throw BadQuery("sort entries must be objects");
            out.push_back(
                {o->getValue<std::string>("property"), o->optValue<int>("direction", 1) < 0 ? -1 : 1});
        }
    } catch (const Poco::Exception& e) {
        throw BadQuery("sort is not valid: " + e.displayText());
    }
    return out;
}

FieldValue field(const Network&, const SimProject& e, const std::string& p) {
    if (p == "id" || p == "_id") return e.id;
    if (p == "name") return e.name;
    if (p == "identifier") return e.identifier;
    return {};
}

FieldValue field(const Network&, const SimBox& e, const std::string& p) {
    if (p == "id" || p == "_id") return e.id;
    if (p == "project") return e.project;
    if (p == "name") return e.name;
    if (p == "draft") return e.draft;
    if (p == "implanted") return e.implanted;
    if (p == "certified") return e.certified;
    if (p == "shared") return e.shared;
    if (p == "hierarchyLevel") return static_cast<double>(e.hierarchy_level);
    if (p == "updatedAt") return opt(e.updated_at);
    return {};
}

FieldValue field(const Network&, const SimSplitter& e, const std::string& p) {
    if (p == "id" || p == "_id") return e.id;
    if (p == "parent") return e.box;
    if (p == "project") return e.project;
    if (p == "name") return e.name;
    if (p == "isDrop") return e.is_drop;
    if (p == "implanted") return e.implanted;
    if (p == "updatedAt") return opt(e.updated_at);
    return {};
}

FieldValue field(const Network& n, const SimClient& e, const std::string& p) {
    (void)n;
    if (p == "id" || p == "_id") return e.id;
    if (p == "code") return e.code;
    if (p == "name") return e.name;
    if (p == "implanted") return e.implanted;
    if (p == "certified") return e.certified;
    if (p == "status") return static_cast<double>(e.status);
    if (p == "external_id") return opt(e.external_id);
    if (p == "updatedAt") return opt(e.updated_at);
    return {};
}

FieldValue field(const Network& n, const SimProperty& e, const std::string& p) {
    if (p == "id" || p == "_id") return e.id;
    if (p == "project") return e.project;
    if (p == "box") return opt(e.box);
    if (p == "client") return opt(e.client);
    if (p == "external_id") return opt(e.external_id);
    if (p == "address") return e.address;
    if (p == "connections.id") return opt(e.splitter);
    if (p == "updatedAt") return opt(e.updated_at);
    if (p.rfind("client.", 0) == 0) {
        auto it = n.clients.find(e.client);
        if (it == n.clients.end()) return nullptr;
        return field(n, it->second, p.substr(7));
    }
    return {};
}

FieldValue field(const Network&, const SimUser& e, const std::string& p) {
    if (p == "id" || p == "_id") return e.id;
    if (p == "username") return e.username;
    if (p == "email") return e.email;
    if (p == "name") return e.name;
    if (p == "role") return e.role;
    if (p == "projects.project") {
        std::vector<std::string> ps;
        for (const auto& [proj, role] : e.projects)
            ps.push_back(proj);
        return ps;
    }
    return {};
}

FieldValue field(const Network&, const SimRole& e, const std::string& p) {
    if (p == "id" || p == "_id") return e.id;
    if (p == "name") return e.name;
    return {};
}

bool matches(const FieldValue& v, const Condition& c) {
    const bool present =
        !std::holds_alternative<std::monostate>(v) && !std::holds_alternative<std::nullptr_t>(v);
    if (c.op == "exists") return present == var_bool(c.value);
    if (c.op == "=" || c.op == "!=") {
        bool eq;
        if (c.value.isEmpty())
            eq = !present;
        else if (auto b = std::get_if<bool>(&v))
            eq = *b == var_bool(c.value);
        else if (auto d = std::get_if<double>(&v))
            eq = c.value.isNumeric() && *d == c.value.convert<double>();
        else if (auto s = std::get_if<std::string>(&v))
            eq = *s == var_string(c.value);
        else if (auto l = std::get_if<std::vector<std::string>>(&v))
            eq = std::find(l->begin(), l->end(), var_string(c.value)) != l->end();
        else
            eq = false;
        return c.op == "=" ? eq : !eq;
    }
    if (c.op == "in" || c.op == "notin") {
        const auto& values = c.values;
        auto has = [&](const std::string& x) { return std::binary_search(values.begin(), values.end(), x); };
        bool in = false;
        if (auto s = std::get_if<std::string>(&v))
            in = has(*s);
        else if (auto d = std::get_if<double>(&v))
            for (const auto& x : values) {
                double dx;
                in = in || (parse_double(x, dx) && dx == *d);
            }
        else if (auto b = std::get_if<bool>(&v))
            in = has(*b ? "true" : "false");
        else if (auto l = std::get_if<std::vector<std::string>>(&v))
            for (const auto& x : *l)
                in = in || has(x);
        return c.op == "in" ? in : !in;
    }
    if (c.op == "like") {
        auto s = std::get_if<std::string>(&v);
        if (!s) return false;
        std::string needle = to_lower(var_string(c.value));
        // OZmap's like is a case-insensitive pattern; the simulator takes it as a substring, '%' as wildcard.
        std::erase(needle, '%');
        return to_lower(*s).find(needle) != std::string::npos;
    }
    // < <= > >=: numbers numerically, strings lexically (ISO dates compare right).
    int cmp;
    if (auto d = std::get_if<double>(&v)) {
        if (!c.value.isNumeric()) return false;
        double x = c.value.convert<double>();
        cmp = *d < x ? -1 : *d > x ? 1 : 0;
    } else if (auto s = std::get_if<std::string>(&v)) {
        cmp = s->compare(var_string(c.value));
    } else {
        return false;
    }
    if (c.op == "<") return cmp < 0;
    if (c.op == "<=") return cmp <= 0;
    if (c.op == ">") return cmp > 0;
    return cmp >= 0;
}

int compare(const FieldValue& a, const FieldValue& b) {
    if (a.index() != b.index()) return a.index() < b.index() ? -1 : 1;
    if (auto x = std::get_if<bool>(&a)) return *x == std::get<bool>(b) ? 0 : (*x ? 1 : -1);
    if (auto x = std::get_if<double>(&a)) {
        double y = std::get<double>(b);
        return *x < y ? -1 : *x > y ? 1 : 0;
    }
    if (auto x = std::get_if<std::string>(&a)) return x->compare(std::get<std::string>(b));
    return 0;
}

} // namespace oznsync::sim
