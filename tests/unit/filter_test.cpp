#include "ozmap/filter.hpp"
#include "ozmap/ozmap_client.hpp"
#include "util/strings.hpp"

#include <doctest/doctest.h>

using namespace oznsync;

TEST_SUITE("filter") {
    TEST_CASE("filter JSON as OZmap takes it") {
        CHECK(
            filter_json({filter_eq("project", std::string("p1")), filter_eq("isDrop", true)}) ==
            R"([{"property":"project","operator":"=","value":"p1"},{"property":"isDrop","operator":"=","value":true}])");
        CHECK(filter_json({filter_in("id", {"a", "b"})}) ==
              R"([{"property":"id","operator":"in","value":["a","b"]}])");
    }

    TEST_CASE("list path carries page, limit, encoded filter and populate") {
        ListQuery q;
        q.collection = "properties";
        q.limit = 500;
        q.filter = {filter_eq("project", std::string("p1"))};
        q.populate = "client";
        std::string path = list_path(q, 3);
        CHECK(path.rfind("properties?page=3&limit=500&filter=", 0) == 0);
        CHECK(path.find("&populate=client") != std::string::npos);
        auto f = path.substr(path.find("filter=") + 7);
        f = f.substr(0, f.find('&'));
        CHECK(url_decode(f) == filter_json(q.filter));
    }

    TEST_CASE("paging arithmetic") {
        CHECK(page_count(0, 500) == 1);
        CHECK(page_count(1, 500) == 1);
        CHECK(page_count(500, 500) == 1);
        CHECK(page_count(501, 500) == 2);
        CHECK(page_count(1000000, 500) == 2000);
    }

    TEST_CASE("the next page as findAll asks it: nextUrl's cursor, the list's own limit, filter and sort") {
        ListQuery q;
        q.collection = "properties";
        q.limit = 50;
        q.filter = {filter_eq("project", "p1")};
        q.populate = "client";
        const std::string own =
            "properties?limit=50&filter=" + url_encode(filter_json(q.filter)) + "&populate=client";
        // nextUrl in every form OZmap may use, with the cursor alone or with everything echoed (and wrong).
        for (const std::string& next :
             {std::string("https://h:9994/api/v2/properties?after=x"),
              std::string("/api/v2/properties?after=x"), std::string("properties?after=x"),
              std::string(
                  "/api/v2/properties?limit=5&page=7&select=name&populate=none&filter=%5B%5D&after=x")})
            CHECK(OzmapClient::next_page_route(q, next, false) == own + "&after=x");
        // Filter (and sort) in the body: the query keeps limit, populate and the cursor.
        CHECK(OzmapClient::next_page_route(q, "/api/v2/properties?after=x", true) ==
              "properties?limit=50&populate=client&after=x");
        // A cursor of several parameters, escaped as it came.
        CHECK(OzmapClient::next_page_route(q, "?skip=100&token=a%2Fb", true) ==
              "properties?limit=50&populate=client&skip=100&token=a%2Fb");
    }

    TEST_CASE("sort travels beside the filter: in the query string, or in the SDK's JSON body") {
        ListQuery q;
        q.collection = "boxes";
        q.limit = 1;
        q.filter = {filter_eq("project", std::string("p1"))};
        q.sort = {{"_id", -1}};
        std::string path = list_path(q, 1);
        auto s = path.substr(path.find("&sort=") + 6);
        CHECK(url_decode(s.substr(0, s.find('&'))) == R"([{"property":"_id","direction":-1}])");
        CHECK(list_path(q, 1, true) == "boxes?page=1&limit=1");
        CHECK(
            list_body(q) ==
            R"({"filter":[{"property":"project","operator":"=","value":"p1"}],"sort":[{"property":"_id","direction":-1}]})");
        q.filter.clear();
        CHECK(list_body(q) == R"({"sort":[{"property":"_id","direction":-1}]})");
        CHECK(filter_json({filter_cmp("_id", ">=", "5f0000000000000000000000")}) ==
              R"([{"property":"_id","operator":">=","value":"5f0000000000000000000000"}])");
    }

    TEST_CASE("_id ranges: cuts rise strictly between the ends, evenly, across all 96 bits") {
        auto cuts = id_split_points("000000000000000000000000", "000000000000000000000064", 4);
        CHECK(cuts == std::vector<std::string>{"000000000000000000000019", "000000000000000000000032",
                                               "00000000000000000000004b"});
        // ObjectIds a year apart: the cuts are ObjectIds (time first) in between.
        cuts = id_split_points("5e0c7a800000000000000000", "5ffe6b7fffffffffffffffff", 8);
        REQUIRE(cuts.size() == 7);
        std::string prev = "5e0c7a800000000000000000";
        for (const auto& c : cuts) {
            CHECK(c.size() == 24);
            CHECK(c > prev);
            prev = c;
        }
        CHECK(prev < "5ffe6b7fffffffffffffffff");
        // The simulator's ids differ only in their last digits: still cut.
        CHECK(id_split_points("65f1a2b3c4d5e6f700000001", "65f1a2b3c4d5e6f700004e20", 4).size() == 3);
    }

    TEST_CASE("_id ranges: nothing to cut when the ids are not ObjectIds, too close, or in the wrong order") {
        CHECK(id_split_points("abc", "def", 4).empty());
        CHECK(id_split_points("5E0C7A800000000000000000", "5FFE6B7FFFFFFFFFFFFFFFFF", 4).empty());
        CHECK(id_split_points("5e0c7a80000000000000000g", "5ffe6b7fffffffffffffffff", 4).empty());
        CHECK(id_split_points("000000000000000000000001", "000000000000000000000003", 4).empty());
        CHECK(id_split_points("5ffe6b7fffffffffffffffff", "5e0c7a800000000000000000", 4).empty());
        CHECK(id_split_points("5e0c7a800000000000000000", "5ffe6b7fffffffffffffffff", 1).empty());
    }
}
