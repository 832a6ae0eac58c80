#include "sim/generate.hpp"

#include <cmath>
#include <cstdio>

namespace oznsync::sim {

namespace {
/// splitmix64: tiny, fast and identical on every platform (unlike std:: distributions).
struct Rng {
    uint64_t state;
    uint64_t next() {
        uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }
    double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
};
} // namespace

Network generate_network(const GenerateOptions& o) {
    Network n;
    Rng rng{o.seed * 7919 + 17};
    n.set_id_base(0x65f0000000000000ULL + (o.seed & 0xffff) * 0x100000000ULL);
    const std::string now = "2026-01-01T00:00:00.000Z";
    std::vector<std::string> project_ids;
    for (int i = 0; i < std::max(1, o.projects); ++i) {
        SimProject p;
        p.id = n.new_id();
        p.name = "Project " + std::to_string(i + 1);
        p.identifier = "PRJ-" + std::to_string(i + 1);
        // Projects sit side by side around Florianopolis, ~11 km apart.
        p.lat = -27.59 + 0.1 * (i / 4);
        p.lng = -48.55 + 0.1 * (i % 4);
        project_ids.push_back(p.id);
        n.projects[p.id] = p;
    }
    SimRole role;
    role.id = n.new_id();
    role.name = "Partner";
    n.roles[role.id] = role;

    long long client_no = 0;
    for (int b = 0; b < o.boxes; ++b) {
        const auto& proj = n.projects[project_ids[static_cast<size_t>(b) % project_ids.size()]];
        SimBox box;
        box.id = n.new_id();
        box.project = proj.id;
        char name[32];
        std::snprintf(name, sizeof name, "CTO-%06d", b + 1);
        box.name = name;
        box.lat = proj.lat + (rng.uniform() - 0.5) * 0.08;
        box.lng = proj.lng + (rng.uniform() - 0.5) * 0.08;
        box.draft = rng.uniform() < o.draft_share;
        box.implanted = !box.draft;
        n.boxes[box.id] = box;
        for (int k = 0; k < o.splitters_per_box; ++k) {
            SimSplitter s;
            s.id = n.new_id();
            s.box = box.id;
            s.project = box.project;
            s.name = box.name + "-S" + std::to_string(k + 1);
            s.is_drop = true;
            s.output.resize(static_cast<size_t>(o.ports));
            s.blocked.resize(static_cast<size_t>(o.ports), false);
            for (int port = 1; port <= o.ports; ++port) {
                if (!box.draft && rng.uniform() < o.occupancy) {
                    SimClient c;
                    c.id = n.new_id();
                    char code[32];
                    std::snprintf(code, sizeof code, "OP-%07lld", ++client_no);
                    c.code = code;
                    c.name = "Customer " + std::to_string(client_no);
                    c.implanted = rng.uniform() < o.implanted_share;
                    c.created_at = c.updated_at = now;
                    SimProperty p;
                    p.id = n.new_id();
                    p.project = box.project;
                    p.box = box.id;
                    p.splitter = s.id;
                    p.port = port;
                    p.drop = n.new_id();
                    p.lat = box.lat + (rng.uniform() - 0.5) * 0.001;
                    p.lng = box.lng + (rng.uniform() - 0.5) * 0.001;
                    p.address =
                        "Rua " + std::to_string(client_no % 977) + ", " + std::to_string(client_no % 1500);
                    p.client = c.id;
                    p.created_at = p.updated_at = now;
                    s.output[static_cast<size_t>(port - 1)] = p.drop;
                    n.clients[c.id] = c;
                    n.properties[p.id] = p;
                } else if (rng.uniform() < o.blocked_share) {
                    s.blocked[static_cast<size_t>(port - 1)] = true;
                }
            }
            n.splitters[s.id] = s;
        }
        if (b % 5 == 0) {
            SimSplitter feeder;
            feeder.id = n.new_id();
            feeder.box = box.id;
            feeder.project = box.project;
            feeder.name = box.name + "-F";
            feeder.is_drop = false;
            feeder.output.resize(2);
            feeder.blocked.resize(2, false);
            n.splitters[feeder.id] = feeder;
        }
    }
    n.reindex();
    return n;
}

} // namespace oznsync::sim
