#include "app/run.hpp"

#include "app/apply.hpp"
#include "app/hold.hpp"
#include "app/incremental.hpp"
#include "app/partners.hpp"
#include "app/plan_inputs.hpp"
#include "app/preflight.hpp"
#include "app/publish.hpp"
#include "app/pull.hpp"
#include "app/run_report.hpp"
#include "app/saved_plan.hpp"
#include "neutral/sale_source.hpp"
#include "ozmap/gateway.hpp"
#include "report/report.hpp"
#include "store/run_store.hpp"
#include "store/sale_records.hpp"
#include "store/snapshot_patch.hpp"
#include "store/snapshot_reader.hpp"
#include "util/error.hpp"
#include "util/interrupt.hpp"
#include "util/log.hpp"
#include "util/parallel.hpp"
#include "util/progress.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <future>
#include <utility>

namespace oznsync {

namespace {

class Run {
public:
    Run(const Config& cfg, const RunOptions& opt)
        : m_cfg(cfg), m_opt(opt), m_store(cfg.snapshot_path, Access::ReadWrite, cfg.operator_name),
          m_runs(m_store), m_limits(safety_limits(cfg, opt)) {
        m_run = new_run_record(cfg, opt);
        if (m_runs.get(m_run.id))
            throw UsageError("run id " + m_run.id + " is already in the database (OZNSYNC_RUN_ID reused)");
        set_log_field("run_id", m_run.id); // every JSON log line of the run says which run it belongs to
    }

    int execute() {
        refuse_before_start();
        m_runs.begin(m_run);
        int code;
        try {
            code = steps();
        } catch (const std::exception& e) {
            code = run_stopped_by(e, m_run);
        }
        return finish(code);
    }

private:
    /// A run that cannot start (no snapshot to plan from, no such saved plan) is refused with a usage
    /// error before it is recorded: no run row, no report folder.
    void refuse_before_start() {
        // Another operator's folders: refused before a row or a folder of this run exists.
        require_operator_dir(m_cfg.reports_dir, "reports.dir", m_cfg.operator_name, false);
        require_operator_dir(m_cfg.partners.handover_dir, "partners.handover_dir", m_cfg.operator_name,
                             false);
        if (!m_opt.pulls() && !m_opt.partners_only()) m_store.require_snapshot();
        if (!m_opt.plan_run_id.empty()) require_saved_plan(m_runs, m_opt.plan_run_id);
    }

    double phase_start() const { return monotonic_seconds(); }
    void phase_end(const char* name, double t0) { m_timings.emplace_back(name, monotonic_seconds() - t0); }

    OzmapClient& client() {
        if (!m_client) {
            m_client = std::make_unique<OzmapClient>(m_cfg.ozmap);
            m_client->authenticate();
        }
        return *m_client;
    }

    /// The run's one way to OZmap writes: HTTP, or (a dry run) the recording gateway that keeps the
    /// requests for plan.json (in an unnamed file in the reports folder until the report is written).
    OzmapGateway& gateway() {
        if (!m_gateway) {
            if (m_opt.sends()) {
                m_gateway = std::make_unique<HttpGateway>(client());
            } else {
                auto recording = std::make_unique<RecordingGateway>(m_cfg.reports_dir);
                m_recording = recording.get();
                m_gateway = std::move(recording);
            }
        }
        return *m_gateway;
    }

    /// What a planned change's result reads until apply moves it on: in a dry run, that it was not sent.
    std::string planned_result() const { return m_opt.sends() ? "" : Journal::kNotSent; }

    /// Everything a run needs is checked before its first write: the folders it writes to, and (when
    /// partner users are part of the run) the partnership feed and partners.role.
    void preflight() {
        require_run_outputs(m_cfg, partners_wanted());
        if (partners_wanted()) prepare_partners();
    }

    bool partners_wanted() const {
        return (m_opt.is_run() && !m_cfg.ozneutral.partnerships.empty()) || m_opt.partners_only();
    }

