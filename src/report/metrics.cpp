#include "report/metrics.hpp"

#include "util/prometheus.hpp"
#include "util/time.hpp"

#include <chrono>

namespace oznsync {

std::string run_metrics(const ReportData& d, double snapshot_age_s) {
    PrometheusText p({{"operator", d.operator_name}});
    const PrometheusText::Labels mode{{"mode", mode_name(d.run.mode)}};
    p.family("oznsync_last_run_exit_code", "gauge", "Exit code of the last run (see oznsync --help).")
        .sample("oznsync_last_run_exit_code", mode, d.run.exit_code);
    const auto started = parse_iso8601(d.run.started_at), finished = parse_iso8601(d.run.finished_at);
    if (finished) {
        p.family("oznsync_last_run_finished_timestamp_seconds", "gauge",
                 "When the last run finished (Unix time).")
            .sample("oznsync_last_run_finished_timestamp_seconds", mode,
                    std::chrono::duration<double>(finished->time_since_epoch()).count());
        if (started)
            p.family("oznsync_last_run_duration_seconds", "gauge",
                     "How long the last run took, start to end.")
                .sample("oznsync_last_run_duration_seconds", mode,
                        std::chrono::duration<double>(*finished - *started).count());
    }
    p.family("oznsync_last_run_changes", "gauge", "Changes of the last run, per action.");
    for (const auto& [action, n] : counts_by_action(d))
        p.sample("oznsync_last_run_changes", {{"action", action}}, static_cast<double>(n));
    p.family("oznsync_last_run_phase_seconds", "gauge",
             "Seconds each phase of the last run took (pull, plan, ...).");
    for (const auto& [phase, seconds] : d.timings)
        p.sample("oznsync_last_run_phase_seconds", {{"phase", phase}}, seconds);
    p.family("oznsync_snapshot_age_seconds", "gauge",
             "Seconds since the current snapshot was completed (-1: none).")
        .sample("oznsync_snapshot_age_seconds", {}, snapshot_age_s);
    return p.text();
}

} // namespace oznsync
