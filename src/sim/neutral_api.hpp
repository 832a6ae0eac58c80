#pragma once
// The simulator's OZneutral: the sale records, partnerships and sellable projects it serves (paged by
// offset/limit, `updatedSince`), behind client_credentials or a static bearer token.
#include "sim/reply.hpp"

#include <Poco/Net/HTTPServerRequest.h>

#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace oznsync::sim {

/// Sale records or partnerships as the OZneutral source serves them.
struct Feed {
    std::vector<std::string> records; // serialised JSON
    std::vector<std::string> updated_at;

    /// A JSON array or {"items": [...]}; throws naming what is wrong.
    static Feed parse(const std::string& json);
};

struct NeutralOptions {
    std::string sales_json, partnerships_json, projects_json;
    std::string client_id, client_secret, token;
};

class NeutralApi {
public:
    explicit NeutralApi(const NeutralOptions& options);

    /// The paths OZneutral answers on.
    static bool serves(const std::string& path);
    Reply handle(Poco::Net::HTTPServerRequest& req, const std::string& path, const Query& q,
                 const std::string& body);

    /// POST /__sim/sales and /__sim/partnerships: replaces that feed.
    void set_sales(Feed f);
    void set_partnerships(Feed f);
    void expire_tokens();

private:
    Reply token(Poco::Net::HTTPServerRequest& req, const std::string& body);
    Reply page(const Feed& feed, const Query& q);

    const NeutralOptions m_options;
    std::mutex m_mutex;
    Feed m_sales, m_partnerships, m_projects;
    std::set<std::string> m_tokens;
};

} // namespace oznsync::sim
