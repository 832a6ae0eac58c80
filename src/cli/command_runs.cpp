#include "cli/commands.hpp"
#include "report/report.hpp"
#include "store/run_store.hpp"
#include "util/error.hpp"
#include "util/json_writer.hpp"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <cstdio>
#include <iostream>

namespace oznsync {

namespace {

/// "create=3 remove=1" from a run's stored summary.
std::string counts_text(const RunRecord& r) {
    try {
        auto o = Poco::JSON::Parser().parse(r.summary_json).extract<Poco::JSON::Object::Ptr>();
        std::string out;
        for (const auto& [k, v] : *o->getObject("counts")) {
            if (k == "in_sync" || k == "owned_clients") continue;
            long long n = v.convert<long long>();
            if (n) out += (out.empty() ? "" : " ") + k + "=" + std::to_string(n);
        }
        return out.empty() ? "in sync" : out;
    } catch (...) {
        return "";
    }
}

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
        if (m_format != "text" && m_format != "json") throw UsageError("--format must be text or json");
    }

public:
    int run() override {
        Config cfg = load();
        Store store(cfg.snapshot_path);
        RunStore runs(store);
        auto list = runs.list(m_limit);
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
                        r.mode.c_str(), r.status.c_str(), r.exit_code, counts_text(r).c_str());
        if (list.empty()) std::printf("(no runs yet)\n");
        return 0;
    }

private:
    int m_limit = 20;
    std::string m_format;
};

class ReportCommand : public Command {
public:
    std::string name() const override { return "report"; }
    std::string synopsis() const override { return "show RUN_ID [--format text|json|html]"; }

protected:
    void add_options(po::options_description& d) override {
        d.add_options()("verb", po::value(&m_verb)->required(),
                        "show")("run-id", po::value(&m_run)->required(), "the run (see oznsync runs)")(
            "format", po::value(&m_format)->default_value("text"), "text, json (summary.json) or html");
    }
    void add_positional(po::positional_options_description& p) override { p.add("verb", 1).add("run-id", 1); }
    void validate(const po::variables_map&) override {
        if (m_verb != "show") throw UsageError("report: the only verb is show (oznsync report show RUN_ID)");
        if (m_format != "text" && m_format != "json" && m_format != "html")
            throw UsageError("--format must be text, json or html");
    }

public:
    int run() override {
        Config cfg = load();
        Store store(cfg.snapshot_path);
        RunStore runs(store);
        ReportData d = load_report_data(runs, m_run);
        if (m_format == "json")
            std::cout << summary_json(d);
        else if (m_format == "html")
            std::cout << html_report(d);
        else
            std::cout << text_report(d);
        return 0;
    }

private:
    std::string m_verb, m_run, m_format;
};

} // namespace

std::unique_ptr<Command> make_runs_command() {
    return std::make_unique<RunsCommand>();
}
std::unique_ptr<Command> make_report_command() {
    return std::make_unique<ReportCommand>();
}

} // namespace oznsync
