#include "ozmap/ozmap_client.hpp"

#include "ozmap/row_checks.hpp"
#include "util/error.hpp"
#include "util/json_writer.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <Poco/URI.h>
#include <spdlog/spdlog.h>

#include <set>

namespace oznsync {

namespace {
HttpOptions ozmap_http_options(const OzmapConfig& c) {
    // The run's clock starts with its first client: every later request shares one deadline.
    static const auto started = std::chrono::steady_clock::now();
    HttpOptions o = http_options(c);
    o.gzip = c.gzip;
    o.max_in_flight = c.concurrency;
    if (c.run_timeout_s > 0) o.run_deadline = started + std::chrono::seconds(c.run_timeout_s);
    return o;
}
} // namespace

OzmapClient::OzmapClient(const OzmapConfig& config)
    : m_config(config),
      m_api("OZmap", config.url, ozmap_http_options(config), retry_policy(config), config.max_rps) {
    m_api.set_authorization([this] {
        if (!m_config.api_key.empty()) return m_config.api_key;
        std::lock_guard lock(m_token_mutex);
        return m_token;
    });
    if (m_config.api_key.empty()) m_api.set_reauthenticate([this] { return login(); });
}

void OzmapClient::authenticate() {
    if (m_config.api_key.empty() && !login())
        throw AuthError("OZmap refused the login of ozmap.username '" + m_config.username + "'");
}

bool OzmapClient::credentials_work(const std::string& username, const std::string& password) {
    std::string body;
    JsonWriter(body).begin_object().field("login", username).field("password", password).end_object();
    ApiClient plain("OZmap", m_config.url, http_options(m_config), retry_policy(m_config), m_config.max_rps);
    HttpResponse r;
    try {
        r = plain.call({"POST", "/api/v2/users/login?type=API", body, "application/json"});
    } catch (const AuthError&) { // 401/403: the password does not work
        return false;
    }
    if (r.status == 401 || r.status == 403 || r.status == 400 || r.status == 404) return false;
    if (r.status < 200 || r.status >= 300)
        throw UnavailableError("OZmap login (to verify a password) answered HTTP " +
                               std::to_string(r.status));
    return true;
}

bool OzmapClient::login() {
    std::string body;
    JsonWriter w(body);
    w.begin_object().field("login", m_config.username).field("password", m_config.password).end_object();
    // `type=API`, as the official SDK logs in: an integration's session, not a person's.
    HttpRequest req{"POST", "/api/v2/users/login?type=API", body, "application/json"};
    HttpResponse r;
    // The login goes through the retry loop too, but must not recurse into re-authentication.
    ApiClient plain("OZmap", m_config.url, http_options(m_config), retry_policy(m_config), m_config.max_rps);
    r = plain.call(req);
    if (r.status == 401 || r.status == 403 || r.status == 400 || r.status == 404) return false;
    if (r.status < 200 || r.status >= 300)
        throw UnavailableError("OZmap login answered HTTP " + std::to_string(r.status));
    try {
        auto obj = Poco::JSON::Parser().parse(r.body).extract<Poco::JSON::Object::Ptr>();
        std::string token = obj->optValue<std::string>("authorization", "");
        if (token.empty()) return false;
        register_secret(token);
        std::lock_guard lock(m_token_mutex);
        m_token = token;
        return true;
    } catch (const Poco::Exception&) {
        throw UnavailableError("OZmap login answered something that is not JSON");
    }
}

HttpResponse OzmapClient::get(const std::string& route) {
    return m_api.call({"GET", "/api/v2/" + route, "", ""});
}

HttpResponse OzmapClient::send(const std::string& method, const std::string& route, const std::string& body) {
    return m_api.call({method, "/api/v2/" + route, body, "application/json"});
}

HttpResponse OzmapClient::create(const std::string& route, const std::string& body,
                                 const ApiClient::AppliedCheck& applied) {
    return m_api.call_once_only({"POST", "/api/v2/" + route, body, "application/json"}, applied);
}

namespace {
/// The `rows` of a small list answer (users, roles), or UnavailableError naming the route.
Poco::JSON::Array::Ptr rows_of(const HttpResponse& r, const std::string& what) {
    if (r.status != 200)
        throw UnavailableError("OZmap GET /" + what + " answered HTTP " + std::to_string(r.status));
    try {
        auto rows = Poco::JSON::Parser().parse(r.body).extract<Poco::JSON::Object::Ptr>()->getArray("rows");
        if (!rows) throw UnavailableError("OZmap GET /" + what + " gave no rows");
        return rows;
    } catch (const Poco::Exception& e) {
        throw UnavailableError("OZmap GET /" + what + " is not JSON: " + e.displayText());
    }
}
} // namespace

std::optional<ExistingUser> OzmapClient::find_user(const std::string& username) {
    // The filter goes where ozmap.filter_in says, as every list's does: a server that reads filters from
    // the body alone would otherwise answer every user, and the partner users be POSTed again.
    ListQuery q;
    q.collection = "users";
    q.limit = 5;
    q.filter = {filter_eq("username", username)};
    const bool in_body = m_config.filter_in_body;
    auto rows = rows_of(m_api.call({"GET", "/api/v2/" + list_path(q, 1, in_body), in_body ? list_body(q) : "",
                                    "application/json"}),
                        "users");
    for (size_t i = 0; i < rows->size(); ++i) {
        auto u = rows->getObject(static_cast<unsigned>(i));
        if (!u || u->optValue<std::string>("username", "") != username) continue;
        ExistingUser found{
            u->optValue<std::string>("id", ""), username, {}, u->optValue<std::string>("external_id", "")};
        if (auto ps = u->getArray("projects"))
            for (size_t k = 0; k < ps->size(); ++k)
                if (auto po = ps->getObject(static_cast<unsigned>(k)))
                    found.projects.push_back(po->optValue<std::string>("project", ""));
        return found;
    }
    return std::nullopt;
}

std::optional<std::string> OzmapClient::find_role_id(const std::string& name) {
    auto rows = rows_of(get("roles?limit=500"), "roles");
    for (size_t i = 0; i < rows->size(); ++i) {
        auto r = rows->getObject(static_cast<unsigned>(i));
        if (r && r->optValue<std::string>("name", "") == name) return r->optValue<std::string>("id", "");
    }
    return std::nullopt;
}

std::vector<Project> OzmapClient::list_projects() {
    std::vector<Project> out;
    ListQuery q;
    q.collection = "projects";
    q.limit = m_config.page_size;
    fetch_all<Project>(*this, q, 1, parse_projects_page,
                       [&](Page<Project>& p) { out.insert(out.end(), p.rows.begin(), p.rows.end()); });
    // The projects are checked like every other row: one that is not usable is left out and said, and a
    // list that names a project twice is not a list to pull from.
    std::set<std::string> seen;
    std::vector<Project> usable;
    for (auto& p : out) {
        if (std::string why = unusable(p); !why.empty()) {
            spdlog::warn("OZmap project {} skipped: {}", clean_message(p.id, 64), why);
            continue;
        }
        if (!seen.insert(p.id).second)
            throw UnavailableError("OZmap projects: project " + p.id +
                                   " is listed twice; the pull stops here");
        usable.push_back(std::move(p));
    }
    return usable;
}

std::optional<Project> OzmapClient::get_project(const std::string& id) {
    // Read it as a one-row list, so the one page parser serves.
    ListQuery q;
    q.collection = "projects";
    q.limit = 1;
    q.filter = {filter_eq("id", id)};
    std::optional<Project> found;
    fetch_all<Project>(*this, q, 1, parse_projects_page, [&](Page<Project>& p) {
        for (auto& row : p.rows)
            if (row.id == id) found = row;
    });
    return found;
}

std::vector<Property> OzmapClient::find_by_client_code(const std::string& code) {
    std::vector<Property> out;
    HttpResponse r = m_api.call({"GET", "/api/v2/properties/client/" + url_encode(code), "", ""},
                                [&](HttpResponse& resp) { out = parse_property_array(resp.body); });
    if (r.status == 404) return {};
    if (r.status >= 300)
        throw UnavailableError("OZmap GET /properties/client/" + code + " answered HTTP " +
                               std::to_string(r.status));
    return out;
}

std::optional<std::map<std::string, std::vector<Property>>>
OzmapClient::find_by_client_codes(const std::vector<std::string>& codes) {
    std::map<std::string, std::vector<Property>> out;
    if (codes.empty()) return out;
    bool whole = true;
    ListQuery q;
    q.limit = m_config.page_size;
    q.collection = "ftth-clients";
    q.filter = {filter_in("code", codes)};
    std::vector<std::string> clients;
    fetch_all<Client>(*this, q, 1, parse_clients_page, [&](Page<Client>& page) {
        whole = whole && page.problems.empty();
        for (const auto& c : page.rows)
            clients.push_back(c.id);
    });
    if (!whole) return std::nullopt;
    if (clients.empty()) return out;
    q.collection = "properties";
    q.filter = {filter_in("client", clients)};
    q.populate = "client";
    fetch_all<Property>(*this, q, 1, parse_properties_page, [&](Page<Property>& page) {
        whole = whole && page.problems.empty();
        for (auto& p : page.rows)
            out[p.client_code].push_back(std::move(p));
    });
    if (!whole) return std::nullopt;
    return out;
}

std::string OzmapClient::next_page_route(const ListQuery& q, const std::string& next_url,
                                         bool filter_in_body) {
    // Absolute, root-relative or relative to /api/v2/: only its query matters.
    const Poco::URI uri(Poco::URI("http://ozmap.invalid/api/v2/"), next_url);
    std::string cursor;
    for (const auto& [key, value] : uri.getQueryParameters()) {
        if (key == "page" || key == "limit" || key == "select" || key == "populate" || key == "filter" ||
            key == "sort")
            continue;
        cursor += "&" + url_encode(key) + "=" + url_encode(value);
    }
    // list_path's page 1 carries the list's own parameters; the cursor replaces the page number.
    std::string route = list_path(q, 1, filter_in_body);
    const std::string page_one = "?page=1&";
    route.replace(route.find(page_one), page_one.size(), "?");
    return route + cursor;
}

} // namespace oznsync
