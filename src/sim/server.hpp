#pragma once
// ozmap-sim's HTTP side: OZmap API v2 (ozmap-api.md), the OZneutral feeds (ozneutral-feed.md), fault
// injection and the /__sim/ admin endpoints.
#include "sim/network.hpp"

#include <memory>
#include <string>

namespace oznsync::sim {

struct Faults {
    int latency_ms = 0;
    double fail_rate = 0;
    int fail_status = 503;
    int retry_after = -1; // seconds; -1 = no Retry-After header
    double reset_rate = 0;
    double truncate_rate = 0;
    double rate_limit = 0;              // requests per second; 0 = none
    bool no_total = false;              // list envelopes without total: clients must follow nextUrl
    long long expire_tokens_after = -1; // after this many API requests every login token expires (once)
    std::string filters_from = "both";  // where list filters are read: query, body (the SDK's way) or both
    bool cursor_only = false;      // `page` is ignored (the live API as the SDK uses it): only nextUrl pages
    bool ignore_id_ranges = false; // `_id` <, >= conditions are silently dropped from list filters
    long long die_after_requests = -1; // the process exits abruptly after this many API requests
    long long hang_after_writes = -1;  // the write after this many is applied, then never answered
    double drop_after_write_rate = 0;  // share of writes applied, then answered by a dropped connection
    // A hostile server (issue 14):
    int trickle_bytes_per_s = 0; // answers' bodies sent this many bytes a second (0 = at once)
    int huge_body_mb = 0;        // list answers padded with this many MB of whitespace
    bool endless_next = false;   // lists never end: empty pages, each with a fresh nextUrl (no total)
    bool repeat_next = false;    // nextUrl always points back at the first page (no total)
    long long lying_total = -1;  // list envelopes claim this total
    long long error_message_bytes =
        0; // writes are refused (422) with a message this long, ANSI escapes in it
};

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
