#include "core/change.hpp"

#include "core/enum_names.hpp"
#include "util/ids.hpp"

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

void refuse_unsafe_ids(std::vector<Change>& writes, std::vector<Change>& findings) {
    size_t kept = 0; // writes[0, kept) are the safe ones, in their order
    for (auto& c : writes) {
        std::string why;
        for (const auto& [what, id] : {std::pair<const char*, const Id*>{"property", &c.property_id},
                                       {"client", &c.client_id},
                                       {"drop cable", &c.drop},
                                       {"user", &c.user->user_id}})
            if (!id->empty() && !id->is_object_id()) {
                why = std::string("OZmap gave the ") + what + " the id '" + *id +
                      "', which is not an OZmap id (24 hex digits): nothing written with it";
                break;
            }
        if (why.empty()) {
            if (&c != &writes[kept]) writes[kept] = std::move(c);
            ++kept;
            continue;
        }
        c.reason = why;
        c.action = Action::Conflict;
        findings.push_back(std::move(c));
    }
    writes.erase(writes.begin() + static_cast<std::ptrdiff_t>(kept), writes.end());
}

namespace {
const char* implanted_word(bool implanted) {
    return implanted ? "implanted" : "not implanted";
}

// The substates a valid record pairs with its state (ozneutral-feed.md).
constexpr std::string_view kSubstates[] = {"reserved", "active", "portInactive", "reservationCancelled",
                                           "inspectionAccepted"};
constexpr SaleState kStates[] = {SaleState::Reserved, SaleState::Active, SaleState::Inactive,
                                 SaleState::Terminated};
constexpr Named<FixedNote> kFixedNotes[] = {
    {FixedNote::OrphanPruned, "orphan pruned (--prune-orphans)"},
    {FixedNote::RevertingDrift, "reverting an OZmap edit (reconcile.drift = revert)"},
    {FixedNote::RevertingDeletion, "reverting an OZmap edit: the client was deleted in OZmap"},
    {FixedNote::PortChanged, "port changed in OZneutral"},
    {FixedNote::AdoptionProof, "code equals the sale's codeOrder and the client sits on the sale's port"},
    {FixedNote::AbsentPropertyKept, "absent (property kept, disconnected)"},
    {FixedNote::ClientWithoutProperty, "client without property (half-done removal or OZmap edit)"},
    {FixedNote::PropertyWithoutClient, "property without client"},
    {FixedNote::PartlyDeleted, "partly deleted"},
    {FixedNote::OperatorsClient, "operator's client (no external_id)"},
    {FixedNote::NoExternalId, "no external_id"},
    {FixedNote::UserMadeByOznsync,
     "made by oznsync (its database says so): the proof of ownership, set once"},
    {FixedNote::PartnershipAccepted, "accepted partnership"},
    {FixedNote::PartnershipAcceptedProjectsFixed,
     "accepted partnership (it names no projects: those of the selection when oznsync first saw it accepted, "
     "fixed since)"},
    {FixedNote::PartnershipAcceptedNoGrant, "accepted partnership (no record of an earlier grant)"},
    {FixedNote::PartnershipEnded, "partnership ended"},
    {FixedNote::PasswordNotHandedOver, "password not handed over"},
    {FixedNote::PasswordHandedOver, "new password in the hand-over file"},
    {FixedNote::PasswordReset, "password reset (--reset-password)"},
};

// A note keeps a state as its value, and reads it back as an index here.
static_assert(kStates[static_cast<int>(SaleState::Reserved)] == SaleState::Reserved &&
              kStates[static_cast<int>(SaleState::Active)] == SaleState::Active &&
              kStates[static_cast<int>(SaleState::Inactive)] == SaleState::Inactive &&
              kStates[static_cast<int>(SaleState::Terminated)] == SaleState::Terminated);
} // namespace

