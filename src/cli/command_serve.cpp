#include "cli/commands.hpp"
#include "serve/server.hpp"

#include <spdlog/spdlog.h>

#include <csignal>
#include <iostream>
#include <pthread.h>

namespace oznsync {

namespace {

class ServeCommand : public Command {
public:
    std::string name() const override { return "serve"; }
    std::string synopsis() const override { return "[--listen HOST:PORT]"; }

protected:
    void add_options(po::options_description& d) override {
        d.add_options()("listen", po::value(&m_listen),
                        "HOST:PORT to serve on (port 0: any free port); default serve.listen");
    }

public:
    int run() override {
        Config cfg = load();
        // SIGTERM and SIGINT end the server: blocked in every thread, awaited here.
        sigset_t stop;
        sigemptyset(&stop);
        sigaddset(&stop, SIGTERM);
        sigaddset(&stop, SIGINT);
        pthread_sigmask(SIG_BLOCK, &stop, nullptr);
        serve::ApiServer server(cfg, m_listen);
        server.start();
        std::cout << "listening " << server.url() << std::endl;
        spdlog::info("serving {} read-only at {}", cfg.snapshot_path, server.url());
        int sig = 0;
        sigwait(&stop, &sig);
        spdlog::info("stopping (signal {})", sig);
        server.stop();
        return 0;
    }

private:
    std::string m_listen;
};

} // namespace

std::unique_ptr<Command> make_serve_command() {
    return std::make_unique<ServeCommand>();
}

} // namespace oznsync
