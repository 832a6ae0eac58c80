#pragma once
// Which partner users oznsync created and whether each one's password reached the hand-over file.
#include "store/store.hpp"

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
    /// Users whose password never reached a hand-over file.
    std::vector<PartnerUserRecord> not_handed_over();

private:
    Store& m_store;
};

} // namespace oznsync
