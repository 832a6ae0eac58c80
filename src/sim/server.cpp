#include "sim/server.hpp"

#include "sim/admin_api.hpp"
#include "sim/faults.hpp"
#include "sim/neutral_api.hpp"
#include "sim/ozmap_api.hpp"

#include <Poco/DeflatingStream.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>

#include <atomic>
#include <sstream>
#include <thread>

namespace oznsync::sim {

using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;

/// The rooms behind one server, and what the server itself counts.
struct SimServer::State {
    explicit State(Network network, SimOptions opt)
        : options(std::move(opt)), faults(options.faults, options.fault_seed),
          ozmap(std::move(network), {options.api_key, options.login_user, options.login_password}, faults),
          neutral({options.sales_json, options.partnerships_json, options.neutral_projects_json,
                   options.neutral_client_id, options.neutral_client_secret, options.neutral_token}) {}

    SimOptions options;
    FaultRoom faults;
    OzmapApi ozmap;
    NeutralApi neutral;
    std::atomic<int> in_flight{0}, max_in_flight{0}; // API requests being answered at once, and the most
    std::unique_ptr<Poco::Net::HTTPServer> server;

    /// Routes one request to its room. `reset` / `mangle` / `hang`: how the answer is to be mangled.
    Reply handle(HTTPServerRequest& req, const std::string& body, bool& reset, BodyFault& mangle, bool& hang);
};

Reply SimServer::State::handle(HTTPServerRequest& req, const std::string& body, bool& reset,
                               BodyFault& mangle, bool& hang) {
    Poco::URI uri(req.getURI());
    const std::string path = uri.getPath();
    if (path.rfind("/__sim/", 0) == 0) {
        SimRooms rooms{faults, ozmap, neutral, max_in_flight};
        return handle_admin(rooms, req.getMethod(), path, body);
    }

    // How many API requests are answered at once (a client must keep to its ozmap.concurrency).
    struct InFlight {
        State& s;
        explicit InFlight(State& state) : s(state) {
            int now = ++s.in_flight;
            for (int seen = s.max_in_flight; now > seen && !s.max_in_flight.compare_exchange_weak(seen, now);)
                ;
        }
        ~InFlight() { --s.in_flight; }
    } in_flight_now(*this);

    // Faults apply to every upstream call, OZmap or OZneutral.
    FaultRoom::Admission admitted = faults.admit(req.getMethod() == "GET");
    reset = admitted.reset;
    mangle = admitted.body;
    if (admitted.reset) return {};
    if (admitted.reply) return *admitted.reply;
    if (admitted.expire_tokens) ozmap.expire_tokens();
    if (admitted.latency_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(admitted.latency_ms));

    Query q;
    try {
        q = uri.getQueryParameters();
    } catch (const Poco::Exception& e) {
        return error_reply(400, "bad query string: " + e.displayText());
    }
    if (NeutralApi::serves(path)) return neutral.handle(req, path, q, body);
    if (path.rfind("/api/v2/", 0) != 0) return error_reply(404, "no route " + path);
    std::string route = path.substr(8);
    while (!route.empty() && route.back() == '/')
        route.pop_back();
    return ozmap.handle(req.getMethod(), route, q, body, req.get("Authorization", ""), hang, reset);
}

namespace {

/// The answer's body as it goes on the wire: cut in half or corrupted (a body fault), or gzipped when asked.
std::string wire_body(std::string payload, BodyFault mangle, bool gzip, HTTPServerRequest& req,
                      HTTPServerResponse& resp) {
    if (mangle == BodyFault::Truncate && payload.size() > 2) {
        payload.resize(payload.size() / 2);
    } else if (mangle == BodyFault::Corrupt && payload.size() > 2) {
        payload[payload.size() / 2] = '\x01'; // JSON allows no control byte, in a string or between tokens
    } else if (gzip && payload.size() >= 1400 &&
               req.get("Accept-Encoding", "").find("gzip") != std::string::npos) {
        std::ostringstream zs;
        {
            Poco::DeflatingOutputStream deflater(zs, Poco::DeflatingStreamBuf::STREAM_GZIP, 1);
            deflater.write(payload.data(), static_cast<std::streamsize>(payload.size()));
            deflater.close();
        }
        payload = zs.str();
        resp.set("Content-Encoding", "gzip");
    }
    return payload;
}

/// Sends `payload` after `padding` bytes of whitespace (a huge body), trickled when the faults say so.
void send_body(std::ostream& os, const std::string& payload, long long padding, int trickle_bytes_per_s) {
    // Leading whitespace keeps the JSON valid: only the size is hostile.
    const std::string spaces(1 << 16, ' ');
    for (long long sent = 0; sent < padding && os; sent += static_cast<long long>(spaces.size()))
        os.write(spaces.data(),
                 static_cast<std::streamsize>(std::min<long long>(spaces.size(), padding - sent)));
    if (trickle_bytes_per_s <= 0) {
        os.write(payload.data(), static_cast<std::streamsize>(payload.size()));
        return;
    }
    // A body trickled out: a few bytes, a pause, for as long as it takes (or the client gives up).
    const size_t step = static_cast<size_t>(std::max(1, trickle_bytes_per_s / 10));
    for (size_t i = 0; i < payload.size() && os; i += step) {
        os.write(payload.data() + i, static_cast<std::streamsize>(std::min(step, payload.size() - i)));
        os.flush();
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

class Handler : public Poco::Net::HTTPRequestHandler {
public:
    explicit Handler(SimServer::State& s) : m_state(s) {}

    void handleRequest(HTTPServerRequest& req, HTTPServerResponse& resp) override {
        // Poco writes headers and body separately: without TCP_NODELAY each answer waits for the peer's
        // delayed ACK (~40 ms), which would make the simulator, not the client, set the pace.
        auto& socket = static_cast<Poco::Net::HTTPServerRequestImpl&>(req).socket();
        socket.setNoDelay(true);
        std::string body;
        Poco::StreamCopier::copyToString(req.stream(), body);
        bool reset = false, hang = false;
        BodyFault mangle = BodyFault::None;
        Reply r;
        try {
            r = m_state.handle(req, body, reset, mangle, hang);
        } catch (const std::exception& e) {
            r = error_reply(500, std::string("simulator error: ") + e.what());
        }
        if (reset) {
            socket.setLinger(true, 0);
            socket.close();
            return;
        }
        if (hang) {
            m_state.faults.wait_while_hung();
            resp.setStatus(Poco::Net::HTTPResponse::HTTP_SERVICE_UNAVAILABLE);
            resp.setKeepAlive(false);
            resp.setContentLength(0);
            resp.send();
            return;
        }
        resp.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(r.status));
        for (const auto& [k, v] : r.headers)
            resp.set(k, v);
        if (r.status == 204) {
            resp.setContentLength(0);
            resp.send();
            return;
        }
        resp.setContentType("application/json; charset=utf-8");
        const std::string payload = wire_body(std::move(r.body), mangle, m_state.options.gzip, req, resp);
        const Faults f = m_state.faults.now();
        const bool api = req.getURI().rfind("/api/v2/", 0) == 0;
        const long long padding = api && req.getMethod() == "GET" && mangle != BodyFault::Truncate
                                      ? static_cast<long long>(f.huge_body_mb) << 20
                                      : 0;
        resp.setContentLength64(static_cast<Poco::Int64>(payload.size()) + padding);
        send_body(resp.send(), payload, padding, api ? f.trickle_bytes_per_s : 0);
    }

private:
    SimServer::State& m_state;
};

class Factory : public Poco::Net::HTTPRequestHandlerFactory {
public:
    explicit Factory(SimServer::State& s) : m_state(s) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(const HTTPServerRequest&) override {
        return new Handler(m_state);
    }

private:
    SimServer::State& m_state;
};

} // namespace

SimServer::SimServer(Network network, SimOptions options)
    : m_state(std::make_unique<State>(std::move(network), std::move(options))) {}

SimServer::~SimServer() {
    stop();
}

int SimServer::start(const std::string& host, int port) {
    const Poco::Net::SocketAddress address(host, static_cast<Poco::UInt16>(port));
    Poco::Net::ServerSocket socket;
    if (!m_state->options.tls_cert.empty()) {
        Poco::Net::Context::Ptr ctx(
            new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, m_state->options.tls_key,
                                   m_state->options.tls_cert, "", Poco::Net::Context::VERIFY_NONE));
        socket = Poco::Net::SecureServerSocket(address, 128, ctx);
    } else {
        socket = Poco::Net::ServerSocket(address, 128);
    }
    auto params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(m_state->options.threads);
    params->setMaxQueued(512);
    params->setKeepAlive(true);
    params->setMaxKeepAliveRequests(0);
    params->setKeepAliveTimeout(Poco::Timespan(30, 0));
    params->setTimeout(Poco::Timespan(60, 0));
    m_state->server = std::make_unique<Poco::Net::HTTPServer>(new Factory(*m_state), socket, params);
    m_state->server->start();
    return socket.address().port();
}

void SimServer::stop() {
    if (!m_state || !m_state->server) return;
    m_state->faults.stop();
    m_state->server->stopAll(true);
    m_state->server.reset();
}

} // namespace oznsync::sim
