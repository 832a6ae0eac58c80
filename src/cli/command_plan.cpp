#include "cli/commands.hpp"
#include "cli/run_options.hpp"

namespace oznsync {

namespace {

class PlanCommand : public OneRunCommand {
protected:
    void add_options(po::options_description& d) override { add_reconcile_options(d, m_opt); }
    void validate(const po::variables_map& vm) override { read_reconcile_options(vm, m_opt); }

public:
    int run() override { return start(RunMode::Plan); }
};

} // namespace

std::unique_ptr<Command> make_plan_command() {
    return std::make_unique<PlanCommand>();
}

} // namespace oznsync
