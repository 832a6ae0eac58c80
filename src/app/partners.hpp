#pragma once
// Partner users in OZmap: read what exists, plan with the pure core, create / update through the
// gateway. Passwords are drawn from a CSPRNG only when a create is really sent, and are handed over in a
// 0600 file, never logged.
#include "config/config.hpp"
#include "core/partners.hpp"
#include "ozmap/gateway.hpp"
#include "ozmap/ozmap_client.hpp"
#include "store/run_store.hpp"
#include "store/store.hpp"

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace oznsync {

constexpr size_t kPartnerPasswordLength = 24;

std::map<std::string, ExistingUser> find_users(OzmapClient& client,
                                               const std::vector<std::string>& usernames);
/// partners.role as an id: taken as is when it is one, else looked up by name in /roles.
std::string resolve_role(OzmapClient& client, const std::string& role);

struct PartnerApplyOutcome {
    int done = 0, failed = 0;
};

/// Hands a new password over (the hand-over file) right after OZmap accepted it, before the change counts
/// as done; returns the file, throws when it could not be written.
using HandOver =
    std::function<std::string(const Change& change, const std::string& user_id, const std::string& password)>;

PartnerApplyOutcome apply_partner_changes(OzmapGateway& gateway, RunStore* journal, const std::string& run_id,
                                          std::vector<JournalEntry>& entries, const std::string& role,
                                          const std::vector<std::string>& resources,
                                          const HandOver& hand_over);

/// What a partner step works with: the run's config, OZmap, its database, its id, and whether it sends.
struct PartnerContext {
    const Config& cfg;
    OzmapClient& client;
    Store& store;
    const std::string& run_id;
    bool sends;
};

/// The partner users a run will write, planned before its first write: the partnership feed, the
/// partners' existing users and partners.role read (a missing role or an unreadable feed stops the run with
/// nothing changed); or, with `reset_partner`, a new password for that partner's user (refused unless the
/// user is proven oznsync's).
struct PreparedPartners {
    ChangeSet plan;
    std::map<std::string, PartnerGrant> grants; // what each planned user write grants
    std::string role;
};
PreparedPartners prepare_partner_users(const PartnerContext& ctx, const std::string& reset_partner);

/// A run's partner users written: journaled, each new password handed over (the hand-over file) right
/// after OZmap took it, and recorded as not handed over before it is sent; what each done write granted
/// recorded. `credentials`: the run's hand-over so far (the file holds them all).
struct PartnerStepContext {
    const Config& cfg;
    Store& store;
    RunStore& runs;
    const std::string& run_id;
};
struct PartnerStepOutcome {
    int failed = 0;
    std::string handover_file; // empty when no password was handed over
};
PartnerStepOutcome apply_partner_step(const PartnerStepContext& ctx, OzmapGateway& gateway,
                                      std::vector<JournalEntry>& entries, const std::string& role,
                                      const std::map<std::string, PartnerGrant>& grants,
                                      std::vector<std::pair<std::string, std::string>>& credentials);

/// Writes the handover file `partners-<operator>-<run>.txt` (0600) and returns its path.
std::string write_handover(const std::string& dir, const std::string& operator_name,
                           const std::string& run_id,
                           const std::vector<std::pair<std::string, std::string>>& credentials);

} // namespace oznsync
