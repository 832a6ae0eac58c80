#include "sim/neutral_api.hpp"

#include "util/ids.hpp"
#include "util/strings.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>
#include <Poco/Net/HTMLForm.h>

#include <sstream>

namespace oznsync::sim {

Feed Feed::parse(const std::string& json) {
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

NeutralApi::NeutralApi(const NeutralOptions& options)
    : m_options(options), m_sales(Feed::parse(options.sales_json)),
      m_partnerships(Feed::parse(options.partnerships_json)), m_projects(Feed::parse(options.projects_json)) {
}

bool NeutralApi::serves(const std::string& path) {
    return path == "/oauth/token" || path == "/serviceInventory/service" || path == "/partnerships" ||
           path == "/projects";
}

void NeutralApi::set_sales(Feed f) {
    std::lock_guard l(m_mutex);
    m_sales = std::move(f);
}

void NeutralApi::set_partnerships(Feed f) {
    std::lock_guard l(m_mutex);
    m_partnerships = std::move(f);
}

void NeutralApi::expire_tokens() {
    std::lock_guard l(m_mutex);
    m_tokens.clear();
}

Reply NeutralApi::token(Poco::Net::HTTPServerRequest& req, const std::string& body) {
    Poco::Net::HTMLForm form;
    std::istringstream in(body);
    try {
        form.load(req, in);
    } catch (const Poco::Exception& e) {
        return error_reply(400, "bad form: " + e.displayText());
    }
    if (form.get("grant_type", "") != "client_credentials" ||
        form.get("client_id", "") != m_options.client_id ||
        form.get("client_secret", "") != m_options.client_secret || m_options.client_id.empty())
        return error_reply(401, "invalid_client");
    std::string token = random_hex(16);
    {
        std::lock_guard l(m_mutex);
        m_tokens.insert(token);
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

Reply NeutralApi::page(const Feed& feed, const Query& q) {
    long long offset = 0, limit = 100;
    if (!param(q, "offset").empty() && (!parse_int(param(q, "offset"), offset) || offset < 0))
        return error_reply(400, "offset must be >= 0");
    if (!param(q, "limit").empty() && (!parse_int(param(q, "limit"), limit) || limit < 1 || limit > 10000))
        return error_reply(400, "limit must be 1..10000");
    const std::string since = param(q, "updatedSince");
    std::vector<size_t> hits;
    for (size_t i = 0; i < feed.records.size(); ++i)
        if (since.empty() || feed.updated_at[i] >= since) hits.push_back(i);
    Reply r;
    r.body = "[";
    const long long end = std::min<long long>(static_cast<long long>(hits.size()), offset + limit);
    for (long long i = offset; i < end; ++i) {
        if (i > offset) r.body += ',';
        r.body += feed.records[hits[static_cast<size_t>(i)]];
    }
    r.body += "]";
    r.headers.emplace_back("X-Total-Count", std::to_string(hits.size()));
    return r;
}

Reply NeutralApi::handle(Poco::Net::HTTPServerRequest& req, const std::string& path, const Query& q,
                         const std::string& body) {
    if (path == "/oauth/token" && req.getMethod() == "POST") return token(req, body);
    const std::string auth = req.get("Authorization", "");
    const std::string bearer = auth.rfind("Bearer ", 0) == 0 ? auth.substr(7) : "";
    std::lock_guard l(m_mutex);
    if (bearer.empty() || (bearer != m_options.token && !m_tokens.count(bearer)))
        return error_reply(401, "invalid or missing bearer token");
    if (req.getMethod() != "GET") return error_reply(405, "method not allowed");
    return page(path == "/serviceInventory/service" ? m_sales
                : path == "/projects"               ? m_projects
                                                    : m_partnerships,
                q);
}

} // namespace oznsync::sim
