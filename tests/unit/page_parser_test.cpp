#include "http/http_client.hpp"
#include "ozmap/page_parser.hpp"

#include <doctest/doctest.h>

using namespace oznsync;

TEST_SUITE("page_parser") {
    TEST_CASE("envelope and boxes") {
        std::string body = R"({"total":3,"count":2,"start":0,"limit":2,"rows":[
          {"id":"b1","name":"CTO 1","project":"p1","coords":[-48.5,-27.6],"draft":false,"implanted":true},
          {"_id":"b2","id":"b2","name":"CTO 2","project":{"id":"p1","name":"x"},"coords":[-48.4,-27.5],"draft":true}
        ],"hasNextPage":true,"nextUrl":"/api/v2/boxes?after=b2"})";
        auto page = parse_boxes_page(body);
        CHECK(page.total == 3);
        CHECK(page.has_next);
        CHECK(page.next_url == "/api/v2/boxes?after=b2");
        REQUIRE(page.rows.size() == 2);
        CHECK(page.rows[0].lat == doctest::Approx(-27.6));
        CHECK(page.rows[0].lng == doctest::Approx(-48.5));
        CHECK(page.rows[1].project == "p1");
        CHECK(page.rows[1].draft);
        CHECK_FALSE(page.rows[1].implanted);
    }

    TEST_CASE("splitter ports: 1-based, occupancy from outputs, blocked from ports") {
        std::string body = R"({"total":1,"rows":[{"id":"s1","parent":"b1","project":"p1","isDrop":true,
          "ratio":{"input":1,"output":4},"connectables":{"input":[],"output":[null,"f2",null]},
          "ports":[{"index":0,"blocked":false},{"index":1,"blocked":false},{"index":2,"blocked":true}]}]})";
        auto page = parse_splitters_page(body);
        REQUIRE(page.rows.size() == 1);
        const auto& s = page.rows[0];
        REQUIRE(s.ports.size() == 4);
        CHECK(s.box == "b1");
        CHECK(s.ports[0].number == 1);
        CHECK_FALSE(s.ports[0].fiber);
        CHECK(s.ports[1].fiber == std::optional<std::string>("f2"));
        CHECK(s.ports[2].blocked);
        CHECK_FALSE(s.ports[3].blocked);
    }

    TEST_CASE("non-drop splitters and rows without id are skipped and named") {
        std::string body =
            R"({"total":3,"rows":[{"id":"s1","isDrop":false},{"name":"no id","isDrop":true},42]})";
        auto page = parse_splitters_page(body);
        CHECK(page.rows.empty());
        CHECK(page.rows_seen == 3);
        REQUIRE(page.problems.size() == 3);
        CHECK(page.problems[1].find("no id") != std::string::npos);
        CHECK(page.problems[2].find("not an object") != std::string::npos);
    }

    TEST_CASE("properties with a populated client and a splitter connection") {
        std::string body = R"({"total":2,"rows":[
          {"id":"pr1","project":"p1","box":"b1","coords":[-48.1,-27.1],"address":"Rua A",
           "connections":[{"id":"s1","kind":"Splitter","port":3,"fiber":"f"}],"external_id":"ozneutral:r1",
           "client":{"id":"c1","code":"ORD-1","name":"Maria","implanted":true,"external_id":null}},
          {"id":"pr2","project":"p1","box":null,"client":"c2","connections":[]}]})";
        auto page = parse_properties_page(body);
        REQUIRE(page.rows.size() == 2);
        CHECK(page.rows[0].splitter == "s1");
        CHECK(page.rows[0].port == 3);
        CHECK(page.rows[0].client_code == "ORD-1");
        CHECK(page.rows[0].client_implanted);
        CHECK(page.rows[0].external_id == "ozneutral:r1");
        CHECK(page.rows[1].client_id == "c2");
        CHECK(page.rows[1].box.empty());
        CHECK(page.rows[1].port == 0);
    }

    TEST_CASE("bodies that are not pages are transport errors, so they are retried") {
        for (std::string body :
             {std::string(R"({"total":3,"rows":[{"id":"b1"})"), std::string("<html>502</html>"),
              std::string(R"({"total":3})"), std::string("")}) {
            CHECK_THROWS_AS(parse_boxes_page(body), TransportError);
        }
    }

    TEST_CASE("bare property arrays") {
        std::string body = R"([{"id":"pr1","project":"p","client":{"id":"c1","code":"X"}}])";
        auto rows = parse_property_array(body);
        REQUIRE(rows.size() == 1);
        CHECK(rows[0].client_code == "X");
    }
}
