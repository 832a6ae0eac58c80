#include "report/metrics.hpp"

#include "util/prometheus.hpp"
#include "util/time.hpp"

#include <algorithm>
#include <chrono>
#include <functional>

namespace oznsync {

const char* run_kind(RunMode mode) {
    if (is_dry(mode)) return "dry_run";
    return mode.kind == RunKind::Incremental ? "incremental" : "full";
}

std::string monitoring_metrics(const std::vector<MonitoringStatus>& operators) {
    std::string out;
    // One family: its HELP and TYPE, then each operator's samples (labelled with the operator).
    const auto family = [&](const char* name, const char* type, const char* help,
                            const std::function<void(PrometheusText&, const MonitoringStatus&)>& samples) {
        out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
        for (const auto& s : operators) {
            PrometheusText p({{"operator", s.operator_name}});
            samples(p, s);
            out += p.text();
        }
    };
    const auto per_run = [&](const char* name, const char* help,
                             const std::function<void(PrometheusText&, const LastRun&)>& sample) {
        family(name, "gauge", help, [&](PrometheusText& p, const MonitoringStatus& s) {
            for (const auto& r : s.last_runs)
                sample(p, r);
        });
    };
    const auto seconds_of = [](const std::string& iso) {
        const auto t = parse_iso8601(iso);
        return t ? std::chrono::duration<double>(t->time_since_epoch()).count() : -1.0;
    };
    per_run("oznsync_last_run_exit_code",
            "Exit code of the last finished run of each kind (see oznsync --help).",
            [](PrometheusText& p, const LastRun& r) {
                p.sample("oznsync_last_run_exit_code", {{"mode", r.kind}}, r.exit_code);
            });
    per_run("oznsync_last_run_finished_timestamp_seconds",
            "When the last run of each kind finished (Unix time).", [&](PrometheusText& p, const LastRun& r) {
                p.sample("oznsync_last_run_finished_timestamp_seconds", {{"mode", r.kind}},
                         seconds_of(r.finished_at));
            });
    per_run("oznsync_last_run_duration_seconds", "How long the last run of each kind took, start to end.",
            [&](PrometheusText& p, const LastRun& r) {
                const double start = seconds_of(r.started_at), end = seconds_of(r.finished_at);
                if (start >= 0 && end >= 0)
                    p.sample("oznsync_last_run_duration_seconds", {{"mode", r.kind}}, end - start);
            });
    per_run("oznsync_last_run_changes",
            "Changes of the last run of each kind, per action and result (done, failed, skipped, planned, "
            "finding, interrupted).",
            [](PrometheusText& p, const LastRun& r) {
                for (const auto& [key, n] : r.changes)
                    p.sample("oznsync_last_run_changes",
                             {{"mode", r.kind}, {"action", key.first}, {"result", key.second}},
                             static_cast<double>(n));
            });
    per_run("oznsync_last_run_phase_seconds", "Seconds each phase of the last run of each kind took.",
            [](PrometheusText& p, const LastRun& r) {
                for (const auto& [phase, seconds] : r.phase_seconds)
                    p.sample("oznsync_last_run_phase_seconds", {{"mode", r.kind}, {"phase", phase}}, seconds);
            });
    family("oznsync_snapshot_age_seconds", "gauge",
           "Seconds since the current snapshot was completed or refreshed (-1: none).",
           [](PrometheusText& p, const MonitoringStatus& s) {
               p.sample("oznsync_snapshot_age_seconds", {}, s.snapshot_age_s);
           });
    family("oznsync_owned_clients", "gauge", "OZmap clients oznsync owns (its base line).",
           [](PrometheusText& p, const MonitoringStatus& s) {
               p.sample("oznsync_owned_clients", {}, static_cast<double>(s.owned_clients));
           });
    family("oznsync_free_ports", "gauge", "Free, sellable drop-splitter ports per project.",
           [](PrometheusText& p, const MonitoringStatus& s) {
               for (const auto& [project, n] : s.free_ports) {
                   auto name = s.project_names.find(project);
                   p.sample(
                       "oznsync_free_ports",
                       {{"project", project}, {"name", name == s.project_names.end() ? "" : name->second}},
                       static_cast<double>(n));
               }
           });
    if (std::none_of(operators.begin(), operators.end(), [](const auto& s) { return s.publish.has_value(); }))
        return out;
    const auto published = [&](const char* name, const char* help,
                               double (*value)(const MonitoringStatus::Publishing&)) {
        family(name, "gauge", help, [&](PrometheusText& p, const MonitoringStatus& s) {
            if (s.publish) p.sample(name, {}, value(*s.publish));
        });
    };
    published("oznsync_publish_last_success_timestamp_seconds",
              "When the operator's availability last reached the shared store (Unix time; 0: never).",
              [](const auto& p) { return p.last_success; });
    published("oznsync_publish_failures",
              "Publishes to the shared store that failed in a row since the last success.",
              [](const auto& p) { return static_cast<double>(p.failures); });
    published("oznsync_publish_boxes", "Boxes with a free port in the last successful publish.",
              [](const auto& p) { return static_cast<double>(p.boxes); });
    published("oznsync_publish_duration_seconds", "Seconds the last successful publish took.",
              [](const auto& p) { return p.seconds; });
    return out;
}

} // namespace oznsync
