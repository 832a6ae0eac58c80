#include "report/report.hpp"

#include "core/exit_meaning.hpp"
#include "store/change_codec.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/json_writer.hpp"
#include "util/parallel.hpp"
#include "util/strings.hpp"

#include <array>
#include <chrono>
#include <filesystem>
#include <set>
#include <sstream>
#include <unordered_map>

namespace oznsync {

std::string result_text(const JournalEntry& e) {
    if (e.state == EntryState::Finding) return "";
    const std::string state = state_name(e.state);
    if (!e.error.empty()) return state + ": " + e.error;
    if (!e.result.empty()) return state + ": " + e.result;
    return state;
}

namespace {

void write_event(JsonWriter& w, const ReportData& d, const JournalEntry& e) {
    const Change& c = e.change;
    w.begin_object()
        .field("operator", d.operator_name)
        .field("run_id", d.run.id)
        .field("seq", e.seq)
        .field("ulid", e.ulid)
        .field("ts", e.ts);
    w.field("action", action_name(c.action));
    w.key("keys")
        .begin_object()
        .field("sale_id", c.sale_id)
        .field("code", c.code)
        .field("partner", c.partner);
    w.field("project", c.project).field("box", c.target.box).field("splitter", c.target.splitter);
    w.field("port", c.target.port).field("property_id", c.property_id).field("client_id", c.client_id);
    if (!c.user->username.empty()) w.field("username", c.user->username);
    w.end_object();
    w.field("before", c.before.view()).field("after", c.after.view()).field("reason", c.reason.view());
    w.key("result")
        .begin_object()
        .field("state", state_name(e.state))
        .field("detail", e.error.empty() ? e.result : e.error);
    w.end_object().end_object();
}

} // namespace

std::string results_line(const std::string& action, const ActionResults& r) {
    std::string line = action + ": planned " + std::to_string(r.planned) + ", done " +
                       std::to_string(r.done) + ", failed " + std::to_string(r.failed) + ", skipped " +
                       std::to_string(r.skipped);
    if (r.not_sent) line += ", not sent " + std::to_string(r.not_sent);
    return line;
}

std::string drift_jsonl(const ReportData& d) {
    std::string out;
    for (const auto& e : d.entries) {
        if (e.change.action != Action::Drift) continue;
        const Change& c = e.change;
        JsonWriter w(out);
        w.begin_object().field("operator", d.operator_name).field("run_id", d.run.id);
        w.field("sale_id", c.sale_id).field("code", c.code);
        w.field("project", c.project).field("property_id", c.property_id).field("client_id", c.client_id);
        w.field("ozmap_now", c.after.view()).field("last_applied", c.before.view());
        w.field("what", c.reason.view()).end_object();
        out += '\n';
    }
    return out;
}

std::string outcome_text(const ReportData& d) {
    // A safety stop says which: a stale saved plan is not a tripped cap.
    if (d.run.exit_code == kExitSafety) {
        if (d.run.abort_reason.rfind("stale plan: ", 0) == 0)
            return "stale plan: nothing was changed in OZmap; run `oznsync plan` again";
        if (!d.run.guard_reason.empty()) return "feed guard: nothing was planned or changed";
        if (!d.run.cap_reason.empty()) return "safety cap tripped: " + d.run.cap_reason;
    }
    if (d.run.exit_code != kExitOk && d.run.exit_code != kExitChangesPending)
        return exit_code_meaning(d.run.exit_code);
    const auto [writes, conflicts] = writes_and_conflicts(d);
    if (d.run.dry_run()) {
        if (writes == 0 && conflicts == 0) return "dry run: in sync, nothing to change";
        return "dry run: " + std::to_string(writes) + " change(s) pending, " + std::to_string(conflicts) +
               " conflict(s); nothing was changed in OZmap";
    }
    return writes == 0 ? "success: in sync" : "success: every change applied";
}

namespace {
/// Per project: its name, the changes of this run and the port occupancy of the snapshot.
void write_projects(JsonWriter& w, const ReportData& d) {
    std::map<std::string, const ProjectOccupancy*> occ;
    for (const auto& o : d.occupancy)
        occ[o.project] = &o;
    const auto per_project = counts_by_project(d);
    std::set<std::string> ids;
    for (const auto& [p, _] : per_project)
        ids.insert(p);
    for (const auto& [p, _] : occ)
        ids.insert(p);
    w.key("projects").begin_object();
    for (const auto& p : ids) {
        auto name = d.project_names.find(p);
        w.key(p).begin_object().field("name", name == d.project_names.end() ? std::string() : name->second);
        w.key("changes").begin_object();
        if (auto it = per_project.find(p); it != per_project.end())
            for (const auto& [a, n] : it->second)
                w.field(a, n);
        w.end_object();
        if (auto it = occ.find(p); it != occ.end())
            w.key("ports")
                .begin_object()
                .field("free", it->second->free)
                .field("reserved", it->second->reserved)
                .field("active", it->second->active)
                .field("blocked", it->second->blocked)
                .end_object();
        w.end_object();
    }
    w.end_object();
}
} // namespace

std::string summary_json(const ReportData& d) {
    std::string out;
    JsonWriter w(out);
    w.begin_object().field("format_version", kSummaryFormatVersion).field("operator", d.operator_name);
    w.field("run_id", d.run.id)
        .field("mode", mode_name(d.run.mode))
        .field("dry_run", d.run.dry_run())
        .field("oznsync_version", OZNSYNC_VERSION);
    w.field("host", d.run.host).field("user", d.run.user);
    w.field("started_by", d.run.started_by).field("reason", d.run.reason);
    w.field("started_at", d.run.started_at).field("finished_at", d.run.finished_at);
    w.key("exit").begin_object().field("code", d.run.exit_code).field("meaning", outcome_text(d));
    w.end_object();
    w.key("inputs")
        .begin_object()
        .field("ozmap_url", d.run.ozmap_url)
        .field("snapshot_id", d.run.snapshot_id);
    w.field("snapshot_finished_at", d.run.snapshot_finished_at).field("sales_source", d.run.sales_source);
    w.field("sales_fingerprint", d.run.sales_fingerprint).field("sales_records", d.run.sales_records);
    w.field("sales_valid", d.run.sales_valid).field("sales_invalid", d.run.sales_invalid);
    w.field("config_fingerprint", d.run.config_fingerprint)
        .field("insecure_tls", d.run.insecure_tls)
        .end_object();
    w.key("counts").begin_object();
    for (const auto& [a, n] : counts_by_action(d))
        w.field(a, n);
    w.field("in_sync", d.run.in_sync).field("owned_clients", d.run.owned_clients).end_object();
    w.key("results").begin_object();
    for (const auto& [s, n] : counts_by_state(d))
        w.field(s, n);
    w.end_object();
    w.key("results_by_action").begin_object();
    for (const auto& [a, r] : results_by_action(d))
        w.key(a)
            .begin_object()
            .field("planned", r.planned)
            .field("done", r.done)
            .field("failed", r.failed)
            .field("skipped", r.skipped)
            .field("not_sent", r.not_sent)
            .end_object();
    w.end_object();
    write_projects(w, d);
    w.key("timings_s").begin_object();
    for (const auto& [phase, s] : d.timings)
        w.field(phase, static_cast<double>(static_cast<long long>(s * 1000)) / 1000);
    w.end_object();
    w.field("safety_cap", d.run.cap_reason)
        .field("feed_guard", d.run.guard_reason)
        .field("aborted", d.run.abort_reason);
    w.field("interrupted_changes_recovered", static_cast<int64_t>(d.interrupted.size()));
    if (!d.report_error.empty()) w.field("report_error", d.report_error);
    if (d.publish.status != PublishResult::Status::Off) {
        w.key("publish").begin_object().field("status", status_name(d.publish.status));
        w.field("snapshot_id", d.publish.snapshot_id).field("boxes", d.publish.boxes);
        w.field("seconds", static_cast<double>(static_cast<long long>(d.publish.seconds * 1000)) / 1000);
        if (!d.publish.error.empty()) w.field("error", d.publish.error);
        w.end_object();
    }
    if (!d.selection.empty()) {
        w.key("project_selection").begin_array();
        for (const auto& line : d.selection)
            w.value(line);
        w.end_array();
    }
    if (!d.pull_skipped.empty()) {
        w.key("pull_skipped").begin_object();
        for (const auto& [why, n] : d.pull_skipped)
            w.field(why, static_cast<int64_t>(n));
        w.end_object();
    }
    w.field("partner_handover_file", d.run.handover_file);
    w.key("config").begin_object();
    for (const auto& [k, v] : d.config)
        w.field(k, v);
    w.end_object();
    if (d.integrity) {
        // The other files of the folder and the summary before it: `oznsync report verify` walks these.
        w.key("integrity").begin_object();
        w.field("previous_run", d.integrity->previous_run)
            .field("previous_summary_sha256", d.integrity->previous_summary_sha256);
        w.key("files").begin_object();
        for (const auto& [name, hash] : d.integrity->files)
            w.field(name, hash);
        w.end_object().end_object();
    }
    w.end_object();
    out += '\n';
    return out;
}

void write_plan_json(const ReportData& d, TextOut& out) {
    JsonWriter w(out.buf());
    w.begin_object().field("format_version", kSummaryFormatVersion).field("operator", d.operator_name);
    w.field("run_id", d.run.id)
        .field("snapshot_id", d.run.snapshot_id)
        .field("sales_fingerprint", d.run.sales_fingerprint);
    w.key("changes").begin_array();
    for (const auto& e : d.entries)
        if (is_write(e.change.action)) {
            write_change(w, e.change);
            out.maybe_flush();
        }
    w.end_array().key("findings").begin_array();
    for (const auto& e : d.entries)
        if (!is_write(e.change.action)) {
            write_change(w, e.change);
            out.maybe_flush();
        }
    w.end_array().key("requests").begin_array();
    std::string path;
    d.requests->for_each([&](const RecordedRequestView& r) {
        // The body as the JSON value it is (the recording gateway keeps one JSON value per body).
        path.assign("/api/v2/").append(r.route);
        w.begin_object().field("method", r.method).field("path", path);
        w.key("body").raw(r.body.empty() ? "null" : r.body).end_object();
        out.maybe_flush();
    });
    w.end_array().end_object();
    out.buf() += '\n';
}

void write_changes_jsonl(const ReportData& d, TextOut& out) {
    JsonWriter w(out.buf()); // one line after another: values at the top level take no comma
    for (const auto& e : d.entries) {
        write_event(w, d, e);
        out.buf() += '\n';
        out.maybe_flush();
    }
}

void write_changes_csv(const ReportData& d, TextOut& to) {
    std::string& out = to.buf();
    out += "run_id,seq,ulid,ts,action,sale_id,code,partner,project,box,splitter,port,property_id,client_id,"
           "before,after,reason,state,detail\r\n";
    for (const auto& e : d.entries) {
        const Change& c = e.change;
        const std::string seq = std::to_string(e.seq),
                          port = c.target.port ? std::to_string(c.target.port) : "";
        const IdText sale(c.sale_id), project(c.project), box(c.target.box), splitter(c.target.splitter),
            property(c.property_id), client(c.client_id);
        const std::string_view fields[] = {d.run.id,
                                           seq,
                                           e.ulid,
                                           e.ts,
                                           action_name(c.action),
                                           sale,
                                           c.code,
                                           c.partner,
                                           project,
                                           box,
                                           splitter,
                                           port,
                                           property,
                                           client,
                                           c.before.view(),
                                           c.after.view(),
                                           c.reason.view(),
                                           state_name(e.state),
                                           e.error.empty() ? e.result : e.error};
        bool first = true;
        for (std::string_view f : fields) {
            if (!first) out += ',';
            first = false;
            append_csv_field(out, f);
        }
        out += "\r\n";
        to.maybe_flush();
    }
}

namespace {
std::string report_dir(const std::string& reports_dir, const ReportData& d) {
    return reports_dir + "/" + d.run.id;
}
} // namespace

ReportDataFiles ReportDataFiles::write(const std::string& reports_dir, const ReportData& d) {
    const std::string dir = report_dir(reports_dir, d);
    make_dirs(dir, 0750);
    using Writer = void (*)(const ReportData&, TextOut&);
    std::vector<std::pair<const char*, Writer>> writers = {{"changes.jsonl", write_changes_jsonl},
                                                           {"changes.csv", write_changes_csv}};
    if (d.run.dry_run()) writers.insert(writers.begin(), {"plan.json", write_plan_json});
    ReportDataFiles out;
    out.m_files.resize(writers.size());
    // Each file is hashed as it is written (never read back); its text is handed to the file a megabyte
    // at a time. Side by side: copying them into the page cache is most of what they cost.
    parallel_for(2, writers.size(), [&](size_t i) {
        File& f = out.m_files[i];
        f.name = writers[i].first;
        f.file = std::make_unique<AtomicFile>(dir + "/" + f.name, 0640);
        std::string buffer;
        TextOut text(buffer, *f.file);
        writers[i].second(d, text);
        text.flush();
        f.file->sync(); // here, side by side, rather than one after the other when they are put in place
        f.hash = "sha256:" + f.file->sha256_hex();
    });
    return out;
}

std::map<std::string, std::string> ReportDataFiles::commit() {
    std::map<std::string, std::string> hashes;
    for (File& f : m_files) {
        f.file->commit();
        hashes[f.name] = std::move(f.hash);
    }
    m_files.clear();
    return hashes;
}

WrittenReport write_report(const std::string& reports_dir, ReportData& d,
                           const std::optional<ChainLink>& previous, ReportDataFiles data) {
    WrittenReport out;
    out.dir = report_dir(reports_dir, d);
    if (data.empty()) data = ReportDataFiles::write(reports_dir, d);
    Integrity integrity;
    if (previous) {
        integrity.previous_run = previous->run_id;
        integrity.previous_summary_sha256 = previous->summary_sha256;
    }
    auto whole = [&](const std::string& name, const std::string& text) {
        AtomicFile file(out.dir + "/" + name, 0640);
        file.write(text);
        std::string hash = "sha256:" + file.sha256_hex();
        file.commit();
        return hash;
    };
    integrity.files = data.commit();
    integrity.files["drift.jsonl"] = whole("drift.jsonl", drift_jsonl(d));
    d.integrity = integrity; // the pages show the data files' hashes (they cannot hold their own)
    integrity.files["report.html"] = whole("report.html", html_report(d));
    integrity.files["report.txt"] = whole("report.txt", text_report(d));
    d.integrity = integrity;
    // Last: its presence means the folder is complete, and it holds the others' hashes.
    out.link.summary_sha256 = whole("summary.json", summary_json(d));
    out.link.run_id = d.run.id;
    out.link.files = std::move(integrity.files);
    return out;
}

std::vector<std::string> remove_report_folders(const std::string& reports_dir,
                                               const std::vector<std::string>& run_ids) {
    namespace fs = std::filesystem;
    std::vector<std::string> removed;
    for (const auto& id : run_ids) {
        const fs::path dir = fs::path(reports_dir) / id;
        std::error_code ec;
        // Gone already, a link or without its summary: not removed here (`report verify` says what it is).
        if (fs::is_symlink(dir, ec) || !fs::is_directory(dir, ec) || !fs::exists(dir / "summary.json", ec))
            continue;
        fs::remove_all(dir, ec);
        if (!ec) removed.push_back(id);
    }
    return removed;
}

namespace {
template <void (*Write)(const ReportData&, TextOut&)> std::string as_string(const ReportData& d) {
    std::string text;
    TextOut out(text);
    Write(d, out);
    return text;
}
} // namespace

std::string plan_json(const ReportData& d) {
    return as_string<write_plan_json>(d);
}

std::string changes_jsonl(const ReportData& d) {
    return as_string<write_changes_jsonl>(d);
}

std::string changes_csv(const ReportData& d) {
    return as_string<write_changes_csv>(d);
}

} // namespace oznsync
