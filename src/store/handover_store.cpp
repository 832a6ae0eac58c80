#include "store/handover_store.hpp"
#include "store/store_access.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

namespace oznsync {

void HandoverStore::record(const PartnerUserRecord& r) {
    db_of(m_store)
        .prepare("INSERT INTO partner_users(username, partner_id, user_id, created_run, handed_over) "
                 "VALUES(?,?,?,?,?) ON CONFLICT(username) DO UPDATE SET user_id = excluded.user_id, "
                 "handed_over = excluded.handed_over")
        .bind(1, r.username)
        .bind(2, r.partner_id)
        .bind_text_or_null(3, r.user_id)
        .bind(4, r.created_run)
        .bind_text_or_null(5, r.handed_over)
        .exec();
}

std::map<std::string, std::vector<std::string>> HandoverStore::fixed_projects() {
    std::map<std::string, std::vector<std::string>> out;
    auto st = db_of(m_store).prepare("SELECT partnership_id, projects FROM partnership_projects");
    while (st.step()) {
        auto& list = out[st.text(0)];
        for (auto& p : split(st.text(1), ','))
            if (!p.empty()) list.push_back(p);
    }
    return out;
}

void HandoverStore::fix_projects(const std::string& partnership_id, const std::vector<std::string>& projects,
                                 const std::string& run_id) {
    db_of(m_store)
        .prepare("INSERT OR IGNORE INTO partnership_projects(partnership_id, projects, fixed_run, fixed_at) "
                 "VALUES(?,?,?,?)")
        .bind(1, partnership_id)
        .bind(2, join(projects, ","))
        .bind(3, run_id)
        .bind(4, now_iso())
        .exec();
}

std::set<std::string> HandoverStore::recorded() {
    std::set<std::string> out;
    auto st = db_of(m_store).prepare("SELECT username FROM partner_users");
    while (st.step())
        out.insert(st.text(0));
    return out;
}

std::vector<PartnerUserRecord> HandoverStore::not_handed_over() {
    std::vector<PartnerUserRecord> out;
    auto st = db_of(m_store).prepare("SELECT username, partner_id, coalesce(user_id, ''), created_run FROM "
                                     "partner_users WHERE handed_over IS NULL ORDER BY username");
    while (st.step())
        out.push_back({st.text(0), st.text(1), st.text(2), st.text(3), ""});
    return out;
}

void HandoverStore::record_grant(const std::string& username, const std::string& partner_id,
                                 const std::string& run_id, const PartnerGrant& grant) {
    std::string projects;
    for (const auto& p : grant.projects)
        projects += (projects.empty() ? "" : ",") + p;
    db_of(m_store)
        .prepare("INSERT INTO partner_users(username, partner_id, created_run, handed_over, approved_at, "
                 "projects) "
                 "VALUES(?1, ?2, ?3, '', ?4, ?5) ON CONFLICT(username) DO UPDATE SET approved_at = ?4, "
                 "projects = ?5")
        .bind(1, username)
        .bind(2, partner_id)
        .bind(3, run_id)
        .bind(4, grant.approved_at)
        .bind(5, projects)
        .exec();
}

std::map<std::string, PartnerGrant> HandoverStore::grants() {
    std::map<std::string, PartnerGrant> out;
    auto st =
        db_of(m_store).prepare("SELECT username, coalesce(approved_at, ''), coalesce(projects, '') FROM "
                               "partner_users WHERE approved_at IS "
                               "NOT NULL");
    while (st.step()) {
        PartnerGrant g{st.text(1), {}};
        std::string list = st.text(2);
        for (size_t start = 0; start < list.size();) {
            size_t comma = list.find(',', start);
            if (comma == std::string::npos) comma = list.size();
            g.projects.push_back(list.substr(start, comma - start));
            start = comma + 1;
        }
        out[st.text(0)] = g;
    }
    return out;
}

} // namespace oznsync
