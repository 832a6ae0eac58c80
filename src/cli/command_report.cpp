#include "app/queries.hpp"
#include "cli/commands.hpp"
#include "core/output_format.hpp"
#include "util/error.hpp"

#include <iostream>

namespace oznsync {

namespace {

class ReportCommand : public Command {
protected:
    void add_options(po::options_description& d) override {
        d.add_options()("format", po::value(&m_format)->default_value("text"),
                        "text, json (summary.json) or html");
    }
    void add_positional(po::options_description& hidden, po::positional_options_description& p) override {
        hidden.add_options()("verb", po::value(&m_verb), "show or verify")("run-id", po::value(&m_run),
                                                                           "the run (see oznsync runs)");
        p.add("verb", 1).add("run-id", 1);
    }
    void validate(const po::variables_map&) override {
        if (m_verb == "verify") {
            if (!m_run.empty()) throw UsageError("report verify checks every folder: it takes no run id");
            return;
        }
        if (m_verb != "show")
            throw UsageError("report: the verbs are show (oznsync report show RUN_ID) and verify (oznsync "
                             "report verify)");
        if (m_run.empty())
            throw UsageError("report show: name the run (oznsync report show RUN_ID; see oznsync runs)");
        m_as = format_option(m_format, {OutputFormat::Text, OutputFormat::Json, OutputFormat::Html});
    }

public:
    int run() override {
        Config cfg = load();
        if (m_verb == "verify") return verify(cfg);
        std::cout << show_report(cfg, m_run, m_as);
        return 0;
    }

private:
    /// Exit 0 when every folder is as written (or pruned by reports.keep_days), 4 at the first that is not.
    static int verify(const Config& cfg) {
        const ChainVerdict v = verify_reports(cfg);
        if (!v.intact) {
            std::cout << "report chain BROKEN at " << v.broken_at << ": " << v.why << "\n"
                      << "(" << v.checked << " folder(s) before it are intact)\n";
            return kExitSafety;
        }
        std::cout << "report chain intact: " << v.checked << " folder(s) as written";
        if (v.pruned)
            std::cout << ", " << v.pruned << " pruned by reports.keep_days (hashes kept in the database)";
        std::cout << "\n";
        return 0;
    }

    std::string m_verb, m_run, m_format;
    OutputFormat m_as = OutputFormat::Text;
};

} // namespace

std::unique_ptr<Command> make_report_command() {
    return std::make_unique<ReportCommand>();
}

} // namespace oznsync
