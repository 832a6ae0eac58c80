#include "support/sim_view.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>

namespace harness {

using Poco::JSON::Array;
using Poco::JSON::Object;

std::vector<std::string> client_lines(const std::string& state_json) {
    auto root = Poco::JSON::Parser().parse(state_json).extract<Object::Ptr>();
    std::map<std::string, Object::Ptr> clients;
    auto cs = root->getArray("ftth-clients");
    for (size_t i = 0; i < cs->size(); ++i) {
        auto c = cs->getObject(static_cast<unsigned>(i));
        clients[c->getValue<std::string>("id")] = c;
    }
    std::vector<std::string> out;
    auto props = root->getArray("properties");
    for (size_t i = 0; i < props->size(); ++i) {
        auto p = props->getObject(static_cast<unsigned>(i));
        if (p->isNull("client")) continue;
        auto c = clients.at(p->getValue<std::string>("client"));
        std::string where = "unconnected";
        auto conns = p->getArray("connections");
        if (conns->size())
            where = conns->getObject(0)->getValue<std::string>("id") + "|" +
                    conns->getObject(0)->getValue<std::string>("port");
        out.push_back(c->getValue<std::string>("code") + "|" + where + "|" +
                      (c->getValue<bool>("implanted") ? "1" : "0"));
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::map<std::string, int> code_counts(const std::string& state_json) {
    auto root = Poco::JSON::Parser().parse(state_json).extract<Object::Ptr>();
    std::map<std::string, int> out;
    auto cs = root->getArray("ftth-clients");
    for (size_t i = 0; i < cs->size(); ++i)
        ++out[cs->getObject(static_cast<unsigned>(i))->getValue<std::string>("code")];
    return out;
}

size_t array_size(const std::string& json) {
    return Poco::JSON::Parser().parse(json).extract<Array::Ptr>()->size();
}

long long writes_planned(const Poco::JSON::Object::Ptr& summary) {
    auto c = summary->getObject("counts");
    long long n = 0;
    for (const char* a : {"create", "move", "promote", "demote", "remove"})
        n += c->getValue<long long>(a);
    return n;
}

} // namespace harness
