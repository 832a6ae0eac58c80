#pragma once
// One run of the job, whatever the command: [pull] -> sales -> plan -> [apply] -> report. Every run is
// recorded in the database and gets its report folder, also when it fails.
#include "config/config.hpp"
#include "core/reconcile.hpp"

#include <optional>
#include <string>
#include <vector>

namespace oznsync {

struct RunOptions {
    std::string mode; // plan | apply | run | run-dry | partners[-dry] | adopt[-dry]
    bool pull = false;
    bool apply = false;      // false: dry run through the recording gateway
    std::string plan_run_id; // apply --plan RUN_ID
    ReconcileOptions reconcile;
    std::optional<long long> max_removals;
    std::optional<double> max_removals_pct;
    bool detailed_exitcode = false;
    std::vector<std::string> only_projects;
    bool progress = false;
    bool partners = false;      // also reconcile partner users (run)
    bool partners_only = false; // only partner users (the partners command)
    bool adopt = false;         // `oznsync adopt`: plan adoptions instead of the sale rules
    std::string reset_password; // `partners --reset-password PARTNER_ID`: only that user's new password
};

/// Runs and returns the exit code; throws Error only for failures before a run could be recorded.
int execute_run(const Config& config, const RunOptions& options);

std::string make_run_id();

} // namespace oznsync
