#include "app/queries.hpp"
#include "cli/commands.hpp"
#include "core/output_format.hpp"
#include "util/error.hpp"

#include <cstdio>
#include <iostream>
#include <map>

namespace oznsync {

namespace {

class RunsCommand : public Command {
protected:
    void add_options(po::options_description& d) override {
        d.add_options()("limit", po::value(&m_limit)->default_value(20), "newest N runs")(
            "mode", po::value(&m_mode), "only runs of this kind: full, incremental or dry-run")(
            "format", po::value(&m_format)->default_value("text"), "text or json");
    }
    void validate(const po::variables_map&) override {
        if (m_limit < 1) throw UsageError("--limit must be >= 1");
        m_as = format_option(m_format, {OutputFormat::Text, OutputFormat::Json});
        if (!m_mode.empty()) require_one_of("mode", m_mode, {"full", "incremental", "dry-run"});
    }

public:
    int run() override {
        Config cfg = load();
        const auto list = list_runs(cfg, m_limit, m_mode == "dry-run" ? "dry_run" : m_mode);
        if (m_as == OutputFormat::Json) {
            std::cout << runs_json(cfg.operator_name, list) << "\n";
            return 0;
        }
        std::fputs(runs_table(cfg.operator_name, list).c_str(), stdout);
        print_folded(folded_runs(cfg));
        return 0;
    }

private:
    /// One line for the runs runs.keep_days folded into daily counts (they have no row of their own).
    static void print_folded(const std::vector<RunDay>& days) {
        if (days.empty()) return;
        long long total = 0;
        std::map<int, long long> by_exit;
        for (const auto& d : days) {
            total += d.runs;
            by_exit[d.exit_code] += d.runs;
        }
        std::string exits;
        for (const auto& [code, n] : by_exit)
            exits += (exits.empty() ? "" : ", ") + std::to_string(n) + " x exit " + std::to_string(code);
        std::printf("older: %lld run(s) without a report folder from %s to %s, kept as daily counts "
                    "(runs.keep_days): %s\n",
                    total, days.front().day.c_str(), days.back().day.c_str(), exits.c_str());
    }

    int m_limit = 20;
    std::string m_format, m_mode;
    OutputFormat m_as = OutputFormat::Text;
};

} // namespace

std::unique_ptr<Command> make_runs_command() {
    return std::make_unique<RunsCommand>();
}

} // namespace oznsync
