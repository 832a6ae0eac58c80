#pragma once
// The after-run Prometheus textfile (reports.metrics_file, node_exporter's textfile collector): how the
// last run ended, what it changed, how long it and its phases took, how old the snapshot is.
#include "report/report.hpp"

#include <string>

namespace oznsync {

/// `snapshot_age_s`: -1 when there is no snapshot.
std::string run_metrics(const ReportData& d, double snapshot_age_s);

} // namespace oznsync
