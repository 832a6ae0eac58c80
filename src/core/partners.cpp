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

bool usable_email(const std::string& email) {
    const auto at = email.find('@');
    if (at == std::string::npos || at == 0 || email.find('@', at + 1) != std::string::npos) return false;
    const auto dot = email.find('.', at);
    if (dot == std::string::npos || dot == at + 1 || dot + 1 >= email.size()) return false;
    return std::none_of(email.begin(), email.end(),
                        [](char c) { return static_cast<unsigned char>(c) <= ' '; });
}

namespace {
std::string fill(std::string text, const std::string& partner_id) {
    for (auto at = text.find("{partner_id}"); at != std::string::npos; at = text.find("{partner_id}"))
        text.replace(at, 12, partner_id);
    return text;
}

std::string projects_text(const std::vector<std::string>& projects) {
    return projects.empty() ? "no projects" : "projects " + join(projects, ",");
}
} // namespace

PartnerPlan plan_partner_users(const PartnerPlanInput& in) {
    struct Partner {
        std::string name, email, approved_at;
        std::set<std::string> projects;
        bool accepted = false, ended = false;
        std::vector<std::string> partnership_ids;
    };
    PartnerPlan out;
    auto finding = [&](Action action, const std::string& partner_id, const std::string& name,
                       const std::string& reason) {
        Change c;
        c.action = action;
        c.username = partner_username(partner_id);
        c.code = c.username;
        c.partner = name;
        c.reason = reason;
        out.findings.push_back(c);
    };
    std::map<std::string, Partner> partners;
    for (const auto& p : in.partnerships) {
        auto& partner = partners[p.partner_id];
        if (partner.name.empty()) partner.name = p.partner_name;
        if (partner.email.empty()) partner.email = p.partner_email;
        if (p.status == "accepted") {
            partner.accepted = true;
            partner.partnership_ids.push_back(p.id);
            partner.approved_at = std::max(partner.approved_at, p.approved_at);
            for (const auto& project : p.projects) {
                if (in.selected_projects.count(project))
                    partner.projects.insert(project);
                else
                    finding(Action::Invalid, p.partner_id, p.partner_name,
                            "partnership " + p.id + " names project " + project +
                                ", which is not among the selected projects: not granted");
            }
        } else if (p.status == "ended") {
            partner.ended = true;
        }
    }
    for (const auto& [partner_id, p] : partners) {
        if (!p.accepted && !p.ended) continue;
        const std::string username = partner_username(partner_id);
        // Accepted wins over ended: another partnership of the partner still stands.
        std::vector<std::string> want = p.accepted
                                            ? std::vector<std::string>(p.projects.begin(), p.projects.end())
                                            : std::vector<std::string>{};
        Change c;
        c.username = username;
        c.code = username;
        c.partner = p.name;
        c.projects = want;
        c.sale_id = join(p.partnership_ids, ",");
        auto user = in.existing.find(username);
        if (user == in.existing.end()) {
            if (want.empty()) continue; // ended (or nothing selected) and never created: nothing to take away
            c.email = usable_email(p.email) ? p.email : fill(in.email_fallback, partner_id);
            if (!usable_email(c.email)) {
                finding(
                    Action::Conflict, partner_id, p.name,
                    "partner " + partner_id + " has no usable e-mail ('" + p.email +
                        "'): no OZmap user created (set partners.email_fallback, or fix it in OZneutral)");
                continue;
            }
            c.action = Action::UserCreate;
            c.before = "absent";
            c.after = projects_text(want);
            c.reason = "accepted partnership";
            out.writes.push_back(c);
            out.grants[username] = {p.approved_at, want};
            continue;
        }
        std::vector<std::string> have = user->second.projects;
        std::sort(have.begin(), have.end());
        have.erase(std::unique(have.begin(), have.end()), have.end());
        c.user_id = user->second.id;
        const auto grant = in.granted.find(username);
        // What oznsync must set: nothing when the partnership did not change since it last granted.
        bool change;
        if (!p.accepted)
            change = !have.empty(); // ended: the partner loses every project, whoever granted them
        else if (grant == in.granted.end())
            change = have != want; // no record of a grant (an earlier version made the user): set it once
        else
            change = p.approved_at > grant->second.approved_at && have != want;
        if (!change) {
            if (p.accepted && grant != in.granted.end() && have != grant->second.projects)
                finding(Action::Drift, partner_id, p.name,
                        "the projects of " + username + " were changed in OZmap (" + projects_text(have) +
                            "; oznsync granted " + projects_text(grant->second.projects) +
                            "): left as they are until the partnership changes in OZneutral");
            continue;
        }
        c.action = Action::UserUpdate;
        c.before = projects_text(have);
        c.after = projects_text(want);
        c.reason = !p.accepted                 ? "partnership ended"
                   : grant == in.granted.end() ? "accepted partnership (no record of an earlier grant)"
                                               : "partnership approved again (" + p.approved_at + ")";
        out.writes.push_back(c);
        out.grants[username] = {p.approved_at, want};
    }
    return out;
}

} // namespace oznsync
