#pragma once
// `oznsync fleet status`: every operator of a fleet folder (one NAME.ini per operator) at a glance. Each
// operator is read on its own, read-only: a broken config, a missing, locked or corrupt database is that
// operator's line, never a reason to stop reading the others.
#include "report/views.hpp"

#include <optional>
#include <string>
#include <vector>

namespace oznsync {

/// The operator configs of a fleet folder: its *.ini files, sorted; UsageError when `dir` is no folder.
std::vector<std::string> fleet_configs(const std::string& dir);

/// The configs (*.ini) of `dir`, by name, each read and judged.
std::vector<OperatorHealth> fleet_status(const std::string& dir);

} // namespace oznsync
