#include "app/run.hpp"

#include "app/apply.hpp"
#include "app/partners.hpp"
#include "app/preflight.hpp"
#include "app/pull.hpp"
#include "neutral/partnerships.hpp"
#include "neutral/sale_source.hpp"
#include "ozmap/gateway.hpp"
#include "report/report.hpp"
#include "store/handover_store.hpp"
#include "store/run_store.hpp"
#include "store/snapshot_patch.hpp"
#include "util/error.hpp"
#include "util/ids.hpp"
#include "util/progress.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

#include <spdlog/spdlog.h>

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <iostream>
#include <pwd.h>
#include <unistd.h>

namespace oznsync {

std::string make_run_id() {
    if (const char* fixed = std::getenv("OZNSYNC_RUN_ID")) {
        // It names a folder under reports.dir: letters, digits, '.', '_' and '-' only, never a path.
        const std::string id = fixed;
        bool ok = !id.empty() && id.size() <= 64 && std::isalnum(static_cast<unsigned char>(id[0]));
        for (char c : id)
            ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-');
        if (!ok)
            throw UsageError("OZNSYNC_RUN_ID '" + clean_message(id, 80) +
                             "' is not a run id (1 to 64 letters, digits, '.', '_' or '-', starting with a "
                             "letter or digit)");
        return id;
    }
    std::string ts = iso8601(now());
    std::string compact;
    for (char c : ts)
        if (c != '-' && c != ':') compact += c;
    return compact + "-" + random_hex(3);
}

namespace {

std::string host_name() {
    char buf[256] = {};
    ::gethostname(buf, sizeof buf - 1);
    return buf;
}

std::string user_name() {
    if (const char* u = std::getenv("USER")) return u;
    if (auto* pw = ::getpwuid(::geteuid())) return pw->pw_name;
    return std::to_string(::geteuid());
}

std::vector<ProjectOccupancy> occupancy(Store& store, int64_t snapshot) {
    std::vector<ProjectOccupancy> out;
    auto st = store.db().prepare(
        "SELECT s.project, coalesce(pj.name, ''), "
        "sum(p.fiber IS NULL AND p.blocked = 0), "
        "sum(p.fiber IS NOT NULL AND coalesce(pr.client_implanted, 1) = 0), "
        "sum(p.fiber IS NOT NULL AND coalesce(pr.client_implanted, 1) = 1), "
        "sum(p.fiber IS NULL AND p.blocked = 1) "
        "FROM ports p JOIN splitters s ON s.snapshot_id = p.snapshot_id AND s.id = p.splitter "
        "LEFT JOIN projects pj ON pj.snapshot_id = s.snapshot_id AND pj.id = s.project "
        "LEFT JOIN properties pr ON pr.snapshot_id = p.snapshot_id AND pr.splitter = p.splitter AND pr.port "
        "= p.number "
        "WHERE p.snapshot_id = ? GROUP BY s.project ORDER BY s.project");
    st.bind(1, snapshot);
    while (st.step())
        out.push_back({st.text(0), st.text(1), st.int64(2), st.int64(3), st.int64(4), st.int64(5)});
    return out;
}

long long saved_owned_clients(const RunRecord& run) {
    try {
        auto o = Poco::JSON::Parser().parse(run.summary_json).extract<Poco::JSON::Object::Ptr>();
        return o->getObject("counts")->optValue<long long>("owned_clients", 0);
    } catch (...) {
        return 0;
    }
}

class Run {
public:
    Run(const Config& cfg, const RunOptions& opt)
        : m_cfg(cfg), m_opt(opt), m_store(cfg.snapshot_path), m_runs(m_store) {
        m_limits.max_removals = opt.max_removals.value_or(cfg.safety.max_removals);
        m_limits.max_removals_pct = opt.max_removals_pct.value_or(cfg.safety.max_removals_pct);
        m_limits.max_feed_shrink_pct = cfg.safety.max_feed_shrink_pct;
        m_limits.min_removals_for_pct = cfg.safety.min_removals_for_pct;
        auto& r = m_data.run;
        r.id = make_run_id();
        if (m_runs.get(r.id))
            throw UsageError("run id " + r.id + " is already in the database (OZNSYNC_RUN_ID reused)");
        r.started_at = now_iso();
        r.mode = opt.mode;
        r.host = host_name();
        r.user = user_name();
        r.config_fingerprint = cfg.fingerprint();
        m_data.dry_run = !opt.apply;
        m_data.insecure = cfg.ozmap.insecure || cfg.ozneutral.insecure;
        m_data.config = cfg.masked;
        m_data.ozmap_url = cfg.ozmap.url;
        m_data.sales_source = cfg.ozneutral.sales;
    }

