#include "serve/request.hpp"

#include "config/config.hpp"
#include "util/strings.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdlib>

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

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

bool same_text(std::string_view a, std::string_view b) { // ASCII, any case
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

/// Each element of a comma-separated header with its q-value (1 when absent; -1 when it cannot be read).
template <typename Each> void each_weighted(std::string_view header, Each each) {
    while (!header.empty()) {
        const size_t comma = header.find(',');
        std::string_view item = header.substr(0, comma);
        header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
        const size_t semi = item.find(';');
        const std::string_view value = trim(item.substr(0, semi));
        double q = 1;
        for (std::string_view rest = semi == std::string_view::npos ? std::string_view()
                                                                    : item.substr(semi + 1);
             !rest.empty();) {
            const size_t next = rest.find(';');
            const std::string_view param = trim(rest.substr(0, next));
            rest = next == std::string_view::npos ? std::string_view() : rest.substr(next + 1);
            if (param.size() >= 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=') {
                const std::string number(trim(param.substr(2)));
                char* end = nullptr;
                q = std::strtod(number.c_str(), &end);
                if (number.empty() || *end != '\0' || !(q >= 0 && q <= 1)) q = -1;
            }
        }
        if (!value.empty()) each(value, q);
    }
}

} // namespace

OutputFormat availability_format(const Target& t, std::string_view accept) {
    only(t, {"format"});
    if (const std::string* f = t.find("format")) {
        if (const auto format = format_of(*f);
            format == OutputFormat::Json || format == OutputFormat::Csv || format == OutputFormat::Geojson)
            return *format;
        throw BadRequest("format: must be json, csv or geojson");
    }
    if (trim(accept).empty()) return OutputFormat::Json;
    // The q-value each format gets: from its exact type over a wildcard that covers it.
    struct Choice {
        OutputFormat format;
        const char* type;
        const char* family;
        double q = -1;
        int precision = -1; // 2 exact type, 1 type/*, 0 */*
    };
    std::array<Choice, 3> choices{{{OutputFormat::Json, "application/json", "application/*"},
                                   {OutputFormat::Geojson, "application/geo+json", "application/*"},
                                   {OutputFormat::Csv, "text/csv", "text/*"}}};
    each_weighted(accept, [&](std::string_view type, double q) {
        if (q < 0) return; // an unreadable q-value: that element is ignored
        for (Choice& c : choices) {
            const int precision = same_text(type, c.type)     ? 2
                                  : same_text(type, c.family) ? 1
                                  : type == "*/*"             ? 0
                                                              : -1;
            if (precision > c.precision) {
                c.precision = precision;
                c.q = q;
            }
        }
    });
    const Choice* best = nullptr;
    for (const Choice& c : choices) // the first of equals wins: json, then geojson, then csv
        if (c.q > 0 && (!best || c.q > best->q)) best = &c;
    if (!best)
        throw NotAcceptable("Accept: none of application/json, application/geo+json, text/csv is accepted "
                            "(or give format=json|csv|geojson)");
    return best->format;
}

bool accepts_gzip(std::string_view accept_encoding) {
    double gzip = -1, any = -1;
    each_weighted(accept_encoding, [&](std::string_view coding, double q) {
        if (same_text(coding, "gzip") || same_text(coding, "x-gzip")) gzip = q;
        if (coding == "*") any = q;
    });
    return gzip > 0 || (gzip < 0 && any > 0);
}

bool none_match(std::string_view if_none_match, std::string_view etag) {
    bool found = false;
    while (!if_none_match.empty() && !found) {
        const size_t comma = if_none_match.find(',');
        std::string_view tag = trim(if_none_match.substr(0, comma));
        if_none_match =
            comma == std::string_view::npos ? std::string_view() : if_none_match.substr(comma + 1);
        if (tag == "*") return true;
        if (tag.size() > 2 && (tag[0] == 'W' || tag[0] == 'w') && tag[1] == '/') tag.remove_prefix(2);
        found = tag == etag;
    }
    return found;
}

std::string_view bearer_token(std::string_view authorization) {
    authorization = trim(authorization);
    const size_t space = authorization.find_first_of(" \t");
    if (space == std::string_view::npos || !same_text(authorization.substr(0, space), "Bearer")) return {};
    return trim(authorization.substr(space));
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
