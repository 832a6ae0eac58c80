// The sale feed as CSV (RFC 4180): a header naming the columns (snake_case or the JSON names), a row per
// record.
#include "neutral/sale_csv.hpp"

#include "neutral/raw_sale.hpp"
#include "util/error.hpp"
#include "util/strings.hpp"

#include <algorithm>
#include <map>

namespace oznsync {

namespace {

/// Splits RFC 4180 text into rows of fields. Throws InputError on an unterminated quote.
std::vector<std::vector<std::string>> csv_rows(const std::string& text, const std::string& source) {
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> row;
    std::string field;
    bool quoted = false, any = false;
    size_t line = 1;
    // RFC 4180, strictly: a quote opens a field or closes it (then a comma or a line end follows); a
    // stray quote anywhere else makes the feed unreadable, never a field guessed at.
    auto stray = [&](const char* what) {
        throw InputError(source + ": CSV line " + std::to_string(line) + ": " + what +
                         " (RFC 4180: quote a field whole, double a quote inside it)");
    };
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (quoted) {
            if (c == '"') {
                if (i + 1 < text.size() && text[i + 1] == '"') {
                    field += '"';
                    ++i;
                } else {
                    quoted = false;
                    if (i + 1 < text.size() && text[i + 1] != ',' && text[i + 1] != '\r' &&
                        text[i + 1] != '\n')
                        stray("text after a field's closing quote");
                }
            } else {
                if (c == '\n') ++line;
                field += c;
            }
            continue;
        }
        if (c == '"') {
            if (!field.empty()) stray("a quote inside an unquoted field");
            quoted = true;
            any = true;
        } else if (c == ',') {
            row.push_back(std::move(field));
            field.clear();
            any = true;
        } else if (c == '\n' || c == '\r') {
            if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
            ++line;
            if (any || !field.empty()) {
                row.push_back(std::move(field));
                rows.push_back(std::move(row));
            }
            row.clear();
            field.clear();
            any = false;
        } else {
            field += c;
            any = true;
        }
    }
    if (quoted)
        throw InputError(source + ": CSV has an unterminated quoted field (line " + std::to_string(line) +
                         ")");
    if (any || !field.empty()) {
        row.push_back(std::move(field));
        rows.push_back(std::move(row));
    }
    return rows;
}

const std::map<std::string, std::string>& csv_columns() {
    static const std::map<std::string, std::string> m = {
        {"id", "id"},
        {"version", "version"},
        {"updated_at", "updatedAt"},
        {"state", "state"},
        {"substate", "substate"},
        {"code_order", "codeOrder"},
        {"client_name", "clientName"},
        {"address", "address"},
        {"property_lat", "propertyLat"},
        {"property_lng", "propertyLng"},
        {"partner_id", "partner.id"},
        {"partner_name", "partner.name"},
        {"partnership_id", "partner.partnershipId"},
        {"ozmap_project", "ozmap.project"},
        {"ozmap_box", "ozmap.box"},
        {"ozmap_splitter", "ozmap.splitter"},
        {"ozmap_port", "ozmap.port"},
        {"ozmap_client_id", "ozmap.clientId"},
        {"port_replace_reason", "portReplaceReason"},
        {"previous_box", "previousBox"},
        {"previous_splitter", "previousSplitter"},
        {"previous_port", "previousPort"},
    };
    return m;
}

} // namespace

void parse_sale_csv(const std::string& text, const std::string& source, SaleFeed& feed) {
    // Like JSON, a CSV feed must be UTF-8: bytes that are not would be sent to OZmap as names.
    if (size_t bad = 0; !valid_utf8(text, &bad))
        throw InputError(
            source + ": not valid UTF-8 (line " +
            std::to_string(1 + std::count(text.begin(), text.begin() + static_cast<long>(bad), '\n')) + ")");
    auto rows = csv_rows(text, source);
    if (rows.empty()) return;
    std::vector<std::string> header = rows[0];
    if (!header.empty() && header[0].rfind("\xEF\xBB\xBF", 0) == 0) header[0] = header[0].substr(3); // BOM
    std::vector<std::string> names;
    for (auto& h : header) {
        auto it = csv_columns().find(trim(h));
        if (it == csv_columns().end())
            throw InputError(source + ": unknown CSV column '" + clean_message(trim(h), 60) + "'");
        names.push_back(it->second);
    }
    for (const char* required : {"id", "version", "state", "substate", "code_order", "ozmap_project",
                                 "ozmap_box", "ozmap_splitter", "ozmap_port"}) {
        const std::string& canonical = csv_columns().at(required);
        if (std::find(names.begin(), names.end(), canonical) == names.end())
            throw InputError(source + ": CSV header lacks the column '" + required + "'");
    }
    RawSale r;
    for (size_t i = 1; i < rows.size(); ++i) {
        r.clear();
        if (rows[i].size() != names.size()) {
            r.errors.push_back("CSV row " + std::to_string(i + 1) + " has " + std::to_string(rows[i].size()) +
                               " fields, the header has " + std::to_string(names.size()));
        }
        for (size_t c = 0; c < std::min(rows[i].size(), names.size()); ++c)
            r.set(names[c]) = rows[i][c];
        add(feed, r, static_cast<long long>(i));
    }
}

} // namespace oznsync
