#include "cli/commands.hpp"
#include "cli/run_options.hpp"

namespace oznsync {

namespace {

class PlanCommand : public Command {
public:
    std::string name() const override { return "plan"; }
    std::string synopsis() const override { return "[--detailed-exitcode] [--only-project ID] [--no-...]"; }

protected:
    void add_options(po::options_description& d) override { add_reconcile_options(d, m_opt); }
    void validate(const po::variables_map& vm) override { read_reconcile_options(vm, m_opt); }

public:
    int run() override {
        Config cfg = load();
        m_opt.mode = "plan";
        m_opt.apply = false;
        m_opt.progress = show_progress();
        return execute_run(cfg, m_opt);
    }

private:
    RunOptions m_opt;
};

class ApplyCommand : public Command {
public:
    std::string name() const override { return "apply"; }
    std::string synopsis() const override { return "[--plan RUN_ID] [--only-project ID] [--no-...]"; }

protected:
    void add_options(po::options_description& d) override {
        d.add_options()("plan", po::value(&m_opt.plan_run_id),
                        "execute this saved dry run (refused if the snapshot or the feed changed since)");
        add_reconcile_options(d, m_opt);
    }
    void validate(const po::variables_map& vm) override { read_reconcile_options(vm, m_opt); }

public:
    int run() override {
        Config cfg = load();
        m_opt.mode = "apply";
        m_opt.apply = true;
        m_opt.progress = show_progress();
        return execute_run(cfg, m_opt);
    }

private:
    RunOptions m_opt;
};

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
        m_opt.mode = m_dry ? "run-dry" : "run";
        m_opt.pull = true;
        m_opt.apply = !m_dry;
        m_opt.partners = true;
        m_opt.progress = show_progress();
        return execute_run(cfg, m_opt);
    }

private:
    RunOptions m_opt;
    bool m_dry = false;
};

} // namespace

std::unique_ptr<Command> make_plan_command() {
    return std::make_unique<PlanCommand>();
}
std::unique_ptr<Command> make_apply_command() {
    return std::make_unique<ApplyCommand>();
}
std::unique_ptr<Command> make_run_command() {
    return std::make_unique<RunCommand>();
}

} // namespace oznsync