    int steps() {
        preflight();
        m_interrupted = m_runs.take_interrupted(m_run.id);
        if (!m_interrupted.empty()) {
            spdlog::warn("{} change(s) were in flight when an earlier run died", m_interrupted.size());
            if (m_opt.sends()) recover_interrupted(gateway(), m_interrupted);
        }
        if (!m_opt.partners_only()) {
            int code = clients_step();
            if (code) return code;
        }
        if (partners_wanted()) partners_step();
        if (!m_run.cap_reason.empty()) return kExitSafety;
        // Failed writes are a failure (5), never the same code as a night with a standing conflict (3).
        if (m_opt.sends() && m_failed > 0) return kExitWritesFailed;
        if (m_opt.sends() && m_conflicts) return kExitPartial;
        if (!m_opt.sends() && m_opt.detailed_exitcode) {
            if (m_pending > 0) return kExitChangesPending; // changes can be applied
            if (m_conflicts) return kExitPartial;          // conflicts alone are no changes
        }
        return kExitOk;
    }

    /// pull -> sales -> plan -> apply of the sold clients. Returns an exit code when the run must stop.
    int clients_step() {
        if (m_opt.incremental()) return incremental_step();
        if (m_opt.pulls()) pull();
        const int64_t snapshot = m_store.require_snapshot();
        m_run.snapshot_id = snapshot;
        if (auto info = m_store.snapshot(snapshot)) {
            m_run.snapshot_finished_at = info->finished_at;
            m_run.snapshot_revision = info->revision;
        }
        stop_if_interrupted("after the pull: nothing was sent");
        m_sales_read_at = now_iso();
        PlanInputs in =
            read_plan_inputs(m_cfg, m_store, snapshot, m_opt.plan_run_id.empty() && !m_opt.adopts());
        m_timings.insert(m_timings.end(), in.timings.begin(), in.timings.end());
        SaleFeed feed = std::move(in.feed);
        check_feed(feed, m_run, m_runs, m_cfg, m_limits);
        ChangeSet changes = plan(snapshot, std::move(in), feed);
        // The changes hold what the journal, apply and the report need; the feed is kept only to be
        // recorded (hundreds of MB on a first night: not held while the journal copies the changes).
        if (!records_whole_feed()) m_released.push_back(destroy_in_background(std::move(feed)));
        journal(changes);
        const int code = apply(snapshot, changes);
        if (records_whole_feed() && code != kExitIo) record_sales(recordable(feed), true);
        return code;
    }

    /// A full run that sends its writes over every project records the feed it reconciled: what the next
    /// incremental runs compare with.
    bool records_whole_feed() const {
        return m_opt.sends() && (m_opt.is_run() || m_opt.mode == RunMode::Apply) &&
               m_opt.only_projects.empty();
    }

    /// The incremental path: what OZmap changed into the current snapshot, the records changed since the
    /// last run, and a plan over the sales those concern.
    int incremental_step() {
        const int64_t snapshot = m_store.require_snapshot();
        m_run.snapshot_id = snapshot;
        double t = phase_start();
        IncrementResult increment = pull_increment(m_cfg, m_store, client(), snapshot);
        phase_end("pull", t);
        if (increment.skipped) m_pull_skipped["rows skipped (incremental pull)"] = increment.skipped;
        if (auto info = m_store.snapshot(snapshot)) {
            m_run.snapshot_finished_at = info->finished_at;
            m_run.snapshot_revision = info->revision;
        }

        t = phase_start();
        m_sales_read_at = now_iso();
        const bool whole = sales_from_file(m_cfg);
        const auto mark = m_store.get_state(kSalesReadAt);
        SaleFeed feed = fetch_sales(m_cfg, whole || !mark ? "" : since_mark(*mark, m_cfg.ozneutral.skew_s));
        phase_end("sales", t);
        note_feed(feed, m_run);

        t = phase_start();
        IncrementalScope scope = incremental_scope(m_store, snapshot, feed, increment.scope);
        phase_end("load_snapshot", t);
        for (const auto& p : scope.inventory.projects)
            m_project_names[p.id] = p.name;
        spdlog::info("incremental: {} record(s) new or changed, {} sale(s) to plan", scope.changed.size(),
                     scope.sales.size());
        ReconcileOptions ropt = reconcile_options(m_cfg, m_opt);
        ropt.find_orphans = false;
        t = phase_start();
        // A file is read whole: its invalid records are the nightly run's to report, not every minute's.
        ChangeSet changes =
            reconcile(scope.inventory, scope.sales, whole ? std::vector<InvalidRecord>{} : feed.invalid,
                      scope.baseline, ropt);
        phase_end("plan", t);
        m_run.owned_clients = m_runs.owned_count(); // the base of the removal cap: every owned client
        m_run.in_sync = changes.in_sync;
        m_runs.save(m_run);
        journal(changes);
        const int code = apply(snapshot, changes);
        if (m_opt.sends() && code != kExitIo) {
            std::vector<const Sale*> planned;
            for (const auto& s : scope.sales)
                planned.push_back(&s);
            record_sales(planned, false);
        }
        return code;
    }

