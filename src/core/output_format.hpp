#pragma once
// The formats oznsync writes its answers in (--format, the read API's format= and Accept): one enum, its
// names in one table; a string names a format only at the edges, where it is read or written.
#include <initializer_list>
#include <optional>
#include <string_view>

namespace oznsync {

enum class OutputFormat { Text, Table, Json, Csv, Geojson, Html };

const char* format_name(OutputFormat f);
std::optional<OutputFormat> format_of(std::string_view name);
/// `name` when it is one of `allowed`, else a UsageError: "--format must be text, json or html".
OutputFormat format_option(std::string_view name, std::initializer_list<OutputFormat> allowed);

} // namespace oznsync
