#include "cli/commands.hpp"
#include "cli/run_options.hpp"

namespace oznsync {

namespace {

class PartnersCommand : public OneRunCommand {
protected:
    void add_options(po::options_description& d) override {
        d.add_options()("dry-run", po::bool_switch(&m_dry), "plan and report the user changes; send nothing")(
            "reset-password", po::value(&m_reset),
            "give this partner's user (partner id) a new password, written to the hand-over file")(
            "reason", po::value(&m_opt.reason),
            "why this run was started: in its record and report (200 characters)");
    }
    void validate(const po::variables_map&) override { check_reason(m_opt.reason); }

public:
    int run() override {
        m_opt.reset_password = m_reset;
        return start({RunKind::Partners, m_dry});
    }

private:
    bool m_dry = false;
    std::string m_reset;
};

} // namespace

std::unique_ptr<Command> make_partners_command() {
    return std::make_unique<PartnersCommand>();
}

} // namespace oznsync