    void record_sales(const std::vector<const Sale*>& sales, bool whole_feed) {
        double t = phase_start();
        oznsync::record_sales(m_store, sales, m_entries, whole_feed, m_run.id, m_sales_read_at);
        phase_end("record_sales", t);
    }

    void pull() {
        double t = phase_start();
        PullResult pr =
            pull_inventory(m_cfg, m_store, client(), PullOptions{m_opt.only_projects, m_opt.progress});
        phase_end("pull", t);
        m_pull_skipped = pr.skipped;
        m_selection = pr.selection;
        spdlog::info("snapshot {}: {} boxes, {} drop splitters, {} ports, {} properties in {:.1f} s",
                     pr.snapshot_id, pr.boxes, pr.splitters, pr.ports, pr.properties, pr.seconds);
    }

    /// Reconcile (or, `adopt`, the adoptions) over the snapshot, the feed and the base line; `apply
    /// --plan`: the saved plan's changes and base-line updates, refused when stale, not reconciled again.
    ChangeSet plan(int64_t snapshot, PlanInputs in, const SaleFeed& feed) {
        for (const auto& p : in.inventory.projects)
            m_project_names[p.id] = p.name;
        // The report's port counts, on the second core while reconcile reads the same snapshot.
        auto occupancy = std::async(std::launch::async, [&in] { return occupancy_of(in.inventory); });
        ChangeSet changes = decide(snapshot, in, feed);
        m_occupancy = occupancy.get();
        m_released.push_back(destroy_in_background(std::move(in))); // the snapshot and base line, let go
        return changes;
    }

    ChangeSet decide(int64_t snapshot, PlanInputs& in, const SaleFeed& feed) {
        const Inventory& inv = in.inventory;
        std::optional<SavedPlan> saved;
        if (!m_opt.plan_run_id.empty()) {
            const double t = phase_start();
            saved = load_saved_plan(m_runs, m_opt.plan_run_id, snapshot, m_run.snapshot_revision,
                                    feed.fingerprint);
            phase_end("saved_plan", t);
            m_run.owned_clients = saved->owned_clients;
            m_run.in_sync = saved->in_sync;
            if (saved->baseline_kept) return std::move(saved->changes);
            spdlog::info("saved plan {} kept no base-line updates (an older version made it): reconciled "
                         "again for them; its changes stay the saved ones",
                         m_opt.plan_run_id);
        }
        const ReconcileOptions ropt = reconcile_options(m_cfg, m_opt);
        if (!m_opt.adopts() && !in.baseline) { // a saved plan that kept no base-line updates
            in.baseline = m_runs.baseline();
            in.reconciled = SaleRecords(m_store).reconciled_versions();
            in.vetted = vet_sales(feed.sales, feed.invalid);
        }
        double t = phase_start();
        ChangeSet changes = m_opt.adopts()
                                ? plan_adoptions(inv, *in.index, feed.sales, ropt)
                                : reconcile(inv, *in.index, *in.vetted, *in.baseline, ropt, *in.reconciled);
        phase_end("plan", t);
        if (saved) {
            saved->changes.baseline = std::move(changes.baseline);
            saved->changes.forget = std::move(changes.forget);
            return std::move(saved->changes);
        }
        m_run.owned_clients = changes.owned_clients;
        m_run.in_sync = changes.in_sync;
        return changes;
    }

    /// Writes the changes to apply (this plan's, or a saved plan's) as the run's journal. The run's own
    /// state holds the entries from here on: whatever fails later, the report lists every change and the
    /// state it reached. A dry run `apply --plan` can take keeps its base-line updates with it; a dry run's
    /// rows are written beside the dry run itself (BackgroundPlanWrite), waited for after it (see apply).
    void journal(ChangeSet& changes) {
        double t = phase_start();
        const size_t writes = changes.writes.size();
        const std::string result = planned_result(); // (a saved plan is applied, so sent: "")
        m_entries =
            m_runs.number_plan(m_run.id, std::move(changes.writes), std::move(changes.findings), result);
        if (is_saved_plan(m_run.mode)) m_runs.save_plan_baseline(m_run.id, changes.baseline, changes.forget);
        if (!m_opt.sends())
            m_plan_write.emplace(m_store, m_runs, m_run.id, m_entries, writes, result);
        else
            m_runs.insert_plan(m_run.id, m_entries, writes, result);
        m_planned = !m_plan_write;
        phase_end("journal", t);
    }

