#pragma once
// Two views of the same inventory as sorted text lines, so a test can compare them and print the first
// difference: what the snapshot in SQLite holds, and what the simulator's /__sim/state says.
#include <string>
#include <vector>

namespace harness {

/// Lines for the current snapshot of the database at `db_path`.
std::vector<std::string> snapshot_lines(const std::string& db_path);
/// Lines for a /__sim/state dump, drop splitters only (what a pull must bring).
std::vector<std::string> sim_state_lines(const std::string& state_json);
/// Empty when equal; else the first differing line of each side.
std::string first_difference(const std::vector<std::string>& a, const std::vector<std::string>& b);

} // namespace harness
