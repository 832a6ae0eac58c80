#pragma once
// ozmap-sim's HTTP side: OZmap API v2 (ozmap-api.md), the OZneutral feeds (ozneutral-feed.md), fault
// injection and the /__sim/ admin endpoints.
#include "sim/faults.hpp"
#include "sim/network.hpp"

#include <memory>
#include <string>

namespace oznsync::sim {

struct SimOptions {
    std::string tls_cert, tls_key; // both set: serve HTTPS
    std::string api_key;
    std::string login_user, login_password;
    bool gzip = true;
    int threads = 16;
    uint64_t fault_seed = 42;
    Faults faults;
    std::string sales_json;        // OZneutral sale records (array or {"items":[]})
    std::string partnerships_json; // OZneutral partnerships (array)
    std::string
        neutral_projects_json; // the operator's sellable projects in OZneutral (array of ids), GET /projects
    std::string neutral_client_id, neutral_client_secret, neutral_token;
};

class SimServer {
public:
    SimServer(Network network, SimOptions options);
    ~SimServer();
    /// Binds and starts serving; returns the bound port.
    int start(const std::string& host, int port);
    void stop();

    struct State;

private:
    std::unique_ptr<State> m_state;
};

} // namespace oznsync::sim
