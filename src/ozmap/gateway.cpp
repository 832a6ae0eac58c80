#include "ozmap/gateway.hpp"

#include "core/ownership.hpp"

#include "ozmap/ozmap_client.hpp"
#include "util/json_writer.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <simdjson.h>

namespace oznsync {

namespace {
/// What OZmap would have answered a create that took effect: the new object's ids.
HttpResponse created(const std::string& id, const std::string& client_id = "") {
    HttpResponse r;
    r.status = 201;
    JsonWriter w(r.body);
    w.begin_object().field("id", id);
    if (!client_id.empty()) w.field("client", client_id);
    w.end_object();
    return r;
}

/// An answer as the apply reads it: a create's ids, or a refusal's message (OZmap's `message` when it
/// gave one, else the body's start).
WriteResult result_of(const HttpResponse& resp, Creates creates) {
    WriteResult r;
    r.status = resp.status;
    Poco::JSON::Object::Ptr o;
    try {
        o = Poco::JSON::Parser().parse(resp.body).extract<Poco::JSON::Object::Ptr>();
    } catch (const Poco::Exception&) { // not a JSON object: an empty 204, or an error page
        o = nullptr;
    }
    if (r.ok()) {
        if (o && creates == Creates::Property) {
            r.property_id = o->optValue<std::string>("id", "");
            const auto client = o->get("client");
            r.client_id = client.isString() ? client.convert<std::string>() : "";
        } else if (o && creates == Creates::User) {
            r.user_id = o->optValue<std::string>("id", "");
        }
        return r;
    }
    r.message = "HTTP " + std::to_string(resp.status);
    if (o && o->has("message") && o->get("message").isString())
        r.message += ": " + clean_message(o->getValue<std::string>("message"));
    else if (!resp.body.empty())
        r.message += ": " + clean_message(resp.body, 200);
    return r;
}
} // namespace

WriteResult HttpGateway::write(const WriteRequest& r) {
    HttpResponse resp;
    switch (r.creates) {
    case Creates::Property: // a create whose answer is lost is looked up by its client code before a re-send
        resp = m_client.create(r.route, r.body, [&]() -> std::optional<HttpResponse> {
            for (const Property& p : m_client.find_by_client_code(r.code))
                if (p.client_code == r.code && p.external_id == r.external_id)
                    return created(p.id.str(), p.client_id.str());
            return std::nullopt;
        });
        break;
    case Creates::User:
        resp = m_client.create(r.route, r.body, [&]() -> std::optional<HttpResponse> {
            if (auto user = m_client.find_user(r.username)) return created(user->id);
            return std::nullopt;
        });
        break;
    case Creates::Nothing:
        resp = m_client.send(r.method, r.route, r.body);
        break;
    }
    return result_of(resp, r.creates);
}

std::vector<Property> HttpGateway::find_by_code(const std::string& code) {
    return m_client.find_by_client_code(code);
}

std::optional<std::map<std::string, std::vector<Property>>>
HttpGateway::find_by_codes(const std::vector<std::string>& codes) {
    return m_client.find_by_client_codes(codes);
}

bool HttpGateway::credentials_work(const std::string& username, const std::string& password) {
    return m_client.credentials_work(username, password);
}

std::optional<std::string> HttpGateway::user_external_id(const std::string& username) {
    if (auto u = m_client.find_user(username)) return u->external_id;
    return std::nullopt;
}

namespace {
/// A body as plan.json holds it: the JSON value itself. Our bodies are JSON; masking a secret can only
/// break one when the secret spans JSON's own characters, and such a body is kept as a string of its text.
std::string recorded_body(const std::string& body) {
    std::string masked = mask_secrets(body);
    if (masked.empty() || masked == body) return masked;
    simdjson::dom::parser parser;
    if (!parser.parse(simdjson::padded_string(masked)).error()) return masked;
    std::string quoted;
    append_json_string(quoted, masked);
    return quoted;
}
} // namespace

WriteResult RecordingGateway::write(const WriteRequest& r) {
    m_requests->add({r.method, r.route, recorded_body(r.body)}); // what plan.json lists
    WriteResult done;
    done.status = r.method == "POST" ? 201 : 204;
    return done;
}

WriteRequest create_request(const Change& c) {
    std::string body;
    JsonWriter w(body);
    w.begin_object()
        .field("project", c.project)
        .field("box", c.target.box)
        .field("connector", c.target.splitter);
    w.field("port", c.target.port).key("coords").begin_array().value(c.lng).value(c.lat).end_array();
    w.field("address", c.address).field("auto_connect", false).field("force", false);
    w.field("external_id", external_id_for(IdText(c.sale_id)));
    w.key("client").begin_object().field("code", c.code).field("name", c.client_name);
    w.field("observation", "OZneutral sale " + c.sale_id + (c.partner.empty() ? "" : " (" + c.partner + ")"));
    w.field("implanted", c.implanted).end_object().end_object();
    WriteRequest r{"POST", "properties", body};
    r.creates = Creates::Property;
    r.code = c.code;
    r.external_id = external_id_for(IdText(c.sale_id));
    return r;
}

WriteRequest move_request(const Change& c) {
    std::string body;
    JsonWriter(body)
        .begin_object()
        .field("box", c.target.box)
        .field("connector", c.target.splitter)
        .field("port", c.target.port)
        .end_object();
    return {"PATCH", "properties/" + url_encode(IdText(c.property_id)), body};
}

WriteRequest implanted_request(const std::string& client_id, bool implanted) {
    std::string body;
    JsonWriter(body).begin_object().field("implanted", implanted).end_object();
    return {"PATCH", "ftth-clients/" + url_encode(client_id), body};
}

WriteRequest batch_implanted_request(const std::vector<std::string>& ids, bool implanted) {
    std::string body;
    JsonWriter w(body);
    w.begin_object().key("update").begin_object().field("implanted", implanted).end_object();
    w.key("filter").begin_array().begin_object().field("property", "id").field("operator", "in").key("value");
    w.begin_array();
    for (const auto& id : ids)
        w.value(id);
    w.end_array().end_object().end_array().end_object();
    return {"POST", "ftth-clients/batch-update", body};
}

std::vector<WriteRequest> remove_requests(const Change& c) {
    // The port is freed first (the property deleted, or disconnected through its drop cable), then the
    // client deleted: a run killed in between leaves a client without a port, which the next pull sees
    // (it reads the owned clients by code) and the next plan finishes removing.
    std::vector<WriteRequest> out;
    if (c.keep_property) {
        if (!c.drop.empty())
            out.push_back({"POST", "cables/" + url_encode(IdText(c.drop)) + "/fibers/disconnect", ""});
    } else if (!c.property_id.empty()) {
        out.push_back({"DELETE", "properties/" + url_encode(IdText(c.property_id)), ""});
    }
    if (!c.client_id.empty())
        out.push_back({"DELETE", "ftth-clients/" + url_encode(IdText(c.client_id)), ""});
    return out;
}

WriteRequest adopt_request(const Change& c) {
    std::string body;
    JsonWriter(body).begin_object().field("external_id", external_id_for(IdText(c.sale_id))).end_object();
    return {"PATCH", "properties/" + url_encode(IdText(c.property_id)), body};
}

} // namespace oznsync

