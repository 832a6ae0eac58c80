#include "cli/commands.hpp"
#include "cli/run_options.hpp"

namespace oznsync {

namespace {

/// The migration path from an earlier integration: clients whose code equals a live sale's code and that
/// sit on that sale's port get oznsync's external_id and become owned. Never implicit; every adoption is
/// a change in the report.
class AdoptCommand : public OneRunCommand {
protected:
    void add_options(po::options_description& d) override {
        d.add_options()("dry-run", po::bool_switch(&m_dry), "pull and report the adoptions; change nothing")(
            "only-project", po::value(&m_opt.only_projects)->composing(),
            "adopt in this project only (repeatable); one of ozmap.projects")(
            "reason", po::value(&m_opt.reason),
            "why this run was started: in its record and report (200 characters)");
    }
    void validate(const po::variables_map&) override {
        require_project_ids(m_opt.only_projects);
        check_reason(m_opt.reason);
    }

public:
    int run() override { return start({RunKind::Adopt, m_dry}); }

private:
    bool m_dry = false;
};

} // namespace

std::unique_ptr<Command> make_adopt_command() {
    return std::make_unique<AdoptCommand>();
}

} // namespace oznsync
