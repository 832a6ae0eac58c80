// report.html: one self-contained page (inline CSS, inline SVG, a few lines of inline script for the
// table filter). Readable offline, on screen and printed.
#include "report/report.hpp"

#include "util/error.hpp"
#include "util/strings.hpp"

#include <algorithm>
#include <cstdio>
#include <set>
#include <tuple>
#include <vector>

namespace oznsync {

namespace {

/// Past this many rows a browser struggles; the CSV and JSONL files always hold everything.
constexpr size_t kHtmlRowLimit = 5000;

std::string esc(const std::string& s) {
    return html_escape(s);
}

std::string num(double v, int decimals = 0) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

const char* kCss = R"CSS(
:root{--fg:#1d2733;--muted:#5b6875;--line:#d9dee4;--bg:#f6f8fa;--ok:#1f7a3f;--warn:#9a6700;--bad:#b42318;
--free:#3fb950;--reserved:#d29922;--active:#2f81f7;--blocked:#8c959f}
*{box-sizing:border-box}body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:var(--fg);margin:0;background:#fff}
main{max-width:1280px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:2px solid var(--line);padding-bottom:4px}
.sub{color:var(--muted)}.badge{display:inline-block;padding:2px 8px;border-radius:10px;font-size:12px;font-weight:600;color:#fff;vertical-align:middle}
.dry{background:var(--warn)}.apply{background:var(--active)}.exit-ok{background:var(--ok)}.exit-warn{background:var(--warn)}.exit-bad{background:var(--bad)}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(280px,1fr));gap:12px}
.card{border:1px solid var(--line);border-radius:6px;padding:10px 12px;background:var(--bg)}
.card dt{color:var(--muted);font-size:12px}.card dd{margin:0 0 6px;word-break:break-all}
.alert{border-left:4px solid var(--bad);background:#fff5f5;padding:8px 12px;margin:8px 0}.alert.warn{border-color:var(--warn);background:#fffaf0}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{border-bottom:1px solid var(--line);padding:4px 6px;text-align:left;vertical-align:top}
th{background:var(--bg);position:sticky;top:0}td.n,th.n{text-align:right}code,.id{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
td{overflow-wrap:break-word}td.long,td.st{overflow-wrap:anywhere;min-width:14ch}td.act{white-space:nowrap}
td.id,td.place .id{word-break:break-all;font-size:10px;min-width:12ch;max-width:13ch}td.place{white-space:nowrap}td.place .id{display:block;white-space:normal;color:var(--muted,#666)}
td.sale{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:10px;word-break:break-all;min-width:12ch;max-width:13ch}.addr{font-size:11px;color:var(--muted,#666)}.scroll{overflow-x:auto}
.act{font-weight:600}.a-create{color:var(--ok)}.a-remove{color:var(--bad)}.a-conflict,.a-invalid{color:var(--bad)}.a-drift,.a-orphan{color:var(--warn)}
.st-failed,.st-skipped,.st-interrupted{color:var(--bad);font-weight:600}.st-done{color:var(--ok)}
.filters{margin:8px 0;display:flex;gap:8px;align-items:center}.filters select,.filters input{font:inherit;padding:2px 4px}
svg.chart{max-width:100%;height:auto}svg text{font:12px system-ui,Arial,sans-serif;fill:var(--fg)}
.legend span{display:inline-block;margin-right:12px}.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px}
.empty{color:var(--muted);font-style:italic}
@media print{main{max-width:none;padding:0}th{position:static}.filters{display:none}tr{break-inside:avoid}h2{break-after:avoid}}
)CSS";

const char* kScript = R"JS(
(function(){var a=document.getElementById('f-action'),p=document.getElementById('f-project'),q=document.getElementById('f-text'),
c=document.getElementById('f-count'),rows=document.querySelectorAll('#changes tbody tr');
function f(){var n=0;rows.forEach(function(r){var ok=(!a.value||r.dataset.action===a.value)&&(!p.value||r.dataset.project===p.value)&&
(!q.value||r.textContent.toLowerCase().indexOf(q.value.toLowerCase())>=0);r.style.display=ok?'':'none';if(ok)n++;});c.textContent=n+' shown';}
[a,p].forEach(function(e){e.addEventListener('change',f)});q.addEventListener('input',f);f();})();
)JS";

std::string exit_class(int code) {
    if (code == kExitOk) return "exit-ok";
    if (code == kExitChangesPending || code == kExitPartial || code == kExitSafety) return "exit-warn";
    return "exit-bad"; // failed writes (5) and every error
}

std::string project_label(const ReportData& d, const std::string& id) {
    auto it = d.project_names.find(id);
    return it == d.project_names.end() || it->second.empty() ? id : it->second;
}

/// Stacked horizontal bars: ports per project by state.
std::string occupancy_chart(const ReportData& d) {
    if (d.occupancy.empty()) return "<p class=empty>No snapshot was read in this run.</p>";
    const int bar_h = 22, gap = 10, left = 170, width = 560, top = 8;
    int height = top + static_cast<int>(d.occupancy.size()) * (bar_h + gap) + 4;
    std::string s =
        "<svg class=\"chart\" id=\"chart-occupancy\" role=\"img\" aria-label=\"Port occupancy per project\" "
        "viewBox=\"0 0 " +
        std::to_string(left + width + 90) + " " + std::to_string(height) + "\" width=\"" +
        std::to_string(left + width + 90) + "\">";
    int y = top;
    for (const auto& o : d.occupancy) {
        double total = static_cast<double>(o.free + o.reserved + o.active + o.blocked);
        s += "<text x=\"0\" y=\"" + std::to_string(y + 15) + "\">" +
             esc((o.name.empty() ? o.project : o.name).substr(0, 24)) + "</text>";
        double x = left;
        const std::pair<long long, const char*> parts[] = {
            {o.free, "free"}, {o.reserved, "reserved"}, {o.active, "active"}, {o.blocked, "blocked"}};
        for (const auto& [n, cls] : parts) {
            double w = total > 0 ? width * static_cast<double>(n) / total : 0;
            if (w <= 0) continue;
            s += "<rect x=\"" + num(x, 1) + "\" y=\"" + std::to_string(y) + "\" width=\"" + num(w, 1) +
                 "\" height=\"" + std::to_string(bar_h) + "\" fill=\"var(--" + cls + ")\"><title>" + cls +
                 ": " + std::to_string(n) + "</title></rect>";
            x += w;
        }
        s += "<text x=\"" + std::to_string(left + width + 6) + "\" y=\"" + std::to_string(y + 15) + "\">" +
             num(total) + " ports</text>";
        y += bar_h + gap;
    }
    s += "</svg><div class=legend><span><i style=\"background:var(--free)\"></i>free</span><span><i "
         "style=\"background:var(--reserved)\"></i>reserved (client not implanted)</span>"
         "<span><i style=\"background:var(--active)\"></i>active (implanted or other use)</span><span><i "
         "style=\"background:var(--blocked)\"></i>blocked</span></div>";
    return s;
}

/// Vertical bars: changes per action; a write's bar split into done (green), failed (red) and the rest
/// (grey: skipped or not sent), so a night of failed writes never looks like a night of writes.
std::string actions_chart(const std::map<std::string, long long>& counts,
                          const std::map<std::string, ActionResults>& results) {
    const int bar_w = 56, gap = 18, chart_h = 150, left = 10, top = 18;
    long long max = 1;
    for (const auto& [a, n] : counts)
        max = std::max(max, n);
    int width = left + static_cast<int>(counts.size()) * (bar_w + gap);
    std::string s = "<svg class=\"chart\" id=\"chart-actions\" role=\"img\" aria-label=\"Changes per "
                    "action\" viewBox=\"0 0 " +
                    std::to_string(width) + " " + std::to_string(chart_h + top + 24) + "\" width=\"" +
                    std::to_string(width) + "\">";
    int x = left;
    for (const auto& [a, n] : counts) {
        const double h = chart_h * static_cast<double>(n) / static_cast<double>(max);
        std::vector<std::tuple<long long, std::string, std::string>> parts; // count, colour, what
        if (auto r = results.find(a); r != results.end()) {
            parts = {{r->second.done, "var(--free)", "done"},
                     {r->second.failed, "var(--bad)", "failed"},
                     {r->second.skipped + r->second.not_sent, "var(--blocked)", "skipped or not sent"}};
        } else {
            parts = {{n,
                      a == "conflict" || a == "invalid" ? "var(--bad)"
                      : a == "drift" || a == "orphan"   ? "var(--reserved)"
                                                        : "var(--active)",
                      a}};
        }
        double y = top + chart_h; // parts stacked from the bottom
        for (const auto& [count, color, what] : parts) {
            if (count == 0) continue;
            const double ph = h * static_cast<double>(count) / static_cast<double>(std::max(1LL, n));
            y -= ph;
            s += "<rect class=\"part-" + (what.find(' ') == std::string::npos ? what : "other") + "\" x=\"" +
                 std::to_string(x) + "\" y=\"" + num(y, 1) + "\" width=\"" + std::to_string(bar_w) +
                 "\" height=\"" + num(ph, 1) + "\" fill=\"" + color + "\"><title>" + a + " " + what + ": " +
                 std::to_string(count) + "</title></rect>";
        }
        s += "<text x=\"" + std::to_string(x + bar_w / 2) + "\" y=\"" + num(top + chart_h - h - 4, 1) +
             "\" text-anchor=\"middle\">" + std::to_string(n) + "</text>";
        s += "<text x=\"" + std::to_string(x + bar_w / 2) + "\" y=\"" + std::to_string(top + chart_h + 16) +
             "\" text-anchor=\"middle\">" + a + "</text>";
        x += bar_w + gap;
    }
    return s + "</svg>";
}

std::string result_cell(const JournalEntry& e) {
    if (e.state == EntryState::Finding) return "<td class=\"st\">&mdash;</td>";
    std::string detail = e.error.empty() ? e.result : e.error;
    const std::string state = state_name(e.state);
    return "<td class=\"st st-" + state + "\">" + state + (detail.empty() ? "" : ": " + esc(detail)) +
           "</td>";
}

/// The operator's OZmap page of an object (ozmap.web_url), or "" when none is configured.
std::string web_link(const ReportData& d, const char* kind, const std::string& id) {
    if (d.web_url.empty() || id.empty()) return "";
    std::string url = d.web_url;
    for (auto [key, value] : {std::pair<std::string, std::string>{"{kind}", kind}, {"{id}", id}})
        for (size_t at = url.find(key); at != std::string::npos; at = url.find(key, at + value.size()))
            url.replace(at, key.size(), value);
    return url;
}

/// A box or splitter: its OZmap name, its id beneath (the id alone when the name is unknown), linked to
/// its OZmap page when ozmap.web_url is set.
std::string place_cell(const ReportData& d, const char* kind, const std::string& name,
                       const std::string& id) {
    const std::string url = web_link(d, kind, id);
    const std::string open = url.empty() ? "" : "<a href=\"" + esc(url) + "\">",
                      close = url.empty() ? "" : "</a>";
    if (name.empty()) return "<td class=id>" + open + esc(id) + close + "</td>";
    return "<td class=place>" + open + esc(name) + close + "<span class=id>" + esc(id) + "</span></td>";
}

std::string change_row(const ReportData& d, const JournalEntry& e) {
    const Change& c = e.change;
    std::string a = action_name(c.action);
    std::string r = "<tr data-action=\"" + a + "\" data-project=\"" + esc(c.project.str()) +
                    "\"><td class=n>" + std::to_string(e.seq) + "</td><td class=\"act a-" + a + "\">" + a +
                    "</td>";
    r += "<td class=sale>" + esc(c.sale_id.str()) + "</td><td>" +
         esc(c.code.empty() ? c.user->username : c.code) +
         (c.address.empty() ? "" : "<div class=addr>" + esc(c.address) + "</div>") + "</td><td>" +
         esc(c.partner) + "</td>";
    r += "<td>" + esc(c.project.empty() ? "" : project_label(d, c.project.str())) + "</td>" +
         place_cell(d, "box", c.box_name, c.target.box.str()) +
         place_cell(d, "splitter", c.splitter_name, c.target.splitter.str()) + "<td class=n>" +
         (c.target.port ? std::to_string(c.target.port) : "") + "</td>";
    r += "<td class=long>" + esc(c.before.text()) + (c.before.empty() && c.after.empty() ? "" : " &rarr; ") +
         esc(c.after.text()) + "</td><td class=long>" + esc(c.reason.text()) + "</td>" + result_cell(e) +
         "</tr>\n";
    return r;
}

const char* kChangeHead =
    "<tr><th class=n>#</th><th>action</th><th>sale id</th><th>code</th><th>partner</th><th>project</th>"
    "<th>box</th><th>splitter</th><th class=n>port</th><th>before &rarr; after</th><th>reason</th>"
    "<th>result</th></tr>";

std::string section(const ReportData& d, const char* title, const char* id, Action action,
                    const std::string& none) {
    const long long n = d.counted().of(action);
    const auto shown = static_cast<size_t>(std::min<long long>(n, kHtmlRowLimit));
    std::string rows;
    size_t in_rows = 0;
    for (auto e = d.entries.begin(); in_rows < shown && e != d.entries.end(); ++e)
        if (e->change.action == action) {
            rows += change_row(d, *e);
            ++in_rows;
        }
    std::string s = std::string("<h2 id=\"") + id + "\">" + title + " (" + std::to_string(n) + ")</h2>";
    if (!n) return s + "<p class=empty>" + none + "</p>";
    return s + "<div class=scroll><table><thead>" + kChangeHead + "</thead><tbody>" + rows +
           "</tbody></table></div>";
}

/// What the run did to OZmap, in a word: a dry run; writes applied; writes sent and none went through; or a
/// sending run with nothing to send.
std::string badge_of(const ReportData& d) {
    if (d.run.dry_run()) return "dry\">DRY RUN";
    bool planned = false, done = false;
    for (const auto& e : d.entries)
        if (is_write(e.change.action) && e.state != EntryState::Finding) {
            planned = true;
            done = done || e.state == EntryState::Done;
        }
    if (done) return "apply\">APPLIED";
    return planned ? "exit-bad\">NOTHING APPLIED" : "apply\">NOTHING TO APPLY";
}

/// The folder's hashes and how to check them with coreutils alone: the data files above this page (their
/// SHA-256 as `sha256sum -c` reads them), the previous run's summary.json, and where the hashes of this
/// page, report.txt and summary.json itself are kept.
std::string integrity_section(const ReportData& d) {
    if (!d.integrity) return "";
    std::string h = "<h2 id=integrity>Integrity</h2><p>Each report folder is chained to the one before it: "
                    "this run's <code>summary.json</code> holds the SHA-256 of every other file of the "
                    "folder (this page and <code>report.txt</code> included) and of the previous run's "
                    "<code>summary.json</code>; the next run's summary holds this one's, and the database "
                    "keeps them all (<code>oznsync report verify</code> walks the chain). Without oznsync, "
                    "in this folder:</p><pre id=sha256sums>";
    std::string list;
    for (const auto& [name, hash] : d.integrity->files)
        list += hash.substr(hash.find(':') + 1) + "  " + name + "\n";
    h += esc(list) +
         "</pre><p><code>sha256sum -c</code> with the lines above (saved to a file, or "
         "<code>sha256sum -c &lt;&lt;'EOF'</code> &hellip; <code>EOF</code>) must print OK for each "
         "file; <code>sha256sum report.html report.txt</code> must print the hashes "
         "<code>summary.json</code> lists under <code>integrity.files</code>.";
    if (!d.integrity->previous_run.empty()) {
        const std::string prev = d.integrity->previous_summary_sha256;
        h += " The previous run, <code>" + esc(d.integrity->previous_run) + "</code>: <code>sha256sum ../" +
             esc(d.integrity->previous_run) + "/summary.json</code> must print <code id=previous-summary>" +
             esc(prev.substr(prev.find(':') + 1)) + "</code>.";
    } else {
        h += " This is the first run of the chain.";
    }
    return h + "</p>\n";
}

/// The page head, the title with its badges and the alerts (TLS off, guards, caps, interrupted changes).
std::string head_and_alerts(const ReportData& d) {
    std::string h =
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
        "content=\"width=device-width,initial-scale=1\"><title>" +
        esc(d.operator_name) + ": oznsync run " + esc(d.run.id) + "</title><style>" + kCss +
        "</style></head><body><main>\n";
    h += "<h1>oznsync run <code>" + esc(d.run.id) + "</code> <span class=\"badge " + badge_of(d) +
         "</span> <span class=\"badge " + exit_class(d.run.exit_code) + "\">exit " +
         std::to_string(d.run.exit_code) + "</span></h1>";
    h += "<p class=sub>operator <b id=operator>" + esc(d.operator_name) + "</b> &middot; " +
         esc(outcome_text(d)) + " &middot; mode <b>" + esc(mode_name(d.run.mode)) + "</b> &middot; " +
         esc(d.run.started_at) + " &rarr; " + esc(d.run.finished_at) + "</p>\n";
    // The other files of this folder, and every run.
    h += "<p class=files id=files>Files: <a href=\"changes.csv\">changes.csv</a> &middot; <a "
         "href=\"changes.jsonl\">changes.jsonl</a> &middot; <a href=\"summary.json\">summary.json</a> "
         "&middot; <a "
         "href=\"drift.jsonl\">drift.jsonl</a>" +
         std::string(d.run.dry_run() ? " &middot; <a href=\"plan.json\">plan.json</a>" : "") +
         " &middot; <a href=\"../index.html\">all runs</a></p>\n";

    if (d.run.insecure_tls)
        h += "<div class=alert>TLS verification was <b>off</b> (--insecure, ozmap.insecure or "
             "ozneutral.insecure) for "
             "this run.</div>";
    if (!d.run.guard_reason.empty())
        h += "<div class=alert><b>Aborted before planning:</b> " + esc(d.run.guard_reason) + "</div>";
    if (!d.run.cap_reason.empty())
        h += "<div class=alert id=caps><b>Safety cap hit:</b> " + esc(d.run.cap_reason) +
             ". No client was removed.</div>";
    if (!d.run.abort_reason.empty())
        h += "<div class=alert><b>Stopped:</b> " + esc(d.run.abort_reason) + "</div>";
    if (!d.interrupted.empty()) {
        h += "<div class=\"alert warn\"><b>" + std::to_string(d.interrupted.size()) +
             " change(s) were in flight when an earlier run died:</b><ul>";
        for (const auto& e : d.interrupted)
            h += "<li>" + std::string(action_name(e.change.action)) + " " + esc(e.change.code) + " (run " +
                 esc(e.result) + "): " + esc(e.error) + "</li>";
        h += "</ul></div>";
    }
    return h;
}

/// Who, what and when: host, inputs, timings, the project selection and skipped rows.
std::string run_cards(const ReportData& d) {
    std::string h;
    h += "<h2>Run</h2><div class=grid><dl class=card><dt>Host / user</dt><dd>" + esc(d.run.host) + " / " +
         esc(d.run.user) + "</dd>";
    if (!d.run.started_by.empty())
        h += "<dt>Started by</dt><dd id=started-by>" + esc(d.run.started_by) + "</dd>";
    if (!d.run.reason.empty()) h += "<dt>Reason</dt><dd id=reason>" + esc(d.run.reason) + "</dd>";
    h += "<dt>oznsync</dt><dd>" OZNSYNC_VERSION
         "</dd><dt>Config fingerprint (secrets masked)</dt><dd><code>" +
         esc(d.run.config_fingerprint) + "</code></dd></dl>";
    h += "<dl class=card><dt>OZmap</dt><dd>" + esc(d.run.ozmap_url) + "</dd><dt>Snapshot</dt><dd>" +
         std::to_string(d.run.snapshot_id) +
         (d.run.snapshot_finished_at.empty() ? "" : " (pulled " + esc(d.run.snapshot_finished_at) + ")") +
         "</dd><dt>Sale feed</dt><dd>" + esc(d.run.sales_source) + "<br>" +
         std::to_string(std::max(0LL, d.run.sales_records)) + " records, " +
         std::to_string(std::max(0LL, d.run.sales_invalid)) + " invalid<br><code>" +
         esc(d.run.sales_fingerprint) + "</code></dd></dl>";
    h += "<dl class=card><dt>Timings</dt><dd>";
    for (const auto& [phase, secs] : d.timings)
        h += esc(phase) + " " + num(secs, 2) + " s<br>";
    h += "</dd><dt>Owned clients / in sync</dt><dd>" + std::to_string(d.run.owned_clients) + " / " +
         std::to_string(d.run.in_sync) + "</dd>";
    if (!d.selection.empty()) {
        h += "<dt>Projects</dt><dd>";
        for (const auto& line : d.selection)
            h += esc(line) + "<br>";
        h += "</dd>";
    }
    if (!d.pull_skipped.empty()) {
        h += "<dt>Unusable OZmap rows the pull skipped</dt><dd>";
        for (const auto& [why, n] : d.pull_skipped)
            h += std::to_string(n) + " " + esc(why) + "<br>";
        h += "</dd>";
    }
    if (const std::string line = publish_text(d.publish); !line.empty())
        h += std::string("<dt>Shared store</dt><dd") +
             (d.publish.status == PublishResult::Status::Failed ? " class=\"a-remove\"" : "") + ">" +
             esc(line) + "</dd>";
    if (!d.run.handover_file.empty())
        h +=
            "<dt>Partner passwords handed over in</dt><dd><code>" + esc(d.run.handover_file) + "</code></dd>";
    h += "</dl></div>\n";
    return h;
}

/// Changes per action (table and chart), per project, and the port occupancy.
std::string counts_section(const ReportData& d, const std::map<std::string, long long>& counts) {
    std::string h;
    const auto results = results_by_action(d);
    h += "<h2>Counts</h2><div class=grid><div><table id=counts><thead><tr><th>action</th><th "
         "class=n>count</th><th class=n>done</th><th class=n>failed</th><th class=n>skipped</th><th "
         "class=n>not sent</th></tr></thead><tbody>";
    for (const auto& [a, n] : counts) {
        h += "<tr><td class=\"act a-" + a + "\">" + a + "</td><td class=n>" + std::to_string(n) + "</td>";
        if (auto r = results.find(a); r != results.end())
            h += "<td class=n>" + std::to_string(r->second.done) + "</td><td class=\"n" +
                 (r->second.failed ? " st-failed" : "") + "\">" + std::to_string(r->second.failed) +
                 "</td><td class=n>" + std::to_string(r->second.skipped) + "</td><td class=n>" +
                 std::to_string(r->second.not_sent) + "</td>";
        else
            h += "<td></td><td></td><td></td><td></td>";
        h += "</tr>";
    }
    h += "</tbody></table></div><div>" + actions_chart(counts, results);
    if (!results.empty())
        h += "<div class=legend><span><i style=\"background:var(--free)\"></i>done</span><span><i "
             "style=\"background:var(--bad)\"></i>failed</span><span><i "
             "style=\"background:var(--blocked)\"></i>skipped or not sent</span></div>";
    h += "</div></div>";
    const auto per_project = counts_by_project(d);
    if (!per_project.empty()) {
        h += "<table id=project-counts><thead><tr><th>project</th>";
        for (const auto& [a, n] : counts)
            h += "<th class=n>" + a + "</th>";
        h += "</tr></thead><tbody>";
        for (const auto& [p, pc] : per_project) {
            h += "<tr><td>" + esc(project_label(d, p)) + " <span class=id>" + esc(p) + "</span></td>";
            for (const auto& [a, n] : counts) {
                auto it = pc.find(a);
                h += "<td class=n>" + std::to_string(it == pc.end() ? 0 : it->second) + "</td>";
            }
            h += "</tr>";
        }
        h += "</tbody></table>";
    }
    h += "<h2>Port occupancy per project</h2>" + occupancy_chart(d);
    return h;
}

/// The filterable table of every change (capped at kHtmlRowLimit rows).
std::string changes_table(const ReportData& d, const std::map<std::string, long long>& counts) {
    std::string h;
    std::set<Id> projects;
    const EntryTally tally = d.counted();
    for (const auto& [project, _] : tally.projects)
        projects.insert(project);
    h += "<h2 id=changes-title>Changes (" + std::to_string(d.entries.size()) + ")</h2>";
    if (!d.kept_counts.empty())
        h += "<p class=sub id=journal-pruned>The change list was removed by journal.keep_days; the counts "
             "above are the run's.</p>";
    h += "<div class=filters><label>action <select id=f-action><option value=\"\">all</option>";
    for (const auto& [a, n] : counts)
        if (n) h += "<option>" + a + "</option>";
    h += "</select></label><label>project <select id=f-project><option value=\"\">all</option>";
    for (const auto& p : projects)
        h += "<option value=\"" + esc(p.str()) + "\">" + esc(project_label(d, p.str())) + "</option>";
    h += "</select></label><label>find <input id=f-text type=search></label><span id=f-count "
         "class=sub></span></div>";
    h += "<div class=scroll><table id=changes><thead>" + std::string(kChangeHead) + "</thead><tbody>\n";
    size_t shown = 0;
    for (const auto& e : d.entries) {
        if (++shown > kHtmlRowLimit) break;
        h += change_row(d, e);
    }
    h += "</tbody></table></div>";
    if (d.entries.size() > kHtmlRowLimit)
        h += "<p class=\"alert warn\">The table shows the first " + std::to_string(kHtmlRowLimit) + " of " +
             std::to_string(d.entries.size()) +
             " changes, to keep this page usable; changes.csv and changes.jsonl "
             "beside it hold every one.</p>";
    return h;
}

/// The findings by kind, the caps and the masked configuration.
std::string findings_and_config(const ReportData& d) {
    std::string h;
    h += section(d, "Conflicts", "conflicts", Action::Conflict,
                 "No sale was blocked by the state of its port.");
    // An incremental run restates no invalid record an earlier run reported: say so, not "every record".
    const std::string no_invalid =
        d.run.sales_invalid > 0
            ? "No invalid record new in this run (the feed's " + std::to_string(d.run.sales_invalid) +
                  " invalid record(s) were listed by an earlier run and are counted above)."
            : "Every record in the feed was usable.";
    h += section(d, "Invalid records", "invalid", Action::Invalid, no_invalid);
    h += section(d, "Orphans", "orphans", Action::Orphan, "Every client oznsync owns has its sale record.");
    h += section(d, "Drift", "drift", Action::Drift,
                 "No owned client was changed in OZmap since the last run.");
    h += "<h2 id=caps-title>Caps hit</h2>" +
         (d.run.cap_reason.empty() && d.run.guard_reason.empty()
              ? std::string("<p class=empty>No safety cap tripped.</p>")
              : "<p>" + esc(d.run.guard_reason.empty() ? d.run.cap_reason : d.run.guard_reason) + "</p>");
    h += "<h2>Configuration (secrets masked)</h2><table id=config><tbody>";
    for (const auto& [k, v] : d.config)
        h += "<tr><td><code>" + esc(k) + "</code></td><td>" + esc(v) + "</td></tr>";
    h += "</tbody></table>";
    return h;
}

} // namespace

std::string html_report(const ReportData& d) {
    const auto counts = counts_by_action(d);
    return head_and_alerts(d) + run_cards(d) + counts_section(d, counts) + changes_table(d, counts) +
           findings_and_config(d) + integrity_section(d) + "<script>" + std::string(kScript) +
           "</script></main></body></html>\n";
}

} // namespace oznsync
