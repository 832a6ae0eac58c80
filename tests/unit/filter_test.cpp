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

    TEST_CASE("nextUrl in every form OZmap may use") {
        CHECK(OzmapClient::resolve_next_url("https://h:9994/api/v2/boxes?after=x&limit=5") ==
              "boxes?after=x&limit=5");
        CHECK(OzmapClient::resolve_next_url("/api/v2/boxes?after=x") == "boxes?after=x");
        CHECK(OzmapClient::resolve_next_url("boxes?after=x") == "boxes?after=x");
    }
}
