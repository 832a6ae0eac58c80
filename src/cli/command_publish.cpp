// `oznsync publish`: the operator's availability to the shared store now (publish.url), as a run does
// after it changed something. For switching a fleet to PostgreSQL, and after the store was rebuilt.
#include "app/publish.hpp"
#include "app/queries.hpp"
#include "cli/commands.hpp"
#include "util/error.hpp"

#include <iostream>

namespace oznsync {

namespace {

class PublishCommand : public Command {
protected:
    void add_options(po::options_description& d) override {
        d.add_options()("force", po::bool_switch(&m_force),
                        "publish even when the shared store already holds the current snapshot");
    }

public:
    int run() override {
        Config cfg = load();
        if (cfg.publish.url.empty())
            throw ConfigError(
                "publish.url: missing (postgresql://user@host/dbname: the shared store to publish to)");
        const std::string path = existing_database(cfg);
        RunLock lock(path); // what is published is one snapshot, not one a run is changing
        Store store(path, Access::ReadWrite, cfg.operator_name);
        const PublishResult r =
            publish_snapshot(store, cfg, m_force ? PublishCheck::Force : PublishCheck::Store);
        std::cout << cfg.operator_name << ": " << publish_text(r) << "\n";
        return 0;
    }

private:
    bool m_force = false;
};

} // namespace

std::unique_ptr<Command> make_publish_command() {
    return std::make_unique<PublishCommand>();
}

} // namespace oznsync
