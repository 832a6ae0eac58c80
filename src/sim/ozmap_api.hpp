#pragma once
// The simulator's OZmap API v2 (ozmap-api.md): log-in, lists (filters, sort, page / skip / nextUrl
// cursors, populate), single reads, the viability query and the writes, over one Network kept consistent.
#include "sim/faults.hpp"
#include "sim/network.hpp"
#include "sim/query.hpp"
#include "sim/reply.hpp"

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <vector>

namespace oznsync::sim {

struct OzmapAccess {
    std::string api_key;                    // sent as Authorization as is
    std::string login_user, login_password; // POST /users/login
};

class OzmapApi {
public:
    OzmapApi(Network network, OzmapAccess access, FaultRoom& faults);

    /// A request under /api/v2/ (`route` without it), `authorization` its header. `hang` / `reset`: an
    /// applied write whose answer the faults withhold.
    Reply handle(const std::string& method, const std::string& route, const Query& q, const std::string& body,
                 const std::string& authorization, bool& hang, bool& reset);

    // For the admin room.
    std::string dump();
    /// Back to the network it started with; the write log emptied.
    void reset();
    /// The applied writes, {"method","path","body"} each, as a JSON array.
    std::string write_log();
    void clear_write_log();
    /// Every distinct list filter read (query or body), as a JSON array of the filters as sent: what the
    /// contract test checks against the SDK's ApiFilterSchema.
    std::string filter_log();
    void expire_tokens();
    /// An OZmap user's edit between runs (`POST /__sim/touch`, see Network::edit).
    std::optional<SimError> edit(const std::string& body);
    long long logins() const { return m_logins; }
    /// Log-ins without `?type=API` (the official SDK always sends it).
    long long logins_without_type() const { return m_logins_without_type; }
    long long id_range_lists() const { return m_id_range_lists; }

private:
    /// A list request as the query (and, the SDK's way, a JSON body on the GET) asks for it.
    struct ListRequest {
        std::string filter_text, sort_text, after;
        long long limit = 25, page = 1, skip = -1;
        bool populate_client = false;
        Filter filter;
        std::vector<SortKey> sort;
    };
    /// Reads it; an error reply when it cannot be served.
    std::optional<Reply> read_list_request(const Query& q, const std::string& body, const Faults& f,
                                           ListRequest& out);
    /// The ids the request selects, in order; cached per (collection, filter, sort) until a write.
    std::shared_ptr<const std::vector<std::string>> matching_ids(const std::string& collection,
                                                                 const ListRequest& req);
    /// The page envelope: total (unless the faults hide it), rows, hasNextPage and nextUrl.
    std::string page_json(const std::string& collection, const ListRequest& req,
                          const std::vector<std::string>& ids, long long start, const Faults& f);

    Reply login(const std::string& body);
    bool authorized(const std::string& authorization);
    Reply list(const std::string& collection, const Query& q, const std::string& body);
    Reply get_one(const std::string& collection, const std::string& id);
    Reply properties_by_code(const std::string& code);
    Reply viability(const Query& q);
    Reply write(const std::string& method, const std::string& route, const std::string& body);

    const OzmapAccess m_access;
    FaultRoom& m_faults;
    std::shared_mutex m_network_mutex;
    Network m_original, m_network;

    struct CacheEntry {
        uint64_t version;
        std::shared_ptr<const std::vector<std::string>> ids;
    };
    std::mutex m_cache_mutex;
    std::map<std::string, CacheEntry> m_cache;

    std::mutex m_log_mutex;
    std::vector<std::string> m_write_log;
    std::set<std::string> m_filter_log;

    std::mutex m_token_mutex;
    std::set<std::string> m_tokens;
    std::atomic<long long> m_logins{0}, m_logins_without_type{0};
    std::atomic<long long> m_id_range_lists{0}; // list requests cut by an `_id` range
    std::atomic<long long> m_endless_counter{0};
};

} // namespace oznsync::sim
