#pragma once
// A Change as JSON (plan.json entries and changes.jsonl), and as the journal keeps it: its key fields in
// the row's columns, the rest once in the row's payload (never both).
#include "core/change.hpp"
#include "util/json_writer.hpp"

#include <string>

namespace oznsync {

void write_change(JsonWriter& w, const Change& c);
std::string change_to_json(const Change& c);
/// The journal row's columns of a change (action, sale, code, partner, project, target port, before, after,
/// reason) are set from the change itself; the payload holds what has no column.
std::string journal_payload(const Change& c);
/// A change from its journal row: the columns, then the payload's fields (a row of an older version, whose
/// payload repeats the columns, reads the same). Throws std::runtime_error on an unreadable payload.
Change change_from_row(Change columns, const std::string& payload);

} // namespace oznsync
