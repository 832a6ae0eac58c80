#include "report/views.hpp"

#include "core/exit_meaning.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

#include <chrono>
#include <cstdarg>
#include <cstdio>

namespace oznsync {

namespace {

/// Appends printf's rendering of `format` to `out`, however long.
__attribute__((format(printf, 2, 3))) void append_printf(std::string& out, const char* format, ...) {
    va_list args, again;
    va_start(args, format);
    va_copy(again, args);
    const int n = std::vsnprintf(nullptr, 0, format, args);
    va_end(args);
    if (n > 0) {
        const size_t at = out.size();
        out.resize(at + static_cast<size_t>(n) + 1);
        std::vsnprintf(out.data() + at, static_cast<size_t>(n) + 1, format, again);
        out.resize(at + static_cast<size_t>(n));
    }
    va_end(again);
}

std::string age_text(const std::optional<double>& hours) {
    return hours ? format_double(static_cast<double>(static_cast<long long>(*hours * 10)) / 10) + " h" : "-";
}

std::string run_text(const std::optional<RunRecord>& r) {
    return r ? r->started_at + " exit " + std::to_string(r->exit_code) : "-";
}

void write_run(JsonWriter& w, const char* key, const std::optional<RunRecord>& r) {
    w.key(key);
    if (!r) {
        w.null();
        return;
    }
    w.begin_object()
        .field("id", r->id)
        .field("started_at", r->started_at)
        .field("finished_at", r->finished_at);
    w.field("exit_code", r->exit_code).field("meaning", exit_code_meaning(r->exit_code)).end_object();
}

} // namespace

std::string feasibility_json(const FeasibilityAnswer& a) {
    std::string out;
    JsonWriter w(out);
    w.begin_object().field("viable", !a.viable.empty()).field("lat", a.lat).field("lng", a.lng);
    w.field("radius", a.radius_m).key("viable_boxes").begin_array();
    for (const auto& v : a.viable) {
        w.begin_object();
        if (!v.operator_name.empty()) w.field("operator", v.operator_name);
        w.field("id", v.box.id).field("name", v.box.name).field("project", v.box.project);
        w.field("distance", round_distance(v.distance_m));
        w.key("coords").begin_array().value(v.box.lng).value(v.box.lat).end_array();
        w.field("free_port_count", v.free_count()).key("splitters").begin_array();
        for (const auto& f : v.free) {
            w.begin_object().field("id", f.splitter).field("name", f.name).key("free_ports").begin_array();
            for (int p : f.ports)
                w.value(p);
            w.end_array().end_object();
        }
        w.end_array().end_object();
    }
    w.end_array().key("non_viable_boxes").begin_array();
    for (const auto& n : a.non_viable) {
        w.begin_object();
        if (!n.operator_name.empty()) w.field("operator", n.operator_name);
        w.field("id", n.box.id).field("name", n.box.name).field("project", n.box.project);
        w.field("distance", round_distance(n.distance_m)).field("reason", reason_name(n.reason)).end_object();
    }
    w.end_array().end_object();
    return out;
}

std::string feasibility_table(const FeasibilityAnswer& a, int64_t snapshot) {
    std::string out;
    append_printf(out, "%zu viable box(es) within %.0f m of %.6f, %.6f (snapshot %lld)\n", a.viable.size(),
                  a.radius_m, a.lat, a.lng, static_cast<long long>(snapshot));
    for (const auto& v : a.viable) {
        append_printf(out, "  %8.1f m  %s  %-14s free %2d:", round_distance(v.distance_m), v.box.id.c_str(),
                      terminal_safe(v.box.name).c_str(), v.free_count());
        for (const auto& f : v.free) {
            out += "  " + terminal_safe(f.name.empty() ? f.splitter : f.name) + " [";
            for (size_t i = 0; i < f.ports.size(); ++i)
                out += (i ? "," : "") + std::to_string(f.ports[i]);
            out += "]";
        }
        out += "\n";
    }
    if (!a.non_viable.empty())
        append_printf(out, "%zu box(es) in range without a sellable port:\n", a.non_viable.size());
    for (const auto& n : a.non_viable)
        append_printf(out, "  %8.1f m  %s  %-14s %s\n", round_distance(n.distance_m), n.box.id.c_str(),
                      terminal_safe(n.box.name).c_str(), reason_name(n.reason));
    return out;
}

std::string runs_json(const std::string& operator_name, const std::vector<RunListing>& runs,
                      bool public_view) {
    std::string out;
    JsonWriter w(out);
    w.begin_array();
    for (const auto& r : runs) {
        w.begin_object()
            .field("operator", operator_name)
            .field("id", r.id)
            .field("started_at", r.started_at)
            .field("finished_at", r.finished_at);
        w.field("mode", r.mode).field("status", r.status).field("exit_code", r.exit_code);
        w.field("snapshot_id", r.snapshot_id).key("summary");
        if (r.summary_json.empty())
            w.null();
        else
            w.raw(public_view ? public_summary(r.summary_json)
                              : r.summary_json.substr(0, r.summary_json.find_last_not_of("\n") + 1));
        w.end_object();
    }
    w.end_array();
    return out;
}

std::string runs_table(const std::string& operator_name, const std::vector<RunListing>& runs) {
    std::string out = "operator " + operator_name + "\n";
    append_printf(out, "%-24s %-20s %-12s %-7s %4s  %s\n", "RUN", "STARTED", "MODE", "STATUS", "EXIT",
                  "CHANGES");
    for (const auto& r : runs)
        append_printf(out, "%-24s %-20s %-12s %-7s %4d  %s\n", r.id.c_str(), r.started_at.c_str(),
                      r.mode.c_str(), r.status.c_str(), r.exit_code, r.counts.c_str());
    if (runs.empty()) out += "(no runs yet)\n";
    return out;
}

std::string hold_text(const Hold& hold) {
    std::string out = "held until " + hold.until;
    if (!hold.by.empty()) out += " by " + hold.by;
    if (!hold.reason.empty()) out += " (" + hold.reason + ")";
    return out;
}

std::string fleet_json(const std::vector<OperatorHealth>& fleet) {
    std::string out;
    JsonWriter w(out);
    w.begin_array();
    for (const auto& h : fleet) {
        w.begin_object().field("operator", h.name).field("config", h.config).field("healthy", h.healthy());
        w.key("attention").begin_array();
        for (const auto& a : h.attention)
            w.value(a);
        w.end_array();
        write_run(w, "last_full_run", h.last_full);
        write_run(w, "last_incremental_run", h.last_incremental);
        w.field("conflicts", h.conflicts).field("drift", h.drift).field("invalid", h.invalid);
        w.key("snapshot_age_h");
        if (h.snapshot_age_h)
            w.value(*h.snapshot_age_h);
        else
            w.null();
        w.field("owned_clients", h.owned_clients).field("free_ports", h.free_ports);
        w.key("hold");
        if (h.hold)
            w.begin_object()
                .field("until", h.hold->until)
                .field("by", h.hold->by)
                .field("reason", h.hold->reason)
                .end_object();
        else
            w.null();
        w.end_object();
    }
    w.end_array();
    return out;
}

std::string fleet_html(const std::vector<OperatorHealth>& fleet) {
    std::string h =
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>oznsync fleet</title>"
        "<style>body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}"
        ".bad{color:#a00}.ok{color:#070}</style></head><body><h1>oznsync fleet</h1><table><thead><tr>"
        "<th>operator</th><th>status</th><th>last full run</th><th>last incremental run</th>"
        "<th>conflicts / drift / invalid</th><th>snapshot age</th><th>owned clients</th>"
        "<th>free ports</th></tr></thead><tbody>\n";
    for (const auto& o : fleet) {
        const std::string name = html_escape(o.name);
        h +=
            "<tr><td>" +
            (o.reports_dir.empty() ? name
                                   : "<a href=\"" + html_escape("file://" + o.reports_dir + "/index.html") +
                                         "\">" + name + "</a>") +
            "</td><td class=" + (o.healthy() ? "ok>healthy" : "bad>" + html_escape(join(o.attention, "; "))) +
            "</td><td>" + html_escape(run_text(o.last_full)) + "</td><td>" +
            html_escape(run_text(o.last_incremental)) + "</td><td>" + std::to_string(o.conflicts) + " / " +
            std::to_string(o.drift) + " / " + std::to_string(o.invalid) + "</td><td>" +
            html_escape(age_text(o.snapshot_age_h)) + "</td><td>" + std::to_string(o.owned_clients) +
            "</td><td>" + std::to_string(o.free_ports) + "</td></tr>\n";
    }
    return h + "</tbody></table></body></html>\n";
}

std::string fleet_table(const std::vector<OperatorHealth>& fleet) {
    std::string out;
    append_printf(out, "%-16s %-9s %-31s %-31s %9s %6s %7s %9s %6s  %s\n", "OPERATOR", "STATUS",
                  "LAST FULL RUN", "LAST INCREMENTAL RUN", "CONFLICTS", "DRIFT", "INVALID", "SNAPSHOT",
                  "OWNED", "FREE PORTS");
    for (const auto& h : fleet) {
        const std::string name = terminal_safe(h.name);
        append_printf(out, "%-16s %-9s %-31s %-31s %9lld %6lld %7lld %9s %6lld  %lld\n", name.c_str(),
                      h.healthy() ? "healthy" : "ATTENTION", run_text(h.last_full).c_str(),
                      run_text(h.last_incremental).c_str(), h.conflicts, h.drift, h.invalid,
                      age_text(h.snapshot_age_h).c_str(), h.owned_clients, h.free_ports);
        for (const auto& a : h.attention)
            out += "  " + name + ": " + terminal_safe(a) + "\n";
        if (h.hold) out += "  " + name + ": incremental runs " + terminal_safe(hold_text(*h.hold)) + "\n";
    }
    return out;
}

bool write_health(JsonWriter& w, const std::string& operator_name, const std::optional<ServiceStatus>& s,
                  const std::string& problem, std::optional<int64_t> snapshot_in_memory) {
    const bool ok = s && s->snapshot;
    w.begin_object()
        .field("operator", operator_name)
        .field("status", ok  ? "ok"
                         : s ? "no snapshot"
                             : "unreadable");
    if (!problem.empty()) w.field("problem", clean_message(problem, 200));
    if (ok) {
        w.field("snapshot_id", *s->snapshot)
            .field("snapshot_finished_at", s->snapshot_finished_at)
            .field("snapshot_age_s", s->snapshot_age_s);
        if (snapshot_in_memory) w.field("snapshot_in_memory", *snapshot_in_memory);
    }
    w.key("last_run");
    if (s && s->last_run)
        w.begin_object()
            .field("id", s->last_run->id)
            .field("mode", s->last_run->mode)
            .field("exit_code", s->last_run->exit_code)
            .field("finished_at", s->last_run->finished_at)
            .end_object();
    else
        w.null();
    w.end_object();
    return ok;
}

void write_published_health(JsonWriter& w, const PublishedHead& h, int64_t snapshot_in_memory) {
    w.begin_object().field("operator", h.operator_name).field("status", "ok");
    w.field("snapshot_id", h.snapshot_id).field("snapshot_finished_at", h.snapshot_finished_at);
    w.field("snapshot_age_s", static_cast<int64_t>(seconds_since(h.snapshot_finished_at)));
    w.field("published_at", h.published_at)
        .field("published_age_s", static_cast<int64_t>(seconds_since(h.published_at)));
    w.field("snapshot_in_memory", snapshot_in_memory).field("boxes", h.boxes);
    w.key("last_run").null().end_object();
}

} // namespace oznsync
