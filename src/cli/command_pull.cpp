#include "app/publish.hpp"
#include "app/pull.hpp"
#include "cli/commands.hpp"
#include "util/error.hpp"

#include <spdlog/spdlog.h>

#include <iostream>

namespace oznsync {

namespace {

class PullCommand : public Command {
protected:
    void add_options(po::options_description& d) override {
        d.add_options()("only-project", po::value(&m_only)->composing(),
                        "pull only this project (repeatable); must be one of ozmap.projects");
    }
    void validate(const po::variables_map&) override { require_project_ids(m_only); }

public:
    int run() override {
        Config cfg = load();
        PullResult r = pull_snapshot(cfg, PullOptions{m_only, show_progress()});
        spdlog::info(
            "snapshot {} complete in {:.1f} s: {} projects, {} boxes, {} drop splitters, {} ports, {} "
            "properties ({} with clients); {} requests, {} retries",
            r.snapshot_id, r.seconds, r.projects.size(), r.boxes, r.splitters, r.ports, r.properties,
            r.clients, r.requests, r.retries);
        if (r.skipped_rows)
            spdlog::warn("{} rows were unusable and skipped (see warnings above)", r.skipped_rows);
        std::cout << "snapshot " << r.snapshot_id << ": " << r.counts_json() << "\n";
        publish(cfg);
        return 0;
    }

private:
    /// A new snapshot changes what OZneutral may see: to the shared store (publish.url), as a run does. A
    /// failure is logged and counted in the metrics (the pull itself succeeded); the next run publishes.
    static void publish(const Config& cfg) {
        if (cfg.publish.url.empty()) return;
        try {
            RunLock lock(cfg.snapshot_path);
            Store store(cfg.snapshot_path, Access::ReadWrite, cfg.operator_name);
            const PublishResult r = publish_after_run(store, cfg, PublishCheck::Local);
            std::cout << "shared store: " << publish_text(r) << "\n";
        } catch (const LockBusy&) {
            spdlog::info("shared store: a run started meanwhile; it publishes the snapshot");
        }
    }
    std::vector<std::string> m_only;
};

} // namespace

std::unique_ptr<Command> make_pull_command() {
    return std::make_unique<PullCommand>();
}

} // namespace oznsync
