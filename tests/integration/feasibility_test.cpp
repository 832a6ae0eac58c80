#include "support/harness.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <random>
#include <set>

using namespace harness;

namespace {
std::set<std::string> free_ports(const std::string& availability_json) {
    std::set<std::string> out;
    auto root = Poco::JSON::Parser().parse(availability_json).extract<Poco::JSON::Object::Ptr>();
    auto boxes = root->getArray("boxes");
    for (size_t i = 0; i < boxes->size(); ++i) {
        auto ports = boxes->getObject(static_cast<unsigned>(i))->getArray("free_ports");
        for (size_t j = 0; j < ports->size(); ++j)
            out.insert(ports->getElement<std::string>(static_cast<unsigned>(j)));
    }
    return out;
}

/// A config whose runs sell stage 1 of the lifecycle fixture (four sales) on network-small.
std::string stage1_config(const TempDir& dir, const Sim& sim) {
    return write_config(dir, sim,
                        "[ozneutral]\nsales = file:" + fixture("sales-stage1.json") +
                            "\n[safety]\nmax_removals_pct = 100\nmax_invalid_pct = 50\n");
}

std::string fmt(double v) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.7f", v);
    return buf;
}
} // namespace

TEST_SUITE("feasibility_run") {
    TEST_CASE("1,000 random points: oznsync feasibility answers exactly what the simulator's /ftth-viability "
              "says") {
        Sim sim({"--projects", "2", "--boxes", "600", "--occupancy", "0.7", "--draft-share", "0.1",
                 "--blocked-share", "0.3", "--seed", "11"});
        TempDir dir;
        std::string cfg = write_config(dir, sim);
        REQUIRE(oznsync({"pull", "--config", cfg}).exit_code == 0);
        std::mt19937_64 rng(2026);
        std::uniform_real_distribution<double> lat(-27.64, -27.54), lng(-48.60, -48.40), r(50, 2500);
        int with_boxes = 0;
        for (int i = 0; i < 1000; ++i) {
            std::string la = fmt(lat(rng)), lo = fmt(lng(rng));
            std::string radius = i % 4 == 0 ? "150" : fmt(r(rng));
            std::string limit = i % 10 == 0 ? "3" : "0";
            Result mine = oznsync({"feasibility", "--config", cfg, "--lat", la, "--lng", lo, "--radius",
                                   radius, "--limit", limit, "--format", "json"});
            REQUIRE(mine.exit_code == 0);
            std::string theirs = sim.get("/api/v2/ftth-viability/radius?lat=" + la + "&lng=" + lo +
                                         "&radius=" + radius + "&limit=" + limit);
            REQUIRE_MESSAGE(mine.out == theirs + "\n", "point " << la << "," << lo << " r=" << radius);
            with_boxes += mine.out.find("\"viable_boxes\":[]") == std::string::npos;
        }
        CHECK(with_boxes > 300); // the points do land among boxes
    }

    TEST_CASE("feasibility follows the ports a run takes, and a snapshot from before port_states answers "
              "the same") {
        Sim sim({"--fixture", fixture("network-small.json")});
        TempDir dir;
        std::string cfg = stage1_config(dir, sim);
        REQUIRE(oznsync({"pull", "--config", cfg}).exit_code == 0);
        const std::string la = "-27.6", lo = "-48.5", radius = "100000";
        auto mine = [&] {
            Result r = oznsync({"feasibility", "--config", cfg, "--lat", la, "--lng", lo, "--radius", radius,
                                "--format", "json"});
            REQUIRE(r.exit_code == 0);
            return r.out;
        };
        auto theirs = [&] {
            return sim.get("/api/v2/ftth-viability/radius?lat=" + la + "&lng=" + lo + "&radius=" + radius) +
                   "\n";
        };
        const std::string before = mine();
        CHECK(before == theirs());
        CHECK(oznsync({"run", "--config", cfg}).exit_code == 3);
        // The run patched the snapshot's ports; port_states followed (a trigger), no pull in between.
        const std::string after = mine();
        CHECK(after != before);
        CHECK(after == theirs());
        // A snapshot pulled before the column existed has none: its ports are read row by row.
        REQUIRE(run({"/usr/bin/sqlite3", dir.file("oznsync.db"), "UPDATE splitters SET port_states = NULL"})
                    .exit_code == 0);
        CHECK(mine() == after);
    }

    TEST_CASE("availability lists only sellable ports, and shrinks after a run creates clients") {
        Sim sim({"--fixture", fixture("network-small.json")});
        TempDir dir;
        std::string cfg = stage1_config(dir, sim);
        REQUIRE(oznsync({"pull", "--config", cfg}).exit_code == 0);
        Result before = oznsync({"availability", "--config", cfg});
        REQUIRE(before.exit_code == 0);
        auto free_before = free_ports(before.out);
        const std::vector<std::string> sold = {"65f000030000000000000012:2", "65f000030000000000000012:3",
                                               "65f000030000000000000040:2", "65f000030000000000000037:1"};
        for (const auto& p : sold)
            CHECK(free_before.count(p));
        CHECK_FALSE(free_before.count("65f000030000000000000005:1")); // blocked
        CHECK_FALSE(free_before.count("65f000030000000000000005:3")); // operator's client
        CHECK_FALSE(free_before.count("65f00003000000000000002d:1")); // draft box
        CHECK(before.out.find("OP-") == std::string::npos);           // no client data leaks
        CHECK(oznsync({"run", "--config", cfg}).exit_code == 3);
        auto free_after = free_ports(oznsync({"availability", "--config", cfg}).out);
        CHECK(free_after.size() == free_before.size() - sold.size());
        for (const auto& p : sold)
            CHECK_FALSE(free_after.count(p));
        Result csv =
            oznsync({"availability", "--config", cfg, "--format", "csv", "--out", dir.file("a.csv")});
        CHECK(csv.exit_code == 0);
        CHECK(read_file(dir.file("a.csv"))
                  .rfind("box_id,name,project,lat,lng,free_port_count,free_ports\r\n", 0) == 0);
        Result geo = oznsync({"availability", "--config", cfg, "--format", "geojson"});
        CHECK(geo.out.find("\"FeatureCollection\"") != std::string::npos);
        CHECK(oznsync({"availability", "--config", cfg, "--format", "xml"}).exit_code == 64);
    }
}
