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

std::string partner_external_id(const std::string& partner_id) {
    return "ozneutral-partner:" + to_lower(partner_id);
}

UserProof partner_user_proof(const ExistingUser& user, const std::string& partner_id, bool recorded) {
    if (user.external_id == partner_external_id(partner_id)) return UserProof::Proven;
    return user.external_id.empty() && recorded ? UserProof::Claimable : UserProof::Foreign;
}

bool usable_email(const std::string& email) {
    // The rule of the official SDK's CreateUserDTO (zod's .email()): an ASCII local part of letters,
    // digits and _ ' + - . (not starting with '.', no "..", not ending with ' or .), '@', then labels of
    // letters, digits and '-' (each starting with a letter or digit) joined by '.', the last label two or
    // more letters. An address it refuses would be a refused POST.
    auto alnum = [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) && static_cast<unsigned char>(c) < 0x80;
    };
    const auto at = email.find('@');
    if (at == std::string::npos || at == 0 || at + 1 >= email.size()) return false;
    const std::string_view local(email.data(), at), domain(email.data() + at + 1, email.size() - at - 1);
    if (local.front() == '.' || local.find("..") != std::string_view::npos) return false;
    for (char c : local)
        if (!alnum(c) && c != '_' && c != '\'' && c != '+' && c != '-' && c != '.') return false;
    if (local.back() == '\'' || local.back() == '.') return false;
    if (email.find("..") != std::string::npos) return false;
    size_t start = 0, labels = 0;
    for (;;) {
        const size_t dot = domain.find('.', start);
        const std::string_view label =
            domain.substr(start, dot == std::string_view::npos ? domain.npos : dot - start);
        if (label.empty() || !alnum(label.front())) return false;
        ++labels;
        if (dot == std::string_view::npos) {
            // The last label: letters only, two or more.
            if (labels < 2 || label.size() < 2) return false;
            return std::all_of(label.begin(), label.end(), [&](char c) {
                return alnum(c) && !std::isdigit(static_cast<unsigned char>(c));
            });
        }
        for (char c : label)
            if (!alnum(c) && c != '-') return false;
        start = dot + 1;
    }
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

namespace {

/// One partner across its partnerships.
struct Partner {
    std::string name, email, approved_at;
    std::set<std::string> projects;
    bool accepted = false, ended = false;
    bool fixed_projects = false; // a partnership of the ozn-sdk's shape: projects fixed at first sight
    std::vector<std::string> partnership_ids;
};

class PartnerPlanner {
public:
    explicit PartnerPlanner(const PartnerPlanInput& in) : m_in(in) {}

    PartnerPlan plan() {
        for (const auto& [partner_id, p] : gather())
            plan_partner(partner_id, p);
        refuse_unsafe_ids(m_out.writes, m_out.findings);
        return std::move(m_out);
    }

private:
    void finding(Action action, const std::string& partner_id, const std::string& name,
                 const std::string& reason) {
        Change c;
        c.action = action;
        c.user.edit().username = partner_username(partner_id);
        c.code = c.user->username;
        c.partner = name;
        c.reason = reason;
        m_out.findings.push_back(c);
    }

    /// The partnerships by partner: accepted ones grant their selected projects; a project outside the
    /// selection is a finding.
    std::map<std::string, Partner> gather() {
        std::map<std::string, Partner> partners;
        for (const auto& p : m_in.partnerships) {
            auto& partner = partners[p.partner_id];
            if (partner.name.empty()) partner.name = p.partner_name;
            if (partner.email.empty()) partner.email = p.partner_email;
            if (p.status == PartnershipStatus::Accepted) {
                partner.accepted = true;
                partner.fixed_projects = partner.fixed_projects || !p.projects_given;
                partner.partnership_ids.push_back(p.id);
                partner.approved_at = std::max(partner.approved_at, p.approved_at);
                for (const auto& project : p.projects) {
                    if (m_in.selected_projects.count(project))
                        partner.projects.insert(project);
                    else
                        finding(Action::Invalid, p.partner_id, p.partner_name,
                                "partnership " + p.id + " names project " + project +
                                    ", which is not among the selected projects: not granted");
                }
            } else if (p.status == PartnershipStatus::Ended) {
                partner.ended = true;
            }
        }
        return partners;
    }

