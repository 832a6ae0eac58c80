#include "sim/fixture.hpp"
#include "sim/generate.hpp"
#include "sim/query.hpp"

#include <doctest/doctest.h>

using namespace oznsync::sim;

TEST_SUITE("sim_query") {
    TEST_CASE("filters: AND of conditions, OR inside groups, operators") {
        Network n;
        SimBox a{"b1", "p1", "A", 0, 0, false, true, false, false, 1, "2026-03-01T00:00:00Z", {}};
        SimBox b{"b2", "p2", "Bee", 0, 0, true, false, false, false, 2, "", {}};
        CHECK(matches(n, a, parse_filter(R"([{"property":"project","operator":"=","value":"p1"}])")));
        CHECK_FALSE(matches(n, b, parse_filter(R"([{"property":"project","operator":"eq","value":"p1"}])")));
        CHECK(matches(
            n, b,
            parse_filter(
                R"([[{"property":"project","operator":"=","value":"p1"},{"property":"draft","operator":"=","value":true}]])")));
        CHECK(matches(n, a, parse_filter(R"([{"property":"project","operator":"in","value":["p1","p3"]}])")));
        // updatedAt compares as ISO text; a box without it is older than anything asked for.
        const auto since =
            parse_filter(R"([{"property":"updatedAt","operator":">=","value":"2026-02-28T23:58:00Z"}])");
        CHECK(matches(n, a, since));
        CHECK_FALSE(matches(n, b, since));
        CHECK_FALSE(matches(
            n, a,
            parse_filter(R"([{"property":"updatedAt","operator":">=","value":"2026-03-01T00:00:01Z"}])")));
        CHECK(matches(n, b, parse_filter(R"([{"property":"project","operator":"notin","value":["p1"]}])")));
        CHECK(matches(n, b, parse_filter(R"([{"property":"name","operator":"like","value":"ee"}])")));
        CHECK(matches(n, b, parse_filter(R"([{"property":"hierarchyLevel","operator":">=","value":2}])")));
        CHECK_FALSE(
            matches(n, a, parse_filter(R"([{"property":"hierarchyLevel","operator":">","value":1}])")));
        CHECK(matches(n, a, parse_filter(R"([{"property":"nothing","operator":"exists","value":false}])")));
        CHECK(matches(n, a, parse_filter(R"([{"property":"project","operator":"!=","value":"p2"}])")));
        CHECK_THROWS_AS(parse_filter(R"([{"property":"x","operator":"regex","value":1}])"), BadQuery);
        CHECK_THROWS_AS(parse_filter("not json"), BadQuery);
    }

    TEST_CASE("generated networks are deterministic per seed") {
        GenerateOptions o;
        o.boxes = 50;
        o.seed = 9;
        Network a = generate_network(o), b = generate_network(o);
        CHECK(dump_fixture(a) == dump_fixture(b));
        o.seed = 10;
        CHECK(dump_fixture(generate_network(o)) != dump_fixture(a));
    }

    TEST_CASE("writes keep ports, properties and clients consistent") {
        GenerateOptions o;
        o.boxes = 3;
        o.projects = 1;
        o.occupancy = 0;
        o.blocked_share = 0;
        o.draft_share = 0;
        Network n = generate_network(o);
        const SimSplitter& s = n.splitters.begin()->second;
        std::string body =
            R"({"project":")" + s.project + R"(","box":")" + s.box + R"(","connector":")" + s.id +
            R"(","port":2,"coords":[-48,-27],"address":"x","external_id":"ozneutral:r1","client":{"code":"ORD-1","name":"M","implanted":false}})";
        auto res = n.create_property(body, "t");
        REQUIRE(std::holds_alternative<std::string>(res));
        CHECK(n.splitters.at(s.id).output[1].has_value());
        auto dup = n.create_property(body, "t");
        REQUIRE(std::holds_alternative<SimError>(dup));
        CHECK(std::get<SimError>(dup).status == 409);
        const std::string pid = n.properties.begin()->first;
        CHECK(n.splitters.at(s.id).updated_at == "t"); // taking a port changes the splitter
        CHECK_FALSE(n.patch_property(pid, R"({"port":3})", "t2"));
        CHECK_FALSE(n.splitters.at(s.id).output[1].has_value());
        CHECK(n.splitters.at(s.id).output[2].has_value());
        CHECK(n.splitters.at(s.id).updated_at == "t2");
        CHECK_FALSE(n.delete_property(pid, "t3"));
        CHECK_FALSE(n.splitters.at(s.id).output[2].has_value());
        CHECK(n.splitters.at(s.id).updated_at == "t3");
        // An OZmap user's edit between runs (POST /__sim/touch).
        CHECK_FALSE(
            n.edit(R"({"collection":"splitters","id":")" + s.id + R"(","set":{"blocked":[4]}})", "t4"));
        CHECK(n.splitters.at(s.id).blocked[3]);
        CHECK(n.splitters.at(s.id).updated_at == "t4");
        auto bad =
            n.edit(R"({"collection":"splitters","id":")" + s.id + R"(","set":{"blocked":[99]}})", "t5");
        REQUIRE(bad);
        CHECK(bad->status == 422);
    }
}
