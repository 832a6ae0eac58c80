#include "core/ownership.hpp"

namespace oznsync {

namespace {
constexpr std::string_view kPrefix = "ozneutral:";
}

std::string external_id_for(std::string_view sale_id) {
    std::string out(kPrefix);
    out += sale_id;
    return out;
}

std::string_view sale_in_external_id(std::string_view external_id) {
    if (external_id.size() <= kPrefix.size() || external_id.substr(0, kPrefix.size()) != kPrefix) return {};
    return external_id.substr(kPrefix.size());
}

std::string sale_of_external_id(std::string_view external_id) {
    return std::string(sale_in_external_id(external_id));
}

std::string port_key(std::string_view splitter, int port) {
    std::string out(splitter);
    out += '#';
    out += std::to_string(port);
    return out;
}

} // namespace oznsync
