#include "cli/commands.hpp"
#include "cli/run_options.hpp"
#include "util/error.hpp"

namespace oznsync {

namespace {

class RunCommand : public OneRunCommand {
protected:
    void add_options(po::options_description& d) override {
        d.add_options()("dry-run", po::bool_switch(&m_dry), "pull, plan and report; change nothing in OZmap")(
            "incremental", po::bool_switch(&m_incremental),
            "only what changed since the last run: OZmap rows with a newer updatedAt, sale records newer "
            "than recorded, and the sales they concern (the nightly full run finds deletions); partner "
            "users are left to the full run. A busy lock skips the run quietly (exit 75)");
        add_reconcile_options(d, m_opt);
    }
    void validate(const po::variables_map& vm) override {
        read_reconcile_options(vm, m_opt);
        if (m_incremental && !m_opt.only_projects.empty())
            throw UsageError("--incremental works on every project of the snapshot: drop --only-project");
        if (m_incremental && m_opt.reconcile.prune_orphans)
            throw UsageError("--incremental cannot tell an orphan (it reads only what changed): "
                             "--prune-orphans belongs to a full run");
    }

public:
    int run() override { return start({m_incremental ? RunKind::Incremental : RunKind::Run, m_dry}); }

private:
    bool m_dry = false, m_incremental = false;
};

} // namespace

std::unique_ptr<Command> make_run_command() {
    return std::make_unique<RunCommand>();
}

} // namespace oznsync