    int execute() {
        m_runs.begin(m_data.run);
        int code;
        try {
            code = steps();
        } catch (const Error& e) {
            spdlog::error("{}", e.what());
            if (m_data.abort_reason.empty()) m_data.abort_reason = e.what();
            code = e.exit_code();
        } catch (const std::exception& e) {
            spdlog::error("internal error: {}", e.what());
            m_data.abort_reason = std::string("internal error: ") + e.what();
            code = kExitInternal;
        }
        finish(code);
        return m_data.run.exit_code;
    }

private:
    double phase_start() const { return monotonic_seconds(); }
    void phase_end(const char* name, double t0) {
        m_data.timings.emplace_back(name, monotonic_seconds() - t0);
    }

    OzmapClient& client() {
        if (!m_client) {
            m_client = std::make_unique<OzmapClient>(m_cfg.ozmap);
            m_client->authenticate();
        }
        return *m_client;
    }

    /// Everything a run needs is checked before its first write: the folders it writes to, and (when
    /// partner users are part of the run) the partnership feed and partners.role.
    void preflight() {
        require_writable_dir(m_cfg.reports_dir, "reports.dir");
        if (partners_wanted()) {
            require_writable_dir(m_cfg.partners.handover_dir, "partners.handover_dir");
            prepare_partners();
        }
    }

    bool partners_wanted() const {
        return (m_opt.partners && !m_cfg.ozneutral.partnerships.empty()) || m_opt.partners_only;
    }

    int steps() {
        preflight();
        m_data.interrupted = m_runs.take_interrupted(m_data.run.id);
        if (!m_data.interrupted.empty()) {
            spdlog::warn("{} change(s) were in flight when an earlier run died", m_data.interrupted.size());
            if (m_opt.apply) {
                HttpGateway gw(client());
                recover_interrupted(gw, m_data.interrupted);
            }
        }
        if (!m_opt.partners_only) {
            int code = clients_step();
            if (code) return code;
        }
        if (partners_wanted()) partners_step();
        if (!m_data.cap_reason.empty()) return kExitSafety;
        if (m_opt.apply && (m_failed > 0 || m_conflicts)) return kExitPartial;
        if (!m_opt.apply && m_opt.detailed_exitcode && (m_pending > 0 || m_conflicts))
            return kExitChangesPending;
        return kExitOk;
    }

