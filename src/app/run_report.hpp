#pragma once
// How every run ends, whatever it did: its publish to the shared store, its row in `runs`, its report
// folder (none for a minute's run that found nothing new) and the folder's hashes in the chain, the
// metrics file, the closing lines on stdout, the history kept in bounded space, reports/index.html.
#include "app/publish.hpp"
#include "config/config.hpp"
#include "report/report.hpp"
#include "store/run_store.hpp"
#include "store/store.hpp"

#include <string>

namespace oznsync {

class RunEnding {
public:
    RunEnding(const Config& cfg, Store& store, RunStore& runs);
    /// Ends the run `d` describes (its exit code in d.run); returns the code it ends with (a report that
    /// cannot be written, or a row that cannot be recorded, turns success into 74). `data`: its data
    /// files, when they are written already (from this `d`).
    int finish(ReportData d, bool sends, ReportDataFiles data = {});

private:
    bool record(RunRecord& run, const ReportData& d);
    bool record_row(const RunRecord& run);
    bool nothing_to_report(const ReportData& d);
    void forget_restated_findings(const std::string& run_id);
    void keep_action_counts(const ReportData& d);
    void prune_history();
    void write_metrics();
    void write_index();
    void chain(const ChainLink& link);
    static void print_summary(const ReportData& d, const std::string& dir, bool quiet);

    const Config& m_cfg;
    Store& m_store;
    RunStore& m_runs;
};

} // namespace oznsync
