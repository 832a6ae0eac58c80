#include "report/tally.hpp"

#include "report/report.hpp"

namespace oznsync {

namespace {
Action action_at(size_t i) {
    return static_cast<Action>(i);
}
} // namespace

long long EntryTally::writes() const {
    long long n = 0;
    for (size_t i = 0; i < kActionCount; ++i)
        if (is_write(action_at(i))) n += actions[i];
    return n;
}

EntryTally tally_entries(const std::vector<JournalEntry>& entries) {
    EntryTally t;
    const Id* last = nullptr;
    ActionCounts* of_last = nullptr; // entries in plan order: a project's come in runs
    for (const auto& e : entries) {
        const auto action = static_cast<size_t>(e.change.action);
        ++t.actions[action];
        ++t.states[static_cast<size_t>(e.state)];
        if (const Id& project = e.change.project; !project.empty()) {
            if (!of_last || project != *last) {
                of_last = &t.projects[project];
                last = &project;
            }
            ++(*of_last)[action];
        }
        if (!is_write(e.change.action) || e.state == EntryState::Finding) continue;
        ActionResults& r = t.results[action];
        ++r.planned;
        switch (e.state) {
        case EntryState::Done:
            ++r.done;
            break;
        case EntryState::Failed:
            ++r.failed;
            break;
        case EntryState::Skipped:
            ++r.skipped;
            break;
        default:
            ++r.not_sent;
            break;
        }
    }
    return t;
}

std::map<std::string, long long> counts_by_action(const ReportData& d) {
    std::map<std::string, long long> out;
    for (const char* a :
         {"create", "move", "promote", "demote", "remove", "conflict", "invalid", "orphan", "drift"})
        out[a] = 0;
    const ActionCounts n = d.counted().actions;
    for (size_t i = 0; i < kActionCount; ++i)
        if (n[i]) out[action_name(action_at(i))] += n[i];
    for (const auto& [action, k] : d.kept_counts)
        out[action] += k;
    return out;
}

std::map<std::string, ActionResults> results_by_action(const ReportData& d) {
    const auto by = d.counted().results;
    std::map<std::string, ActionResults> out;
    for (size_t i = 0; i < kActionCount; ++i)
        if (by[i].planned) out[action_name(action_at(i))] = by[i];
    return out;
}

std::map<std::string, std::map<std::string, long long>> counts_by_project(const ReportData& d) {
    std::map<std::string, std::map<std::string, long long>> out;
    const EntryTally t = d.counted();
    for (const auto& [project, n] : t.projects) {
        auto& counts = out[project.str()];
        for (size_t i = 0; i < kActionCount; ++i)
            if (n[i]) counts[action_name(action_at(i))] = n[i];
    }
    return out;
}

std::map<std::string, long long> counts_by_state(const ReportData& d) {
    const auto n = d.counted().states;
    std::map<std::string, long long> out;
    for (size_t i = 0; i < kEntryStateCount; ++i) {
        const auto state = static_cast<EntryState>(i);
        if (n[i] && state != EntryState::Finding) out[state_name(state)] = n[i];
    }
    return out;
}

std::pair<long long, long long> writes_and_conflicts(const ReportData& d) {
    const EntryTally t = d.counted();
    return {t.writes(), t.of(Action::Conflict)};
}

} // namespace oznsync
