#include "app/fleet.hpp"
#include "cli/commands.hpp"
#include "core/exit_meaning.hpp"
#include "core/output_format.hpp"
#include "util/error.hpp"
#include "util/json_writer.hpp"
#include "util/strings.hpp"

#include <cstdio>
#include <iostream>

namespace oznsync {

namespace {

std::string age_text(const std::optional<double>& hours) {
    return hours ? format_double(static_cast<double>(static_cast<long long>(*hours * 10)) / 10) + " h" : "-";
}

std::string run_text(const std::optional<RunRecord>& r) {
    return r ? r->started_at + " exit " + std::to_string(r->exit_code) : "-";
}

void write_run(JsonWriter& w, const char* key, const std::optional<RunRecord>& r) {
    w.key(key);
    if (!r) {
        w.null();
        return;
    }
    w.begin_object()
        .field("id", r->id)
        .field("started_at", r->started_at)
        .field("finished_at", r->finished_at);
    w.field("exit_code", r->exit_code).field("meaning", exit_code_meaning(r->exit_code)).end_object();
}

std::string fleet_json(const std::vector<OperatorHealth>& fleet) {
    std::string out;
    JsonWriter w(out);
    w.begin_array();
    for (const auto& h : fleet) {
        w.begin_object().field("operator", h.name).field("config", h.config).field("healthy", h.healthy());
        w.key("attention").begin_array();
        for (const auto& a : h.attention)
            w.value(a);
        w.end_array();
        write_run(w, "last_full_run", h.last_full);
        write_run(w, "last_incremental_run", h.last_incremental);
        w.field("conflicts", h.conflicts).field("drift", h.drift).field("invalid", h.invalid);
        w.key("snapshot_age_h");
        if (h.snapshot_age_h)
            w.value(*h.snapshot_age_h);
        else
            w.null();
        w.field("owned_clients", h.owned_clients).field("free_ports", h.free_ports);
        w.key("hold");
        if (h.hold)
            w.begin_object()
                .field("until", h.hold->until)
                .field("by", h.hold->by)
                .field("reason", h.hold->reason)
                .end_object();
        else
            w.null();
        w.end_object();
    }
    w.end_array();
    return out;
}

/// The fleet's page: one row per operator, linking its reports/index.html.
std::string fleet_html(const std::vector<OperatorHealth>& fleet) {
    std::string h =
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>oznsync fleet</title>"
        "<style>body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}"
        ".bad{color:#a00}.ok{color:#070}</style></head><body><h1>oznsync fleet</h1><table><thead><tr>"
        "<th>operator</th><th>status</th><th>last full run</th><th>last incremental run</th>"
        "<th>conflicts / drift / invalid</th><th>snapshot age</th><th>owned clients</th>"
        "<th>free ports</th></tr></thead><tbody>\n";
    for (const auto& o : fleet) {
        const std::string name = html_escape(o.name);
        h +=
            "<tr><td>" +
            (o.reports_dir.empty() ? name
                                   : "<a href=\"" + html_escape("file://" + o.reports_dir + "/index.html") +
                                         "\">" + name + "</a>") +
            "</td><td class=" + (o.healthy() ? "ok>healthy" : "bad>" + html_escape(join(o.attention, "; "))) +
            "</td><td>" + html_escape(run_text(o.last_full)) + "</td><td>" +
            html_escape(run_text(o.last_incremental)) + "</td><td>" + std::to_string(o.conflicts) + " / " +
            std::to_string(o.drift) + " / " + std::to_string(o.invalid) + "</td><td>" +
            html_escape(age_text(o.snapshot_age_h)) + "</td><td>" + std::to_string(o.owned_clients) +
            "</td><td>" + std::to_string(o.free_ports) + "</td></tr>\n";
    }
    return h + "</tbody></table></body></html>\n";
}

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
        if (m_as == OutputFormat::Json) {
            std::cout << fleet_json(fleet) << "\n";
        } else if (m_as == OutputFormat::Html) {
            std::cout << fleet_html(fleet);
        } else {
            std::printf("%-16s %-9s %-31s %-31s %9s %6s %7s %9s %6s  %s\n", "OPERATOR", "STATUS",
                        "LAST FULL RUN", "LAST INCREMENTAL RUN", "CONFLICTS", "DRIFT", "INVALID", "SNAPSHOT",
                        "OWNED", "FREE PORTS");
            for (const auto& h : fleet) {
                std::printf("%-16s %-9s %-31s %-31s %9lld %6lld %7lld %9s %6lld  %lld\n",
                            terminal_safe(h.name).c_str(), h.healthy() ? "healthy" : "ATTENTION",
                            run_text(h.last_full).c_str(), run_text(h.last_incremental).c_str(), h.conflicts,
                            h.drift, h.invalid, age_text(h.snapshot_age_h).c_str(), h.owned_clients,
                            h.free_ports);
                for (const auto& a : h.attention)
                    std::printf("  %s: %s\n", terminal_safe(h.name).c_str(), terminal_safe(a).c_str());
                if (h.hold)
                    std::printf("  %s: incremental runs %s\n", terminal_safe(h.name).c_str(),
                                terminal_safe(describe(*h.hold)).c_str());
            }
        }
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
