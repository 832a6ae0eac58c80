#include "util/strings.hpp"

#include "util/log.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

namespace oznsync {

std::string_view trim_view(std::string_view s) {
    size_t b = 0, e = s.size();
    while (b < e && std::isspace(static_cast<unsigned char>(s[b])))
        ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1])))
        --e;
    return s.substr(b, e - b);
}

std::string trim(std::string_view s) {
    return std::string(trim_view(s));
}

std::vector<std::string> split(std::string_view s, char sep) {
    std::vector<std::string> out;
    size_t start = 0;
    for (;;) {
        size_t pos = s.find(sep, start);
        out.emplace_back(
            s.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start));
        if (pos == std::string_view::npos) break;
        start = pos + 1;
    }
    return out;
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
    std::string out;
    for (size_t i = 0; i < parts.size(); ++i) {
        if (i) out += sep;
        out += parts[i];
    }
    return out;
}

std::string to_lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string url_encode(std::string_view s) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    out.reserve(s.size() * 3);
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

std::string url_decode(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size()) {
            auto hexval = [](char c) -> int {
                if (c >= '0' && c <= '9') return c - '0';
                if (c >= 'a' && c <= 'f') return c - 'a' + 10;
                if (c >= 'A' && c <= 'F') return c - 'A' + 10;
                return -1;
            };
            int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);
            if (hi >= 0 && lo >= 0) {
                out += static_cast<char>(hi * 16 + lo);
                i += 2;
                continue;
            }
        }
        out += s[i] == '+' ? ' ' : s[i];
    }
    return out;
}

void write_hex(const unsigned char* data, size_t n, char* out) {
    static const char* hex = "0123456789abcdef";
    for (size_t i = 0; i < n; ++i) {
        out[2 * i] = hex[data[i] >> 4];
        out[2 * i + 1] = hex[data[i] & 15];
    }
}

std::string to_hex(const unsigned char* data, size_t n) {
    std::string out(n * 2, '0');
    write_hex(data, n, out.data());
    return out;
}

bool parse_int(std::string_view s, long long& out) {
    if (s.empty()) return false;
    auto res = std::from_chars(s.data(), s.data() + s.size(), out);
    return res.ec == std::errc() && res.ptr == s.data() + s.size();
}

bool parse_double(std::string_view s, double& out) {
    if (s.empty()) return false;
    auto res = std::from_chars(s.data(), s.data() + s.size(), out);
    return res.ec == std::errc() && res.ptr == s.data() + s.size() && std::isfinite(out);
}

std::string format_double(double v) {
    char buf[32];
    auto res = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, res.ptr);
}

namespace {
/// Length of the valid UTF-8 sequence at `s[i]`, 0 when it is not one.
size_t utf8_length(std::string_view s, size_t i) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (n == 0 || i + n > s.size()) return 0;
    for (size_t k = 1; k < n; ++k)
        if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return 0;
    return n;
}
} // namespace

bool valid_utf8(std::string_view text, size_t* bad_at) {
    for (size_t i = 0; i < text.size();) {
        size_t n = utf8_length(text, i);
        if (n == 0) {
            if (bad_at) *bad_at = i;
            return false;
        }
        i += n;
    }
    return true;
}

std::string clean_message(std::string_view raw, size_t max_bytes) {
    // A server may quote what it was sent (an Authorization header in a 422): every secret is masked
    // before the text is cut, so not even part of one is kept.
    const std::string masked = mask_secrets(std::string(raw));
    const std::string_view text = masked;
    std::string out;
    size_t i = 0;
    while (i < text.size() && out.size() < max_bytes) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == 0x1b) { // ESC: skip the whole escape sequence
            ++i;
            if (i < text.size() && text[i] == '[') {
                ++i;
                while (i < text.size() && (text[i] < 0x40 || text[i] > 0x7e))
                    ++i;
                ++i;
            } else if (i < text.size() && text[i] == ']') {
                while (i < text.size() && text[i] != '\a' && text[i] != 0x1b)
                    ++i;
                ++i;
            } else {
                ++i;
            }
            continue;
        }
        if (c <= 0x20 || c == 0x7f) { // white space and control characters fold into one space
            if (!out.empty() && out.back() != ' ') out += ' ';
            ++i;
            continue;
        }
        size_t n = utf8_length(text, i);
        if (n == 0) {
            out += "\xEF\xBF\xBD"; // U+FFFD
            ++i;
            continue;
        }
        if (out.size() + n > max_bytes) break;
        out.append(text.substr(i, n));
        i += n;
    }
    while (!out.empty() && out.back() == ' ')
        out.pop_back();
    if (i < text.size()) out += " [" + std::to_string(text.size() - i) + " more bytes cut]";
    return out;
}

std::string terminal_safe(std::string_view text, bool keep_newlines) {
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == 0xc2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
            static_cast<unsigned char>(text[i + 1]) <= 0x9f) { // C1 (U+0080..U+009F), e.g. CSI U+009B
            out += '?';
            ++i;
        } else if ((c < 0x20 && c != '\t' && !(keep_newlines && c == '\n')) || c == 0x7f) {
            out += '?';
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

void append_csv_field(std::string& out, std::string_view field) {
    const bool formula =
        !field.empty() && std::string_view("=+-@\t\r").find(field.front()) != std::string_view::npos;
    // One pass (string_view::find_first_of searches the set once for every character of the field).
    const bool quote = std::any_of(field.begin(), field.end(),
                                   [](char c) { return c == ',' || c == '"' || c == '\r' || c == '\n'; });
    if (quote) out += '"';
    if (formula) out += '\'';
    for (size_t from = 0; from < field.size();) { // runs between quotes copied whole; a quote doubled
        const size_t q = field.find('"', from);
        const size_t end = q == std::string_view::npos ? field.size() : q + 1;
        out.append(field.data() + from, end - from);
        if (q != std::string_view::npos) out += '"';
        from = end;
    }
    if (quote) out += '"';
}

namespace {
/// Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours.
size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
    for (size_t i = 0; i <= a.size(); ++i)
        d[i][0] = i;
    for (size_t j = 0; j <= b.size(); ++j)
        d[0][j] = j;
    for (size_t i = 1; i <= a.size(); ++i)
        for (size_t j = 1; j <= b.size(); ++j) {
            d[i][j] = std::min(
                {d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
        }
    return d[a.size()][b.size()];
}
} // namespace

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
    const size_t limit = std::clamp<size_t>(word.size() / 3, 1, 3);
    const std::string* best = nullptr;
    size_t best_distance = limit + 1;
    for (const auto& c : candidates) {
        const size_t d = edit_distance(word, c);
        if (d < best_distance) {
            best_distance = d;
            best = &c;
        }
    }
    return best ? " (did you mean '" + *best + "'?)" : "";
}

std::string html_escape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        switch (c) {
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '&':
            out += "&amp;";
            break;
        case '"':
            out += "&quot;";
            break;
        case '\'':
            out += "&#39;";
            break;
        default:
            out += c;
        }
    }
    return out;
}

} // namespace oznsync
