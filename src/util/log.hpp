#pragma once
#include <spdlog/spdlog.h>
#include <string>
#include <utility>
#include <vector>

namespace oznsync {

enum class LogFormat { Text, Json };

/// Logs go to stderr (stdout is for command output). `secrets` are replaced by *** in every line.
void setup_logging(LogFormat format, spdlog::level::level_enum level);
void register_secret(const std::string& secret);

/// Fields a JSON log line carries beside "msg" (text lines show only the message).
using LogFields = std::vector<std::pair<std::string, std::string>>;
/// Every line of this process from now on (e.g. run_id).
void set_log_field(const std::string& key, const std::string& value);
/// The lines this thread logs while the object lives carry these fields (e.g. the keys of what it works on).
class ScopedLogFields {
public:
    explicit ScopedLogFields(LogFields fields);
    ~ScopedLogFields();
    ScopedLogFields(const ScopedLogFields&) = delete;
    ScopedLogFields& operator=(const ScopedLogFields&) = delete;

private:
    size_t m_size;
};
std::string mask_secrets(std::string text);

} // namespace oznsync
