#include "app/queries.hpp"

#include "app/publish.hpp"

#include "core/geo.hpp"
#include "report/availability.hpp"
#include "report/report.hpp"
#include "store/box_ports.hpp"
#include "store/report_chain.hpp"
#include "store/run_store.hpp"
#include "store/snapshot_reader.hpp"
#include "store/store.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/json_writer.hpp"
#include "util/time.hpp"

#include <chrono>
#include <limits>
#include <sstream>

namespace oznsync {

const std::string& existing_database(const Config& cfg) {
    if (!file_exists(cfg.snapshot_path))
        throw NoInputError("snapshot.path: no database at " + cfg.snapshot_path + " (of operator " +
                           cfg.operator_name +
                           "): nothing has run yet; `oznsync pull` or `oznsync run` creates it");
    return cfg.snapshot_path;
}

FeasibilityResult query_feasibility(const Config& cfg, double lat, double lng, double radius_m, int limit) {
    Store store(existing_database(cfg), Access::ReadOnly, cfg.operator_name);
    return query_feasibility(store, lat, lng, radius_m, limit);
}

FeasibilityResult query_feasibility(Store& store, double lat, double lng, double radius_m, int limit) {
    FeasibilityResult out;
    out.snapshot = store.require_snapshot();
    auto candidates = boxes_in_rects(store, out.snapshot, covering_rects(lat, lng, radius_m));
    out.answer = evaluate_feasibility(lat, lng, radius_m, candidates, limit);
    return out;
}

AvailabilityExport export_availability(const Config& cfg, OutputFormat format) {
    Store store(existing_database(cfg), Access::ReadOnly, cfg.operator_name);
    return export_availability(store, format);
}

AvailabilityExport export_availability(Store& store, OutputFormat format) {
    AvailabilityExport out;
    out.snapshot = store.require_snapshot();
    // The read API's stream, collected: the snapshot read a box at a time into one writer.
    out.boxes = write_availability(
        format, out.snapshot,
        [&](const auto& each) { each_box(store, out.snapshot, [&](BoxPorts&& b) { each(b); }); },
        [&](std::string_view chunk) { out.text += chunk; });
    return out;
}

size_t write_availability(OutputFormat format, int64_t snapshot, const BoxSource& boxes,
                          const std::function<void(std::string_view)>& sink) {
    AvailabilityWriter writer(format, snapshot, sink);
    boxes([&](const BoxPorts& b) { writer.add(b); });
    writer.finish();
    return writer.boxes();
}

std::vector<RunListing> list_runs(const Config& cfg, int limit, const std::string& kind) {
    Store store(existing_database(cfg), Access::ReadWrite, cfg.operator_name);
    return list_runs(store, limit, kind);
}

namespace {
/// A run as the listings show it (its counts and summary added where they are wanted).
RunListing listing_of(const RunRecord& r) {
    return {r.id,
            r.started_at,
            r.finished_at,
            mode_name(r.mode),
            status_name(r.status),
            r.exit_code,
            r.snapshot_id,
            "",
            ""};
}
} // namespace

std::vector<RunListing> list_runs(Store& store, int limit, const std::string& kind) {
    RunStore runs(store);
    std::vector<RunListing> out;
    // Of one kind: every run read (runs.keep_days bounds them), the newest `limit` of that kind kept.
    for (auto& r : runs.list(kind.empty() ? limit : std::numeric_limits<int>::max())) {
        if (!kind.empty() && run_kind(r.mode) != kind) continue;
        if (static_cast<int>(out.size()) >= limit) break;
        RunListing l = listing_of(r);
        l.summary_json = std::move(r.summary_json);
        for (const auto& [action, n] : runs.action_counts(r.id))
            l.counts += (l.counts.empty() ? "" : " ") + action + "=" + std::to_string(n);
        if (l.counts.empty()) l.counts = "in sync";
        out.push_back(std::move(l));
    }
    return out;
}

std::vector<RunDay> folded_runs(const Config& cfg) {
    Store store(existing_database(cfg), Access::ReadWrite, cfg.operator_name);
    return History(store).run_days();
}

std::string public_run_summary(Store& store, const std::string& run_id) {
    return public_summary(show_report(store, run_id, OutputFormat::Json));
}

std::string show_report(const Config& cfg, const std::string& run_id, OutputFormat format) {
    Store store(existing_database(cfg), Access::ReadWrite, cfg.operator_name);
    return show_report(store, run_id, format);
}

std::string show_report(Store& store, const std::string& run_id, OutputFormat format) {
    RunStore runs(store);
    ReportData d = load_report_data(runs, run_id);
    d.operator_name = store.get_state("operator").value_or("");
    if (format == OutputFormat::Json) return summary_json(d);
    if (format == OutputFormat::Html) return html_report(d);
    return text_report(d);
}

ChainVerdict verify_reports(const Config& cfg) {
    // A run writing its folder (or creating, or migrating the database) is not tampering: say so, exit 75.
    if (run_in_progress(cfg.snapshot_path))
        throw UnavailableError("a run is in progress (it holds " + cfg.snapshot_path +
                               "): verify again when it has finished");
    Store store(existing_database(cfg), Access::ReadOnly, cfg.operator_name);
    return verify_chain(cfg.reports_dir, ReportChain(store).all());
}

ServiceStatus service_status(Store& store, bool with_ports) {
    ServiceStatus out;
    out.snapshot = store.current_snapshot();
    if (out.snapshot) {
        if (auto info = store.snapshot(*out.snapshot)) {
            out.snapshot_finished_at = info->finished_at;
            out.snapshot_age_s = seconds_since(info->finished_at); // -1 when it is not a time
        }
        if (with_ports) {
            out.free_ports = free_ports_by_project(store, *out.snapshot);
            for (const auto& p : load_projects(store, *out.snapshot))
                out.project_names[p.id] = p.name;
        }
    }
    RunStore runs(store);
    for (auto& r : runs.list(20)) {
        if (r.finished_at.empty() || r.exit_code < 0) continue; // still running
        out.last_run = listing_of(r);
        break;
    }
    out.owned_clients = runs.owned_count();
    return out;
}

} // namespace oznsync