    /// pull -> sales -> plan -> apply of the sold clients. Returns an exit code when the run must stop.
    int clients_step() {
        if (m_opt.pull) {
            double t = phase_start();
            PullResult pr =
                pull_inventory(m_cfg, m_store, client(), PullOptions{m_opt.only_projects, m_opt.progress});
            phase_end("pull", t);
            m_data.pull_skipped = pr.skipped;
            m_data.selection = pr.selection;
            spdlog::info("snapshot {}: {} boxes, {} drop splitters, {} ports, {} properties in {:.1f} s",
                         pr.snapshot_id, pr.boxes, pr.splitters, pr.ports, pr.properties, pr.seconds);
        }
        const int64_t snapshot = m_store.require_snapshot();
        m_data.run.snapshot_id = snapshot;
        if (auto info = m_store.snapshot(snapshot)) m_data.snapshot_finished_at = info->finished_at;

        double t = phase_start();
        SaleFeed feed = fetch_sales(m_cfg);
        phase_end("sales", t);
        m_data.run.sales_fingerprint = feed.fingerprint;
        m_data.sales_records = feed.records;
        m_data.sales_valid = static_cast<long long>(feed.sales.size());
        m_data.sales_invalid = static_cast<long long>(feed.invalid.size());
        spdlog::info("sales: {} records ({} invalid) from {}", feed.records, feed.invalid.size(),
                     m_data.sales_source);
        try {
            require_usable_feed(feed, m_cfg.safety);
        } catch (const InputError& e) {
            m_data.guard_reason = e.what();
            throw;
        }
        if (auto why = feed_guard(feed.records, m_runs.last_sales_count(m_data.run.id), m_limits)) {
            m_data.guard_reason = *why;
            throw SafetyError(*why + "; nothing planned or changed");
        }
        m_data.run.sales_count = feed.records;
        m_runs.update_inputs(m_data.run.id, snapshot, feed.fingerprint, feed.records);

        t = phase_start();
        Inventory inv = load_inventory(m_store, snapshot);
        phase_end("load_snapshot", t);
        for (const auto& p : inv.projects)
            m_data.project_names[p.id] = p.name;
        ReconcileOptions ropt = m_opt.reconcile;
        ropt.drift = m_cfg.reconcile.revert_drift ? DriftMode::Revert : DriftMode::Report;
        ropt.keep_property = m_cfg.reconcile.keep_property;
        for (const auto& p : m_opt.only_projects)
            ropt.only_projects.insert(p);
        t = phase_start();
        ChangeSet changes = m_opt.adopt ? plan_adoptions(inv, feed.sales, ropt)
                                        : reconcile(inv, feed.sales, feed.invalid, m_runs.baseline(), ropt);
        phase_end("plan", t);
        m_data.owned_clients = changes.owned_clients;
        m_data.in_sync = changes.in_sync;
        t = phase_start();
        // The run's own data holds the journal entries from here on: whatever fails later, the report
        // lists every change and the state it reached.
        std::vector<JournalEntry>& entries = m_data.entries;
        entries = m_opt.plan_run_id.empty() ? m_runs.save_plan(m_data.run.id, changes)
                                            : saved_plan(snapshot, feed.fingerprint);
        m_planned = true;
        phase_end("journal", t);
        m_data.occupancy = occupancy(m_store, snapshot);

        t = phase_start();
        Progress progress(m_opt.apply ? "apply" : "plan", m_opt.progress && m_opt.apply);
        std::unique_ptr<OzmapGateway> gateway;
        if (m_opt.apply)
            gateway = std::make_unique<HttpGateway>(client());
        else
            gateway = std::make_unique<RecordingGateway>();
        // A real apply journals every change in its own commit (intent before the call); a dry run's
        // outcomes go in together.
        std::optional<sql::Transaction> dry_tx;
        if (!m_opt.apply) dry_tx.emplace(m_store.db());
        ApplyOutcome out = apply_changes(*gateway, &m_runs, m_data.run.id, entries, m_data.owned_clients,
                                         m_limits, m_cfg.ozmap.concurrency, progress);
        if (dry_tx) dry_tx->commit();
        progress.finish();
        phase_end(m_opt.apply ? "apply" : "dry_run", t);
        m_data.requests = out.requests;
        m_data.cap_reason = out.cap_reason;
        m_data.abort_reason = out.abort_reason;
        m_failed += out.failed + out.skipped;
        for (const auto& e : entries) {
            m_conflicts = m_conflicts || e.change.action == Action::Conflict;
            if (is_write(e.change.action)) ++m_pending;
        }
        // With a broken journal the database takes no more writes; the report is built from memory.
        if (m_opt.apply && out.abort_code != kExitIo) {
            BaselineUpdate baseline = baseline_after(changes, m_data.entries);
            m_runs.save_baseline(m_data.run.id, baseline.upsert, baseline.forget);
            patch_snapshot(m_store, snapshot, m_data.entries);
        }
        return out.abort_code;
    }

    /// Reads the partnership feed, the partners' existing users and partners.role: before any write of
    /// the run, so a missing role or an unreadable feed stops the run with nothing changed.
    void prepare_partners() {
        if (!m_opt.reset_password.empty()) {
            prepare_password_reset();
            return;
        }
        if (m_cfg.ozneutral.partnerships.empty())
            throw ConfigError("ozneutral.partnerships: missing (file:PATH or https://...)");
        PartnershipFeed feed = fetch_partnerships(m_cfg);
        std::vector<std::string> usernames;
        for (const auto& p : feed.partnerships)
            usernames.push_back(partner_username(p.partner_id));
        std::sort(usernames.begin(), usernames.end());
        usernames.erase(std::unique(usernames.begin(), usernames.end()), usernames.end());
        PartnerPlanInput input;
        input.partnerships = feed.partnerships;
        input.existing = find_users(client(), usernames);
        for (const auto& p : resolve_projects(m_cfg, client(), {}))
            input.selected_projects.insert(p.id);
        input.granted = HandoverStore(m_store).grants();
        input.email_fallback = m_cfg.partners.email_fallback;
        PartnerPlan plan = plan_partner_users(input);
        m_partner_plan.writes = std::move(plan.writes);
        m_partner_plan.findings = std::move(plan.findings);
        m_partner_grants = std::move(plan.grants);
        for (const auto& bad : feed.invalid) {
            Change c;
            c.action = Action::Invalid;
            c.sale_id = bad.id;
            c.partner = bad.code;
            c.reason = bad.reason;
            m_partner_plan.findings.push_back(c);
        }
        // A password that never reached a hand-over file is reported every run until it is reset.
        for (const auto& u : HandoverStore(m_store).not_handed_over()) {
            Change c;
            c.action = Action::Conflict;
            c.username = u.username;
            c.user_id = u.user_id;
            c.partner = u.partner_id;
            c.reason = "the password of OZmap user " + u.username + " (created by run " + u.created_run +
                       ") was never handed over: run `oznsync partners --reset-password " + u.partner_id +
                       "`";
            m_partner_plan.findings.push_back(c);
        }
        m_partner_role = resolve_role(client(), m_cfg.partners.role);
    }

