#include "store/handover_store.hpp"

namespace oznsync {

void HandoverStore::record(const PartnerUserRecord& r) {
    m_store.db()
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

std::vector<PartnerUserRecord> HandoverStore::not_handed_over() {
    std::vector<PartnerUserRecord> out;
    auto st = m_store.db().prepare("SELECT username, partner_id, coalesce(user_id, ''), created_run FROM "
                                   "partner_users WHERE handed_over IS NULL ORDER BY username");
    while (st.step())
        out.push_back({st.text(0), st.text(1), st.text(2), st.text(3), ""});
    return out;
}

} // namespace oznsync
