#pragma once
// One run of the job, whatever the command: [pull] -> sales -> plan -> [apply] -> report. Every run is
// recorded in the database and gets its report folder, also when it fails.
#include "config/config.hpp"
#include "core/journal.hpp"
#include "core/reconcile.hpp"
#include "store/run_store.hpp"

#include <exception>
#include <optional>
#include <string>
#include <vector>

namespace oznsync {

struct RunOptions {
    RunMode mode = RunMode::Plan; // what the run does follows from it (below)
    std::string plan_run_id;      // apply --plan RUN_ID
    ReconcileOptions reconcile;
    std::optional<long long> max_removals;
    std::optional<double> max_removals_pct;
    bool detailed_exitcode = false;
    std::vector<std::string> only_projects;
    bool progress = false;
    std::string reset_password; // `partners --reset-password PARTNER_ID`: only that user's new password
    std::string reason;         // --reason TEXT: why this run was started (in its record and report)

    /// Writes to OZmap (else a dry run through the recording gateway).
    bool sends() const { return !is_dry(mode); }
    /// Pulls a fresh snapshot first (run, adopt); plan and apply use the current one.
    bool pulls() const { return is_run() || adopts(); }
    /// `oznsync adopt`: plans adoptions instead of the sale rules.
    bool adopts() const { return mode.kind == RunKind::Adopt; }
    /// `oznsync partners`: only partner users.
    bool partners_only() const { return mode.kind == RunKind::Partners; }
    /// `oznsync run` reconciles partner users too (when a partnership feed is configured).
    bool is_run() const { return mode.kind == RunKind::Run; }
    /// `oznsync run --incremental`: what changed since the last run, into the current snapshot.
    bool incremental() const { return mode.kind == RunKind::Incremental; }
};

/// Who runs this process (for a run's record, a hold).
std::string user_name();
/// Who started this run: "timer NAME.timer" (systemd's TRIGGER_UNIT), "unit NAME.service" (a systemd
/// unit started otherwise), else "user NAME".
std::string started_by();

/// Runs and returns the exit code; throws Error only for failures before a run could be recorded.
int execute_run(const Config& config, const RunOptions& options);

std::string make_run_id();
/// The record a run starts with (status running): who and what it is, from the config and the options.
RunRecord new_run_record(const Config& cfg, const RunOptions& opt);
/// How an error ends a run: logged, its reason kept on `run` (the first one), its exit code.
int run_stopped_by(const std::exception& e, RunRecord& run);
/// The record a run ends with: `code`, its end time and its status (done once it got as far as a plan
/// that was written, `planned`, unless OZmap or OZneutral could not be reached or it failed inside).
void settle_run_record(RunRecord& run, int code, bool planned);
/// This host's name, as the run's record keeps it.
std::string host_name();

} // namespace oznsync