    /// `partners --reset-password PARTNER_ID`: a new password for that partner's user, handed over.
    void prepare_password_reset() {
        Change c;
        c.action = Action::UserUpdate;
        c.username = partner_username(m_opt.reset_password);
        c.partner = m_opt.reset_password;
        auto user = client().find_user(c.username);
        if (!user)
            throw UsageError("--reset-password " + m_opt.reset_password + ": OZmap has no user " +
                             c.username);
        c.user_id = user->id;
        c.reset_password = true;
        c.before = "password not handed over";
        c.after = "new password in the hand-over file";
        c.reason = "password reset (--reset-password)";
        m_partner_plan.writes = {c};
    }

    /// Partner users for accepted partnerships, journaled and reported like every other change.
    void partners_step() {
        double t = phase_start();
        auto entries = m_runs.save_plan(m_data.run.id, m_partner_plan);
        m_planned = true;
        std::unique_ptr<OzmapGateway> gateway;
        if (m_opt.apply)
            gateway = std::make_unique<HttpGateway>(client());
        else
            gateway = std::make_unique<RecordingGateway>();
        HandoverStore handovers(m_store);
        auto hand_over = [&](const Change& c, const std::string& user_id, const std::string& password) {
            PartnerUserRecord record{c.username, partner_of_username(c.username), user_id, m_data.run.id, ""};
            try {
                m_credentials.emplace_back(c.username, password);
                record.handed_over =
                    write_handover(m_cfg.partners.handover_dir, m_data.run.id, m_credentials);
            } catch (const std::exception&) {
                m_credentials.pop_back();
                handovers.record(record);
                throw;
            }
            handovers.record(record);
            m_data.handover_file = record.handed_over;
            return record.handed_over;
        };
        PartnerApplyOutcome out = apply_partner_changes(*gateway, &m_runs, m_data.run.id, entries,
                                                        m_partner_role, m_cfg.partners.resources, hand_over);
        // What was granted is recorded once done: the next runs leave an operator's own edits alone.
        for (const auto& e : entries) {
            if (e.state != "done" || e.change.reset_password || !m_partner_grants.count(e.change.username))
                continue;
            handovers.record_grant(e.change.username, partner_of_username(e.change.username), m_data.run.id,
                                   m_partner_grants.at(e.change.username));
        }
        m_failed += out.failed;
        m_pending += static_cast<long long>(m_partner_plan.writes.size());
        for (const auto& f : m_partner_plan.findings)
            m_conflicts = m_conflicts || f.action == Action::Conflict;
        m_data.requests.insert(m_data.requests.end(), out.requests.begin(), out.requests.end());
        m_data.entries.insert(m_data.entries.end(), entries.begin(), entries.end());
        phase_end("partners", t);
    }

    /// The writes of a saved dry run, refused when its inputs changed since.
    std::vector<JournalEntry> saved_plan(int64_t snapshot, const std::string& sales_fingerprint) {
        auto saved = m_runs.get(m_opt.plan_run_id);
        if (!saved) throw UsageError("--plan " + m_opt.plan_run_id + ": no such run (see oznsync runs)");
        if (saved->mode != "plan" && saved->mode != "run-dry" && saved->mode != "adopt-dry")
            throw UsageError("--plan " + m_opt.plan_run_id + " is a " + saved->mode +
                             " run, not a saved plan");
        if (saved->snapshot_id != snapshot)
            throw SafetyError("saved plan " + saved->id + " is stale: it was made from snapshot " +
                              std::to_string(saved->snapshot_id) + ", the current one is " +
                              std::to_string(snapshot) + "; run `oznsync plan` again");
        if (saved->sales_fingerprint != sales_fingerprint)
            throw SafetyError("saved plan " + saved->id +
                              " is stale: the sale feed changed since it was made; run "
                              "`oznsync plan` again");
        ChangeSet copy;
        for (const auto& e : m_runs.entries(saved->id)) {
            if (e.state == "finding")
                copy.findings.push_back(e.change);
            else
                copy.writes.push_back(e.change);
        }
        m_data.owned_clients = saved_owned_clients(*saved);
        spdlog::info("executing saved plan {}: {} change(s)", saved->id, copy.writes.size());
        return m_runs.save_plan(m_data.run.id, copy);
    }

