#pragma once
// The simulator's network as JSON: each entity as OZmap answers it (cached in the entity), the fixture
// format (--fixture, --dump, GET /__sim/state), and the readers of JSON members that request bodies share.
#include "sim/network.hpp"

#include <Poco/JSON/Object.h>

#include <string>

namespace oznsync::sim {

const std::string& to_json(const SimProject& p);
const std::string& to_json(const SimBox& b);
const std::string& to_json(const SimSplitter& s);
const std::string& to_json(const SimClient& c);
const std::string& to_json(const SimUser& u);
const std::string& to_json(const SimRole& r);
/// A property, its client as an id or (`populate_client`) the whole client.
std::string to_json(const Network& n, const SimProperty& p, bool populate_client);

/// The whole network in the fixture format.
std::string dump_fixture(const Network& n);
/// Loads a fixture; throws std::runtime_error naming the entry that is wrong.
Network load_fixture(const std::string& fixture_json);

// Members of a JSON object, each a std::runtime_error naming the member when it has the wrong type.
Poco::JSON::Object::Ptr parse_object(const std::string& body);
/// A string member, or the id of an object member (a populated reference).
std::string get_str(const Poco::JSON::Object::Ptr& o, const std::string& k, const std::string& def = "");
bool get_bool(const Poco::JSON::Object::Ptr& o, const std::string& k, bool def);
double get_num(const Poco::JSON::Object::Ptr& o, const std::string& k, double def);
/// `coords` as [lng, lat]; lat/lng untouched when absent or null.
void get_coords(const Poco::JSON::Object::Ptr& o, double& lat, double& lng);
/// `projects` as [{project, role}].
std::vector<std::pair<std::string, std::string>> user_projects(const Poco::JSON::Object::Ptr& o);
/// A user as OZmap's POST /users body (and the fixture) gives it.
SimUser user_from_json(const Poco::JSON::Object::Ptr& o);

} // namespace oznsync::sim
