// ozmap-sim: a loopback OZmap (API v2 subset) and OZneutral source, for tests, the demo and rehearsals.
#include "sim/fixture.hpp"
#include "sim/generate.hpp"
#include "sim/server.hpp"
#include "util/fs.hpp"
#include "util/strings.hpp"

#include <boost/program_options.hpp>

#include <Poco/Net/NetSSL.h>
#include <csignal>
#include <cstdio>

#include <iostream>

namespace po = boost::program_options;
using namespace oznsync;
using namespace oznsync::sim;

int main(int argc, char** argv) {
    std::string listen = "127.0.0.1:0", fixture, sales_file, partnerships_file, neutral_projects_file, login,
                dump_to;
    SimOptions opt;
    GenerateOptions gen;
    Faults& f = opt.faults;
    bool no_gzip = false;
    po::options_description d("ozmap-sim options");
    d.add_options()("help,h", "show this help")("tls-cert", po::value(&opt.tls_cert),
                                                "serve HTTPS with this certificate (PEM; with --tls-key)")(
        "tls-key", po::value(&opt.tls_key), "the certificate's private key (PEM)")(
        "listen", po::value(&listen)->default_value(listen),
        "HOST:PORT to serve on (port 0 = any free port)")("api-key", po::value(&opt.api_key),
                                                          "the API key clients must send as Authorization")(
        "login", po::value(&login), "USER:PASSWORD accepted by POST /api/v2/users/login")(
        "fixture", po::value(&fixture), "load the network from this JSON file (the /__sim/state format)")(
        "dump", po::value(&dump_to), "write the loaded or generated network to this file and exit")(
        "projects", po::value(&gen.projects)->default_value(gen.projects), "generate: projects")(
        "boxes", po::value(&gen.boxes)->default_value(gen.boxes), "generate: boxes in total")(
        "splitters-per-box", po::value(&gen.splitters_per_box)->default_value(gen.splitters_per_box),
        "generate: drop splitters per box")("ports", po::value(&gen.ports)->default_value(gen.ports),
                                            "generate: ports per drop splitter")(
        "occupancy", po::value(&gen.occupancy)->default_value(gen.occupancy),
        "generate: share of ports with a client")(
        "implanted-share", po::value(&gen.implanted_share)->default_value(gen.implanted_share),
        "generate: share of clients implanted")("draft-share",
                                                po::value(&gen.draft_share)->default_value(gen.draft_share),
                                                "generate: share of draft boxes")(
        "blocked-share", po::value(&gen.blocked_share)->default_value(gen.blocked_share),
        "generate: share of free ports blocked")("seed", po::value(&gen.seed)->default_value(gen.seed),
                                                 "generate: seed (same seed, same network)")(
        "sales", po::value(&sales_file), "OZneutral sale records to serve (JSON array or {\"items\":[]})")(
        "partnerships", po::value(&partnerships_file), "OZneutral partnerships to serve (JSON array)")(
        "neutral-projects", po::value(&neutral_projects_file),
        "the operator's sellable projects OZneutral serves at /projects (JSON array of ids)")(
        "neutral-client-id", po::value(&opt.neutral_client_id), "OZneutral client_credentials id")(
        "neutral-client-secret", po::value(&opt.neutral_client_secret),
        "OZneutral client_credentials secret")("neutral-token", po::value(&opt.neutral_token),
                                               "a static OZneutral bearer token")(
        "latency-ms", po::value(&f.latency_ms)->default_value(0),
        "fault: added latency per request")("fail-rate", po::value(&f.fail_rate)->default_value(0),
                                            "fault: share of requests answered with --fail-status")(
        "fail-status", po::value(&f.fail_status)->default_value(503),
        "fault: 429, 500, 502 or 503")("retry-after", po::value(&f.retry_after)->default_value(-1),
                                       "fault: Retry-After seconds on failures (-1 = none)")(
        "reset-rate", po::value(&f.reset_rate)->default_value(0), "fault: share of connections reset")(
        "truncate-rate", po::value(&f.truncate_rate)->default_value(0),
        "fault: share of GET bodies cut in half")("rate-limit", po::value(&f.rate_limit)->default_value(0),
                                                  "fault: requests per second before 429")(
        "no-total", po::bool_switch(&f.no_total), "fault: list pages without total (clients follow nextUrl)")(
        "expire-tokens-after", po::value(&f.expire_tokens_after)->default_value(-1),
        "fault: after N API requests every login token expires, once (clients must log in again)")(
        "filters-from", po::value(&f.filters_from)->default_value("both"),
        "read list filters from the query, the GET body (the SDK's way) or both")(
        "cursor-only", po::bool_switch(&f.cursor_only),
        "ignore `page` in lists, as the live API does for the official SDK: only nextUrl's cursor pages")(
        "ignore-id-ranges", po::bool_switch(&f.ignore_id_ranges),
        "fault: silently drop `_id` range conditions (<, >=) from list filters")(
        "die-after-requests", po::value(&f.die_after_requests)->default_value(-1),
        "fault: exit abruptly after N API requests")("hang-after-writes",
                                                     po::value(&f.hang_after_writes)->default_value(-1),
                                                     "fault: apply the write after N, never answer it")(
        "drop-after-write-rate", po::value(&f.drop_after_write_rate)->default_value(0),
        "fault: share of writes applied, then answered by a dropped connection (a lost answer)")(
        "trickle-bytes-per-s", po::value(&f.trickle_bytes_per_s)->default_value(0),
        "fault: send answers' bodies this many bytes a second")(
        "huge-body-mb", po::value(&f.huge_body_mb)->default_value(0),
        "fault: pad list answers with N MB")("endless-next", po::bool_switch(&f.endless_next),
                                             "fault: lists never end (empty pages, fresh nextUrl)")(
        "repeat-next", po::bool_switch(&f.repeat_next), "fault: nextUrl always leads back to the first page")(
        "lying-total", po::value(&f.lying_total)->default_value(-1),
        "fault: list envelopes claim this total")(
        "error-message-bytes", po::value(&f.error_message_bytes)->default_value(0),
        "fault: refuse writes (422) with a message this long, with ANSI escapes")(
        "fault-seed", po::value(&opt.fault_seed)->default_value(42),
        "seed of the fault dice")("no-gzip", po::bool_switch(&no_gzip), "never compress responses")(
        "threads", po::value(&opt.threads)->default_value(16), "server threads");
    po::variables_map vm;
    try {
        po::store(po::parse_command_line(argc, argv, d), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        std::cerr << "ozmap-sim: " << e.what() << "\n";
        return 64;
    }
    if (vm.count("help")) {
        std::cout
            << "Usage: ozmap-sim [options]\nServes a simulated OZmap API v2 and OZneutral source on "
               "loopback.\n"
               "Admin: GET /__sim/state, POST /__sim/reset, GET|POST /__sim/faults, GET|DELETE "
               "/__sim/requests,\n"
               "GET /__sim/stats, POST /__sim/sales, POST /__sim/partnerships, POST /__sim/expire-tokens.\n\n"
            << d;
        return 0;
    }
    opt.gzip = !no_gzip;
    if (!login.empty()) {
        auto colon = login.find(':');
        if (colon == std::string::npos) {
            std::cerr << "ozmap-sim: --login must be USER:PASSWORD\n";
            return 64;
        }
        opt.login_user = login.substr(0, colon);
        opt.login_password = login.substr(colon + 1);
    }
    try {
        Network network = fixture.empty() ? generate_network(gen) : load_fixture(read_file(fixture));
        if (!dump_to.empty()) {
            atomic_write(dump_to, dump_fixture(network), 0644);
            return 0;
        }
        if (opt.api_key.empty() && opt.login_user.empty()) {
            std::cerr << "ozmap-sim: give --api-key and/or --login\n";
            return 64;
        }
        if (!sales_file.empty()) opt.sales_json = read_file(sales_file);
        if (!partnerships_file.empty()) opt.partnerships_json = read_file(partnerships_file);
        if (!neutral_projects_file.empty()) opt.neutral_projects_json = read_file(neutral_projects_file);
        auto colon = listen.rfind(':');
        long long port = 0;
        if (colon == std::string::npos || !parse_int(listen.substr(colon + 1), port)) {
            std::cerr << "ozmap-sim: --listen must be HOST:PORT\n";
            return 64;
        }
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGINT);
        pthread_sigmask(SIG_BLOCK, &set, nullptr); // server threads inherit the mask; we sigwait below
        if (opt.tls_cert.empty() != opt.tls_key.empty()) {
            std::cerr << "ozmap-sim: --tls-cert and --tls-key go together\n";
            return 64;
        }
        Poco::Net::initializeSSL();
        SimServer server(std::move(network), opt);
        std::string host = listen.substr(0, colon);
        int bound = server.start(host, static_cast<int>(port));
        std::cout << "listening " << (opt.tls_cert.empty() ? "http" : "https") << "://" << host << ":"
                  << bound << std::endl;
        int sig = 0;
        sigwait(&set, &sig);
        server.stop();
    } catch (const std::exception& e) {
        std::cerr << "ozmap-sim: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
