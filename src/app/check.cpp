#include "app/check.hpp"

#include "store/shared_store.hpp"

#include "app/partners.hpp"
#include "app/preflight.hpp"
#include "app/pull.hpp"
#include "neutral/partnerships.hpp"
#include "neutral/sale_source.hpp"
#include "ozmap/ozmap_client.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/strings.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <sys/stat.h>
#include <unistd.h>

namespace oznsync {

namespace {

/// What a run would find at `dir`, without creating anything: a folder it can write (or, when it does not
/// exist yet, the nearest existing parent it could create it in). ConfigError naming `key` otherwise.
std::string folder_would_work(const std::string& dir, const std::string& key) {
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::path at = fs::absolute(dir.empty() ? "." : dir, ec);
    if (fs::exists(at, ec)) {
        if (!fs::is_directory(at, ec)) throw ConfigError(key + ": " + dir + " is not a folder");
        if (std::string why = shared_dir_problem(at.string()); !why.empty())
            throw ConfigError(key + ": " + why);
        if (::access(at.c_str(), W_OK | X_OK) != 0)
            throw ConfigError(key + ": " + dir + " is not writable: " + std::strerror(errno));
        return dir + " is writable";
    }
    fs::path parent = at.parent_path();
    while (!parent.empty() && !fs::exists(parent, ec) && parent != parent.root_path())
        parent = parent.parent_path();
    if (::access(parent.c_str(), W_OK | X_OK) != 0)
        throw ConfigError(key + ": " + dir + " does not exist and cannot be created in " + parent.string() +
                          ": " + std::strerror(errno));
    return dir + " does not exist yet; the first run creates it (in " + parent.string() + ", writable)";
}

/// The shared store as a publish would find it, without creating anything (the first publish does).
std::string shared_store_check(const Config& cfg) {
    SharedStore store({cfg.publish.url, cfg.publish.password, "publish.password", cfg.publish.timeout_s});
    std::string out = "publish.url " + store.describe() + ": connected";
    const std::string postgis = store.postgis_version();
    out += postgis.empty() ? "; PostGIS not in the database yet (the first publish creates it: that needs a "
                             "superuser, or run CREATE EXTENSION postgis once)"
                           : "; PostGIS " + postgis;
    if (store.schema_version() == 0) return out + "; schema oznsync not created yet (the first publish does)";
    const auto head = store.head(cfg.operator_name);
    return out +
           (head ? "; " + cfg.operator_name + "'s snapshot " + std::to_string(head->snapshot_id) +
                       " published at " + head->published_at + " (" + std::to_string(head->boxes) + " boxes)"
                 : "; nothing of " + cfg.operator_name + " published yet");
}

/// serve.tokens_file as serve reads it: a regular file of tokens (one per line, at least 16 characters,
/// '#' comments), not readable by others.
std::string tokens_file_problem(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return path + " cannot be read: " + std::strerror(errno);
    if (!S_ISREG(st.st_mode)) return path + " is not a regular file";
    if (st.st_mode & S_IROTH) return path + " is readable by others (chmod 0640 or 0600)";
    std::ifstream in(path);
    if (!in) return path + " cannot be read";
    std::string line;
    int tokens = 0, n = 0;
    while (std::getline(in, line)) {
        ++n;
        const std::string t = trim(line.substr(0, line.find('#')));
        if (t.empty()) continue;
        const std::string token = t.substr(0, t.find_first_of(" \t"));
        if (token.size() < 16)
            return path + " line " + std::to_string(n) + ": a token shorter than 16 characters";
        ++tokens;
    }
    return tokens == 0 ? path + " holds no token" : "";
}

} // namespace

std::vector<CheckLine> check_setup(const Config& cfg) {
    std::vector<CheckLine> out;
    auto step = [&](const std::function<std::string()>& check) {
        try {
            out.push_back({true, check(), 0});
        } catch (const Error& e) {
            out.push_back({false, e.what(), e.exit_code()});
        }
    };
    // One log-in serves every OZmap check; a refused one is tried again (and reported) by the next check.
    std::unique_ptr<OzmapClient> logged_in;
    auto ozmap = [&]() -> OzmapClient& {
        if (!logged_in) {
            auto client = std::make_unique<OzmapClient>(cfg.ozmap);
            client->authenticate();
            logged_in = std::move(client);
        }
        return *logged_in;
    };
    std::vector<Project> projects;
    step([&] {
        projects = resolve_projects(cfg, ozmap(), {});
        return "OZmap " + cfg.ozmap.url + ": authenticated, " + std::to_string(projects.size()) +
               " project(s) readable";
    });
    for (const auto& p : projects)
        out.push_back({true, "  project " + p.id + " " + p.name, 0});
    step([&] {
        SaleFeed feed = fetch_sales(cfg);
        require_usable_feed(feed, cfg.safety);
        return "OZneutral sales " + cfg.ozneutral.sales + ": " + std::to_string(feed.records) + " records (" +
               std::to_string(feed.invalid.size()) + " invalid)";
    });
    if (!cfg.ozneutral.partnerships.empty()) {
        step([&] {
            PartnershipFeed feed = fetch_partnerships(cfg);
            return "OZneutral partnerships " + cfg.ozneutral.partnerships + ": " +
                   std::to_string(feed.partnerships.size()) + " readable (" +
                   std::to_string(feed.invalid.size()) + " invalid)";
        });
        step([&] {
            return "partners.role " + cfg.partners.role + " exists in OZmap (id " +
                   resolve_role(ozmap(), cfg.partners.role) + ")";
        });
        step([&] {
            return "partners.handover_dir " +
                   folder_would_work(cfg.partners.handover_dir, "partners.handover_dir");
        });
    }
    // Nothing is created here: check looks, the first run makes what is missing.
    step([&] { return "reports.dir " + folder_would_work(cfg.reports_dir, "reports.dir"); });
    if (!cfg.metrics_file.empty())
        step([&] {
            require_safe_output(cfg.metrics_file, "reports.metrics_file");
            const std::string dir = std::filesystem::path(cfg.metrics_file).parent_path().string();
            const std::string folder = folder_would_work(dir.empty() ? "." : dir, "reports.metrics_file");
            return "reports.metrics_file " + cfg.metrics_file + ": its folder " + folder;
        });
    step([&] {
        const std::string dir = std::filesystem::path(cfg.snapshot_path).parent_path().string();
        return "snapshot.path " + cfg.snapshot_path + ": its folder " +
               folder_would_work(dir.empty() ? "." : dir, "snapshot.path");
    });
    if (!cfg.publish.url.empty()) step([&] { return shared_store_check(cfg); });
    if (!cfg.serve.tokens_file.empty())
        step([&] {
            if (std::string why = tokens_file_problem(cfg.serve.tokens_file); !why.empty())
                throw ConfigError("serve.tokens_file: " + why);
            return "serve.tokens_file " + cfg.serve.tokens_file +
                   ": readable, tokens of 16 characters or more";
        });
    return out;
}

} // namespace oznsync
