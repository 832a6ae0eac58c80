#include "serve/server.hpp"

#include "serve/server_state.hpp"

#include "app/queries.hpp"
#include "core/feasibility.hpp"
#include "serve/box_index.hpp"
#include "serve/rate_limit.hpp"
#include "serve/request.hpp"
#include "serve/shared_index.hpp"
#include "serve/tmf645.hpp"
#include "store/store.hpp"
#include "util/deadline.hpp"
#include "util/digest.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/json_writer.hpp"
#include "util/prometheus.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

#include <Poco/DeflatingStream.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerConnection.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/TCPServer.h>
#include <Poco/Net/TCPServerConnectionFactory.h>
#include <Poco/Semaphore.h>
#include <Poco/ThreadPool.h>
#include <Poco/URI.h>
#include <openssl/crypto.h>
#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sys/socket.h>
#include <unordered_map>

namespace oznsync::serve {

namespace {

/// The deadline of the connection this thread serves: its request's headers must be complete by then
/// (serve.header_timeout_s from the connection's start, serve.idle_timeout_s after an answer for the next
/// one), else the socket is shut down. A slow or idle client cannot hold a thread longer.
thread_local std::optional<DeadlineWatch::Guard> t_watch;
thread_local int t_fd = -1;

void arm(int seconds) {
    t_watch.reset();
    t_watch.emplace(
        DeadlineWatch::instance().watch(t_fd, DeadlineWatch::Clock::now() + std::chrono::seconds(seconds)));
}

class Handler : public Poco::Net::HTTPRequestHandler {
public:
    explicit Handler(ApiServer::State& s) : m_state(s) {}
    void handleRequest(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp) override {
        t_watch.reset(); // the headers are in: the answer has Poco's send timeout
        m_state.workers.wait();
        const double t0 = monotonic_seconds();
        Reply r = m_state.handle(req);
        resp.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(r.status));
        resp.setContentType(r.content_type);
        resp.set("Cache-Control", "no-store");
        resp.set("X-Content-Type-Options", "nosniff");
        if (r.status == 401) resp.set("WWW-Authenticate", "Bearer");
        if (r.status == 429) resp.set("Retry-After", "1");
        if (r.stream)
            send_stream(req, resp, r);
        else
            send_body(req, resp, r.body);
        m_state.durations.add(monotonic_seconds() - t0);
        m_state.workers.set();
        arm(m_state.config.serve.idle_timeout_s); // the next request on this connection, or close it
    }

private:
    static void send_body(const Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp,
                          const std::string& body) {
        resp.setContentLength64(static_cast<Poco::Int64>(body.size()));
        auto& out = resp.send();
        if (req.getMethod() != "HEAD") out.write(body.data(), static_cast<std::streamsize>(body.size()));
        out.flush();
    }

    /// A streamed answer: its entity tag (per encoding) first, 304 when the client has it, else chunks.
    static void send_stream(const Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp,
                            const Reply& r) {
        const bool gzip = accepts_gzip(req.get("Accept-Encoding", ""));
        const std::string etag = gzip ? r.etag.substr(0, r.etag.size() - 1) + "-gzip\"" : r.etag;
        resp.set("ETag", etag);
        resp.set("Vary", "Accept, Accept-Encoding");
        if (none_match(req.get("If-None-Match", ""), etag)) {
            resp.setStatusAndReason(Poco::Net::HTTPResponse::HTTP_NOT_MODIFIED);
            resp.setContentLength64(0);
            resp.send().flush();
            return;
        }
        if (gzip) resp.set("Content-Encoding", "gzip");
        resp.setChunkedTransferEncoding(true);
        auto& out = resp.send();
        if (req.getMethod() == "HEAD") return;
        if (!gzip) {
            r.stream(out);
            out.flush();
            return;
        }
        Poco::DeflatingOutputStream zipped(out, Poco::DeflatingStreamBuf::STREAM_GZIP, 1);
        r.stream(zipped);
        zipped.close();
        out.flush();
    }

    ApiServer::State& m_state;
};

class Factory : public Poco::Net::HTTPRequestHandlerFactory {
public:
    explicit Factory(ApiServer::State& s) : m_state(s) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
        return new Handler(m_state);
    }

private:
    ApiServer::State& m_state;
};

/// One client connection: Poco's HTTP connection under the header deadline, counted per address.
class Connection : public Poco::Net::HTTPServerConnection {
public:
    Connection(const Poco::Net::StreamSocket& socket, Poco::Net::HTTPServerParams::Ptr params,
               Poco::Net::HTTPRequestHandlerFactory::Ptr factory, ApiServer::State& state, std::string client)
        : HTTPServerConnection(socket, params, factory), m_state(state), m_client(std::move(client)) {}
    ~Connection() override { m_state.connections.leave(m_client); }
    void run() override {
        t_fd = static_cast<int>(socket().impl()->sockfd());
        socket().setNoDelay(true); // an answer's last segment leaves now, not after the client's ACK
        {
            std::lock_guard lock(m_state.open_mutex);
            m_state.open_sockets.insert(t_fd);
        }
        arm(m_state.config.serve.header_timeout_s);
        HTTPServerConnection::run();
        t_watch.reset();
        {
            std::lock_guard lock(m_state.open_mutex);
            m_state.open_sockets.erase(t_fd);
        }
        t_fd = -1;
    }

private:
    ApiServer::State& m_state;
    std::string m_client;
};

