#include "cli/commands.hpp"
#include "cli/run_options.hpp"

namespace oznsync {

namespace {

class RunCommand : public Command {
public:
    std::string name() const override { return "run"; }
    std::string synopsis() const override { return "[--dry-run] [--only-project ID] [--no-...]"; }

protected:
    void add_options(po::options_description& d) override {
        d.add_options()("dry-run", po::bool_switch(&m_dry), "pull, plan and report; change nothing in OZmap");
        add_reconcile_options(d, m_opt);
    }
    void validate(const po::variables_map& vm) override { read_reconcile_options(vm, m_opt); }

public:
    int run() override {
        Config cfg = load();
        m_opt.mode = m_dry ? RunMode::RunDry : RunMode::Run;
        m_opt.progress = show_progress();
        return execute_run(cfg, m_opt);
    }

private:
    RunOptions m_opt;
    bool m_dry = false;
};

} // namespace

std::unique_ptr<Command> make_run_command() {
    return std::make_unique<RunCommand>();
}

} // namespace oznsync