ChangeNote::ChangeNote(std::string text) {
    if (text.empty()) return;
    for (const ChangeNote& typed :
         {absent(), present(false), present(true), implanted(false), implanted(true)})
        if (typed.view() == text) {
            *this = typed;
            return;
        }
    if (text.find('/') != std::string::npos)
        for (uint8_t i = 0; i < std::size(kStates); ++i)
            for (uint8_t j = 0; j < std::size(kSubstates); ++j)
                if (ChangeNote status(Form::SaleStatus, i, j); status.view() == text) {
                    *this = status;
                    return;
                }
    if (auto fixed = value_of(kFixedNotes, text)) {
        *this = *fixed;
        return;
    }
    m_form = Form::Text;
    m_text.edit() = std::move(text);
}

ChangeNote ChangeNote::absent() {
    return ChangeNote(Form::Absent, 0);
}

ChangeNote ChangeNote::present(bool implanted) {
    return ChangeNote(Form::Present, implanted);
}

ChangeNote ChangeNote::implanted(bool implanted) {
    return ChangeNote(Form::Implanted, implanted);
}

ChangeNote ChangeNote::sale_status(const Sale& s) {
    for (uint8_t j = 0; j < std::size(kSubstates); ++j)
        if (s.substate == kSubstates[j])
            return ChangeNote(Form::SaleStatus, static_cast<uint8_t>(s.state), j);
    return ChangeNote(s.status_text()); // a substate without a type of its own: kept as text
}

std::string_view ChangeNote::view() const {
    // Every typed form reads as one of these few texts, made once.
    static const auto kStatuses = [] {
        std::vector<std::string> all;
        for (SaleState state : kStates)
            for (std::string_view substate : kSubstates)
                all.push_back(std::string(sale_state_name(state)) + "/" + std::string(substate));
        return all;
    }();
    switch (m_form) {
    case Form::Empty:
        return {};
    case Form::Text:
        return *m_text;
    case Form::Absent:
        return "absent";
    case Form::Present:
        return m_a ? "present, implanted" : "present, not implanted";
    case Form::Implanted:
        return implanted_word(m_a);
    case Form::SaleStatus:
        return kStatuses[m_a * std::size(kSubstates) + m_b];
    case Form::Fixed:
        return name_of(kFixedNotes, static_cast<FixedNote>(m_a));
    }
    return {};
}

std::string PortRef::text() const {
    if (empty()) return "not connected";
    return "box " + box + " / splitter " + splitter + " / port " + std::to_string(port);
}

namespace {
/// The verb of an action in a sentence, in the past tense when done.
std::string verb(Action a, ChangeTense tense) {
    struct Verb {
        Action action;
        const char *plain, *done;
    };
    static const Verb kVerbs[] = {
        {Action::Create, "create", "created"},
        {Action::Move, "move", "moved"},
        {Action::Promote, "promote", "promoted"},
        {Action::Demote, "demote", "demoted"},
        {Action::Remove, "remove", "removed"},
        {Action::UserCreate, "create user", "created user"},
        {Action::UserUpdate, "update user", "updated user"},
        {Action::Adopt, "adopt", "adopted"},
    };
    for (const auto& v : kVerbs)
        if (v.action == a)
            return tense == ChangeTense::Done    ? v.done
                   : tense == ChangeTense::Would ? std::string("would ") + v.plain
                                                 : v.plain;
    return action_name(a);
}
} // namespace

std::string change_text(const Change& c, ChangeTense tense) {
    std::string s = verb(c.action, tense) + " " + (c.code.empty() ? c.user->username : c.code);
    if (!c.target.empty()) {
        s += (c.action == Action::Move ? " to " : " on ") +
             (c.box_name.empty() ? c.target.box.str() : c.box_name);
        if (!c.splitter_name.empty()) s += " " + c.splitter_name;
        s += " port " + std::to_string(c.target.port);
    }
    if (!c.sale_id.empty()) s += " (sale " + c.sale_id + ")";
    return s;
}

std::vector<std::pair<std::string, std::string>> change_fields(const Change& c) {
    return {{"action", action_name(c.action)},
            {"code", c.code.empty() ? c.user->username : c.code},
            {"sale_id", c.sale_id.str()},
            {"project", c.project.str()},
            {"box", c.target.box.str()}};
}

} // namespace oznsync
