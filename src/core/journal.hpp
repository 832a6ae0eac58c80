#pragma once
// The journal's vocabulary, pure: what kind of run a run is (its mode), where each change of its journal
// stands (its state), the write requests changes become, and the base line a finished apply leaves.
#include "core/change.hpp"
#include "util/spill_log.hpp"

#include <functional>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace oznsync {

/// What became of a change. A write goes planned -> intent (before its call) -> done | failed; skipped
/// when it was not sent (a cap, an earlier failure on its code or port); interrupted when its run died
/// with it in flight. Findings are never written.
enum class EntryState { Planned, Intent, Done, Failed, Skipped, Interrupted, Finding };

const char* state_name(EntryState s);
std::optional<EntryState> state_from_name(std::string_view name);

/// A journal row: a change with its place in the run and what became of it.
struct JournalEntry {
    int seq = 0;
    std::string ulid, ts;
    Change change;
    EntryState state = EntryState::Planned;
    std::string result, error;
};

/// Where a run is: running, done (it got as far as a plan), failed (before one), died (killed: found
/// still running by a later run).
enum class RunStatus { Running, Done, Failed, Died };
const char* status_name(RunStatus s);
std::optional<RunStatus> run_status_of(std::string_view name);

/// What a run does: plan from the current snapshot (`plan`, `apply`), the nightly job (`run`: pull
/// first), adoptions, partner users only, or what changed since the last run (`run --incremental`).
enum class RunKind { Snapshot, Run, Adopt, Partners, Incremental };

/// The command a run was: its kind, and whether it only rehearses (dry: nothing is sent; its journal says
/// what would have been). The commands' modes are named below (RunMode::Plan is a dry Snapshot run).
struct RunMode {
    RunKind kind = RunKind::Snapshot;
    bool dry = true;
    bool operator==(const RunMode&) const = default;

    static const RunMode Plan, Apply, Run, RunDry, Adopt, AdoptDry, Partners, PartnersDry, Incremental,
        IncrementalDry;
};
inline constexpr RunMode RunMode::Plan{RunKind::Snapshot, true};
inline constexpr RunMode RunMode::Apply{RunKind::Snapshot, false};
inline constexpr RunMode RunMode::Run{RunKind::Run, false};
inline constexpr RunMode RunMode::RunDry{RunKind::Run, true};
inline constexpr RunMode RunMode::Adopt{RunKind::Adopt, false};
inline constexpr RunMode RunMode::AdoptDry{RunKind::Adopt, true};
inline constexpr RunMode RunMode::Partners{RunKind::Partners, false};
inline constexpr RunMode RunMode::PartnersDry{RunKind::Partners, true};
inline constexpr RunMode RunMode::Incremental{RunKind::Incremental, false};
inline constexpr RunMode RunMode::IncrementalDry{RunKind::Incremental, true};

const char* mode_name(RunMode m);
std::optional<RunMode> mode_from_name(std::string_view name);
/// Nothing was sent: the run's journal says what would have been.
bool is_dry(RunMode m);
/// Its journal may be executed later by `oznsync apply --plan RUN_ID`.
bool is_saved_plan(RunMode m);

/// What a write creates, when it creates something: a create whose answer is lost is looked for by its
/// keys before it is sent again.
enum class Creates { Nothing, Property, User };

/// One OZmap write, as sent (or, in a dry run, as it would be).
struct WriteRequest {
    WriteRequest() = default;
    WriteRequest(std::string m, std::string r, std::string b)
        : method(std::move(m)), route(std::move(r)), body(std::move(b)) {}
    std::string method, route, body; // route relative to /api/v2/
    Creates creates = Creates::Nothing;
    std::string code, external_id; // Creates::Property: its client's code and its external_id
    std::string username;          // Creates::User
    bool operator==(const WriteRequest&) const = default;
};

/// A write as a dry run keeps it for plan.json: what would be sent, without its look-up keys.
struct RecordedRequest {
    std::string method, route, body; // route relative to /api/v2/; body a JSON value, or empty
    bool operator==(const RecordedRequest&) const = default;
};

/// A recorded request as it is read back: views that last while the reader's callback runs.
struct RecordedRequestView {
    std::string_view method, route, body;
};

/// A dry run's requests in the order they came (plan.json lists them). With a folder they are kept in an
/// unnamed file there (util/spill_log; a first night's bodies are hundreds of MB that would otherwise sit
/// in memory until the report is written), else in memory. Safe to add to from several threads.
class RequestLog {
public:
    RequestLog() = default;
    explicit RequestLog(const std::string& spill_dir) : m_log(spill_dir) {}
    void add(const RecordedRequest& r) { m_log.append({r.method, r.route, r.body}); }
    size_t size() const { return m_log.size(); }
    bool spills() const { return m_log.spills(); }
    void for_each(const std::function<void(const RecordedRequestView&)>& each) const {
        m_log.for_each([&](std::span<const std::string_view> f) { each({f[0], f[1], f[2]}); });
    }
    std::vector<RecordedRequest> all() const {
        std::vector<RecordedRequest> out;
        for_each([&](const RecordedRequestView& r) {
            out.push_back({std::string(r.method), std::string(r.route), std::string(r.body)});
        });
        return out;
    }

private:
    SpillLog m_log;
};

/// The base-line rows a run writes: the plan's, then every change that succeeded on top.
struct OwnedUpdate {
    Baseline upsert;
    std::set<Id> forget;
};
OwnedUpdate owned_after(const ChangeSet& plan, const std::vector<JournalEntry>& entries);

} // namespace oznsync