    /// Waits for a dry run's rows. When they cannot be written the run has no plan (as when its journal
    /// failed before the dry run) and reports nothing of the dry run.
    void finish_plan_write() {
        if (!m_plan_write) return;
        try {
            m_plan_write->finish();
        } catch (...) {
            m_plan_write.reset();
            m_entries.clear();
            if (m_recording) m_recording->take_requests();
            throw;
        }
        m_plan_write.reset();
        m_planned = true;
    }

    /// Sends the journal's writes (a dry run: records them), then keeps the base line and the snapshot
    /// true to what succeeded.
    int apply(int64_t snapshot, const ChangeSet& changes) {
        double t = phase_start();
        Progress progress(m_opt.sends() ? "apply" : "plan", "changes", m_opt.progress && m_opt.sends());
        // A real apply journals every change in its own commit (intent before the call); a dry run's
        // outcomes go in together, once its rows are written.
        ApplyOutcome out = apply_changes(gateway(), m_plan_write ? nullptr : &m_runs, m_run.id, m_entries,
                                         m_run.owned_clients, m_limits, m_cfg.ozmap.concurrency, progress);
        // A dry run's rows are waited for at its end, its report's data files written meanwhile; before
        // partner users (their steps use the database), or in a minute's run (it may write no report), now.
        m_rows_at_end = m_plan_write && !m_opt.incremental() && !partners_wanted();
        if (!m_rows_at_end) finish_plan_write();
        progress.finish();
        phase_end(m_opt.sends() ? "apply" : "dry_run", t);
        m_run.cap_reason = out.cap_reason;
        m_run.abort_reason = out.abort_reason;
        // A write skipped (a code OZmap gave away since the pull, a change after a failure of its port or
        // code) needs a person, like a conflict; a write OZmap refused or left unknown is a failure.
        m_failed += out.failed;
        if (out.skipped > 0) m_conflicts = true;
        for (const auto& e : m_entries) {
            if (e.change.action == Action::Conflict) {
                // A conflict needs an operator: it is in the log as well as in the report.
                const ScopedLogFields fields(change_fields(e.change));
                spdlog::warn("{}: {}", change_text(e.change, ChangeTense::Plain), e.change.reason.text());
                m_conflicts = true;
            }
            if (is_write(e.change.action)) ++m_pending;
        }
        // With a broken journal the database takes no more writes; the report is built from memory.
        if (m_opt.sends() && out.abort_code != kExitIo) {
            OwnedUpdate owned = owned_after(changes, m_entries);
            m_runs.save_baseline(m_run.id, owned.upsert, owned.forget);
            patch_snapshot(m_store, snapshot, m_entries);
        }
        return out.abort_code;
    }

    /// Reads the partnership feed, the partners' existing users and partners.role: before any write of
    /// the run, so a missing role or an unreadable feed stops the run with nothing changed.
    void prepare_partners() {
        PreparedPartners p = prepare_partner_users(
            PartnerContext{m_cfg, client(), m_store, m_run.id, m_opt.sends()}, m_opt.reset_password);
        m_partner_plan = std::move(p.plan);
        m_partner_grants = std::move(p.grants);
        m_partner_role = std::move(p.role);
    }

    /// Partner users for accepted partnerships, journaled and reported like every other change.
    void partners_step() {
        double t = phase_start();
        auto entries = m_runs.save_plan(m_run.id, std::move(m_partner_plan.writes),
                                        std::move(m_partner_plan.findings), planned_result());
        m_planned = true;
        const PartnerStepOutcome out =
            apply_partner_step({m_cfg, m_store, m_runs, m_run.id}, gateway(), entries, m_partner_role,
                               m_partner_grants, m_credentials);
        if (!out.handover_file.empty()) m_run.handover_file = out.handover_file;
        m_failed += out.failed;
        for (const auto& e : entries) {
            if (is_write(e.change.action)) ++m_pending;
            m_conflicts = m_conflicts || e.change.action == Action::Conflict;
        }
        m_entries.insert(m_entries.end(), std::make_move_iterator(entries.begin()),
                         std::make_move_iterator(entries.end()));
        phase_end("partners", t);
    }

