#include "serve/request.hpp"

#include "config/config.hpp"
#include "util/strings.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

namespace oznsync::serve {

namespace {

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/// Percent-decodes a query component ('+' is a space); `what` names it in the error.
std::string decode(std::string_view s, const std::string& what) {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c == '+') {
            out += ' ';
        } else if (c == '%') {
            if (i + 2 >= s.size()) throw BadRequest(what + ": a '%' without two hex digits");
            const int hi = hex_digit(s[i + 1]), lo = hex_digit(s[i + 2]);
            if (hi < 0 || lo < 0) throw BadRequest(what + ": a '%' without two hex digits");
            out += static_cast<char>(hi * 16 + lo);
            i += 2;
        } else {
            out += c;
        }
    }
    for (unsigned char c : out)
        if (c < 0x20 || c == 0x7f) throw BadRequest(what + ": a control character");
    return out;
}

double number(const Target& t, const char* name, double lo, double hi, const double* fallback) {
    const std::string* v = t.find(name);
    if (!v) {
        if (fallback) return *fallback;
        throw BadRequest(std::string(name) + ": required");
    }
    double d;
    if (!parse_double(*v, d) || !std::isfinite(d))
        throw BadRequest(std::string(name) + ": '" + clean_message(*v, 40) + "' is not a number");
    if (d < lo || d > hi)
        throw BadRequest(std::string(name) + ": must be from " + format_double(lo) + " to " +
                         format_double(hi));
    return d;
}

int integer(const Target& t, const char* name, long long lo, long long hi, long long fallback) {
    const std::string* v = t.find(name);
    if (!v) return static_cast<int>(fallback);
    long long n;
    if (!parse_int(*v, n))
        throw BadRequest(std::string(name) + ": '" + clean_message(*v, 40) + "' is not a whole number");
    if (n < lo || n > hi)
        throw BadRequest(std::string(name) + ": must be from " + std::to_string(lo) + " to " +
                         std::to_string(hi));
    return static_cast<int>(n);
}

} // namespace

const std::string* Target::find(std::string_view name) const {
    for (const auto& [k, v] : params)
        if (k == name) return &v;
    return nullptr;
}

Target parse_target(std::string_view target) {
    if (target.size() > kMaxTargetBytes)
        throw BadRequest("target: longer than " + std::to_string(kMaxTargetBytes) + " bytes");
    if (target.empty() || target.front() != '/') throw BadRequest("target: must start with '/'");
    Target t;
    const size_t q = target.find('?');
    if (target.substr(0, q).find('+') != std::string_view::npos) throw BadRequest("path: '+' is not allowed");
    t.path = decode(target.substr(0, q), "path");
    if (q == std::string_view::npos) return t;
    std::string_view query = target.substr(q + 1);
    while (!query.empty()) {
        const size_t amp = query.find('&');
        std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        if (pair.empty()) continue;
        const size_t eq = pair.find('=');
        std::string name = decode(pair.substr(0, eq), "parameter name");
        if (name.empty()) throw BadRequest("parameter name: empty");
        std::string value = eq == std::string_view::npos ? "" : decode(pair.substr(eq + 1), name);
        if (t.find(name)) throw BadRequest(clean_message(name, 40) + ": given twice");
        t.params.emplace_back(std::move(name), std::move(value));
    }
    return t;
}

void only(const Target& t, std::initializer_list<std::string_view> known) {
    for (const auto& [k, v] : t.params) {
        bool ok = false;
        for (auto n : known)
            ok = ok || k == n;
        if (!ok) throw BadRequest(clean_message(k, 40) + ": unknown parameter");
    }
}

FeasibilityQuery feasibility_query(const Target& t) {
    only(t, {"lat", "lng", "radius", "limit", "operator"});
    FeasibilityQuery q;
    q.lat = number(t, "lat", -90, 90, nullptr);
    q.lng = number(t, "lng", -180, 180, nullptr);
    const double radius = 150;
    q.radius_m = number(t, "radius", 0, 100000, &radius);
    q.limit = integer(t, "limit", 0, 1000, 0);
    if (const std::string* name = t.find("operator")) q.operator_name = operator_segment(*name);
    return q;
}

std::string operator_segment(std::string_view segment, const char* what) {
    if (!valid_operator_name(segment))
        throw BadRequest(std::string(what) + ": an operator's name is letters, digits, '-' and '_'");
    return std::string(segment);
}

std::string availability_format(const Target& t, std::string_view accept) {
    only(t, {"format"});
    if (const std::string* f = t.find("format")) {
        if (*f == "json" || *f == "csv" || *f == "geojson") return *f;
        throw BadRequest("format: must be json, csv or geojson");
    }
    if (accept.empty() || accept.find("application/json") != std::string_view::npos ||
        accept.find("*/*") != std::string_view::npos)
        return "json";
    if (accept.find("application/geo+json") != std::string_view::npos) return "geojson";
    if (accept.find("text/csv") != std::string_view::npos) return "csv";
    throw BadRequest("format: the Accept header asks for none of json, csv, geojson (or give format=)");
}

int runs_limit(const Target& t) {
    only(t, {"limit"});
    return integer(t, "limit", 1, 1000, 50);
}

std::string run_id_segment(std::string_view s) {
    bool ok = !s.empty() && s.size() <= 64;
    for (char c : s)
        ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-');
    if (!ok) throw BadRequest("run id: letters, digits, '.', '_' or '-' (1 to 64)");
    return std::string(s);
}

} // namespace oznsync::serve
