#pragma once
// The read-only use cases over the snapshot database: feasibility near a point, the availability export,
// the run history and a past run's report. Each opens the database itself (read-only where it can).
#include "config/config.hpp"
#include "core/feasibility.hpp"
#include "core/output_format.hpp"
#include "report/integrity.hpp"
#include "report/metrics.hpp"
#include "report/views.hpp"
#include "store/history.hpp"
#include "store/store.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace oznsync {

struct FeasibilityResult {
    int64_t snapshot = 0;
    FeasibilityAnswer answer;
};
/// The boxes within `radius_m` of (lat, lng) with a sellable port, nearest first (`limit` 0: all).
/// The availability feed (as `export_availability` renders it) of the boxes `boxes` hands out one at a
/// time, given to `sink` in chunks as it is written (the read API streams it from its boxes in memory, the
/// CLI from the snapshot); returns the number of boxes in it.
using BoxSource = std::function<void(const std::function<void(const BoxPorts&)>&)>;
size_t write_availability(OutputFormat format, int64_t snapshot, const BoxSource& boxes,
                          const std::function<void(std::string_view)>& sink);

/// The operator's database for a command that must not create one (read-only commands, hold, release):
/// its path, or NoInputError (exit 66) naming it.
const std::string& existing_database(const Config& cfg);

FeasibilityResult query_feasibility(const Config& cfg, double lat, double lng, double radius_m, int limit);
/// The same over an open database (a server's, kept open between requests).
FeasibilityResult query_feasibility(Store& store, double lat, double lng, double radius_m, int limit);

struct AvailabilityExport {
    int64_t snapshot = 0;
    size_t boxes = 0;
    std::string text; // in `format`: json, csv or geojson
};
AvailabilityExport export_availability(const Config& cfg, OutputFormat format);
AvailabilityExport export_availability(Store& store, OutputFormat format);

/// The newest `limit` runs, newest first; with `kind` (full, incremental, dry_run: as the metrics' `mode`
/// label) only runs of that kind.
std::vector<RunListing> list_runs(const Config& cfg, int limit, const std::string& kind = "");
std::vector<RunListing> list_runs(Store& store, int limit, const std::string& kind = "");
/// The runs runs.keep_days folded into daily counts, oldest day first.
std::vector<RunDay> folded_runs(const Config& cfg);
/// One run's summary.json as the read API shows it (report/'s public_summary: without the host, the user,
/// file paths or a report error's text).
std::string public_run_summary(Store& store, const std::string& run_id);

/// A past run's report as text, json (its summary.json) or html; UsageError for an unknown run.
std::string show_report(const Config& cfg, const std::string& run_id, OutputFormat format);
std::string show_report(Store& store, const std::string& run_id, OutputFormat format);

/// `oznsync report verify`: the report folders against the hashes recorded when they were written.
ChainVerdict verify_reports(const Config& cfg);

/// `with_ports`: also the free ports per project (a scan of the snapshot's splitters; /metrics wants them,
/// /healthz does not).
ServiceStatus service_status(Store& store, bool with_ports = true);

/// What the textfile and /metrics show of an operator: the last run of each kind, snapshot age, owned
/// clients, free ports.
MonitoringStatus monitoring_status(Store& store, const std::string& operator_name);

} // namespace oznsync
