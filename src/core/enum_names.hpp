#pragma once
// Enums that travel as text (journal, reports, config): one table of names per enum, read both ways.
#include <cstddef>
#include <optional>
#include <string_view>

namespace oznsync {

template <typename Enum> struct Named {
    Enum value;
    const char* name;
};

template <typename Enum, size_t N> const char* name_of(const Named<Enum> (&table)[N], Enum v) {
    for (const auto& n : table)
        if (n.value == v) return n.name;
    return "?";
}

template <typename Enum, size_t N>
std::optional<Enum> value_of(const Named<Enum> (&table)[N], std::string_view name) {
    for (const auto& n : table)
        if (name == n.name) return n.value;
    return std::nullopt;
}

} // namespace oznsync
