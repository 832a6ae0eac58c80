#include "app/queries.hpp"
#include "cli/commands.hpp"
#include "util/error.hpp"
#include "util/json_writer.hpp"

#include <cstdio>
#include <iostream>

namespace oznsync {

namespace {

class RunsCommand : public Command {
public:
    std::string name() const override { return "runs"; }
    std::string synopsis() const override { return "[--limit N] [--format text|json]"; }

protected:
    void add_options(po::options_description& d) override {
        d.add_options()("limit", po::value(&m_limit)->default_value(20), "newest N runs")(
            "format", po::value(&m_format)->default_value("text"), "text or json");
    }
    void validate(const po::variables_map&) override {
        if (m_limit < 1) throw UsageError("--limit must be >= 1");
        require_one_of("format", m_format, {"text", "json"});
    }

public:
    int run() override {
        Config cfg = load();
        const auto list = list_runs(cfg, m_limit);
        if (m_format == "json") {
            std::string out;
            JsonWriter w(out);
            w.begin_array();
            for (const auto& r : list) {
                w.begin_object()
                    .field("id", r.id)
                    .field("started_at", r.started_at)
                    .field("finished_at", r.finished_at);
                w.field("mode", r.mode).field("status", r.status).field("exit_code", r.exit_code);
                w.field("snapshot_id", r.snapshot_id).key("summary");
                if (r.summary_json.empty())
                    w.null();
                else
                    w.raw(r.summary_json.substr(0, r.summary_json.find_last_not_of("\n") + 1));
                w.end_object();
            }
            w.end_array();
            std::cout << out << "\n";
            return 0;
        }
        std::printf("%-24s %-20s %-12s %-7s %4s  %s\n", "RUN", "STARTED", "MODE", "STATUS", "EXIT",
                    "CHANGES");
        for (const auto& r : list)
            std::printf("%-24s %-20s %-12s %-7s %4d  %s\n", r.id.c_str(), r.started_at.c_str(),
                        r.mode.c_str(), r.status.c_str(), r.exit_code, r.counts.c_str());
        if (list.empty()) std::printf("(no runs yet)\n");
        return 0;
    }

private:
    int m_limit = 20;
    std::string m_format;
};

} // namespace

std::unique_ptr<Command> make_runs_command() {
    return std::make_unique<RunsCommand>();
}

} // namespace oznsync