    void plan_partner(const std::string& partner_id, const Partner& p) {
        if (!p.accepted && !p.ended) return;
        const std::string username = partner_username(partner_id);
        // Accepted wins over ended: another partnership of the partner still stands.
        const std::vector<std::string> want =
            p.accepted ? std::vector<std::string>(p.projects.begin(), p.projects.end())
                       : std::vector<std::string>{};
        Change c;
        c.user.edit().username = username;
        c.code = username;
        c.partner = p.name;
        c.user.edit().projects = want;
        c.sale_id = join(p.partnership_ids, ",");
        auto user = m_in.existing.find(username);
        if (user == m_in.existing.end()) {
            plan_create(c, partner_id, p);
            return;
        }
        // Ownership needs proof, for users as for clients: the external_id oznsync set at create. A user
        // oznsync's own database says it made (before users carried the proof) gets it once; any other
        // user with the name is someone else's, and nothing about it is written.
        const ExistingUser& u = user->second;
        const std::string proof = partner_external_id(partner_id);
        const UserProof whose = partner_user_proof(u, partner_id, m_in.recorded.count(username) > 0);
        if (whose != UserProof::Proven) {
            if (whose == UserProof::Foreign) {
                finding(Action::Conflict, partner_id, p.name,
                        "OZmap user " + username + " exists but is not proven oznsync's (external_id '" +
                            u.external_id + "', not " + proof +
                            "): nothing written; rename or remove it in OZmap, or set its external_id");
                return;
            }
            Change claim = c;
            claim.action = Action::UserUpdate;
            claim.user.edit().user_id = u.id;
            claim.user.edit().claim_user = true;
            claim.user.edit().projects.clear();
            claim.before = FixedNote::NoExternalId;
            claim.after = "external_id " + proof;
            claim.reason = FixedNote::UserMadeByOznsync;
            m_out.writes.push_back(std::move(claim));
        }
        plan_update(c, partner_id, p, u);
    }

    /// A partner without an OZmap user: one is created when there is something to grant.
    void plan_create(Change c, const std::string& partner_id, const Partner& p) {
        if (c.user->projects.empty())
            return; // ended (or nothing selected) and never created: nothing to take away
        c.user.edit().email = usable_email(p.email) ? p.email : fill(m_in.email_fallback, partner_id);
        if (!usable_email(c.user->email)) {
            finding(Action::Conflict, partner_id, p.name,
                    "partner " + partner_id + " has no usable e-mail ('" + p.email +
                        "'): no OZmap user created (set partners.email_fallback, or fix it in OZneutral)");
            return;
        }
        c.action = Action::UserCreate;
        c.before = ChangeNote::absent();
        c.after = projects_text(c.user->projects);
        c.reason =
            p.fixed_projects ? FixedNote::PartnershipAcceptedProjectsFixed : FixedNote::PartnershipAccepted;
        m_out.grants[c.user->username] = {p.approved_at, c.user->projects};
        m_out.writes.push_back(std::move(c));
    }

    /// A partner whose user exists: its projects are set only when the partnership changed since oznsync
    /// last granted them; an operator's own edit is reported, not reverted.
    void plan_update(Change c, const std::string& partner_id, const Partner& p, const ExistingUser& user) {
        std::vector<std::string> have = user.projects;
        std::sort(have.begin(), have.end());
        have.erase(std::unique(have.begin(), have.end()), have.end());
        const std::vector<std::string>& want = c.user->projects;
        c.user.edit().user_id = user.id;
        const auto grant = m_in.granted.find(c.user->username);
        bool change;
        if (!p.accepted)
            change = !have.empty(); // ended: the partner loses every project, whoever granted them
        else if (grant == m_in.granted.end())
            change = have != want; // no record of a grant (an earlier version made the user): set it once
        else
            change = p.approved_at > grant->second.approved_at && have != want;
        if (!change) {
            if (p.accepted && grant != m_in.granted.end() && have != grant->second.projects)
                finding(Action::Drift, partner_id, p.name,
                        "the projects of " + c.user->username + " were changed in OZmap (" +
                            projects_text(have) + "; oznsync granted " +
                            projects_text(grant->second.projects) +
                            "): left as they are until the partnership changes in OZneutral");
            return;
        }
        c.action = Action::UserUpdate;
        c.before = projects_text(have);
        c.after = projects_text(want);
        c.reason = !p.accepted ? FixedNote::PartnershipEnded
                   : grant == m_in.granted.end()
                       ? FixedNote::PartnershipAcceptedNoGrant
                       : ChangeNote("partnership approved again (" + p.approved_at + ")");
        m_out.grants[c.user->username] = {p.approved_at, want};
        m_out.writes.push_back(std::move(c));
    }

    const PartnerPlanInput& m_in;
    PartnerPlan m_out;
};

} // namespace

PartnerPlan plan_partner_users(const PartnerPlanInput& in) {
    return PartnerPlanner(in).plan();
}

} // namespace oznsync
