#include "core/model.hpp"

#include "core/enum_names.hpp"

namespace oznsync {

namespace {
constexpr Named<SaleState> kSaleStates[] = {
    {SaleState::Reserved, "reserved"},
    {SaleState::Active, "active"},
    {SaleState::Inactive, "inactive"},
    {SaleState::Terminated, "terminated"},
};
} // namespace

const char* sale_state_name(SaleState s) {
    return name_of(kSaleStates, s);
}

std::optional<SaleState> sale_state_from_name(std::string_view name) {
    return value_of(kSaleStates, name);
}

namespace {
constexpr Named<PartnershipStatus> kPartnershipStatuses[] = {{PartnershipStatus::Requested, "requested"},
                                                             {PartnershipStatus::Accepted, "accepted"},
                                                             {PartnershipStatus::Accepted, "active"},
                                                             {PartnershipStatus::Rejected, "rejected"},
                                                             {PartnershipStatus::Ended, "ended"}};
} // namespace

const char* partnership_status_name(PartnershipStatus s) {
    return name_of(kPartnershipStatuses, s); // the first name of a status: "accepted", never "active"
}

std::optional<PartnershipStatus> partnership_status_of(std::string_view name) {
    return value_of(kPartnershipStatuses, name);
}

} // namespace oznsync
