#pragma once
// Reading the simulator's state the way the reconcile tests need it.
#include <map>
#include <string>
#include <vector>

namespace harness {

/// "code|splitter|port|implanted" for every client on a property, sorted.
std::vector<std::string> client_lines(const std::string& state_json);
/// How many clients carry each code.
std::map<std::string, int> code_counts(const std::string& state_json);
/// Number of entries in a JSON array text.
size_t array_size(const std::string& json);

} // namespace harness
