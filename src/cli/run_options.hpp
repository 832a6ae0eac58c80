#pragma once
// What the commands that are one run share: the reconcile options (plan, apply, run) and the start.
#include "app/run.hpp"
#include "cli/command.hpp"

namespace oznsync {

void add_reconcile_options(po::options_description& d, RunOptions& o);
void read_reconcile_options(const po::variables_map& vm, RunOptions& o);
/// `--reason TEXT` (of a run, of a hold): at most 200 characters, no control character; UsageError else.
void check_reason(const std::string& reason);

/// A command that is one run of the job (plan, apply, run, adopt, partners): its options, and the start.
class OneRunCommand : public Command {
protected:
    /// Loads the config and executes the run as `mode`; returns its exit code.
    int start(RunMode mode) {
        Config cfg = load();
        m_opt.mode = mode;
        m_opt.progress = show_progress();
        return execute_run(cfg, m_opt);
    }

    RunOptions m_opt;
};

} // namespace oznsync
