#pragma once
// The one place that says how oznsync proves a client is its own, and how a port is keyed. Pure.
//
// Proof of ownership is the property's `external_id = ozneutral:<sale id>` (set at create, or by
// `oznsync adopt`). A client code equal to a sale's codeOrder proves nothing: the operator may have a
// client with that code.
#include "util/ids.hpp"

#include <functional>
#include <string>
#include <string_view>

namespace oznsync {

/// The external_id oznsync writes on the property of a sale's client.
std::string external_id_for(std::string_view sale_id);

/// The sale id an external_id proves ownership for; empty when it is not oznsync's.
std::string sale_of_external_id(std::string_view external_id);
/// The same, as a view into `external_id` (empty when it is not oznsync's).
std::string_view sale_in_external_id(std::string_view external_id);

/// A key for (splitter, 1-based port), as text (lanes, the apply's failure keys).
std::string port_key(std::string_view splitter, int port);

/// The same key without allocating, for the hash maps over every port or sale of a plan. It views the
/// splitter id: the owner of that string must outlive the map.
struct PortAt {
    Id splitter;
    int port = 0;
    bool operator==(const PortAt&) const = default;
};

struct PortAtHash {
    size_t operator()(const PortAt& p) const noexcept {
        return p.splitter.hash() * 31 + static_cast<size_t>(p.port);
    }
};

} // namespace oznsync
