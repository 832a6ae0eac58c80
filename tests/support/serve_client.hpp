#pragma once
// `oznsync serve` started for a test (--listen 127.0.0.1:0), and a keep-alive HTTP client of it.
#include "support/harness.hpp"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <csignal>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace harness {

inline const std::string kToken = "serve-test-token-5d1c9a0e7b";

/// A small generated network (2 projects, 400 boxes of 2 drop splitters x 8 ports, 40 % taken) for the
/// read API's tests.
inline const std::vector<std::string> kGenerated{"--projects",          "2",   "--boxes", "400",
                                                 "--splitters-per-box", "2",   "--ports", "8",
                                                 "--occupancy",         "0.4", "--seed",  "11"};

/// `oznsync serve --listen 127.0.0.1:0` with `config`, stopped (SIGTERM) at the end.
class Server {
public:
    explicit Server(const std::string& config, const std::vector<std::string>& extra = {})
        : m_child(command(config, extra)) {
        const std::string line = m_child.read_line();
        if (line.rfind("listening ", 0) != 0)
            throw std::runtime_error("oznsync serve did not start: " + line);
        m_url = line.substr(10);
        m_port = std::stoi(m_url.substr(m_url.rfind(':') + 1));
    }
    ~Server() {
        m_child.kill_now(SIGTERM);
        m_child.wait();
    }
    const std::string& url() const { return m_url; }
    static std::vector<std::string> command(const std::string& config,
                                            const std::vector<std::string>& extra) {
        std::vector<std::string> argv{OZNSYNC_BIN, "serve", "--listen", "127.0.0.1:0", "--config", config};
        argv.insert(argv.end(), extra.begin(), extra.end());
        return argv;
    }

    struct Answer {
        int status = 0;
        std::string body, content_type;
        std::map<std::string, std::string> headers;
    };
    Answer get(const std::string& target, const std::string& token = kToken,
               const std::map<std::string, std::string>& headers = {}, const std::string& method = "GET",
               const std::string& body = "") {
        if (!m_session) {
            m_session = std::make_unique<Poco::Net::HTTPClientSession>("127.0.0.1",
                                                                       static_cast<Poco::UInt16>(m_port));
            m_session->setKeepAlive(true);
        }
        Poco::Net::HTTPRequest req(method, target, Poco::Net::HTTPMessage::HTTP_1_1);
        if (!token.empty()) req.set("Authorization", "Bearer " + token);
        for (const auto& [k, v] : headers)
            req.set(k, v);
        if (!body.empty()) req.setContentLength(static_cast<std::streamsize>(body.size()));
        m_session->sendRequest(req) << body;
        Poco::Net::HTTPResponse resp;
        std::istream& in = m_session->receiveResponse(resp);
        Answer a;
        Poco::StreamCopier::copyToString(in, a.body);
        a.status = resp.getStatus();
        a.content_type = resp.getContentType();
        for (const auto& [k, v] : resp)
            a.headers[k] = v;
        return a;
    }

private:
    Child m_child;
    std::string m_url;
    int m_port = 0;
    std::unique_ptr<Poco::Net::HTTPClientSession> m_session;
};

} // namespace harness
