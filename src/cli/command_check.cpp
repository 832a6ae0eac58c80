#include "app/partners.hpp"
#include "app/preflight.hpp"
#include "app/pull.hpp"
#include "cli/commands.hpp"
#include "neutral/partnerships.hpp"
#include "neutral/sale_source.hpp"
#include "ozmap/ozmap_client.hpp"
#include "util/error.hpp"

#include <filesystem>
#include <functional>
#include <iostream>

namespace oznsync {

namespace {

class CheckCommand : public Command {
public:
    std::string name() const override { return "check"; }
    std::string synopsis() const override { return "[--config FILE]"; }

    int run() override {
        Config cfg = load();
        std::cout << "ok   config " << cfg.source << " (fingerprint " << cfg.fingerprint() << ")\n";
        int worst = kExitOk;
        auto fail = [&](const Error& e) {
            std::cout << "FAIL " << e.what() << "\n";
            if (worst == kExitOk) worst = e.exit_code();
        };
        try {
            OzmapClient client(cfg.ozmap);
            client.authenticate();
            auto projects = resolve_projects(cfg, client, {});
            std::cout << "ok   OZmap " << cfg.ozmap.url << ": authenticated, " << projects.size()
                      << " project(s) readable\n";
            for (const auto& p : projects)
                std::cout << "ok     project " << p.id << " " << p.name << "\n";
        } catch (const Error& e) {
            fail(e);
        }
        auto step = [&](const std::function<std::string()>& check) {
            try {
                std::cout << "ok   " << check() << "\n";
            } catch (const Error& e) {
                fail(e);
            }
        };
        step([&] {
            SaleFeed feed = fetch_sales(cfg);
            require_usable_feed(feed, cfg.safety);
            return "OZneutral sales " + cfg.ozneutral.sales + ": " + std::to_string(feed.records) +
                   " records (" + std::to_string(feed.invalid.size()) + " invalid)";
        });
        if (!cfg.ozneutral.partnerships.empty()) {
            step([&] {
                PartnershipFeed feed = fetch_partnerships(cfg);
                return "OZneutral partnerships " + cfg.ozneutral.partnerships + ": " +
                       std::to_string(feed.partnerships.size()) + " readable (" +
                       std::to_string(feed.invalid.size()) + " invalid)";
            });
            step([&] {
                OzmapClient client(cfg.ozmap);
                client.authenticate();
                return "partners.role " + cfg.partners.role + " exists in OZmap (id " +
                       resolve_role(client, cfg.partners.role) + ")";
            });
            step([&] {
                require_writable_dir(cfg.partners.handover_dir, "partners.handover_dir");
                return "partners.handover_dir " + cfg.partners.handover_dir + " is writable";
            });
        }
        step([&] {
            require_writable_dir(cfg.reports_dir, "reports.dir");
            return "reports.dir " + cfg.reports_dir + " is writable";
        });
        step([&] {
            const std::string dir = std::filesystem::path(cfg.snapshot_path).parent_path().string();
            require_writable_dir(dir.empty() ? "." : dir, "snapshot.path");
            return "snapshot.path " + cfg.snapshot_path + ": its folder is writable";
        });
        return worst;
    }
};

} // namespace

std::unique_ptr<Command> make_check_command() {
    return std::make_unique<CheckCommand>();
}

} // namespace oznsync
