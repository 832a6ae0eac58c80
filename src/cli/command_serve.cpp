#include "app/fleet.hpp"
#include "cli/commands.hpp"
#include "serve/server.hpp"
#include "util/error.hpp"

#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <pthread.h>
#include <set>

namespace oznsync {

namespace {

class ServeCommand : public Command {
protected:
    void add_options(po::options_description& d) override {
        d.add_options()("listen", po::value(&m_listen),
                        "HOST:PORT to serve on (port 0: any free port); default serve.listen")(
            "fleet", po::value(&m_fleet),
            "serve every operator of this folder of configs (NAME.ini); --config then names a file of "
            "[serve] settings only")(
            "store", po::value(&m_store),
            "serve every operator published to this shared store (PostgreSQL); --config then "
            "names a file of [serve] settings only, the password in serve.store_password(_file)");
    }

    /// The operators of the fleet folder: a config that cannot be read is logged and left out, the others
    /// are served.
    std::vector<Config> fleet_operators() const {
        std::vector<Config> out;
        std::set<std::string> names;
        for (const auto& path : fleet_configs(m_fleet)) {
            try {
                Config c = load_config(path);
                if (!names.insert(c.operator_name).second)
                    throw ConfigError("operator.name: " + c.operator_name + " is also another config's");
                out.push_back(std::move(c));
            } catch (const std::exception& e) {
                spdlog::error("{}: left out of the fleet: {}", path, e.what());
            }
        }
        if (out.empty())
            throw ConfigError("--fleet: " + m_fleet + " holds no usable operator config (NAME.ini)");
        return out;
    }

public:
    int run() override {
        std::vector<Config> operators;
        Config cfg;
        if (!m_fleet.empty() && !m_store.empty())
            throw UsageError(
                "serve: --fleet (operators' own databases) or --store (the shared store), not both");
        if (!m_fleet.empty() || !m_store.empty()) {
            const char* flag = m_fleet.empty() ? "--store" : "--fleet";
            std::string path = m_global.config_path;
            if (path.empty())
                if (const char* env = std::getenv("OZNSYNC_CONFIG")) path = env;
            if (path.empty())
                throw UsageError(std::string("serve ") + flag +
                                 ": name the server's settings with --config SERVE.ini ([serve] keys only)");
            cfg = load_serve_config(path);
            if (!m_store.empty())
                cfg.serve.store = checked_postgres_url("--store", m_store, "serve.store_password");
            else
                operators = fleet_operators();
        } else {
            cfg = load();
            operators.push_back(cfg);
        }
        // SIGTERM and SIGINT end the server: blocked in every thread, awaited here.
        sigset_t stop;
        sigemptyset(&stop);
        sigaddset(&stop, SIGTERM);
        sigaddset(&stop, SIGINT);
        pthread_sigmask(SIG_BLOCK, &stop, nullptr);
        serve::ApiServer server(cfg, operators, !m_fleet.empty() || !cfg.serve.store.empty(), m_listen);
        server.start();
        std::cout << "listening " << server.url() << std::endl;
        for (const auto& op : operators)
            spdlog::info("serving operator {} ({}) read-only at {}", op.operator_name, op.snapshot_path,
                         server.url());
        if (!cfg.serve.store.empty())
            spdlog::info("serving every operator of the shared store {} at {}", cfg.serve.store,
                         server.url());
        int sig = 0;
        sigwait(&stop, &sig);
        spdlog::info("stopping (signal {})", sig);
        server.stop();
        return 0;
    }

private:
    std::string m_listen, m_fleet, m_store;
};

} // namespace

std::unique_ptr<Command> make_serve_command() {
    return std::make_unique<ServeCommand>();
}

} // namespace oznsync
