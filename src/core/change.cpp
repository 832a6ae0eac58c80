#include "core/change.hpp"

namespace oznsync {

namespace {
struct Name {
    Action action;
    const char* name;
};
const Name kNames[] = {
    {Action::Create, "create"},          {Action::Move, "move"},     {Action::Promote, "promote"},
    {Action::Demote, "demote"},          {Action::Remove, "remove"}, {Action::UserCreate, "user_create"},
    {Action::UserUpdate, "user_update"}, {Action::Adopt, "adopt"},   {Action::Conflict, "conflict"},
    {Action::Invalid, "invalid"},        {Action::Orphan, "orphan"}, {Action::Drift, "drift"},
};
} // namespace

const char* action_name(Action a) {
    for (const auto& n : kNames)
        if (n.action == a) return n.name;
    return "?";
}

bool action_from_name(const std::string& name, Action& out) {
    for (const auto& n : kNames)
        if (name == n.name) {
            out = n.action;
            return true;
        }
    return false;
}

bool is_write(Action a) {
    return a <= Action::Adopt;
}

std::string PortRef::text() const {
    if (empty()) return "not connected";
    return "box " + box + " / splitter " + splitter + " / port " + std::to_string(port);
}

} // namespace oznsync
