#include "core/output_format.hpp"

#include "core/enum_names.hpp"
#include "util/error.hpp"

#include <string>

namespace oznsync {

namespace {
constexpr Named<OutputFormat> kFormats[] = {
    {OutputFormat::Text, "text"}, {OutputFormat::Table, "table"},     {OutputFormat::Json, "json"},
    {OutputFormat::Csv, "csv"},   {OutputFormat::Geojson, "geojson"}, {OutputFormat::Html, "html"}};
} // namespace

const char* format_name(OutputFormat f) {
    return name_of(kFormats, f);
}

std::optional<OutputFormat> format_of(std::string_view name) {
    return value_of(kFormats, name);
}

OutputFormat format_option(std::string_view name, std::initializer_list<OutputFormat> allowed) {
    std::string list;
    size_t i = 0;
    for (OutputFormat f : allowed) {
        if (name == format_name(f)) return f;
        list += (i == 0 ? "" : i + 1 == allowed.size() ? " or " : ", ") + std::string(format_name(f));
        ++i;
    }
    throw UsageError("--format must be " + list);
}

} // namespace oznsync
