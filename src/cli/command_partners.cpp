#include "app/run.hpp"
#include "cli/commands.hpp"

namespace oznsync {

namespace {

class PartnersCommand : public Command {
public:
    std::string name() const override { return "partners"; }
    std::string synopsis() const override { return "[--dry-run]"; }

protected:
    void add_options(po::options_description& d) override {
        d.add_options()("dry-run", po::bool_switch(&m_dry), "plan and report the user changes; send nothing");
    }

public:
    int run() override {
        Config cfg = load();
        RunOptions opt;
        opt.mode = m_dry ? "partners-dry" : "partners";
        opt.apply = !m_dry;
        opt.partners_only = true;
        opt.progress = show_progress();
        return execute_run(cfg, opt);
    }

private:
    bool m_dry = false;
};

} // namespace

std::unique_ptr<Command> make_partners_command() {
    return std::make_unique<PartnersCommand>();
}

} // namespace oznsync
