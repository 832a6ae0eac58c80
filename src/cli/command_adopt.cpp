#include "app/run.hpp"
#include "cli/commands.hpp"

namespace oznsync {

namespace {

/// The migration path from an earlier integration: clients whose code equals a live sale's code and that
/// sit on that sale's port get oznsync's external_id and become owned. Never implicit; every adoption is
/// a change in the report.
class AdoptCommand : public Command {
public:
    std::string name() const override { return "adopt"; }
    std::string synopsis() const override { return "[--dry-run] [--only-project ID]"; }

protected:
    void add_options(po::options_description& d) override {
        d.add_options()("dry-run", po::bool_switch(&m_dry), "pull and report the adoptions; change nothing")(
            "only-project", po::value(&m_opt.only_projects)->composing(),
            "adopt in this project only (repeatable); one of ozmap.projects");
    }

public:
    int run() override {
        Config cfg = load();
        m_opt.mode = m_dry ? RunMode::AdoptDry : RunMode::Adopt;
        m_opt.progress = show_progress();
        return execute_run(cfg, m_opt);
    }

private:
    RunOptions m_opt;
    bool m_dry = false;
};

} // namespace

std::unique_ptr<Command> make_adopt_command() {
    return std::make_unique<AdoptCommand>();
}

} // namespace oznsync
