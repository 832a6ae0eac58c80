#pragma once
// The simulator's OZmap state: the entities of ozmap-api.md, kept consistent under writes
// (splitter outputs <-> property connections <-> clients). Each entity caches its JSON; pages are
// assembled from those strings, so the simulator is never the bottleneck of a pull.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

namespace oznsync::sim {

struct SimProject {
    std::string id, name, identifier;
    double lat = 0, lng = 0;
    mutable std::string json;
};

struct SimBox {
    std::string id, project, name;
    double lat = 0, lng = 0;
    bool draft = false, implanted = true, certified = false, shared = false;
    int hierarchy_level = 1;
    std::string updated_at; // empty = older than anything asked for (a fixture without it)
    mutable std::string json;
    bool has_coords = true; // a fixture may hold a damaged box without coordinates
};

struct SimSplitter {
    std::string id, box, project, name;
    bool is_drop = true, implanted = true;
    int ratio_in = 1;
    std::vector<std::optional<std::string>> output; // fiber id per port; nullopt = free
    std::vector<bool> blocked;
    std::string updated_at; // bumped when a port is taken, freed or blocked
    mutable std::string json;
};

struct SimClient {
    std::string id, code, name, observation, external_id, created_at, updated_at;
    bool implanted = false, certified = false;
    int status = 0;
    mutable std::string json;
};

struct SimProperty {
    std::string id, project, box, splitter, address, observation, client, drop, external_id, created_at,
        updated_at;
    int port = 0;
    double lat = 0, lng = 0;
    mutable std::string json_prefix; // everything but the trailing "client" member
};

struct SimUser {
    std::string id, username, email, name, role, observation, locale, password, external_id;
    std::vector<std::string> resources;
    std::vector<std::pair<std::string, std::string>> projects; // (project, role)
    mutable std::string json;
};

struct SimRole {
    std::string id, name;
    mutable std::string json;
};

/// An error a write answers with: HTTP status and message.
struct SimError {
    int status;
    std::string message;
};

class Network {
public:
    std::map<std::string, SimProject> projects;
    std::map<std::string, SimBox> boxes;
    std::map<std::string, SimSplitter> splitters;
    std::map<std::string, SimProperty> properties;
    std::map<std::string, SimClient> clients;
    std::map<std::string, SimUser> users;
    std::map<std::string, SimRole> roles;
    /// Bumped on every write to a collection; list caches compare it.
    std::map<std::string, uint64_t> versions;

    /// New ids: a fixed 16-hex prefix and a counter (JSON, the fixture format: sim/fixture.*).
    std::string new_id();
    uint64_t id_base() const { return m_id_base; }
    void set_id_base(uint64_t base) { m_id_base = base; }
    uint64_t id_counter() const { return m_counter; }
    void set_id_counter(uint64_t counter) { m_counter = counter; }

    // Writes (ozmap-api.md "Writes the job makes"). Return the created object's JSON or a SimError.
    std::variant<std::string, SimError> create_property(const std::string& body, const std::string& now);
    std::optional<SimError> patch_property(const std::string& id, const std::string& body,
                                           const std::string& now);
    std::optional<SimError> delete_property(const std::string& id, const std::string& now);
    /// POST /cables/<drop>/fibers/disconnect: frees the port of the property on this drop cable and
    /// empties its connections; the property stays on its box. Disconnecting twice is harmless.
    std::optional<SimError> disconnect_drop(const std::string& drop, const std::string& now);
    std::optional<SimError> patch_client(const std::string& id, const std::string& body,
                                         const std::string& now);
    std::optional<SimError> batch_update_clients(const std::string& body, const std::string& now);
    std::optional<SimError> delete_client(const std::string& id, const std::string& now);
    /// `POST /__sim/touch`: an OZmap user's edit between runs, `{"collection","id","set":{...}}`: a box's
    /// `draft`/`implanted`/`name`, a splitter's `blocked` ports (numbers) or `implanted`. Bumps updatedAt.
    std::optional<SimError> edit(const std::string& body, const std::string& now);
    std::variant<std::string, SimError> create_user(const std::string& body);
    std::optional<SimError> patch_user(const std::string& id, const std::string& body);

    void touch(const char* collection) { ++versions[collection]; }
    /// Rebuilds the lookup indexes (after loading or generating).
    void reindex();
    /// Properties whose client has this code.
    std::vector<const SimProperty*> properties_by_code(const std::string& code) const;

private:
    /// Checks that (box, splitter, port) can take a new drop; empty when fine.
    std::optional<SimError> check_port(const std::string& box, const std::string& splitter, int port,
                                       bool force, const std::string& ignore_fiber = "") const;
    void free_port(const SimProperty& p, const std::string& now);
    void index_property(const SimProperty& p);
    void unindex_property(const SimProperty& p);
    // Lookups OZmap answers in constant time; scans would make the simulator the bottleneck of an apply.
    std::unordered_map<std::string, std::string> m_client_by_code;
    std::unordered_map<std::string, std::set<std::string>> m_properties_by_client;
    uint64_t m_id_base = 0x65f0000000000000ULL;
    uint64_t m_counter = 0;
};

} // namespace oznsync::sim
