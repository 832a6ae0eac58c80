#include "ozmap/gateway.hpp"

#include "ozmap/ozmap_client.hpp"
#include "util/json_writer.hpp"

namespace oznsync {

WriteResult HttpGateway::write(const WriteRequest& r) {
    HttpResponse resp = m_client.send(r.method, r.route, r.body);
    return {resp.status, resp.body};
}

std::vector<Property> HttpGateway::find_by_code(const std::string& code) {
    return m_client.find_by_client_code(code);
}

WriteResult RecordingGateway::write(const WriteRequest& r) {
    return {r.method == "POST" ? 201 : 204, ""};
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
    w.field("external_id", "ozneutral:" + c.sale_id);
    w.key("client").begin_object().field("code", c.code).field("name", c.client_name);
    w.field("observation", "OZneutral sale " + c.sale_id + (c.partner.empty() ? "" : " (" + c.partner + ")"));
    w.field("implanted", c.implanted).end_object().end_object();
    return {"POST", "properties", body};
}

WriteRequest move_request(const Change& c) {
    std::string body;
    JsonWriter(body)
        .begin_object()
        .field("box", c.target.box)
        .field("connector", c.target.splitter)
        .field("port", c.target.port)
        .end_object();
    return {"PATCH", "properties/" + c.property_id, body};
}

WriteRequest implanted_request(const std::string& client_id, bool implanted) {
    std::string body;
    JsonWriter(body).begin_object().field("implanted", implanted).end_object();
    return {"PATCH", "ftth-clients/" + client_id, body};
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
    std::vector<WriteRequest> out;
    if (!c.property_id.empty()) out.push_back({"DELETE", "properties/" + c.property_id, ""});
    if (!c.client_id.empty()) out.push_back({"DELETE", "ftth-clients/" + c.client_id, ""});
    return out;
}

} // namespace oznsync

namespace oznsync {

namespace {
void user_projects(JsonWriter& w, const Change& c, const std::string& role) {
    w.key("projects").begin_array();
    for (const auto& p : c.projects)
        w.begin_object().field("project", p).field("role", role).end_object();
    w.end_array();
}
} // namespace

WriteRequest user_create_request(const Change& c, const std::string& role,
                                 const std::vector<std::string>& resources, const std::string& password) {
    std::string body;
    JsonWriter w(body);
    w.begin_object().field("username", c.username).field("password", password).field("email", c.email);
    w.field("name", c.partner.empty() ? c.username : c.partner)
        .field("role", role)
        .key("resources")
        .begin_array();
    for (const auto& r : resources)
        w.value(r);
    w.end_array();
    user_projects(w, c, role);
    w.key("projectGroups").begin_array().end_array();
    w.field("observation", "OZneutral partner (partnership " + c.sale_id + "), managed by oznsync");
    w.field("locale", "pt-BR").end_object();
    return {"POST", "users", body};
}

WriteRequest user_update_request(const Change& c, const std::string& role) {
    std::string body;
    JsonWriter w(body);
    w.begin_object();
    user_projects(w, c, role);
    w.end_object();
    return {"PATCH", "users/" + c.user_id, body};
}

} // namespace oznsync
