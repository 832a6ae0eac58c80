#pragma once
// OZmap API v2 over ApiClient: authentication (raw API key, or login), reads and paged lists.
#include "config/config.hpp"
#include "core/model.hpp"
#include "core/partners.hpp"
#include "http/http_client.hpp"
#include "ozmap/filter.hpp"
#include "ozmap/page_parser.hpp"
#include "util/error.hpp"

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace oznsync {

class OzmapClient {
public:
    explicit OzmapClient(const OzmapConfig& config);

    /// Logs in with username/password when no API key is configured. Throws AuthError on refusal.
    void authenticate();

    HttpResponse get(const std::string& route);
    /// POST/PATCH/DELETE relative to /api/v2/; returns the final answer (non-retryable 4xx included).
    HttpResponse send(const std::string& method, const std::string& route, const std::string& body);
    /// A POST that creates: re-sent after a lost answer only when `applied` finds it did not take effect.
    HttpResponse create(const std::string& route, const std::string& body,
                        const ApiClient::AppliedCheck& applied);

    std::vector<Project> list_projects();
    /// nullopt when the project does not exist or the user may not read it (404).
    std::optional<Project> get_project(const std::string& id);
    /// Properties whose client has this code (bare array answer).
    std::vector<Property> find_by_client_code(const std::string& code);
    /// The same for many codes in two requests (the clients by `code in [...]`, then their properties by
    /// `client in [...]`), keyed by code. nullopt when a row of the answer could not be read: a look-up
    /// that might miss a client is not trusted (the caller asks code by code).
    std::optional<std::map<std::string, std::vector<Property>>>
    find_by_client_codes(const std::vector<std::string>& codes);
    /// The user with this username (id and projects); nullopt when there is none.
    std::optional<ExistingUser> find_user(const std::string& username);
    /// The id of the role with this name; nullopt when OZmap has none.
    std::optional<std::string> find_role_id(const std::string& name);

    ApiClient& api() { return m_api; }
    const OzmapConfig& config() const { return m_config; }

    /// What lists so far showed of `page`: 0 not known yet, 1 honoured, -1 ignored (only nextUrl pages).
    int page_numbers() const { return m_page_numbers; }
    void note_page_numbers(bool honoured) { m_page_numbers = honoured ? 1 : -1; }
    /// False once a list answered an `_id` range with rows outside it (the filter is not honoured).
    bool id_ranges_honoured() const { return m_id_ranges_honoured; }
    void note_id_ranges_ignored() { m_id_ranges_honoured = false; }

    /// The route of the page a nextUrl points to, asked as the official SDK's findAll asks it: the list's
    /// own collection, limit, populate, and filter and sort (in the query unless `filter_in_body`), plus
    /// nextUrl's cursor — every parameter of it but page, limit, select, populate, filter and sort. A
    /// server whose nextUrl carries the cursor alone is paged correctly; one that echoes everything too.
    /// Whether OZmap accepts this user's log-in with this password (POST /users/login?type=API): how a
    /// password change is verified, since the SDK's UpdateUserDTO has no password and a server may drop it.
    bool credentials_work(const std::string& username, const std::string& password);
    static std::string next_page_route(const ListQuery& q, const std::string& next_url, bool filter_in_body);

private:
    bool login();
    OzmapConfig m_config;
    ApiClient m_api;
    std::mutex m_token_mutex;
    std::string m_token;
    std::atomic<int> m_page_numbers{0};
    std::atomic<bool> m_id_ranges_honoured{true};
};

/// Fetches every page of a list and hands each parsed page to `sink`, on the calling thread, in whatever
/// order pages arrive. When the first page gives `total`, the remaining pages are fetched `concurrency` at
/// a time by page number; otherwise nextUrl is followed. Throws InventoryChanged when `total` moves or a
/// list comes up short of it (the pull reads that collection again; anywhere else it is exit 75).
struct InventoryChanged : UnavailableError {
    using UnavailableError::UnavailableError;
};

template <typename Row> using PageParser = Page<Row> (*)(std::string&);

struct FetchStats {
    long long pages = 0, rows = 0, total = 0, skipped = 0;
};

template <typename Row>
FetchStats fetch_all(OzmapClient& client, const ListQuery& query, int concurrency, PageParser<Row> parse,
                     const std::function<void(Page<Row>&)>& sink,
                     const std::function<void(long long pages_total)>& on_total = nullptr);

} // namespace oznsync

#include "ozmap/fetch_all.ipp"