    /// The report of the run, from its state (how it ended: `settle`).
    ReportData report_data() {
        ReportData d;
        d.operator_name = m_cfg.operator_name;
        d.run = m_run;
        d.config = m_cfg.masked;
        d.timings = std::move(m_timings);
        d.entries = std::move(m_entries);
        d.interrupted = std::move(m_interrupted);
        if (m_recording) d.requests = m_recording->take_requests();
        d.occupancy = std::move(m_occupancy);
        d.project_names = std::move(m_project_names);
        d.pull_skipped = std::move(m_pull_skipped);
        d.selection = std::move(m_selection);
        d.web_url = m_cfg.ozmap.web_url;
        return d;
    }

    int finish(int code) {
        // The entries move into the report; rows still being written read them where they lie.
        ReportData d = report_data();
        ReportDataFiles data;
        if (m_rows_at_end) {
            try {
                data = finish_beside_report(*m_plan_write, m_cfg.reports_dir, d);
                m_planned = true;
            } catch (const std::exception& e) {
                code = run_stopped_by(e, d.run);
            }
        }
        m_plan_write.reset(); // rows that a failure left unwaited for: waited for now
        settle_run_record(d.run, code, m_planned);
        return RunEnding(m_cfg, m_store, m_runs).finish(std::move(d), m_opt.sends(), std::move(data));
    }

    const Config& m_cfg;
    const RunOptions& m_opt;
    Store m_store;
    RunStore m_runs;
    SafetyLimits m_limits;
    std::unique_ptr<OzmapClient> m_client;
    std::unique_ptr<OzmapGateway> m_gateway;
    RecordingGateway* m_recording = nullptr; // m_gateway, in a dry run
    // The run's state: its record (the `runs` row) and what the report shows beside it.
    RunRecord m_run;
    std::vector<JournalEntry> m_entries, m_interrupted;
    std::vector<std::pair<std::string, double>> m_timings;
    std::vector<ProjectOccupancy> m_occupancy;
    std::map<std::string, std::string> m_project_names;
    std::map<std::string, long long> m_pull_skipped;
    std::vector<std::string> m_selection;
    std::string m_sales_read_at; // our clock just before the feed was read
    // Partner users, prepared before the first write.
    ChangeSet m_partner_plan;
    std::vector<std::pair<std::string, std::string>> m_credentials; // handed over by this run
    std::map<std::string, PartnerGrant> m_partner_grants;           // what the planned user writes grant
    std::string m_partner_role;
    bool m_planned = false;
    bool m_rows_at_end = false; // a dry run's rows, waited for in finish
    long long m_failed = 0, m_pending = 0;
    bool m_conflicts = false;
    std::vector<std::future<void>> m_released;       // what the plan read, being freed on other threads
    std::optional<BackgroundPlanWrite> m_plan_write; // last: waited for before the entries it reads go
};

} // namespace

int execute_run(const Config& config, const RunOptions& options) {
    const InterruptWatch stop_on_signal; // Ctrl-C or SIGTERM: stop sending, end the run as it is
    std::optional<RunLock> lock;
    try {
        lock.emplace(config.snapshot_path);
    } catch (const LockBusy& e) {
        // The incremental timer fires every minute: a run still going is normal, not an error (exit 0, so
        // the units keep 75 for what is one: OZmap or OZneutral unreachable). It does the work.
        if (!options.incremental()) throw;
        spdlog::info("{}: this incremental run is skipped (the run holding it does the work)", e.what());
        return kExitOk;
    }
    RunOptions opt = options;
    if (opt.incremental()) {
        Store store(config.snapshot_path, Access::ReadWrite, config.operator_name);
        if (holds_incremental_runs(store)) return kExitOk; // someone reviews a plan: write nothing under it
        if (std::string why = incremental_refusal(store); !why.empty()) {
            spdlog::warn("{}: this run is a full run", why);
            opt.mode.kind = RunKind::Run;
        }
    }
    const int code = Run(config, opt).execute();
    const bool applied = code == kExitOk || code == kExitPartial || code == kExitWritesFailed;
    if (!opt.plan_run_id.empty() && opt.sends() && applied) { // the plan under review went through
        Store store(config.snapshot_path, Access::ReadWrite, config.operator_name);
        release_hold_after(store, opt.plan_run_id);
    }
    return code;
}

} // namespace oznsync
