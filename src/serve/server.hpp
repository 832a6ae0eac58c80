#pragma once
// `oznsync serve`: a small read-only HTTP API over the current snapshot, for OZneutral (feasibility,
// availability) and monitoring (runs, health, Prometheus metrics). It exposes no client data: only what
// `availability` already exports, run summaries and counts.
#include "config/config.hpp"

#include <memory>
#include <string>
#include <vector>

namespace oznsync::serve {

class ApiServer {
public:
    /// Reads the tokens and binds `listen` (HOST:PORT, port 0: any free port; empty: serve.listen).
    /// Throws ConfigError naming the key when the tokens file, TLS files or address are unusable.
    ApiServer(const Config& config, const std::string& listen);
    /// Several operators in one server (`serve --fleet`): `config` holds the server's own settings
    /// (serve.*), `operators` each operator's config (its database is read, never written).
    ApiServer(const Config& config, const std::vector<Config>& operators, bool fleet,
              const std::string& listen);
    ~ApiServer();
    /// "http://HOST:PORT" (https with TLS), with the port actually bound.
    std::string url() const;
    void start();
    void stop();

    struct State;

private:
    std::unique_ptr<State> m_state;
};

} // namespace oznsync::serve
