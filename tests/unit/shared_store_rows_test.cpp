// What the shared store is sent: COPY's text escapes and a box's published ports (pure: no server).
#include "store/shared_store.hpp"

#include <doctest/doctest.h>

using namespace oznsync;

TEST_SUITE("shared_store_rows") {
    TEST_CASE("COPY text fields: backslash, tab, newline and carriage return escaped; the rest as it is") {
        std::string out;
        pg::copy_escape(out, "CTO 1\t\\a\nb\rç");
        CHECK(out == "CTO 1\\t\\\\a\\nb\\rç");
        std::string row;
        pg::CopyRow(row).field("a\tb").field(int64_t{7}).field(-48.56075791677253).field(true).end();
        CHECK(row == "a\\tb\t7\t-48.56075791677253\tt\n");
    }

    TEST_CASE(
        "a box's published ports: its sellable ones per splitter, none of a draft, none of a full splitter") {
        BoxPorts b;
        b.box = Box{"box1", "p1", "CTO 1", -27.6, -48.5, false, true};
        const PortState free{false, std::nullopt}, taken{false, std::string("fiber1")},
            blocked{true, std::nullopt};
        b.splitters.push_back({"s1", "S1", {free, taken, blocked, free}});
        b.splitters.push_back({"s2", "S2", {taken, taken}});
        b.splitters.push_back({"s3", "S\"3", {taken, free}});
        int64_t n = 0;
        CHECK(published_splitters(b, n) ==
              R"([{"id":"s1","name":"S1","free_ports":[1,4]},{"id":"s3","name":"S\"3","free_ports":[2]}])");
        CHECK(n == 3);
        b.box.draft = true;
        CHECK(published_splitters(b, n) == "[]");
        CHECK(n == 0);
    }

    TEST_CASE("what a run's report says of its publish") {
        CHECK(publish_text(PublishResult{}).empty());
        PublishResult r{PublishResult::Status::Published, 7, 1234, 0.456, ""};
        CHECK(publish_text(r) == "published 1234 boxes of snapshot 7 in 0.45 s");
        r = PublishResult{PublishResult::Status::Failed, 7, 0, 0, "PostgreSQL at postgresql://db/x: refused"};
        CHECK(publish_text(r).rfind(
                  "FAILED: PostgreSQL at postgresql://db/x: refused (the shared store keeps", 0) == 0);
        CHECK(std::string(status_name(PublishResult::Status::Unchanged)) == "unchanged");
    }
}
