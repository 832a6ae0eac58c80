#include "ozmap/row_checks.hpp"

#include "util/ids.hpp"

#include <cmath>

namespace oznsync {

namespace {
std::string id_problem(const char* field, const Id& value, bool required = true) {
    if (value.empty()) return required ? std::string("no ") + field : "";
    return value.is_object_id() ? "" : std::string(field) + " is not an OZmap id";
}
} // namespace

std::string unusable(const Project& p) {
    return id_problem("id", p.id);
}

std::string unusable(const Box& b) {
    for (const std::string& why : {id_problem("id", b.id), id_problem("project", b.project)})
        if (!why.empty()) return why;
    if (std::isnan(b.lat) || std::isnan(b.lng)) return "no coords";
    if (b.lat < -90 || b.lat > 90 || b.lng < -180 || b.lng > 180) return "coords out of range";
    return "";
}

std::string unusable(const Splitter& s) {
    for (const std::string& why :
         {id_problem("id", s.id), id_problem("box", s.box), id_problem("project", s.project)})
        if (!why.empty()) return why;
    return "";
}

std::string unusable(const Property& p) {
    for (const std::string& why :
         {id_problem("id", p.id), id_problem("project", p.project), id_problem("box", p.box, false),
          id_problem("splitter", p.splitter, false), id_problem("client", p.client_id, false)})
        if (!why.empty()) return why;
    if (!p.splitter.empty() && p.port < 1) return "connected without a port number";
    return "";
}

std::string unusable(const Client& c) {
    if (std::string why = id_problem("id", c.id); !why.empty()) return why;
    return c.code.empty() ? "no code" : "";
}

} // namespace oznsync
