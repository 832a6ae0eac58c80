#include "util/json_writer.hpp"

#include "util/strings.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>

namespace oznsync {

namespace {
/// The bytes JSON does not allow unescaped in a string: controls, the quote and the backslash.
struct EscapeTable {
    bool needed[256] = {};
    constexpr EscapeTable() {
        for (int c = 0; c < 256; ++c)
            needed[c] = c < 0x20 || c == '"' || c == '\\';
    }
};
constexpr EscapeTable kEscape;

/// Where the first byte of `s` JSON must escape is, or s.size(): eight bytes at a time while none is (a
/// report writes hundreds of megabytes of ids, codes and names, nearly none with such a byte).
size_t first_to_escape(std::string_view s) {
    constexpr uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
    // A byte's high bit in the result when it is below `n` (n <= 0x80) or zero: borrows may mark more,
    // never fewer, so a word marked is looked at byte by byte.
    const auto below = [](uint64_t w, uint64_t n) { return (w - kOnes * n) & ~w & kHigh; };
    size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
        uint64_t w;
        std::memcpy(&w, s.data() + i, 8);
        if (below(w, 0x20) | below(w ^ (kOnes * '"'), 1) | below(w ^ (kOnes * '\\'), 1)) break;
    }
    while (i < s.size() && !kEscape.needed[static_cast<unsigned char>(s[i])])
        ++i;
    return i;
}
} // namespace

void append_json_string(std::string& out, std::string_view s) {
    size_t i = first_to_escape(s);
    const size_t at = out.size();
    if (i == s.size()) { // nothing to escape (nearly every string): quotes and bytes in one go
        out.resize(at + s.size() + 2);
        char* p = out.data() + at;
        p[0] = '"';
        std::memcpy(p + 1, s.data(), s.size());
        p[s.size() + 1] = '"';
        return;
    }
    out.reserve(at + s.size() + 8);
    out += '"';
    out.append(s.data(), i);
    size_t plain = i; // start of the run of characters that need no escape
    for (; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (!kEscape.needed[c]) continue;
        out.append(s.data() + plain, i - plain);
        plain = i + 1;
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default: {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out += buf;
        }
        }
    }
    out.append(s.data() + plain, s.size() - plain);
    out += '"';
}

void JsonWriter::before_value() {
    if (m_after_key) {
        m_after_key = false;
        return;
    }
    if (!m_first.empty()) {
        if (!m_first.back()) m_out += ',';
        m_first.back() = 0;
    }
}

JsonWriter& JsonWriter::begin_object() {
    before_value();
    m_out += '{';
    m_first.push_back(1);
    return *this;
}
JsonWriter& JsonWriter::end_object() {
    m_out += '}';
    m_first.pop_back();
    return *this;
}
JsonWriter& JsonWriter::begin_array() {
    before_value();
    m_out += '[';
    m_first.push_back(1);
    return *this;
}
JsonWriter& JsonWriter::end_array() {
    m_out += ']';
    m_first.pop_back();
    return *this;
}
JsonWriter& JsonWriter::key(std::string_view k) {
    before_value();
    append_json_string(m_out, k);
    m_out += ':';
    m_after_key = true;
    return *this;
}
JsonWriter& JsonWriter::value(std::string_view s) {
    before_value();
    append_json_string(m_out, s);
    return *this;
}
JsonWriter& JsonWriter::value(bool b) {
    before_value();
    m_out += b ? "true" : "false";
    return *this;
}
JsonWriter& JsonWriter::value(int64_t n) {
    before_value();
    char digits[24];
    m_out.append(digits, std::to_chars(digits, digits + sizeof digits, n).ptr);
    return *this;
}
JsonWriter& JsonWriter::value(double d) {
    before_value();
    if (!std::isfinite(d)) {
        m_out += "null";
        return *this;
    }
    char digits[32]; // format_double's digits, without a string made for them (most coordinates need 18)
    m_out.append(digits, std::to_chars(digits, digits + sizeof digits, d).ptr);
    return *this;
}
JsonWriter& JsonWriter::value(const std::optional<std::string>& s) {
    return s ? value(*s) : null();
}
JsonWriter& JsonWriter::null() {
    before_value();
    m_out += "null";
    return *this;
}
JsonWriter& JsonWriter::raw(std::string_view json) {
    before_value();
    m_out += json;
    return *this;
}

} // namespace oznsync