    void finish(int code) {
        m_data.run.exit_code = code;
        m_data.run.finished_at = now_iso();
        // A run that got as far as a plan counts (for the feed-shrink guard) even when some changes failed.
        m_data.run.status =
            m_planned && code != kExitUnavailable && code != kExitAuth && code != kExitInternal ? "done"
                                                                                                : "failed";
        bool recorded = true;
        try {
            m_runs.finish(m_data.run.id, m_data.run.status, code, summary_json(m_data));
        } catch (const std::exception& e) {
            recorded = false;
            spdlog::error("run {} could not be recorded in the database: {}", m_data.run.id, e.what());
        }
        std::string dir;
        try {
            dir = write_report(m_cfg.reports_dir, m_data);
        } catch (const std::exception& e) {
            // The audit trail is part of the job: a run without its report does not end in success.
            m_data.report_error = e.what();
            if (code == kExitOk || code == kExitChangesPending || code == kExitPartial || code == kExitSafety)
                m_data.run.exit_code = kExitIo;
            spdlog::error("the report of run {} could not be written: {}; the database keeps its changes "
                          "(oznsync report show {})",
                          m_data.run.id, e.what(), m_data.run.id);
            if (recorded) {
                try {
                    m_runs.finish(m_data.run.id, m_data.run.status, m_data.run.exit_code,
                                  summary_json(m_data));
                } catch (const std::exception&) {
                }
            }
        }
        if (!recorded && m_data.run.exit_code == kExitOk) m_data.run.exit_code = kExitIo;
        print_summary(dir);
        try {
            if (int n = prune_reports(m_cfg.reports_dir, m_cfg.reports_keep_days))
                spdlog::info("removed {} report folder(s) older than reports.keep_days ({})", n,
                             m_cfg.reports_keep_days);
        } catch (const std::exception& e) {
            spdlog::warn("pruning old report folders failed: {}", e.what());
        }
    }

    void print_summary(const std::string& dir) {
        std::cout << "run " << m_data.run.id << " (" << m_data.run.mode << (m_data.dry_run ? ", dry run" : "")
                  << "):";
        for (const auto& [a, n] : counts_by_action(m_data))
            if (n) std::cout << " " << a << "=" << n;
        std::cout << " in_sync=" << m_data.in_sync << "\n";
        for (const auto& [p, counts] : counts_by_project(m_data)) {
            auto name = m_data.project_names.find(p);
            std::cout << "  project " << p << (name != m_data.project_names.end() ? " " + name->second : "")
                      << ":";
            for (const auto& [a, n] : counts)
                std::cout << " " << a << "=" << n;
            std::cout << "\n";
        }
        if (!m_data.cap_reason.empty()) std::cout << "  safety cap: " << m_data.cap_reason << "\n";
        std::cout << "exit " << m_data.run.exit_code << ": " << outcome_text(m_data) << "\n";
        if (dir.empty())
            std::cout << "report NOT written: " << m_data.report_error << "\n";
        else
            std::cout << "report " << dir << "/report.html\n";
    }

    const Config& m_cfg;
    const RunOptions& m_opt;
    Store m_store;
    RunStore m_runs;
    SafetyLimits m_limits;
    ReportData m_data;
    std::unique_ptr<OzmapClient> m_client;
    ChangeSet m_partner_plan;
    std::vector<std::pair<std::string, std::string>> m_credentials; // handed over by this run
    std::map<std::string, PartnerGrant> m_partner_grants;           // what the planned user writes grant
    std::string m_partner_role;
    bool m_planned = false;
    long long m_failed = 0, m_pending = 0;
    bool m_conflicts = false;
};

} // namespace

int execute_run(const Config& config, const RunOptions& options) {
    RunLock lock(config.snapshot_path);
    return Run(config, options).execute();
}

} // namespace oznsync
