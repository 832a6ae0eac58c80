#pragma once
// The sale feed as CSV.
#include "neutral/sale_parser.hpp"

#include <string>

namespace oznsync {

/// Adds the records of a CSV feed (`text`; `source` names it in errors) to `feed`. Text that is not UTF-8,
/// an unterminated quote, an unknown column or a header without a required one is an InputError (exit 65).
void parse_sale_csv(const std::string& text, const std::string& source, SaleFeed& feed);

} // namespace oznsync
