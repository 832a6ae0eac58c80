#include "app/queries.hpp"
#include "cli/commands.hpp"
#include "util/error.hpp"

#include <iostream>

namespace oznsync {

namespace {

class ReportCommand : public Command {
public:
    std::string name() const override { return "report"; }
    std::string synopsis() const override { return "show RUN_ID [--format text|json|html]"; }

protected:
    void add_options(po::options_description& d) override {
        d.add_options()("format", po::value(&m_format)->default_value("text"),
                        "text, json (summary.json) or html");
    }
    void add_positional(po::options_description& hidden, po::positional_options_description& p) override {
        hidden.add_options()("verb", po::value(&m_verb), "show")("run-id", po::value(&m_run),
                                                                 "the run (see oznsync runs)");
        p.add("verb", 1).add("run-id", 1);
    }
    void validate(const po::variables_map&) override {
        if (m_verb != "show") throw UsageError("report: the only verb is show (oznsync report show RUN_ID)");
        if (m_run.empty())
            throw UsageError("report show: name the run (oznsync report show RUN_ID; see oznsync runs)");
        require_one_of("format", m_format, {"text", "json", "html"});
    }

public:
    int run() override {
        Config cfg = load();
        std::cout << show_report(cfg, m_run, m_format);
        return 0;
    }

private:
    std::string m_verb, m_run, m_format;
};

} // namespace

std::unique_ptr<Command> make_report_command() {
    return std::make_unique<ReportCommand>();
}

} // namespace oznsync
