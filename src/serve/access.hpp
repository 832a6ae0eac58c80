#pragma once
// Who may ask (bearer tokens and their operator scope, kept as digests and compared in constant time) and
// how many connections a client address may hold.
#include "serve/request.hpp"
#include "util/digest.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/strings.hpp"

#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace oznsync::serve {

using Digest = Sha256;

/// What a token may see: every operator, or the ones its line names (`TOKEN operators=acme,beta`).
struct Scope {
    bool all = true;
    std::set<std::string> operators;
    bool sees(const std::string& name) const { return all || operators.count(name) != 0; }
};

/// The bearer tokens, kept as digests: a presented token is compared with every one in constant time.
class Tokens {
public:
    explicit Tokens(const std::string& path) {
        if (path.empty())
            throw ConfigError("serve.tokens_file: missing (a file with one bearer token per line)");
        std::string text;
        try {
            text = read_file(path);
        } catch (const std::exception& e) {
            throw ConfigError("serve.tokens_file: " + std::string(e.what()));
        }
        namespace fs = std::filesystem;
        std::error_code ec;
        const auto perms = fs::status(path, ec).permissions();
        if (!ec && (perms & fs::perms::others_read) != fs::perms::none)
            spdlog::warn("serve.tokens_file {} is readable by other users", path);
        int line_no = 0;
        for (auto& line : split(text, '\n')) {
            ++line_no;
            std::string t = trim(line);
            if (t.empty() || t[0] == '#') continue;
            Scope scope;
            if (const auto space = t.find_first_of(" \t"); space != std::string::npos) {
                const std::string rest = trim(t.substr(space));
                t = t.substr(0, space);
                constexpr std::string_view kOperators = "operators=";
                if (rest.rfind(kOperators, 0) != 0)
                    throw ConfigError("serve.tokens_file: line " + std::to_string(line_no) +
                                      ": after the token only operators=NAME,NAME may follow");
                scope.all = false;
                for (const auto& name : split(rest.substr(kOperators.size()), ','))
                    if (!name.empty()) scope.operators.insert(name);
                if (scope.operators.empty())
                    throw ConfigError("serve.tokens_file: line " + std::to_string(line_no) +
                                      ": operators= names none");
            }
            if (t.size() < 16) throw ConfigError("serve.tokens_file: a token shorter than 16 characters");
            m_tokens.push_back({sha256(t), std::move(scope)});
        }
        if (m_tokens.empty()) throw ConfigError("serve.tokens_file: " + path + " holds no token");
    }

    /// The scope of the presented token; none when it is not one of ours.
    std::optional<Scope> scope_of(const std::string& authorization) const {
        const std::string_view token = bearer_token(authorization);
        if (token.empty()) return std::nullopt;
        const Digest d = sha256(token);
        const Scope* found = nullptr;
        for (const auto& known : m_tokens) // every one compared: the time does not say which matched
            if (CRYPTO_memcmp(known.digest.data(), d.data(), d.size()) == 0) found = &known.scope;
        if (!found) return std::nullopt;
        return *found;
    }

private:
    struct Known {
        Digest digest;
        Scope scope;
    };
    std::vector<Known> m_tokens;
};

/// Connections per client address and in all: a client that opens many (slow or idle) connections holds
/// at most its share of the server's threads, so every other client is still answered. Counted when
/// accepted (the acceptor's filter), released when the connection ends.
class ConnectionLimits {
public:
    ConnectionLimits(int per_client, int total) : m_per_client(per_client), m_total(total) {}
    bool enter(const std::string& client) {
        std::lock_guard lock(m_mutex);
        int& mine = m_open[client];
        if (mine >= m_per_client || m_all >= m_total) {
            if (mine == 0) m_open.erase(client);
            return false;
        }
        ++mine;
        ++m_all;
        return true;
    }
    void leave(const std::string& client) {
        std::lock_guard lock(m_mutex);
        auto it = m_open.find(client);
        if (it == m_open.end()) return;
        if (--it->second <= 0) m_open.erase(it);
        --m_all;
    }

private:
    const int m_per_client, m_total;
    std::mutex m_mutex;
    std::unordered_map<std::string, int> m_open;
    int m_all = 0;
};

} // namespace oznsync::serve
