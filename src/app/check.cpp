#include "app/check.hpp"

#include "app/partners.hpp"
#include "app/preflight.hpp"
#include "app/pull.hpp"
#include "neutral/partnerships.hpp"
#include "neutral/sale_source.hpp"
#include "ozmap/ozmap_client.hpp"
#include "util/error.hpp"

#include <filesystem>
#include <functional>
#include <memory>

namespace oznsync {

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
            require_writable_dir(cfg.partners.handover_dir, "partners.handover_dir", 0700);
            return "partners.handover_dir " + cfg.partners.handover_dir + " is writable";
        });
    }
    step([&] {
        require_writable_dir(cfg.reports_dir, "reports.dir");
        return "reports.dir " + cfg.reports_dir + " is writable";
    });
    if (!cfg.metrics_file.empty())
        step([&] {
            require_safe_output(cfg.metrics_file, "reports.metrics_file");
            return "reports.metrics_file " + cfg.metrics_file + " can be written safely";
        });
    step([&] {
        const std::string dir = std::filesystem::path(cfg.snapshot_path).parent_path().string();
        require_writable_dir(dir.empty() ? "." : dir, "snapshot.path");
        return "snapshot.path " + cfg.snapshot_path + ": its folder is writable";
    });
    return out;
}

} // namespace oznsync