namespace oznsync {

namespace {
void user_projects(JsonWriter& w, const Change& c, const std::string& role) {
    w.key("projects").begin_array();
    for (const auto& p : c.user->projects)
        // fromGroup: a direct grant, not one through a project group (CreateUserDTO requires it).
        w.begin_object().field("project", p).field("role", role).field("fromGroup", false).end_object();
    w.end_array();
}
} // namespace

WriteRequest user_create_request(const Change& c, const std::string& role,
                                 const std::vector<std::string>& resources, const std::string& password) {
    std::string body;
    JsonWriter w(body);
    w.begin_object()
        .field("username", c.user->username)
        .field("password", password)
        .field("email", c.user->email);
    w.field("name", c.partner.empty() ? c.user->username : c.partner)
        .field("role", role)
        .key("resources")
        .begin_array();
    for (const auto& r : resources)
        w.value(r);
    w.end_array();
    user_projects(w, c, role);
    w.key("projectGroups").begin_array().end_array();
    w.field("observation", "OZneutral partner (partnership " + c.sale_id + "), managed by oznsync");
    w.field("locale", "pt-BR")
        .field("external_id", partner_external_id(partner_of_username(c.user->username)));
    w.end_object();
    WriteRequest r{"POST", "users", body};
    r.creates = Creates::User;
    r.username = c.user->username;
    return r;
}

WriteRequest user_update_request(const Change& c, const std::string& role) {
    std::string body;
    JsonWriter w(body);
    w.begin_object();
    user_projects(w, c, role);
    w.end_object();
    return {"PATCH", "users/" + url_encode(IdText(c.user->user_id)), body};
}

WriteRequest user_claim_request(const Change& c) {
    std::string body;
    JsonWriter(body)
        .begin_object()
        .field("external_id", partner_external_id(partner_of_username(c.user->username)))
        .end_object();
    return {"PATCH", "users/" + url_encode(IdText(c.user->user_id)), body};
}

WriteRequest user_password_request(const Change& c, const std::string& password) {
    std::string body;
    JsonWriter(body).begin_object().field("password", password).end_object();
    return {"PATCH", "users/" + url_encode(IdText(c.user->user_id)), body};
}

} // namespace oznsync
