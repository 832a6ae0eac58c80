#pragma once
// Where OZneutral data comes from: `file:PATH`, or an HTTP(S) base URL serving
// /serviceInventory/service and /partnerships (offset/limit paging, X-Total-Count, Bearer token from
// config or from the client_credentials token endpoint).
#include "config/config.hpp"
#include "neutral/sale_parser.hpp"

#include <string>
#include <vector>

namespace oznsync {

/// Reads the sale feed: the whole of it, or (an HTTP source and `updated_since`, ISO-8601) the records
/// changed since then; a file is always read whole. Throws InputError (65) when unparseable,
/// UnavailableError (75) when the source cannot be reached, AuthError (77) when it refuses the
/// credentials, ConfigError when unset.
SaleFeed fetch_sales(const Config& config, const std::string& updated_since = "");

/// Whether the sale source answers `updatedSince` (an HTTP source) or is read whole (a file).
bool sales_from_file(const Config& config);

/// The operator's sellable projects as OZneutral lists them (ozneutral.projects: a JSON array of ids, or
/// of objects with `id`/`_id`). Throws InputError naming what is wrong.
std::vector<std::string> fetch_project_ids(const Config& config);

/// Raw JSON array text of all records under `path` of an HTTP source (joined pages), or a file's text.
std::string fetch_feed_text(const Config& config, const std::string& source, const std::string& path,
                            const std::string& key, const std::string& query = "");

} // namespace oznsync
