// report.txt (and `report show`): a run's report as plain text, its change list capped at kTextRowLimit.
#include "report/report.hpp"

#include "core/exit_meaning.hpp"
#include "util/strings.hpp"

#include <sstream>

namespace oznsync {

std::string text_report(const ReportData& d) {
    std::ostringstream os;
    os << "oznsync run " << d.run.id << " (" << mode_name(d.run.mode) << (d.run.dry_run() ? ", dry run" : "")
       << ")\n";
    os << "  operator " << d.operator_name << "\n";
    os << "  started " << d.run.started_at << ", finished " << d.run.finished_at << " on " << d.run.host
       << " by " << d.run.user << "\n";
    if (!d.run.started_by.empty())
        os << "  started by " << d.run.started_by << (d.run.reason.empty() ? "" : "; reason: " + d.run.reason)
           << "\n";
    os << "  exit " << d.run.exit_code << ": " << outcome_text(d) << "\n";
    os << "  snapshot " << d.run.snapshot_id << " of " << d.run.ozmap_url << "; sales " << d.run.sales_source
       << " (" << d.run.sales_records << " records, " << d.run.sales_invalid << " invalid, "
       << d.run.sales_fingerprint.substr(0, 19) << ")\n";
    os << "  config " << d.run.config_fingerprint << (d.run.insecure_tls ? " (TLS verification OFF)" : "")
       << "\n";
    for (const auto& line : d.selection)
        os << "  project " << line << "\n";
    for (const auto& [why, n] : d.pull_skipped)
        os << "  pull: " << n << " " << why << "\n";
    if (const std::string line = publish_text(d.publish); !line.empty())
        os << "  shared store: " << line << "\n";
    if (!d.run.guard_reason.empty()) os << "  ABORTED before planning: " << d.run.guard_reason << "\n";
    if (!d.run.cap_reason.empty()) os << "  SAFETY CAP: " << d.run.cap_reason << "\n";
    if (!d.run.abort_reason.empty()) os << "  STOPPED: " << d.run.abort_reason << "\n";
    os << "\nCounts:";
    for (const auto& [a, n] : counts_by_action(d))
        if (n) os << " " << a << "=" << n;
    os << " in_sync=" << d.run.in_sync << "\n";
    for (const auto& [a, r] : results_by_action(d))
        os << "  " << results_line(a, r) << "\n";
    for (const auto& [p, counts] : counts_by_project(d)) {
        auto name = d.project_names.find(p);
        os << "  project " << p
           << (name != d.project_names.end() && !name->second.empty() ? " (" + name->second + ")" : "")
           << ":";
        for (const auto& [a, n] : counts)
            os << " " << a << "=" << n;
        os << "\n";
    }
    if (!d.interrupted.empty()) {
        os << "\nInterrupted changes from earlier runs:\n";
        for (const auto& e : d.interrupted)
            os << "  " << action_name(e.change.action) << " " << e.change.code << " (run " << e.result
               << "): " << e.error << "\n";
    }
    os << "\nChanges:\n";
    if (!d.kept_counts.empty())
        os << "  (the change list was removed by journal.keep_days; the counts above are the run's)\n";
    size_t listed = 0;
    for (const auto& e : d.entries) {
        if (++listed > kTextRowLimit) {
            os << "  ... and " << d.entries.size() - kTextRowLimit
               << " more: changes.csv and changes.jsonl list every change\n";
            break;
        }
        const Change& c = e.change;
        os << "  " << e.seq << ". " << action_name(c.action) << " " << c.code;
        if (!c.sale_id.empty()) os << " sale " << c.sale_id;
        if (!c.partner.empty()) os << " partner " << c.partner;
        if (!c.target.empty()) os << " @ " << c.target.text();
        if (!c.before.empty() || !c.after.empty())
            os << " [" << c.before.view() << " -> " << c.after.view() << "]";
        if (!c.reason.empty()) os << " (" << c.reason.view() << ")";
        std::string r = result_text(e);
        if (!r.empty()) os << " => " << r;
        os << "\n";
    }
    if (!d.run.handover_file.empty())
        os << "\nPartner passwords handed over in " << d.run.handover_file << "\n";
    return os.str();
}

} // namespace oznsync
