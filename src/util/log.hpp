#pragma once
#include <spdlog/spdlog.h>
#include <string>
#include <vector>

namespace oznsync {

enum class LogFormat { Text, Json };

/// Logs go to stderr (stdout is for command output). `secrets` are replaced by *** in every line.
void setup_logging(LogFormat format, spdlog::level::level_enum level);
void register_secret(const std::string& secret);
std::string mask_secrets(std::string text);

} // namespace oznsync
