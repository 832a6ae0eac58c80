#include "cli/commands.hpp"
#include "cli/run_options.hpp"

namespace oznsync {

namespace {

class ApplyCommand : public OneRunCommand {
protected:
    void add_options(po::options_description& d) override {
        d.add_options()("plan", po::value(&m_opt.plan_run_id),
                        "execute this saved dry run (refused if the snapshot or the feed changed since)");
        add_reconcile_options(d, m_opt);
    }
    void validate(const po::variables_map& vm) override { read_reconcile_options(vm, m_opt); }

public:
    int run() override { return start(RunMode::Apply); }
};

} // namespace

std::unique_ptr<Command> make_apply_command() {
    return std::make_unique<ApplyCommand>();
}

} // namespace oznsync