class ConnectionFactory : public Poco::Net::TCPServerConnectionFactory {
public:
    ConnectionFactory(ApiServer::State& state, Poco::Net::HTTPServerParams::Ptr params)
        : m_state(state), m_params(params), m_handlers(new Factory(state)) {}
    Poco::Net::TCPServerConnection* createConnection(const Poco::Net::StreamSocket& socket) override {
        return new Connection(socket, m_params, m_handlers, m_state, socket.peerAddress().host().toString());
    }

private:
    ApiServer::State& m_state;
    Poco::Net::HTTPServerParams::Ptr m_params;
    Poco::Net::HTTPRequestHandlerFactory::Ptr m_handlers;
};

/// At accept: a client over its share of connections (or a full server) is closed at once, before it
/// takes a thread or a place in the queue.
class AcceptFilter : public Poco::Net::TCPServerConnectionFilter {
public:
    explicit AcceptFilter(ApiServer::State& state) : m_state(state) {}
    bool accept(const Poco::Net::StreamSocket& socket) override {
        const bool ok = m_state.connections.enter(socket.peerAddress().host().toString());
        if (!ok) ++m_state.turned_away;
        return ok;
    }

private:
    ApiServer::State& m_state;
};

} // namespace

namespace {
/// Binds without SO_REUSEPORT (Poco's address constructors set it): a second server on a port that is
/// taken fails at start instead of sharing the port and answering half of another's requests.
void own_port(Poco::Net::ServerSocket& socket, const Poco::Net::SocketAddress& address) {
    socket.bind(address, true, false);
    socket.listen(256);
}
} // namespace

ApiServer::ApiServer(const Config& config, const std::string& listen)
    : ApiServer(config, {config}, false, listen) {}

ApiServer::ApiServer(const Config& config, const std::vector<Config>& operators, bool fleet,
                     const std::string& listen)
    : m_state(std::make_unique<State>(config, operators, fleet)) {
    const std::string where = listen.empty() ? config.serve.listen : listen;
    const size_t colon = where.rfind(':');
    long long port = -1;
    if (colon == std::string::npos || !parse_int(where.substr(colon + 1), port) || port < 0 || port > 65535)
        throw UsageError("--listen: '" + where + "' is not HOST:PORT");
    m_state->host = where.substr(0, colon);
    try {
        const Poco::Net::SocketAddress address(m_state->host, static_cast<Poco::UInt16>(port));
        if (!config.serve.tls_cert.empty()) {
            Poco::Net::Context::Ptr ctx(new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE,
                                                               config.serve.tls_key, config.serve.tls_cert,
                                                               "", Poco::Net::Context::VERIFY_NONE));
            // A key that is not the certificate's would make every handshake fail: refuse to start.
            if (SSL_CTX_check_private_key(ctx->sslContext()) != 1)
                throw ConfigError("serve.tls_key: " + config.serve.tls_key +
                                  " is not the private key of serve.tls_cert " + config.serve.tls_cert);
            Poco::Net::SecureServerSocket tls_socket(ctx);
            own_port(tls_socket, address);
            m_state->socket = tls_socket;
            m_state->tls = true;
        } else {
            Poco::Net::ServerSocket plain;
            own_port(plain, address);
            m_state->socket = plain;
        }
    } catch (const Poco::Exception& e) {
        throw ConfigError("serve.listen " + where + ": " + e.displayText());
    }
    m_state->port = m_state->socket.address().port();
}

ApiServer::~ApiServer() {
    stop();
}

std::string ApiServer::url() const {
    return std::string(m_state->tls ? "https" : "http") + "://" + m_state->host + ":" +
           std::to_string(m_state->port);
}

void ApiServer::start() {
    auto params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(m_state->config.serve.threads);
    params->setMaxQueued(1024);
    params->setKeepAlive(true);
    params->setMaxKeepAliveRequests(0);
    params->setKeepAliveTimeout(Poco::Timespan(15, 0));
    params->setTimeout(Poco::Timespan(10, 0)); // a request must arrive, and its answer leave, in 10 s
    m_state->pool = std::make_unique<Poco::ThreadPool>(2, m_state->config.serve.threads);
    Poco::Net::HTTPServerParams::Ptr shared(params);
    m_state->server = std::make_unique<Poco::Net::TCPServer>(new ConnectionFactory(*m_state, shared),
                                                             *m_state->pool, m_state->socket, shared);
    m_state->server->setConnectionFilter(new AcceptFilter(*m_state));
    m_state->server->start();
}

void ApiServer::stop() {
    if (!m_state || !m_state->server) return;
    // No new connections; the ones being served end now (their threads see the socket shut down).
    m_state->server->stop();
    {
        std::lock_guard lock(m_state->open_mutex);
        for (int fd : m_state->open_sockets)
            ::shutdown(fd, SHUT_RDWR);
    }
    m_state->pool->joinAll();
    m_state->server.reset();
}

} // namespace oznsync::serve
