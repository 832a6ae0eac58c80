#pragma once
// The audit report of one run, reports/<run-id>/: report.html, changes.jsonl, changes.csv,
// summary.json and (dry runs) plan.json. Every file is written atomically, mode 0640. The same data
// renders as text for `report show`.
#include "core/inventory.hpp"
#include "core/journal.hpp"
#include "report/integrity.hpp"
#include "report/tally.hpp"
#include "store/run_store.hpp"
#include "store/shared_store.hpp"
#include "util/fs.hpp"

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace oznsync {

constexpr int kSummaryFormatVersion = 1;
/// report.txt (and `report show`) lists this many changes at most; changes.csv/.jsonl hold every one.
constexpr size_t kTextRowLimit = 5000;

struct ReportData {
    std::string operator_name; // operator.name: whose OZmap the run was about
    RunRecord run;
    bool dry_run = false;
    bool insecure = false;
    std::map<std::string, std::string> config; // masked
    std::string ozmap_url, sales_source;
    long long sales_records = -1, sales_valid = -1, sales_invalid = -1;
    std::string snapshot_finished_at;
    std::vector<std::pair<std::string, double>> timings; // phase -> seconds
    std::vector<JournalEntry> entries;                   // writes and findings, by seq
    std::vector<JournalEntry> interrupted;               // from runs that died
    std::shared_ptr<const RequestLog> requests =
        std::make_shared<RequestLog>(); // dry run: what apply would send
    std::vector<ProjectOccupancy> occupancy;
    std::map<std::string, std::string> project_names;
    std::string cap_reason, abort_reason, guard_reason;
    std::string report_error; // why this run's report folder could not be written (the database has it)
    std::map<std::string, long long> pull_skipped; // unusable OZmap rows the run's pull skipped, by reason
    std::vector<std::string> selection;            // the run's pull: each project and where it came from
    std::string handover_file;
    long long owned_clients = 0, in_sync = 0;
    std::optional<Integrity> integrity; // set by write_report for the folder's summary.json
    std::string web_url;                // ozmap.web_url: links from ids to the operator's OZmap pages
    // A past run whose change rows journal.keep_days removed: the counts it kept (by action).
    std::map<std::string, long long> kept_counts;
    PublishResult publish; // to the shared store after the run (publish.url)
    // The entries counted once they are final (count_entries), for every part of the report to read;
    // empty: each count is made where it is asked for.
    std::optional<EntryTally> tally;
    void count_entries() { tally = tally_entries(entries); }
    EntryTally counted() const { return tally ? *tally : tally_entries(entries); }
};

/// One line of reports/index.html.
struct IndexRun {
    std::string id, started_at, mode;
    int exit_code = -1;
    bool dry_run = false;
    std::map<std::string, long long> counts; // per action
};
/// reports/index.html: the runs given listed (newest first) with its time, mode, exit code and counts, linked
/// to its folder, and a chart of the changes per action over the last 60 runs.
std::string index_html(const std::vector<IndexRun>& runs);

/// Counts per action, and per project per action.
std::map<std::string, long long> counts_by_action(const ReportData& d);

/// Per write action (create, move, promote, demote, remove) that the run planned.
std::map<std::string, ActionResults> results_by_action(const ReportData& d);
/// "create: planned 20, done 0, failed 20, skipped 0" (", not sent N" when some were not).
std::string results_line(const std::string& action, const ActionResults& r);
std::map<std::string, std::map<std::string, long long>> counts_by_project(const ReportData& d);
/// The entries by state (findings not counted), and the number of writes and conflicts among them.
std::map<std::string, long long> counts_by_state(const ReportData& d);
std::pair<long long, long long> writes_and_conflicts(const ReportData& d);

/// What the run's exit means for this run: a dry run with pending changes or conflicts never reads "in
/// sync".
std::string outcome_text(const ReportData& d);

std::string summary_json(const ReportData& d);
/// What became of a change, as the reports say it: "done: created property p9", "failed: HTTP 422: ...".
std::string result_text(const JournalEntry& e);
/// A run's summary as OZneutral may see it (the read API): without host, user, config, hand-over file or a
/// report error's text; a person who started it as "person"; a sales file as "file".
std::string public_summary(const std::string& summary_json);
/// The phases' seconds of a summary (none when it has none).
std::map<std::string, double> summary_timings(const std::string& summary_json);
/// The large files are written piece by piece (write_*, into a TextOut); the string forms serve tests.
void write_plan_json(const ReportData& d, TextOut& out);
void write_changes_jsonl(const ReportData& d, TextOut& out);
void write_changes_csv(const ReportData& d, TextOut& out);
std::string plan_json(const ReportData& d);
std::string changes_jsonl(const ReportData& d);
std::string changes_csv(const ReportData& d);
/// One line per drifted sale (OZmap now vs what oznsync last applied), for OZneutral to read.
std::string drift_jsonl(const ReportData& d);
std::string text_report(const ReportData& d);
std::string html_report(const ReportData& d);

/// The run's data files (plan.json for a dry run, changes.jsonl, changes.csv: on a first night hundreds of
/// MB each, most of what a report costs), written side by side and hashed in the run's folder under
/// temporary names; write_report puts them in place. Dropped, they leave nothing. A dry run writes them
/// while its journal rows are being written (they read the same entries, neither changes them).
class ReportDataFiles {
public:
    static ReportDataFiles write(const std::string& reports_dir, const ReportData& d);
    bool empty() const { return m_files.empty(); }
    /// Puts them in place; their hashes, by file name.
    std::map<std::string, std::string> commit();

private:
    struct File {
        std::string name, hash;
        std::unique_ptr<AtomicFile> file;
    };
    std::vector<File> m_files;
};

struct WrittenReport {
    std::string dir;
    ChainLink link; // its hashes, for the chain in the database
};
/// Writes every file of the run's folder under `reports_dir`, summary.json last, carrying the SHA-256 of
/// every other file and of `previous` (the last folder of the chain) summary.json. The data files are
/// `data`'s when it has them (written from this `d`), else written here.
WrittenReport write_report(const std::string& reports_dir, ReportData& d,
                           const std::optional<ChainLink>& previous, ReportDataFiles data = {});

/// Removes these runs' folders (reports.keep_days; the database keeps their hashes) and returns the ids
/// it removed. A folder without summary.json, or a link, is left alone (`report verify` reports it).
std::vector<std::string> remove_report_folders(const std::string& reports_dir,
                                               const std::vector<std::string>& run_ids);

/// Rebuilds a past run's report data from the database (for `report show`).
ReportData load_report_data(RunStore& runs, const std::string& run_id);

} // namespace oznsync
