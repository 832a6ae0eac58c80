#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace oznsync {

std::string trim(std::string_view s);
/// The same, as a view into `s` (nothing copied).
std::string_view trim_view(std::string_view s);
std::vector<std::string> split(std::string_view s, char sep);
std::string join(const std::vector<std::string>& parts, std::string_view sep);
std::string to_lower(std::string_view s);
std::string url_encode(std::string_view s);
std::string url_decode(std::string_view s);
std::string to_hex(const unsigned char* data, size_t n);
/// The same into `out` (2n characters), without allocating.
void write_hex(const unsigned char* data, size_t n, char* out);
/// Parses a whole string as a number; false on any trailing garbage or overflow.
bool parse_int(std::string_view s, long long& out);
bool parse_double(std::string_view s, double& out);
/// Shortest text that parses back to the same double (for stable reports and JSON).
std::string format_double(double v);
/// A message from a server, safe for a log line, a report cell or a terminal: ANSI escape sequences and
/// control characters removed (white space folded), invalid UTF-8 replaced, at most `max_bytes` kept.
/// Appends a text field to a CSV line (RFC 4180: quoted when it holds a comma, a quote or a line break).
/// A field a spreadsheet would take as a formula (starting with = + - @, a tab or a carriage return) is
/// neutralised with a leading ' (OWASP's CSV-injection advice); numbers go in without this function.
void append_csv_field(std::string& out, std::string_view field);

/// " (did you mean 'x'?)" for the candidate closest to a mistyped word (edit distance at most a third of
/// its length, and at least 1, at most 3), or "" when none is close.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

/// Text for HTML: < > & " ' as entities.
std::string html_escape(std::string_view s);

/// Server text made safe to store and print: secrets masked, escape sequences and control characters
/// dropped, valid UTF-8, at most `max_bytes`.
std::string clean_message(std::string_view text, size_t max_bytes = 500);
/// Text from outside (a name another system gave) made safe for a terminal: control characters (C0 but tab,
/// DEL, C1) become '?', so no escape sequence reaches it; `keep_newlines` for multi-line log messages.
std::string terminal_safe(std::string_view text, bool keep_newlines = false);
/// Whether `text` is valid UTF-8; when not, `bad_at` gets the offset of the first bad byte.
bool valid_utf8(std::string_view text, size_t* bad_at = nullptr);

} // namespace oznsync