namespace oznsync {

MonitoringStatus monitoring_status(Store& store, const std::string& operator_name) {
    MonitoringStatus out;
    out.operator_name = operator_name;
    RunStore runs(store);
    constexpr RunMode kEvery[] = {RunMode::Plan,          RunMode::Apply,       RunMode::Run,
                                  RunMode::RunDry,        RunMode::Adopt,       RunMode::AdoptDry,
                                  RunMode::Partners,      RunMode::PartnersDry, RunMode::Incremental,
                                  RunMode::IncrementalDry};
    for (const char* kind : {"full", "incremental", "dry_run"}) {
        std::vector<RunMode> modes;
        for (RunMode m : kEvery)
            if (std::string_view(run_kind(m)) == kind) modes.push_back(m);
        auto r = runs.last_finished(modes);
        if (!r) continue;
        LastRun last{run_kind(r->mode), r->id,        mode_name(r->mode),        r->started_at,
                     r->finished_at,    r->exit_code, runs.result_counts(r->id), {}};
        last.phase_seconds = summary_timings(r->summary_json);
        out.last_runs.push_back(std::move(last));
    }
    const ServiceStatus s = service_status(store, true);
    out.snapshot_age_s = s.snapshot_age_s;
    out.owned_clients = s.owned_clients;
    out.free_ports = s.free_ports;
    out.project_names = s.project_names;
    if (const PublishState p = publish_state(store); p.configured)
        out.publish = MonitoringStatus::Publishing{p.last_success, p.failures, p.boxes, p.seconds};
    return out;
}

} // namespace oznsync
