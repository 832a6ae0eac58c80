#include "core/partners.hpp"

#include "util/strings.hpp"

#include <algorithm>
#include <set>

namespace oznsync {

std::string partner_username(const std::string& partner_id) {
    return "ozn-" + to_lower(partner_id);
}

std::string partner_of_username(const std::string& username) {
    return username.rfind("ozn-", 0) == 0 ? username.substr(4) : username;
}

std::vector<Change> plan_partner_users(const std::vector<Partnership>& partnerships,
                                       const std::map<std::string, ExistingUser>& existing) {
    struct Partner {
        std::string name, email;
        std::set<std::string> projects;
        bool accepted = false, ended = false;
        std::vector<std::string> partnership_ids;
    };
    std::map<std::string, Partner> partners;
    for (const auto& p : partnerships) {
        auto& partner = partners[p.partner_id];
        if (partner.name.empty()) partner.name = p.partner_name;
        if (partner.email.empty()) partner.email = p.partner_email;
        if (p.status == "accepted") {
            partner.accepted = true;
            partner.projects.insert(p.projects.begin(), p.projects.end());
            partner.partnership_ids.push_back(p.id);
        } else if (p.status == "ended") {
            partner.ended = true;
        }
    }
    std::vector<Change> out;
    for (const auto& [partner_id, p] : partners) {
        if (!p.accepted && !p.ended) continue;
        const std::string username = partner_username(partner_id);
        std::vector<std::string> want(p.projects.begin(), p.projects.end());
        Change c;
        c.username = username;
        c.partner = p.name;
        c.email = p.email;
        c.projects = want;
        c.code = username;
        c.sale_id = join(p.partnership_ids, ",");
        auto it = existing.find(username);
        if (it == existing.end()) {
            if (want.empty()) continue; // ended and never created: nothing to take away
            c.action = Action::UserCreate;
            c.before = "absent";
            c.after = "projects " + join(want, ",");
            c.reason = "accepted partnership";
            out.push_back(c);
            continue;
        }
        std::vector<std::string> have = it->second.projects;
        std::sort(have.begin(), have.end());
        have.erase(std::unique(have.begin(), have.end()), have.end());
        if (have == want) continue;
        c.action = Action::UserUpdate;
        c.user_id = it->second.id;
        c.before = have.empty() ? "no projects" : "projects " + join(have, ",");
        c.after = want.empty() ? "no projects" : "projects " + join(want, ",");
        c.reason = want.empty() ? "partnership ended" : "partnership projects changed";
        out.push_back(c);
    }
    return out;
}

} // namespace oznsync
