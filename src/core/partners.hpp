#pragma once
// Partner users: each partner with an accepted partnership gets one OZmap user with access to exactly
// the projects of its accepted partnerships; a partner with none left keeps no project access. Pure.
#include "core/change.hpp"
#include "core/model.hpp"

#include <map>
#include <set>
#include <string>
#include <vector>

namespace oznsync {

struct ExistingUser {
    std::string id, username;
    std::vector<std::string> projects;
    std::string external_id;
};

/// The proof a partner user is oznsync's: its external_id (set at create), as a client's property carries
/// `ozneutral:<sale id>`.
std::string partner_external_id(const std::string& partner_id);

/// Whose an existing partner user is: proven oznsync's (its external_id), oznsync's by its own database
/// but made before users carried the proof (claimed once), or someone else's (never written).
enum class UserProof { Proven, Claimable, Foreign };
UserProof partner_user_proof(const ExistingUser& user, const std::string& partner_id, bool recorded);

/// Stable across runs and renames: derived from the partner's OZneutral id.
std::string partner_username(const std::string& partner_id);
/// The partner id inside a username partner_username made.
std::string partner_of_username(const std::string& username);

/// What oznsync last granted a partner's user: the approval it applied and the projects it set.
struct PartnerGrant {
    std::string approved_at;
    std::vector<std::string> projects;
};

struct PartnerPlanInput {
    std::vector<Partnership> partnerships;
    std::map<std::string, ExistingUser> existing; // users found in OZmap, by username
    std::set<std::string> selected_projects;      // ozmap.projects as resolved: never grant others
    std::map<std::string, PartnerGrant> granted;  // by username (the partner_users table)
    std::set<std::string> recorded; // usernames the partner_users table knows: oznsync made them
    std::string email_fallback;     // partners.email_fallback, "{partner_id}" replaced
};

struct PartnerPlan {
    std::vector<Change> writes, findings;
    std::map<std::string, PartnerGrant> grants; // by username: what each write grants, to record once done
};

/// Each partner with an accepted partnership gets one user with the projects of its accepted
/// partnerships at approval, intersected with the selected projects (an unselected project is a finding,
/// never a grant). An existing user changes only when the partnership does: ended -> no projects; a
/// later approval -> the new set. Projects an operator changed in OZmap since are reported, not reverted.
/// A partner without a usable e-mail (and no fallback) gets no user and a finding.
PartnerPlan plan_partner_users(const PartnerPlanInput& in);

/// Whether `email` is an address the official SDK's CreateUserDTO accepts (zod's .email(): ASCII only).
bool usable_email(const std::string& email);

} // namespace oznsync
