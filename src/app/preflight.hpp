#pragma once
// Checks made before the first write of a run (and by `check`): what would otherwise be found missing
// after OZmap was already changed.
#include "config/config.hpp"

#include <string>
#include <sys/types.h>

namespace oznsync {

struct SaleFeed;

/// Creates `dir` if needed and proves a file can be written there; throws ConfigError naming `key`.
void require_writable_dir(const std::string& dir, const std::string& key, mode_t mode = 0750);
/// The file in reports.dir and partners.handover_dir that names the operator they belong to.
inline constexpr const char* kOperatorMarker = ".oznsync-operator";
/// The folder belongs to `operator_name`: a folder marked for another operator is refused (ConfigError
/// naming `key` and both operators); with `claim`, an unmarked folder gets the marker.
void require_operator_dir(const std::string& dir, const std::string& key, const std::string& operator_name,
                          bool claim = true);
/// A file oznsync rewrites (reports.metrics_file): what stands there must be a regular file (or nothing),
/// in a folder no other user can write to; else ConfigError naming `key`.
void require_safe_output(const std::string& file, const std::string& key);

/// The folders and files a run writes to: reports.dir (and the metrics file), and partners.handover_dir
/// when the run makes partner users; each created if needed, proven writable, and the operator's.
void require_run_outputs(const Config& cfg, bool partner_users);

/// A feed where every record, or more than safety.max_invalid_pct of them, is invalid is not planned
/// from: throws InputError (exit 65) saying how many and why.
void require_usable_feed(const SaleFeed& feed, const SafetyConfig& safety);

} // namespace oznsync
