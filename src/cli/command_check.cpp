#include "app/pull.hpp"
#include "cli/commands.hpp"
#include "ozmap/ozmap_client.hpp"
#include "util/error.hpp"

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
        for (const auto& hook : extra_checks()) {
            try {
                std::cout << "ok   " << hook(cfg) << "\n";
            } catch (const Error& e) {
                fail(e);
            }
        }
        return worst;
    }

    /// Further upstreams (the OZneutral feeds) register their reachability checks here.
    static std::vector<std::function<std::string(const Config&)>>& extra_checks() {
        static std::vector<std::function<std::string(const Config&)>> checks;
        return checks;
    }
};

} // namespace

std::unique_ptr<Command> make_check_command() {
    return std::make_unique<CheckCommand>();
}

} // namespace oznsync
