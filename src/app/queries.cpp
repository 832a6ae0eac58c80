#include "app/queries.hpp"

#include "core/geo.hpp"
#include "report/availability.hpp"
#include "report/report.hpp"
#include "store/box_ports.hpp"
#include "store/run_store.hpp"
#include "store/store.hpp"

namespace oznsync {

FeasibilityResult query_feasibility(const Config& cfg, double lat, double lng, double radius_m, int limit) {
    Store store(cfg.snapshot_path, Access::ReadOnly);
    FeasibilityResult out;
    out.snapshot = store.require_snapshot();
    auto candidates = boxes_in_rects(store, out.snapshot, covering_rects(lat, lng, radius_m));
    out.answer = evaluate_feasibility(lat, lng, radius_m, candidates, limit);
    return out;
}

AvailabilityExport export_availability(const Config& cfg, const std::string& format) {
    Store store(cfg.snapshot_path, Access::ReadOnly);
    AvailabilityExport out;
    out.snapshot = store.require_snapshot();
    auto boxes = available_boxes(all_boxes(store, out.snapshot));
    out.boxes = boxes.size();
    out.text = render_availability(boxes, format, out.snapshot);
    return out;
}

std::vector<RunListing> list_runs(const Config& cfg, int limit) {
    Store store(cfg.snapshot_path);
    RunStore runs(store);
    std::vector<RunListing> out;
    for (auto& r : runs.list(limit)) {
        RunListing l{r.id,
                     r.started_at,
                     r.finished_at,
                     mode_name(r.mode),
                     r.status,
                     r.exit_code,
                     r.snapshot_id,
                     "",
                     std::move(r.summary_json)};
        for (const auto& [action, n] : runs.action_counts(r.id))
            l.counts += (l.counts.empty() ? "" : " ") + action + "=" + std::to_string(n);
        if (l.counts.empty()) l.counts = "in sync";
        out.push_back(std::move(l));
    }
    return out;
}

std::string show_report(const Config& cfg, const std::string& run_id, const std::string& format) {
    Store store(cfg.snapshot_path);
    RunStore runs(store);
    ReportData d = load_report_data(runs, run_id);
    if (format == "json") return summary_json(d);
    if (format == "html") return html_report(d);
    return text_report(d);
}

} // namespace oznsync
