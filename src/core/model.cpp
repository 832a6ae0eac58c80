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

} // namespace oznsync
