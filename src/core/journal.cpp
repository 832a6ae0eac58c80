#include "core/journal.hpp"

#include "core/enum_names.hpp"

namespace oznsync {

namespace {

constexpr Named<EntryState> kStates[] = {
    {EntryState::Planned, "planned"}, {EntryState::Intent, "intent"},
    {EntryState::Done, "done"},       {EntryState::Failed, "failed"},
    {EntryState::Skipped, "skipped"}, {EntryState::Interrupted, "interrupted"},
    {EntryState::Finding, "finding"},
};

constexpr Named<RunMode> kModes[] = {
    {RunMode::Plan, "plan"},
    {RunMode::Apply, "apply"},
    {RunMode::Run, "run"},
    {RunMode::RunDry, "run-dry"},
    {RunMode::Adopt, "adopt"},
    {RunMode::AdoptDry, "adopt-dry"},
    {RunMode::Partners, "partners"},
    {RunMode::PartnersDry, "partners-dry"},
    {RunMode::Incremental, "incremental"},
    {RunMode::IncrementalDry, "incremental-dry"},
};

} // namespace

const char* state_name(EntryState s) {
    return name_of(kStates, s);
}

std::optional<EntryState> state_from_name(std::string_view name) {
    return value_of(kStates, name);
}

namespace {
constexpr Named<RunStatus> kRunStatuses[] = {{RunStatus::Running, "running"},
                                             {RunStatus::Done, "done"},
                                             {RunStatus::Failed, "failed"},
                                             {RunStatus::Died, "died"}};
} // namespace

const char* status_name(RunStatus s) {
    return name_of(kRunStatuses, s);
}

std::optional<RunStatus> run_status_of(std::string_view name) {
    return value_of(kRunStatuses, name);
}

const char* mode_name(RunMode m) {
    return name_of(kModes, m);
}

std::optional<RunMode> mode_from_name(std::string_view name) {
    return value_of(kModes, name);
}

bool is_dry(RunMode m) {
    return m.dry;
}

bool is_saved_plan(RunMode m) {
    return m.dry && (m.kind == RunKind::Snapshot || m.kind == RunKind::Run || m.kind == RunKind::Adopt);
}

OwnedUpdate owned_after(const ChangeSet& plan, const std::vector<JournalEntry>& entries) {
    OwnedUpdate out{plan.baseline, plan.forget};
    for (const auto& e : entries) {
        if (e.state != EntryState::Done) continue;
        const Change& c = e.change;
        switch (c.action) {
        case Action::Create:
        case Action::Adopt:
        case Action::Move:
        case Action::Promote:
        case Action::Demote:
            // Each change carries the client's ids, where it now sits and its implanted flag.
            out.upsert[c.sale_id] = OwnedState{c.property_id, c.client_id, c.code, c.target, c.implanted};
            out.forget.erase(c.sale_id);
            break;
        case Action::Remove:
            out.upsert.erase(c.sale_id);
            out.forget.insert(c.sale_id);
            break;
        default:
            break;
        }
    }
    return out;
}

} // namespace oznsync
