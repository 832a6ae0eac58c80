#pragma once
// OZmap list semantics in the simulator: filters ({property, operator, value}, inner arrays = OR),
// sorting, and the field values each collection exposes to them.
#include "sim/network.hpp"

#include <Poco/Dynamic/Var.h>

#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

namespace oznsync::sim {

struct Condition {
    std::string property, op;
    Poco::Dynamic::Var value;
    std::vector<std::string> values; // in / notin: the list, read once (sorted)
};
/// AND of groups; each group is an OR of conditions (a plain condition is a group of one).
using Filter = std::vector<std::vector<Condition>>;

struct BadQuery : std::runtime_error {
    using std::runtime_error::runtime_error;
};

Filter parse_filter(const std::string& json);

struct SortKey {
    std::string property;
    int direction = 1;
};
std::vector<SortKey> parse_sort(const std::string& json);

/// A field as a filter sees it: absent, null, bool, number, string, or a list of strings.
using FieldValue =
    std::variant<std::monostate, std::nullptr_t, bool, double, std::string, std::vector<std::string>>;

FieldValue field(const Network& n, const SimProject& e, const std::string& path);
FieldValue field(const Network& n, const SimBox& e, const std::string& path);
FieldValue field(const Network& n, const SimSplitter& e, const std::string& path);
FieldValue field(const Network& n, const SimProperty& e, const std::string& path);
FieldValue field(const Network& n, const SimClient& e, const std::string& path);
FieldValue field(const Network& n, const SimUser& e, const std::string& path);
FieldValue field(const Network& n, const SimRole& e, const std::string& path);

bool matches(const FieldValue& v, const Condition& c);

template <typename Entity> bool matches(const Network& n, const Entity& e, const Filter& f) {
    for (const auto& group : f) {
        bool any = false;
        for (const auto& c : group)
            if (matches(field(n, e, c.property), c)) {
                any = true;
                break;
            }
        if (!any) return false;
    }
    return true;
}

/// Orders two field values for sort (absent/null first).
int compare(const FieldValue& a, const FieldValue& b);

} // namespace oznsync::sim
