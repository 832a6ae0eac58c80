#pragma once
// The config's keys (one table: what the INI parser accepts, what OZNSYNC_* variables map to, which are
// secrets) and the reader of their values, which validates each as it is read. For config/ only.
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/strings.hpp"

#include <map>
#include <string>

#include <sys/stat.h>

namespace oznsync::config_keys {

struct KeyInfo {
    const char* name;
    bool secret;
};

// One table of every key: what the INI parser accepts and what env vars map to.
inline constexpr KeyInfo kKeys[] = {
    {"ozmap.url", false},
    {"ozmap.api_key", true},
    {"ozmap.api_key_file", false},
    {"ozmap.username", false},
    {"ozmap.password", true},
    {"ozmap.password_file", false},
    {"ozmap.projects", false},
    {"ozmap.page_size", false},
    {"ozmap.concurrency", false},
    {"ozmap.max_rps", false},
    {"ozmap.timeout_s", false},
    {"ozmap.retries", false},
    {"ozmap.retry_base_ms", false},
    {"ozmap.retry_max_ms", false},
    {"ozmap.ca_file", false},
    {"ozmap.insecure", false},
    {"ozmap.gzip", false},
    {"ozmap.max_bad_rows", false},
    {"ozmap.max_body_mb", false},
    {"ozmap.max_pages", false},
    {"ozmap.run_timeout_s", false},
    {"ozmap.filter_in", false},
    {"ozmap.skew_s", false},
    {"ozmap.web_url", false},
    {"ozneutral.sales", false},
    {"ozneutral.partnerships", false},
    {"ozneutral.projects", false},
    {"ozneutral.client_id", false},
    {"ozneutral.client_secret", true},
    {"ozneutral.client_secret_file", false},
    {"ozneutral.token", true},
    {"ozneutral.token_file", false},
    {"ozneutral.page_size", false},
    {"ozneutral.skew_s", false},
    {"ozneutral.ca_file", false},
    {"ozneutral.insecure", false},
    {"ozneutral.timeout_s", false},
    {"ozneutral.retries", false},
    {"ozneutral.retry_base_ms", false},
    {"ozneutral.retry_max_ms", false},
    {"ozneutral.max_body_mb", false},
    {"operator.name", false},
    {"snapshot.path", false},
    {"reports.dir", false},
    {"reports.keep_days", false},
    {"journal.keep_days", false},
    {"fleet.max_snapshot_age_h", false},
    {"runs.keep_days", false},
    {"reports.metrics_file", false},
    {"safety.max_removals", false},
    {"safety.max_removals_pct", false},
    {"safety.max_feed_shrink_pct", false},
    {"safety.min_removals_for_pct", false},
    {"safety.max_invalid_pct", false},
    {"reconcile.drift", false},
    {"removal.keep_property", false},
    {"partners.role", false},
    {"partners.resources", false},
    {"partners.handover_dir", false},
    {"partners.email_fallback", false},
    {"serve.listen", false},
    {"serve.tokens_file", false},
    {"serve.open_metrics", false},
    {"serve.tls_cert", false},
    {"serve.tls_key", false},
    {"serve.rate_limit", false},
    {"serve.threads", false},
    {"serve.workers", false},
    {"serve.max_connections_per_client", false},
    {"serve.header_timeout_s", false},
    {"serve.idle_timeout_s", false},
    {"serve.store_password", true},
    {"serve.store_password_file", false},
    {"publish.url", false},
    {"publish.password", true},
    {"publish.password_file", false},
    {"publish.timeout_s", false},
};

class Reader {
public:
    explicit Reader(std::map<std::string, std::string> values) : m_values(std::move(values)) {}

    std::string str(const std::string& key, const std::string& def = "") const {
        auto it = m_values.find(key);
        return it == m_values.end() ? def : trim(it->second);
    }
    bool has(const std::string& key) const { return m_values.count(key) && !trim(m_values.at(key)).empty(); }
    /// Given, with nothing but blanks as its value (`key =`, `OZNSYNC_SNAPSHOT_PATH=`).
    bool given_empty(const std::string& key) const { return m_values.count(key) && !has(key); }

    int integer(const std::string& key, int def, long long lo, long long hi) const {
        if (!has(key)) return def;
        long long v;
        std::string s = str(key);
        if (!parse_int(s, v) || v < lo || v > hi)
            throw ConfigError(key + ": expected a whole number from " + std::to_string(lo) + " to " +
                              std::to_string(hi) + ", got '" + s + "'");
        return static_cast<int>(v);
    }
    double number(const std::string& key, double def, double lo, double hi) const {
        if (!has(key)) return def;
        double v;
        std::string s = str(key);
        if (!parse_double(s, v) || v < lo || v > hi)
            throw ConfigError(key + ": expected a number from " + format_double(lo) + " to " +
                              format_double(hi) + ", got '" + s + "'");
        return v;
    }
    bool boolean(const std::string& key, bool def) const {
        if (!has(key)) return def;
        std::string s = to_lower(str(key));
        if (s == "true" || s == "yes" || s == "1" || s == "on") return true;
        if (s == "false" || s == "no" || s == "0" || s == "off") return false;
        throw ConfigError(key + ": expected true or false, got '" + str(key) + "'");
    }
    /// A secret given inline, or in a file named by <key>_file (first line, trimmed).
    std::string secret(const std::string& key) const {
        if (has(key)) return str(key);
        std::string file_key = key + "_file";
        if (!has(file_key)) return "";
        std::string path = str(file_key);
        struct stat st {};
        if (::stat(path.c_str(), &st) != 0) throw ConfigError(file_key + ": cannot read " + path);
        if (!S_ISREG(st.st_mode)) throw ConfigError(file_key + ": " + path + " is not a regular file");
        if (st.st_size > 65536) throw ConfigError(file_key + ": " + path + " is larger than 64 KiB");
        std::string content;
        try {
            content = read_file(path);
        } catch (const std::exception& e) {
            throw ConfigError(file_key + ": " + e.what());
        }
        std::string first = trim(content.substr(0, content.find('\n')));
        if (first.empty()) throw ConfigError(file_key + ": " + path + " is empty");
        return first;
    }

private:
    std::map<std::string, std::string> m_values;
};

} // namespace oznsync::config_keys
