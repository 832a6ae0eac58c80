#pragma once
// A Change as JSON: the journal's payload, plan.json entries and changes.jsonl use this one encoding.
#include "core/change.hpp"
#include "util/json_writer.hpp"

#include <string>

namespace oznsync {

void write_change(JsonWriter& w, const Change& c);
std::string change_to_json(const Change& c);
/// Throws std::runtime_error when the JSON is not a change this version wrote.
Change change_from_json(const std::string& json);

} // namespace oznsync
