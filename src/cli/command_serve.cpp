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
public:
    std::string name() const override { return "serve"; }
    std::string synopsis() const override { return "[--listen HOST:PORT] [--fleet DIR]"; }

protected:
    void add_options(po::options_description& d) override {
        d.add_options()("listen", po::value(&m_listen),
                        "HOST:PORT to serve on (port 0: any free port); default serve.listen")(
            "fleet", po::value(&m_fleet),
            "serve every operator of this folder of configs (NAME.ini); --config then names a file of "
            "[serve] settings only");
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
        if (!m_fleet.empty()) {
            std::string path = m_global.config_path;
            if (path.empty())
                if (const char* env = std::getenv("OZNSYNC_CONFIG")) path = env;
            if (path.empty())
                throw UsageError("serve --fleet: name the server's settings with --config SERVE.ini ([serve] "
                                 "keys only)");
            cfg = load_serve_config(path);
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
        serve::ApiServer server(cfg, operators, !m_fleet.empty(), m_listen);
        server.start();
        std::cout << "listening " << server.url() << std::endl;
        for (const auto& op : operators)
            spdlog::info("serving operator {} ({}) read-only at {}", op.operator_name, op.snapshot_path,
                         server.url());
        int sig = 0;
        sigwait(&stop, &sig);
        spdlog::info("stopping (signal {})", sig);
        server.stop();
        return 0;
    }

private:
    std::string m_listen, m_fleet;
};

} // namespace

std::unique_ptr<Command> make_serve_command() {
    return std::make_unique<ServeCommand>();
}

} // namespace oznsync
