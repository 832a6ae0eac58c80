#pragma once
// Every OZmap write goes through an OzmapGateway. HttpGateway sends; RecordingGateway (dry run) keeps
// what it is given and never sends. The request bodies come from one place (requests_for_*), so a dry run's
// requests are exactly what apply sends for the same change set.
#include "core/change.hpp"
#include "core/journal.hpp"
#include "core/model.hpp"

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace oznsync {

class OzmapClient;

/// OZmap's answer to a write, read once here: what a create made, or why a write was refused.
struct WriteResult {
    int status = 0;
    std::string property_id, client_id, user_id; // of a create that succeeded (empty in a dry run)
    std::string message;                         // a refusal: "HTTP 422: <OZmap's message>"
    bool ok() const { return status >= 200 && status < 300; }
};

class OzmapGateway {
public:
    virtual ~OzmapGateway() = default;
    virtual WriteResult write(const WriteRequest& request) = 0;
    /// Properties whose client has this code: the guard that makes a replayed create a no-op.
    virtual std::vector<Property> find_by_code(const std::string& code) = 0;
    /// The same guard for a chunk of creates at once, keyed by code; nullopt when the answer cannot be
    /// trusted whole (each code is then looked up alone).
    virtual std::optional<std::map<std::string, std::vector<Property>>>
    find_by_codes(const std::vector<std::string>& codes) = 0;
    /// Whether OZmap lets this user log in with this password (a password change verified).
    virtual bool credentials_work(const std::string& username, const std::string& password) = 0;
    /// The external_id OZmap keeps for this user (an external_id set by PATCH verified); nullopt: no user.
    virtual std::optional<std::string> user_external_id(const std::string& username) = 0;
    virtual bool sends() const = 0;
};

class HttpGateway : public OzmapGateway {
public:
    explicit HttpGateway(OzmapClient& client) : m_client(client) {}
    WriteResult write(const WriteRequest& request) override;
    std::vector<Property> find_by_code(const std::string& code) override;
    std::optional<std::map<std::string, std::vector<Property>>>
    find_by_codes(const std::vector<std::string>& codes) override;
    bool credentials_work(const std::string& username, const std::string& password) override;
    std::optional<std::string> user_external_id(const std::string& username) override;
    bool sends() const override { return true; }

private:
    OzmapClient& m_client;
};

/// The dry run: answers every write as OZmap would on success, sends nothing and keeps the requests, in
/// the order they came (plan.json lists them). Secrets in a body are masked before it is kept; a kept body
/// is always one JSON value (a masked body that no longer parses is kept as a JSON string of its text).
class RecordingGateway : public OzmapGateway {
public:
    /// Keeps the requests in memory; with `spill_dir`, in an unnamed file there (RequestLog).
    RecordingGateway() : m_requests(std::make_shared<RequestLog>()) {}
    explicit RecordingGateway(const std::string& spill_dir)
        : m_requests(std::make_shared<RequestLog>(spill_dir)) {}
    WriteResult write(const WriteRequest& request) override;
    /// The requests so far, read back.
    std::vector<RecordedRequest> requests() const { return m_requests->all(); }
    /// The requests, for the report; the gateway keeps none from here on.
    std::shared_ptr<RequestLog> take_requests() {
        return std::exchange(m_requests, std::make_shared<RequestLog>());
    }
    std::vector<Property> find_by_code(const std::string&) override { return {}; }
    std::optional<std::map<std::string, std::vector<Property>>>
    find_by_codes(const std::vector<std::string>&) override {
        return std::map<std::string, std::vector<Property>>{};
    }
    bool credentials_work(const std::string&, const std::string&) override { return true; }
    std::optional<std::string> user_external_id(const std::string&) override { return std::nullopt; }
    bool sends() const override { return false; }

private:
    std::shared_ptr<RequestLog> m_requests;
};

WriteRequest create_request(const Change& c);
WriteRequest move_request(const Change& c);
WriteRequest implanted_request(const std::string& client_id, bool implanted);
WriteRequest batch_implanted_request(const std::vector<std::string>& client_ids, bool implanted);
std::vector<WriteRequest> remove_requests(const Change& c);
/// `oznsync adopt`: the property gets oznsync's external_id, the proof of ownership.
WriteRequest adopt_request(const Change& c);
/// POST /users for a partner (`password` is "***" in a dry run: a real one is drawn only to be sent).
WriteRequest user_create_request(const Change& c, const std::string& role,
                                 const std::vector<std::string>& resources, const std::string& password);
WriteRequest user_update_request(const Change& c, const std::string& role);
/// PATCH /users/<id> {external_id}: a user oznsync made before users carried the proof gets it.
WriteRequest user_claim_request(const Change& c);
/// PATCH /users/<id> with a new password (`partners --reset-password`).
WriteRequest user_password_request(const Change& c, const std::string& password);

} // namespace oznsync
