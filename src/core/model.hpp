#pragma once
// The domain model: what a snapshot of OZmap holds and what OZneutral sold. Plain values, no I/O.
#include "util/ids.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace oznsync {

struct Project {
    std::string id, name, identifier;
};

struct Box {
    std::string id, project, name;
    double lat = 0, lng = 0;
    bool draft = false, implanted = false;
};

/// One output port of a drop splitter. Numbers are 1-based: port N is connectables.output[N-1].
struct Port {
    std::string splitter;
    int number = 0;
    bool blocked = false;
    std::optional<std::string> fiber; // occupying fiber id; nullopt = free
};

struct Splitter {
    std::string id, box, project, name;
    bool is_drop = false, implanted = false;
    std::vector<Port> ports;
};

/// A property (customer premises) with its FTTH client, as OZmap shows it.
struct Property {
    Id id, project, box;
    Id splitter;  // empty when not connected
    int port = 0; // 1-based, 0 when not connected
    double lat = 0, lng = 0;
    std::string address, external_id;
    // The populated client (empty id = none).
    Id client_id;
    std::string client_code, client_name, client_external_id;
    bool client_implanted = false;
    std::string updated_at;
    Id drop; // the drop cable to the splitter port (empty when none)
};

/// An FTTH client as `/ftth-clients` lists it: the pull reads the clients oznsync believes it owns, so a
/// client whose property is gone (a half-done removal, a technician's delete) is still seen.
struct Client {
    std::string id, code, external_id, updated_at;
    bool implanted = false;
};

/// The state of a sale record (ozneutral-feed.md); its substate only refines the reason.
enum class SaleState { Reserved, Active, Inactive, Terminated };

const char* sale_state_name(SaleState s);
std::optional<SaleState> sale_state_from_name(std::string_view name);

struct Sale {
    Id id;
    int64_t version = 0;
    std::string updated_at;
    SaleState state = SaleState::Reserved;
    std::string substate;
    std::string code_order, client_name, address;
    std::optional<double> lat, lng;
    Id partner_id;
    std::string partner_name;
    Id partnership_id;
    Id project, box, splitter;
    int port = 0;
    std::string port_replace_reason;

    bool operator==(const Sale&) const = default;

    /// The desired OZmap state the record asks for (ozneutral-feed.md).
    bool wants_present() const { return state != SaleState::Terminated; }
    bool wants_implanted() const { return state == SaleState::Active; }
    /// "state/substate", as a change's reason gives it.
    std::string status_text() const { return std::string(sale_state_name(state)) + "/" + substate; }
};

/// A hold on an operator's incremental runs while a dry run is reviewed (`oznsync hold`, app/hold).
struct Hold {
    std::string until; // ISO 8601, UTC
    std::string by, reason;
};

/// A record the feed held that cannot be acted on, with the reason.
struct InvalidRecord {
    std::string id; // may be empty when the record has none
    std::string code;
    std::string reason;
};

/// A partnership's status in OZneutral (the ozn-sdk's "active" reads as accepted).
enum class PartnershipStatus { Requested, Accepted, Rejected, Ended };
const char* partnership_status_name(PartnershipStatus s);
std::optional<PartnershipStatus> partnership_status_of(std::string_view name);

struct Partnership {
    std::string id;
    PartnershipStatus status = PartnershipStatus::Requested;
    std::string approved_at;
    std::string partner_id, partner_name, partner_email;
    std::vector<std::string> projects;
    /// False for the ozn-sdk's shape, which carries no projects: the first run that sees the partnership
    /// accepted fixes them (its effective selection), and they are never widened later.
    bool projects_given = true;
};

} // namespace oznsync
