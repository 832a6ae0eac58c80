#include "store/change_codec.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <stdexcept>

namespace oznsync {

namespace {
void port_ref(JsonWriter& w, const char* key, const PortRef& p) {
    w.key(key);
    if (p.empty()) {
        w.null();
        return;
    }
    w.begin_object().field("box", p.box).field("splitter", p.splitter).field("port", p.port).end_object();
}

PortRef port_ref(const Poco::JSON::Object::Ptr& o, const char* key) {
    PortRef p;
    if (!o->has(key) || o->isNull(key)) return p;
    auto r = o->getObject(key);
    p.box = r->optValue<std::string>("box", "");
    p.splitter = r->optValue<std::string>("splitter", "");
    p.port = r->optValue<int>("port", 0);
    return p;
}
/// The fields only some actions have: a create's client, a kept property, a partner user's (and, for the
/// journal, whether the user is being claimed).
void action_fields(JsonWriter& w, const Change& c, bool with_claim) {
    if (c.action == Action::Create)
        w.field("client_name", c.client_name).field("lat", c.lat).field("lng", c.lng);
    if (c.action == Action::Remove && c.keep_property) w.field("keep_property", true).field("drop", c.drop);
    if (c.action != Action::UserCreate && c.action != Action::UserUpdate) return;
    w.field("username", c.user->username).field("user_id", c.user->user_id).field("email", c.user->email);
    if (c.user->reset_password) w.field("reset_password", true);
    if (with_claim && c.user->claim_user) w.field("claim_user", true);
    w.key("projects").begin_array();
    for (const auto& p : c.user->projects)
        w.value(p);
    w.end_array();
}
} // namespace

void write_change(JsonWriter& w, const Change& c) {
    w.begin_object().field("action", action_name(c.action));
    w.field("sale_id", c.sale_id)
        .field("code", c.code)
        .field("partner", c.partner)
        .field("project", c.project);
    port_ref(w, "target", c.target);
    port_ref(w, "from", *c.from);
    if (!c.box_name.empty()) w.field("box_name", c.box_name);
    if (!c.splitter_name.empty()) w.field("splitter_name", c.splitter_name);
    w.field("property_id", c.property_id).field("client_id", c.client_id).field("implanted", c.implanted);
    if (!c.address.empty()) w.field("address", c.address);
    action_fields(w, c, false);
    w.field("before", c.before.view())
        .field("after", c.after.view())
        .field("reason", c.reason.view())
        .end_object();
}

std::string change_to_json(const Change& c) {
    std::string out;
    JsonWriter w(out);
    write_change(w, c);
    return out;
}

std::string journal_payload(const Change& c) {
    std::string out;
    JsonWriter w(out);
    w.begin_object();
    if (!c.from->empty()) port_ref(w, "from", *c.from);
    if (!c.box_name.empty()) w.field("box_name", c.box_name);
    if (!c.splitter_name.empty()) w.field("splitter_name", c.splitter_name);
    if (!c.property_id.empty()) w.field("property_id", c.property_id);
    if (!c.client_id.empty()) w.field("client_id", c.client_id);
    if (c.implanted) w.field("implanted", true);
    if (!c.address.empty()) w.field("address", c.address);
    action_fields(w, c, true);
    w.end_object();
    return out;
}

Change change_from_row(Change c, const std::string& payload) {
    try {
        auto o = Poco::JSON::Parser().parse(payload).extract<Poco::JSON::Object::Ptr>();
        const auto text = [&](const char* key, auto& into) { // a string or an Id
            if (o->has(key) && !o->isNull(key)) into = o->getValue<std::string>(key);
        };
        const auto flag = [&](const char* key, bool& into) {
            if (o->has(key)) into = o->getValue<bool>(key);
        };
        // An older row's payload repeats its columns (the same values); only what has no column is read.
        if (PortRef from = port_ref(o, "from"); !from.empty()) c.from.edit() = std::move(from);
        text("box_name", c.box_name);
        text("splitter_name", c.splitter_name);
        text("property_id", c.property_id);
        text("client_id", c.client_id);
        flag("implanted", c.implanted);
        text("address", c.address);
        text("client_name", c.client_name);
        if (o->has("lat")) c.lat = o->getValue<double>("lat");
        if (o->has("lng")) c.lng = o->getValue<double>("lng");
        flag("keep_property", c.keep_property);
        text("drop", c.drop);
        UserChange u; // a partner user's fields (an older row's payload has them empty for every action)
        text("username", u.username);
        text("user_id", u.user_id);
        text("email", u.email);
        flag("reset_password", u.reset_password);
        flag("claim_user", u.claim_user);
        if (auto ps = o->getArray("projects"))
            for (size_t i = 0; i < ps->size(); ++i)
                u.projects.push_back(ps->getElement<std::string>(static_cast<unsigned>(i)));
        if (!u.username.empty() || !u.user_id.empty() || !u.email.empty() || !u.projects.empty() ||
            u.reset_password || u.claim_user)
            c.user.edit() = std::move(u);
    } catch (const Poco::Exception& e) {
        throw std::runtime_error("saved change is not readable: " + e.displayText());
    }
    return c;
}

} // namespace oznsync
