#include "cli/commands.hpp"
#include "cli/run_options.hpp"

namespace oznsync {

namespace {

class RunCommand : public OneRunCommand {
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
    int run() override { return start(m_dry ? RunMode::RunDry : RunMode::Run); }

private:
    bool m_dry = false;
};

} // namespace

std::unique_ptr<Command> make_run_command() {
    return std::make_unique<RunCommand>();
}

} // namespace oznsync
