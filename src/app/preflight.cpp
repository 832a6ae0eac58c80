#include "app/preflight.hpp"

#include "neutral/sale_source.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/ids.hpp"
#include "util/strings.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

namespace oznsync {

void require_writable_dir(const std::string& dir, const std::string& key, mode_t mode) {
    try {
        make_dirs(dir, mode);
    } catch (const std::exception& e) {
        throw ConfigError(key + ": cannot create " + dir + ": " + e.what());
    }
    // A folder others can write to is a folder where they can plant links and files among oznsync's.
    if (std::string why = shared_dir_problem(dir); !why.empty()) throw ConfigError(key + ": " + why);
    const std::string probe = dir + "/.oznsync-probe-" + random_hex(4);
    int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) throw ConfigError(key + ": " + dir + " is not writable: " + std::strerror(errno));
    bool wrote = ::write(fd, "x", 1) == 1;
    int write_errno = errno;
    ::close(fd);
    ::unlink(probe.c_str());
    if (!wrote) throw ConfigError(key + ": cannot write in " + dir + ": " + std::strerror(write_errno));
}

void require_operator_dir(const std::string& dir, const std::string& key, const std::string& operator_name,
                          bool claim) {
    const std::string marker = dir + "/" + kOperatorMarker;
    if (file_exists(marker)) {
        std::string owner;
        try {
            owner = trim(read_file(marker));
        } catch (const std::exception& e) {
            throw ConfigError(key + ": cannot read " + marker + ": " + e.what());
        }
        if (owner != operator_name)
            throw ConfigError(key + ": " + dir + " is the folder of operator '" + owner + "', not of '" +
                              operator_name + "' (operator.name): give each operator a folder of its own");
        return;
    }
    if (!claim) return;
    try {
        atomic_write(marker, operator_name + "\n", 0640);
    } catch (const std::exception& e) {
        throw ConfigError(key + ": cannot write " + marker + ": " + e.what());
    }
}

void require_run_outputs(const Config& cfg, bool partner_users) {
    require_writable_dir(cfg.reports_dir, "reports.dir");
    require_operator_dir(cfg.reports_dir, "reports.dir", cfg.operator_name);
    if (!cfg.metrics_file.empty()) require_safe_output(cfg.metrics_file, "reports.metrics_file");
    if (!partner_users) return;
    require_writable_dir(cfg.partners.handover_dir, "partners.handover_dir", 0700);
    require_operator_dir(cfg.partners.handover_dir, "partners.handover_dir", cfg.operator_name);
}

void require_safe_output(const std::string& file, const std::string& key) {
    struct stat st {};
    if (::stat(file.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
        throw ConfigError(key + ": " + file + " is not a regular file; oznsync writes only regular files");
    const std::string dir = std::filesystem::path(file).parent_path().string();
    if (std::string why = shared_dir_problem(dir.empty() ? "." : dir); !why.empty())
        throw ConfigError(key + ": " + why);
}

void require_usable_feed(const SaleFeed& feed, const SafetyConfig& safety) {
    if (feed.records <= 0 || feed.invalid.empty()) return;
    const double pct = 100.0 * static_cast<double>(feed.invalid.size()) / static_cast<double>(feed.records);
    const bool all = feed.sales.empty();
    if (!all && pct <= safety.max_invalid_pct) return;
    std::string msg = all ? "every record of the sale feed is invalid (" + std::to_string(feed.records) + ")"
                          : std::to_string(feed.invalid.size()) + " of " + std::to_string(feed.records) +
                                " sale records are invalid (" +
                                format_double(static_cast<double>(static_cast<long long>(pct * 10)) / 10) +
                                "%, more than safety.max_invalid_pct " +
                                format_double(safety.max_invalid_pct) + "%)";
    msg += "; first: " + (feed.invalid[0].id.empty() ? std::string() : feed.invalid[0].id + ": ") +
           feed.invalid[0].reason + "; nothing planned or changed";
    throw InputError(msg);
}

} // namespace oznsync
