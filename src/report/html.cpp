#include "report/report.hpp"

namespace oznsync {

std::string html_report(const ReportData& d) {
    // Replaced by the full auditor report; for now the text report, escaped.
    std::string t = text_report(d), out = "<!doctype html><meta charset=utf-8><pre>";
    for (char c : t) {
        if (c == '<') out += "&lt;";
        else if (c == '&') out += "&amp;";
        else out += c;
    }
    return out + "</pre>\n";
}

} // namespace oznsync
