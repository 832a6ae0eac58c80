#include "report/views.hpp"

#include "util/strings.hpp"
#include "util/time.hpp"

#include <chrono>

#include <cstdio>

namespace oznsync {

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
    char line[512];
    std::snprintf(line, sizeof line, "%-24s %-20s %-12s %-7s %4s  %s\n", "RUN", "STARTED", "MODE", "STATUS",
                  "EXIT", "CHANGES");
    out += line;
    for (const auto& r : runs) {
        std::snprintf(line, sizeof line, "%-24s %-20s %-12s %-7s %4d  ", r.id.c_str(), r.started_at.c_str(),
                      r.mode.c_str(), r.status.c_str(), r.exit_code);
        out += line + r.counts + "\n";
    }
    if (runs.empty()) out += "(no runs yet)\n";
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
