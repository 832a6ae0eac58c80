#pragma once
// Reading the simulator's state (and a run's summary) the way the reconcile tests need it.
#include <Poco/JSON/Object.h>

#include <map>
#include <string>
#include <vector>

namespace harness {

/// "code|splitter|port|implanted" for every client on a property, sorted.
std::vector<std::string> client_lines(const std::string& state_json);
/// How many clients carry each code.
std::map<std::string, int> code_counts(const std::string& state_json);
/// The writes a run's summary.json counts (create, move, promote, demote, remove).
long long writes_planned(const Poco::JSON::Object::Ptr& summary);
/// Number of entries in a JSON array text.
size_t array_size(const std::string& json);

} // namespace harness
