// reports/index.html: every run, newest first, and the changes per action over the last 60 runs.
#include "report/report.hpp"

#include "util/strings.hpp"

#include <algorithm>
#include <cstdio>

namespace oznsync {

namespace {

std::string esc(const std::string& s) {
    return html_escape(s);
}

constexpr size_t kChartRuns = 60;
// The actions the chart stacks, bottom up, and their colours.
const std::pair<const char*, const char*> kStacked[] = {
    {"create", "#3fb950"}, {"move", "#2f81f7"},     {"promote", "#8957e5"}, {"demote", "#d29922"},
    {"remove", "#b42318"}, {"conflict", "#e16f24"}, {"invalid", "#8c959f"}, {"drift", "#9a6700"},
};

std::string chart(const std::vector<IndexRun>& runs) {
    const size_t n = std::min(runs.size(), kChartRuns);
    long long top = 1;
    for (size_t i = 0; i < n; ++i) {
        long long sum = 0;
        for (const auto& [a, colour] : kStacked) {
            auto it = runs[i].counts.find(a);
            if (it != runs[i].counts.end()) sum += it->second;
        }
        top = std::max(top, sum);
    }
    const int width = 900, height = 200, left = 40, bar_space = (width - left) / static_cast<int>(kChartRuns);
    std::string s = "<svg class=chart id=chart-runs role=img aria-label=\"Changes per action over the last " +
                    std::to_string(n) + " runs\" viewBox=\"0 0 " + std::to_string(width) + " " +
                    std::to_string(height + 20) + "\">";
    s += "<text x=0 y=12>" + std::to_string(top) + "</text><text x=0 y=" + std::to_string(height) +
         ">0</text>";
    for (size_t k = 0; k < n; ++k) {
        const IndexRun& r = runs[n - 1 - k]; // oldest on the left
        double y = height;
        const int x = left + static_cast<int>(k) * bar_space;
        for (const auto& [a, colour] : kStacked) {
            auto it = r.counts.find(a);
            if (it == r.counts.end() || it->second == 0) continue;
            const double h = static_cast<double>(it->second) / static_cast<double>(top) * (height - 10);
            y -= h;
            char rect[256];
            std::snprintf(
                rect, sizeof rect,
                "<rect x=%d y=%.1f width=%d height=%.1f fill=\"%s\"><title>%s: %lld %s</title></rect>", x, y,
                std::max(2, bar_space - 3), h, colour, esc(r.id).c_str(), it->second, a);
            s += rect;
        }
    }
    s += "</svg><div class=legend>";
    for (const auto& [a, colour] : kStacked)
        s += std::string("<span><i style=\"background:") + colour + "\"></i>" + a + "</span>";
    return s + "</div>";
}

} // namespace

std::string index_html(const std::vector<IndexRun>& runs) {
    std::string h =
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
        "content=\"width=device-width,initial-scale=1\"><title>oznsync runs</title><style>"
        "body{font:14px/1.45 system-ui,Arial,sans-serif;color:#1d2733;margin:0}main{max-width:1280px;"
        "margin:0 auto;padding:24px}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px "
        "solid #d9dee4;padding:4px 8px;text-align:left}td.n{text-align:right}.bad{color:#b42318}"
        ".ok{color:#1f7a3f}.warn{color:#9a6700}svg.chart{max-width:100%;height:auto}svg text{font:12px "
        "system-ui,Arial}.legend span{margin-right:12px}.legend i{display:inline-block;width:10px;"
        "height:10px;margin-right:4px}code{font-size:12px}"
        "</style></head><body><main>\n<h1>oznsync runs</h1>\n<p>Every run whose report folder is here, "
        "newest first. <code>oznsync report verify</code> checks that none was altered.</p>\n";
    h += "<h2>Changes per action, last " + std::to_string(std::min(runs.size(), kChartRuns)) + " runs</h2>" +
         chart(runs);
    h += "<h2>Runs (" + std::to_string(runs.size()) +
         ")</h2><table id=runs><thead><tr><th>run</th><th>started</th>"
         "<th>mode</th><th class=n>exit</th><th>changes</th></tr></thead><tbody>\n";
    for (const auto& r : runs) {
        std::string counts;
        for (const auto& [a, n] : r.counts)
            if (n) counts += (counts.empty() ? "" : " ") + a + "=" + std::to_string(n);
        const char* cls = r.exit_code == 0 || r.exit_code == 2 ? "ok" : r.exit_code == 3 ? "warn" : "bad";
        h += "<tr><td><a href=\"" + esc(r.id) + "/report.html\"><code>" + esc(r.id) + "</code></a></td><td>" +
             esc(r.started_at) + "</td><td>" + esc(r.mode) + (r.dry_run ? " (dry run)" : "") +
             "</td><td class=\"n " + cls + "\">" + std::to_string(r.exit_code) + "</td><td>" +
             esc(counts.empty() ? "in sync" : counts) + "</td></tr>\n";
    }
    return h + "</tbody></table></main></body></html>\n";
}

} // namespace oznsync
