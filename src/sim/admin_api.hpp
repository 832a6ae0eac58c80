#pragma once
// The simulator's /__sim/ endpoints, for tests and rehearsals: state, reset, the write log, counters,
// faults, the OZneutral feeds and token expiry.
#include "sim/faults.hpp"
#include "sim/neutral_api.hpp"
#include "sim/ozmap_api.hpp"
#include "sim/reply.hpp"

#include <atomic>
#include <string>

namespace oznsync::sim {

/// The rooms the admin endpoints reach into.
struct SimRooms {
    FaultRoom& faults;
    OzmapApi& ozmap;
    NeutralApi& neutral;
    const std::atomic<int>& max_in_flight; // the most API requests answered at once
};

Reply handle_admin(SimRooms& rooms, const std::string& method, const std::string& path,
                   const std::string& body);

} // namespace oznsync::sim
