#include "util/log.hpp"

#include "util/json_writer.hpp"
#include "util/progress.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>

#include <algorithm>
#include <cstdio>
#include <mutex>
#include <unistd.h>

namespace oznsync {

namespace {
std::mutex g_secret_mutex;
std::vector<std::string> g_secrets;
std::mutex g_field_mutex;
LogFields g_fields;              // the process's
thread_local LogFields t_fields; // the thread's, innermost last

class MaskingSink : public spdlog::sinks::base_sink<std::mutex> {
public:
    explicit MaskingSink(LogFormat format) : m_format(format) {}

protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        std::string text = mask_secrets(std::string(msg.payload.data(), msg.payload.size()));
        std::string line;
        if (m_format == LogFormat::Json) {
            JsonWriter w(line);
            w.begin_object()
                .field("ts", iso8601(msg.time, true))
                .field("level", std::string(spdlog::level::to_string_view(msg.level).data()))
                .field("msg", text);
            {
                std::lock_guard lock(g_field_mutex);
                for (const auto& [k, v] : g_fields)
                    w.field(k, mask_secrets(v));
            }
            for (const auto& [k, v] : t_fields)
                if (!v.empty()) w.field(k, mask_secrets(v));
            w.end_object();
        } else {
            // Names from other systems reach log lines: no escape sequence reaches the terminal.
            line = iso8601(msg.time) + " " + std::string(spdlog::level::to_string_view(msg.level).data()) +
                   " " + terminal_safe(text, true);
        }
        line += '\n';
        // Above a progress bar: its line cleared first, drawn again below the log line.
        Progress::clear_shown();
        std::fwrite(line.data(), 1, line.size(), stderr);
        Progress::redraw_shown();
    }
    void flush_() override { std::fflush(stderr); }

private:
    LogFormat m_format;
};
} // namespace

void setup_logging(LogFormat format, spdlog::level::level_enum level) {
    auto logger = std::make_shared<spdlog::logger>("oznsync", std::make_shared<MaskingSink>(format));
    logger->set_level(level);
    spdlog::set_default_logger(logger);
}

void set_log_field(const std::string& key, const std::string& value) {
    std::lock_guard lock(g_field_mutex);
    for (auto& [k, v] : g_fields)
        if (k == key) {
            v = value;
            return;
        }
    g_fields.emplace_back(key, value);
}

ScopedLogFields::ScopedLogFields(LogFields fields) : m_size(t_fields.size()) {
    for (auto& f : fields)
        t_fields.push_back(std::move(f));
}

ScopedLogFields::~ScopedLogFields() {
    t_fields.resize(m_size);
}

void register_secret(const std::string& secret) {
    if (secret.size() < 4) return; // masking "a" everywhere would wreck every line
    std::lock_guard lock(g_secret_mutex);
    if (std::find(g_secrets.begin(), g_secrets.end(), secret) == g_secrets.end()) g_secrets.push_back(secret);
}

std::string mask_secrets(std::string text) {
    std::lock_guard lock(g_secret_mutex);
    for (const auto& s : g_secrets) {
        for (size_t pos = text.find(s); pos != std::string::npos; pos = text.find(s, pos + 3))
            text.replace(pos, s.size(), "***");
    }
    return text;
}

} // namespace oznsync
