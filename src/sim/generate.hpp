#pragma once
#include "sim/network.hpp"

#include <cstdint>

namespace oznsync::sim {

struct GenerateOptions {
    int projects = 2;
    int boxes = 1000;          // in total, spread over the projects
    int splitters_per_box = 2; // drop splitters per box
    int ports = 8;             // outputs per drop splitter
    double occupancy = 0.6;    // share of ports with a client on them
    double implanted_share = 0.7;
    double draft_share = 0.05;
    double blocked_share = 0.02; // share of free ports that are blocked
    uint64_t seed = 1;
};

/// A deterministic network: the same options give the same ids, coordinates and occupancy. Every fifth
/// box also holds a non-drop splitter, which a pull must leave out. Operator clients get codes OP-nnnnnnn.
Network generate_network(const GenerateOptions& options);

} // namespace oznsync::sim
