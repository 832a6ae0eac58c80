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

namespace {

/// A usage error: exit 64 with the message.
struct Usage : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct Args {
    std::string listen = "127.0.0.1:0", fixture, dump_to, login;
    std::string sales_file, partnerships_file, neutral_projects_file;
    bool no_gzip = false;
    SimOptions sim;
    GenerateOptions gen;
};

po::options_description server_options(Args& a) {
    po::options_description d("Server");
    d.add_options()("help,h", "show this help")("listen", po::value(&a.listen)->default_value(a.listen),
                                                "HOST:PORT to serve on (port 0 = any free port)")(
        "tls-cert", po::value(&a.sim.tls_cert), "serve HTTPS with this certificate (PEM; with --tls-key)")(
        "tls-key", po::value(&a.sim.tls_key), "the certificate's private key (PEM)")(
        "api-key", po::value(&a.sim.api_key), "the API key clients must send as Authorization")(
        "login", po::value(&a.login), "USER:PASSWORD accepted by POST /api/v2/users/login")(
        "no-gzip", po::bool_switch(&a.no_gzip), "never compress responses")(
        "threads", po::value(&a.sim.threads)->default_value(16), "server threads");
    return d;
}

po::options_description network_options(Args& a) {
    GenerateOptions& g = a.gen;
    po::options_description d("Network");
    d.add_options()("fixture", po::value(&a.fixture),
                    "load the network from this JSON file (the /__sim/state format)")(
        "dump", po::value(&a.dump_to), "write the loaded or generated network to this file and exit")(
        "projects", po::value(&g.projects)->default_value(g.projects), "generate: projects")(
        "boxes", po::value(&g.boxes)->default_value(g.boxes), "generate: boxes in total")(
        "splitters-per-box", po::value(&g.splitters_per_box)->default_value(g.splitters_per_box),
        "generate: drop splitters per box")("ports", po::value(&g.ports)->default_value(g.ports),
                                            "generate: ports per drop splitter")(
        "occupancy", po::value(&g.occupancy)->default_value(g.occupancy),
        "generate: share of ports with a client")(
        "implanted-share", po::value(&g.implanted_share)->default_value(g.implanted_share),
        "generate: share of clients implanted")("draft-share",
                                                po::value(&g.draft_share)->default_value(g.draft_share),
                                                "generate: share of draft boxes")(
        "blocked-share", po::value(&g.blocked_share)->default_value(g.blocked_share),
        "generate: share of free ports blocked")("seed", po::value(&g.seed)->default_value(g.seed),
                                                 "generate: seed (same seed, same network)");
    return d;
}

po::options_description neutral_options(Args& a) {
    po::options_description d("OZneutral");
    d.add_options()("sales", po::value(&a.sales_file),
                    "OZneutral sale records to serve (JSON array or {\"items\":[]})")(
        "partnerships", po::value(&a.partnerships_file), "OZneutral partnerships to serve (JSON array)")(
        "neutral-projects", po::value(&a.neutral_projects_file),
        "the operator's sellable projects OZneutral serves at /projects (JSON array of ids)")(
        "neutral-client-id", po::value(&a.sim.neutral_client_id), "OZneutral client_credentials id")(
        "neutral-client-secret", po::value(&a.sim.neutral_client_secret),
        "OZneutral client_credentials secret")("neutral-token", po::value(&a.sim.neutral_token),
                                               "a static OZneutral bearer token");
    return d;
}

po::options_description fault_options(Args& a) {
    Faults& f = a.sim.faults;
    po::options_description d("Faults");
    d.add_options()("latency-ms", po::value(&f.latency_ms)->default_value(0),
                    "added latency per request")("fail-rate", po::value(&f.fail_rate)->default_value(0),
                                                 "share of requests answered with --fail-status")(
        "fail-status", po::value(&f.fail_status)->default_value(503),
        "429, 500, 502 or 503")("retry-after", po::value(&f.retry_after)->default_value(-1),
                                "Retry-After seconds on failures (-1 = none)")(
        "reset-rate", po::value(&f.reset_rate)->default_value(0), "share of connections reset")(
        "truncate-rate", po::value(&f.truncate_rate)->default_value(0), "share of GET bodies cut in half")(
        "corrupt-rate", po::value(&f.corrupt_rate)->default_value(0),
        "share of GET bodies with a control byte in their middle (brackets kept, not JSON)")(
        "rate-limit", po::value(&f.rate_limit)->default_value(0), "requests per second before 429")(
        "no-total", po::bool_switch(&f.no_total), "list pages without total (clients follow nextUrl)")(
        "expire-tokens-after", po::value(&f.expire_tokens_after)->default_value(-1),
        "after N API requests every login token expires, once (clients must log in again)")(
        "filters-from", po::value(&f.filters_from)->default_value("both"),
        "read list filters from the query, the GET body (the SDK's way) or both")(
        "strip-user-password", po::bool_switch(&f.strip_user_password),
        "PATCH /users drops `password`, as the SDK's UpdateUserDTO does")(
        "strip-external-id", po::bool_switch(&f.strip_external_id),
        "PATCH /properties drops `external_id`, as the SDK's property update does")(
        "empty-id-ranges", po::bool_switch(&f.empty_id_ranges),
        "lists filtered by an `_id` range answer no rows (total 0)")(
        "next-url-cursor-only", po::bool_switch(&f.next_url_cursor_only),
        "nextUrl carries only the cursor: clients re-send limit, filter, sort and populate (the SDK's "
        "findAll)")(
        "cursor-only", po::bool_switch(&f.cursor_only),
        "ignore `page` in lists, as the live API does for the official SDK: only nextUrl's cursor pages")(
        "ignore-id-ranges", po::bool_switch(&f.ignore_id_ranges),
        "silently drop `_id` range conditions (<, >=) from list filters")(
        "die-after-requests", po::value(&f.die_after_requests)->default_value(-1),
        "exit abruptly after N API requests")("hang-after-writes",
                                              po::value(&f.hang_after_writes)->default_value(-1),
                                              "apply the write after N, never answer it")(
        "drop-after-write-rate", po::value(&f.drop_after_write_rate)->default_value(0),
        "share of writes applied, then answered by a dropped connection (a lost answer)")(
        "trickle-bytes-per-s", po::value(&f.trickle_bytes_per_s)->default_value(0),
        "send answers' bodies this many bytes a second")(
        "huge-body-mb", po::value(&f.huge_body_mb)->default_value(0), "pad list answers with N MB")(
        "endless-next", po::bool_switch(&f.endless_next), "lists never end (empty pages, fresh nextUrl)")(
        "repeat-next", po::bool_switch(&f.repeat_next), "nextUrl always leads back to the first page")(
        "lying-total", po::value(&f.lying_total)->default_value(-1), "list envelopes claim this total")(
        "error-message-bytes", po::value(&f.error_message_bytes)->default_value(0),
        "refuse writes (422) with a message this long, with ANSI escapes")(
        "forbidden-projects", po::value(&f.forbidden_projects),
        "comma-separated project ids whose reads answer 403 (the user may not read them)")(
        "echo-authorization", po::bool_switch(&f.echo_authorization),
        "refuse writes (422) with a message quoting the request's Authorization header")(
        "fault-seed", po::value(&a.sim.fault_seed)->default_value(42), "seed of the fault dice");
    return d;
}

/// What the options cannot say by themselves: --login's parts, --listen's port, the feed files read.
void complete(Args& a) {
    a.sim.gzip = !a.no_gzip;
    if (!a.login.empty()) {
        auto colon = a.login.find(':');
        if (colon == std::string::npos) throw Usage("--login must be USER:PASSWORD");
        a.sim.login_user = a.login.substr(0, colon);
        a.sim.login_password = a.login.substr(colon + 1);
    }
    if (a.dump_to.empty() && a.sim.api_key.empty() && a.sim.login_user.empty())
        throw Usage("give --api-key and/or --login");
    if (a.sim.tls_cert.empty() != a.sim.tls_key.empty()) throw Usage("--tls-cert and --tls-key go together");
    if (!a.sales_file.empty()) a.sim.sales_json = read_file(a.sales_file);
    if (!a.partnerships_file.empty()) a.sim.partnerships_json = read_file(a.partnerships_file);
    if (!a.neutral_projects_file.empty()) a.sim.neutral_projects_json = read_file(a.neutral_projects_file);
}

/// Serves until SIGTERM or SIGINT; the first stdout line says where.
void serve(const Args& a, Network network) {
    auto colon = a.listen.rfind(':');
    long long port = 0;
    if (colon == std::string::npos || !parse_int(a.listen.substr(colon + 1), port))
        throw Usage("--listen must be HOST:PORT");
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, nullptr); // server threads inherit the mask; we sigwait below
    Poco::Net::initializeSSL();
    SimServer server(std::move(network), a.sim);
    const std::string host = a.listen.substr(0, colon);
    const int bound = server.start(host, static_cast<int>(port));
    std::cout << "listening " << (a.sim.tls_cert.empty() ? "http" : "https") << "://" << host << ":" << bound
              << std::endl;
    int sig = 0;
    sigwait(&set, &sig);
    server.stop();
}

} // namespace

int main(int argc, char** argv) {
    Args a;
    po::options_description d("ozmap-sim options");
    d.add(server_options(a)).add(network_options(a)).add(neutral_options(a)).add(fault_options(a));
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
    try {
        complete(a);
        Network network = a.fixture.empty() ? generate_network(a.gen) : load_fixture(read_file(a.fixture));
        if (!a.dump_to.empty()) {
            atomic_write(a.dump_to, dump_fixture(network), 0644);
            return 0;
        }
        serve(a, std::move(network));
    } catch (const Usage& e) {
        std::cerr << "ozmap-sim: " << e.what() << "\n";
        return 64;
    } catch (const std::exception& e) {
        std::cerr << "ozmap-sim: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
