#include "app/fleet.hpp"
#include "cli/commands.hpp"
#include "core/output_format.hpp"
#include "util/error.hpp"

#include <iostream>

namespace oznsync {

namespace {

class FleetCommand : public Command {
protected:
    void add_options(po::options_description& d) override {
        d.add_options()("fleet", po::value(&m_dir)->default_value("/etc/oznsync/operators.d"),
                        "the folder of operator configs (NAME.ini)")(
            "format", po::value(&m_format)->default_value("text"),
            "text, json or html (a page linking "
            "every operator's reports)");
    }
    void add_positional(po::options_description& hidden, po::positional_options_description& p) override {
        hidden.add_options()("verb", po::value(&m_verb), "status");
        p.add("verb", 1);
    }
    void validate(const po::variables_map&) override {
        if (m_verb != "status") throw UsageError("fleet: the verb is status (oznsync fleet status)");
        m_as = format_option(m_format, {OutputFormat::Text, OutputFormat::Json, OutputFormat::Html});
    }

public:
    /// Exit 0 when every operator is healthy, 6 when one needs attention.
    int run() override {
        const auto fleet = fleet_status(m_dir);
        if (fleet.empty()) throw UsageError("--fleet: " + m_dir + " holds no operator config (NAME.ini)");
        std::cout << (m_as == OutputFormat::Json   ? fleet_json(fleet) + "\n"
                      : m_as == OutputFormat::Html ? fleet_html(fleet)
                                                   : fleet_table(fleet));
        for (const auto& h : fleet)
            if (!h.healthy()) return kExitFleetAttention;
        return 0;
    }

private:
    std::string m_verb, m_dir, m_format;
    OutputFormat m_as = OutputFormat::Text;
};

} // namespace

std::unique_ptr<Command> make_fleet_command() {
    return std::make_unique<FleetCommand>();
}

} // namespace oznsync
