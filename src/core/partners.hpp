#pragma once
// Partner users: each partner with an accepted partnership gets one OZmap user with access to exactly
// the projects of its accepted partnerships; a partner with none left keeps no project access. Pure.
#include "core/change.hpp"
#include "core/model.hpp"

#include <map>
#include <string>
#include <vector>

namespace oznsync {

struct ExistingUser {
    std::string id, username;
    std::vector<std::string> projects;
};

/// Stable across runs and renames: derived from the partner's OZneutral id.
std::string partner_username(const std::string& partner_id);
/// The partner id inside a username partner_username made.
std::string partner_of_username(const std::string& username);

/// `existing`: users found in OZmap, by username.
std::vector<Change> plan_partner_users(const std::vector<Partnership>& partnerships,
                                       const std::map<std::string, ExistingUser>& existing);

} // namespace oznsync
