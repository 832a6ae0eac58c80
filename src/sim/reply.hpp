#pragma once
// What every room of the simulator answers with, and how it reads a query parameter.
#include "util/json_writer.hpp"

#include <Poco/URI.h>

#include <string>
#include <utility>
#include <vector>

namespace oznsync::sim {

using Query = Poco::URI::QueryParameters;

struct Reply {
    int status = 200;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
};

inline Reply error_reply(int status, const std::string& message) {
    Reply r;
    r.status = status;
    JsonWriter(r.body).begin_object().field("message", message).end_object();
    return r;
}

inline Reply no_content() {
    Reply r;
    r.status = 204;
    return r;
}

inline std::string param(const Query& q, const std::string& name, const std::string& def = "") {
    for (const auto& [k, v] : q)
        if (k == name) return v;
    return def;
}

} // namespace oznsync::sim
