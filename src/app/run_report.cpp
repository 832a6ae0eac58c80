#include "app/run_report.hpp"

#include "app/queries.hpp"
#include "report/metrics.hpp"
#include "store/history.hpp"
#include "store/report_chain.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/time.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <iostream>

namespace oznsync {

RunEnding::RunEnding(const Config& cfg, Store& store, RunStore& runs)
    : m_cfg(cfg), m_store(store), m_runs(runs) {}

int RunEnding::finish(ReportData d, bool sends, ReportDataFiles data) {
    const int code = d.run.exit_code;
    d.count_entries(); // final from here: the summary, the report's pages and the printed summary read it
    // What OZneutral may see, to the shared store (publish.url) when it changed: a failure is a
    // finding of this run (and a metric), never its exit code; the next run publishes again.
    if (sends && m_store.current_snapshot())
        d.publish = publish_after_run(
            m_store, m_cfg, d.run.mode == RunMode::Incremental ? PublishCheck::Local : PublishCheck::Store);
    const bool quiet = nothing_to_report(d);
    if (quiet) d.run.summary_json.clear();
    const bool recorded = quiet ? record_row(d.run) : record(d.run, d);
    if (recorded) keep_action_counts(d); // before a quiet run's rows go
    if (quiet && !d.entries.empty()) forget_restated_findings(d.run.id);
    std::string dir;
    if (!quiet) {
        try {
            std::optional<ChainLink> previous;
            if (recorded) previous = ReportChain(m_store).last();
            WrittenReport written = write_report(m_cfg.reports_dir, d, previous, std::move(data));
            dir = written.dir;
            if (recorded) chain(written.link);
        } catch (const std::exception& e) {
            // The audit trail is part of the job: a run without its report does not end in success.
            d.report_error = e.what();
            if (code == kExitOk || code == kExitChangesPending || code == kExitPartial ||
                code == kExitSafety || code == kExitWritesFailed)
                d.run.exit_code = kExitIo;
            spdlog::error("the report of run {} could not be written: {}; the database keeps its changes "
                          "(oznsync report show {})",
                          d.run.id, e.what(), d.run.id);
            if (recorded) record(d.run, d);
        }
    }
    if (!recorded && d.run.exit_code == kExitOk) d.run.exit_code = kExitIo;
    write_metrics();
    print_summary(d, dir, quiet);
    prune_history();
    if (!quiet) write_index();
    return d.run.exit_code;
}

/// Records the run in the database (false when it could not be).
bool RunEnding::record(RunRecord& run, const ReportData& d) {
    run.summary_json = summary_json(d);
    return record_row(run);
}

/// Records the run's row as it is (a run without a report keeps no summary).
bool RunEnding::record_row(const RunRecord& run) {
    try {
        m_runs.save(run);
        return true;
    } catch (const std::exception& e) {
        spdlog::error("run {} could not be recorded in the database: {}", run.id, e.what());
        return false;
    }
}

/// A minute's timer that found nothing new (no change; no finding but the invalid records of a feed
/// the run before read as it is; exit 0) leaves its row in `runs` and its metrics, not a report
/// folder: 1,440 folders a day would say nothing.
bool RunEnding::nothing_to_report(const ReportData& d) {
    if (d.run.mode != RunMode::Incremental || d.run.exit_code != kExitOk || !d.interrupted.empty() ||
        d.publish.status == PublishResult::Status::Failed)
        return false;
    const bool only_invalid = std::all_of(d.entries.begin(), d.entries.end(), [](const JournalEntry& e) {
        return e.change.action == Action::Invalid;
    });
    if (!only_invalid) return false;
    return d.entries.empty() || (!d.run.sales_fingerprint.empty() &&
                                 m_runs.previous_sales_fingerprint(d.run.id) == d.run.sales_fingerprint);
}

/// The run's counts by action on its row (reports/index.html reads them there). A failure is logged: the
/// index then counts the run's rows, as it did before.
void RunEnding::keep_action_counts(const ReportData& d) {
    try {
        m_runs.keep_action_counts(d.run.id, counts_by_action(d)); // the run's entries are its rows
    } catch (const std::exception& e) {
        spdlog::warn("the change counts of run {} could not be kept on its row: {}", d.run.id, e.what());
    }
}

/// A quiet run's findings restate the run before's: its row keeps their counts, not their rows.
void RunEnding::forget_restated_findings(const std::string& run_id) {
    try {
        History(m_store).keep_counts_only(run_id);
    } catch (const std::exception& e) {
        spdlog::warn("run {}: its restated findings stay in the journal: {}", run_id, e.what());
    }
}

/// The history kept in bounded space (journal.keep_days, runs.keep_days, reports.keep_days; see
/// store/history.hpp). A failure is logged; the run's code stands and the next run tries again.
void RunEnding::prune_history() {
    const auto cutoff = [](int days) {
        return days > 0 ? iso8601(now() - std::chrono::hours(24) * days) : std::string();
    };
    try {
        const auto& keep = m_cfg.retention;
        const auto pruned = History(m_store).prune(cutoff(keep.journal_days), cutoff(keep.runs_days));
        if (pruned.journals)
            spdlog::info("removed the change rows of {} run(s) older than journal.keep_days ({}); their "
                         "counts stay",
                         pruned.journals, keep.journal_days);
        if (pruned.runs_folded)
            spdlog::info("folded {} run(s) without a report folder older than runs.keep_days ({}) into "
                         "daily counts",
                         pruned.runs_folded, keep.runs_days);
        if (keep.reports_days > 0) {
            ReportChain chain(m_store);
            const auto removed =
                remove_report_folders(m_cfg.reports_dir, chain.written_before(cutoff(keep.reports_days)));
            if (!removed.empty()) {
                chain.mark_pruned(removed);
                spdlog::info("removed {} report folder(s) older than reports.keep_days ({})", removed.size(),
                             keep.reports_days);
            }
        }
    } catch (const std::exception& e) {
        spdlog::warn("pruning the history failed: {}", e.what());
    }
}

/// reports.metrics_file: what monitoring sees, as Prometheus text for node_exporter's textfile
/// collector (the last run of each kind, from the database: this one included; written atomically: the
/// collector never reads half a file). A failure is logged; the run's code stands.
void RunEnding::write_metrics() {
    if (m_cfg.metrics_file.empty()) return;
    try {
        atomic_write(m_cfg.metrics_file,
                     monitoring_metrics({monitoring_status(m_store, m_cfg.operator_name)}), 0644);
    } catch (const std::exception& e) {
        spdlog::warn("reports.metrics_file {} could not be written: {}", m_cfg.metrics_file, e.what());
    }
}

/// reports/index.html, rewritten after every run: the newest 1,000 runs whose folders are here.
void RunEnding::write_index() {
    try {
        constexpr int kIndexRuns = 1000; // a minute's timer makes 1,440 runs a day
        auto counts = m_runs.action_counts_of_newest(kIndexRuns);
        std::vector<IndexRun> rows;
        for (auto& r : m_runs.list(kIndexRuns)) {
            if (!file_exists(m_cfg.reports_dir + "/" + r.id + "/summary.json")) continue;
            rows.push_back(
                {r.id, r.started_at, mode_name(r.mode), r.exit_code, r.dry_run(), std::move(counts[r.id])});
        }
        atomic_write(m_cfg.reports_dir + "/index.html", index_html(rows), 0640);
    } catch (const std::exception& e) {
        spdlog::warn("reports/index.html could not be written: {}", e.what());
    }
}

/// The folder's hashes join the chain `oznsync report verify` walks.
void RunEnding::chain(const ChainLink& link) {
    try {
        ReportChain(m_store).append(link);
    } catch (const std::exception& e) {
        spdlog::error("the hashes of report {} could not be recorded: {}", link.run_id, e.what());
    }
}

void RunEnding::print_summary(const ReportData& d, const std::string& dir, bool quiet) {
    std::cout << "run " << d.run.id << " (" << mode_name(d.run.mode) << (d.run.dry_run() ? ", dry run" : "")
              << "):";
    for (const auto& [a, n] : counts_by_action(d))
        if (n) std::cout << " " << a << "=" << n;
    std::cout << " in_sync=" << d.run.in_sync << "\n";
    for (const auto& [a, r] : results_by_action(d))
        std::cout << "  " << results_line(a, r) << "\n";
    for (const auto& [p, counts] : counts_by_project(d)) {
        auto name = d.project_names.find(p);
        std::cout << "  project " << p << (name != d.project_names.end() ? " " + name->second : "") << ":";
        for (const auto& [a, n] : counts)
            std::cout << " " << a << "=" << n;
        std::cout << "\n";
    }
    if (!d.run.cap_reason.empty()) std::cout << "  safety cap: " << d.run.cap_reason << "\n";
    std::cout << "exit " << d.run.exit_code << ": " << outcome_text(d) << "\n";
    if (quiet)
        std::cout << "no report folder: nothing changed (oznsync runs lists the run)\n";
    else if (dir.empty())
        std::cout << "report NOT written: " << d.report_error << "\n";
    else
        std::cout << "report " << dir << "/report.html\n";
}

} // namespace oznsync
