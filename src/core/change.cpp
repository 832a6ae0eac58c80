#include "core/change.hpp"

#include "core/enum_names.hpp"

namespace oznsync {

namespace {
constexpr Named<Action> kNames[] = {
    {Action::Create, "create"},          {Action::Move, "move"},     {Action::Promote, "promote"},
    {Action::Demote, "demote"},          {Action::Remove, "remove"}, {Action::UserCreate, "user_create"},
    {Action::UserUpdate, "user_update"}, {Action::Adopt, "adopt"},   {Action::Conflict, "conflict"},
    {Action::Invalid, "invalid"},        {Action::Orphan, "orphan"}, {Action::Drift, "drift"},
};
} // namespace

const char* action_name(Action a) {
    return name_of(kNames, a);
}

bool action_from_name(const std::string& name, Action& out) {
    auto a = value_of(kNames, name);
    if (a) out = *a;
    return a.has_value();
}

bool is_write(Action a) {
    return a <= Action::Adopt;
}

Change invalid_finding(const InvalidRecord& r) {
    Change c;
    c.action = Action::Invalid;
    c.sale_id = r.id;
    c.code = r.code;
    c.reason = r.reason;
    return c;
}

std::string PortRef::text() const {
    if (empty()) return "not connected";
    return "box " + box + " / splitter " + splitter + " / port " + std::to_string(port);
}

} // namespace oznsync
