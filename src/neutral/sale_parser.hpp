#pragma once
// OZneutral sale records in: JSON (an array, or {"items": [...]}) or CSV (RFC 4180), told apart by
// content. Every record is validated; a bad record becomes an InvalidRecord naming the problem and the
// rest proceed. A feed that cannot be read at all throws InputError (exit 65).
#include "core/model.hpp"

#include <string>
#include <vector>

namespace oznsync {

struct SaleFeed {
    std::vector<Sale> sales;
    std::vector<InvalidRecord> invalid;
    long long records = 0;   // every record read, valid or not
    long long position = 0;  // elements read, sales or not (TMF services not sold yet count): "record N"
    std::string fingerprint; // sha256 of the feed as read
};

/// Parses a whole feed; `source` names it in errors. `text` gets padding (simdjson) but is unchanged.
SaleFeed parse_sale_feed(std::string& text, const std::string& source);
/// Parses one JSON array of records (a page of the HTTP source) into `feed`.
void parse_sale_page(std::string& text, const std::string& source, SaleFeed& feed);

} // namespace oznsync
