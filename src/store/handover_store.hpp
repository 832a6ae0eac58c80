#pragma once
// Partner users oznsync created or changed: whether each one's password reached the hand-over file, and
// what oznsync last granted it.
#include "core/partners.hpp"
#include "store/store.hpp"

#include <map>
#include <set>

#include <string>
#include <vector>

namespace oznsync {

struct PartnerUserRecord {
    std::string username, partner_id, user_id, created_run, handed_over; // handed_over: file, or empty
};

class HandoverStore {
public:
    explicit HandoverStore(Store& store) : m_store(store) {}
    /// Records (or updates) a user and where its password was handed over (empty: it was not).
    void record(const PartnerUserRecord& r);
    /// Projects fixed for partnerships that carry none (the ozn-sdk's shape), by partnership id.
    std::map<std::string, std::vector<std::string>> fixed_projects();
    /// Fixes them: the first sending run that sees the partnership accepted (never replaced later).
    void fix_projects(const std::string& partnership_id, const std::vector<std::string>& projects,
                      const std::string& run_id);
    /// Every username oznsync recorded (it created or changed the user).
    std::set<std::string> recorded();
    /// Users whose password never reached a hand-over file.
    std::vector<PartnerUserRecord> not_handed_over();
    /// Records what a user was granted (created or updated): the approval and the projects.
    void record_grant(const std::string& username, const std::string& partner_id, const std::string& run_id,
                      const PartnerGrant& grant);
    /// What oznsync last granted, by username.
    std::map<std::string, PartnerGrant> grants();

private:
    Store& m_store;
};

} // namespace oznsync
