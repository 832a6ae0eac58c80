// Contract: every request body oznsync sends in the lifecycle and partner runs passes the official OZmap
// SDK's zod schemas (@ozmap/ozmap-sdk, installed by `npm ci` in tests/contract; jobs/test.sh does it).
#include "support/harness.hpp"

#include <doctest/doctest.h>

#include <filesystem>

using namespace harness;

TEST_SUITE("contract") {
    TEST_CASE("lifecycle and partner writes pass the official SDK's schemas") {
        const std::string contract = std::string(FIXTURES_DIR) + "/../contract";
        REQUIRE_MESSAGE(std::filesystem::exists(contract + "/node_modules/@ozmap/ozmap-sdk"),
                        "run `npm ci` in tests/contract (jobs/test.sh does)");
        Sim sim({"--fixture", fixture("network-small.json")});
        TempDir dir;
        write_file(dir.file("partnerships.json"), read_file(fixture("partnerships.json")));
        std::string cfg = write_config(dir, sim,
                                       "[ozneutral]\nsales = file:" + dir.file("sales.json") +
                                           "\npartnerships = file:" + dir.file("partnerships.json") +
                                           "\n[partners]\nrole = Partner\n[safety]\nmax_invalid_pct = 50\n");
        for (const char* stage : {"stage1", "stage2", "stage3", "stage4"}) {
            write_file(dir.file("sales.json"), read_file(fixture(std::string("sales-") + stage + ".json")));
            CHECK(oznsync({"run", "--config", cfg}).exit_code == 3); // the planted conflicts
        }
        CHECK(oznsync({"partners", "--config", cfg, "--reset-password", "65a000000000000000000007"})
                  .exit_code == 0);
        write_file(dir.file("partnerships.json"), read_file(fixture("partnerships-ended.json")));
        CHECK(oznsync({"partners", "--config", cfg}).exit_code == 0);

        std::string writes = sim.get("/__sim/requests");
        for (const char* kind :
             {"\"POST\",\"path\":\"/api/v2/properties\"", "\"PATCH\",\"path\":\"/api/v2/properties/",
              "\"PATCH\",\"path\":\"/api/v2/ftth-clients/", "\"DELETE\",\"path\":\"/api/v2/properties/",
              "\"POST\",\"path\":\"/api/v2/users\"", "\"PATCH\",\"path\":\"/api/v2/users/"})
            CHECK_MESSAGE(writes.find(kind) != std::string::npos, kind); // every kind of write was exercised
        write_file(dir.file("writes.json"), writes);
        const std::string filters = sim.get("/__sim/filters");
        CHECK(filters.find("\"property\":\"project\"") != std::string::npos); // list filters were read
        CHECK(filters.find("\"property\":\"username\"") != std::string::npos);
        write_file(dir.file("filters.json"), filters);
        Result r = run({"/usr/bin/env", "node", contract + "/validate.js", dir.file("writes.json"),
                        dir.file("filters.json")},
                       {}, contract);
        INFO(r.out << r.err);
        CHECK(r.exit_code == 0);
        CHECK(r.out.find(" 0 failed") != std::string::npos);
        CHECK(r.out.find("1 password PATCH(es) flagged") != std::string::npos);
    }

    TEST_CASE("a feed in the ozn-sdk's exact TMF638 shape, validated by its own schema, is planned whole") {
        const std::string contract = std::string(FIXTURES_DIR) + "/../contract";
        REQUIRE_MESSAGE(std::filesystem::exists(contract + "/node_modules/@ozmap/ozn-sdk"),
                        "run `npm ci` in tests/contract (jobs/test.sh does)");
        Sim sim({"--fixture", fixture("network-small.json")});
        TempDir dir;
        // Project 1, box CTO-000001, the drop splitter whose ports 2, 3 and 7 are free.
        Result gen =
            run({"/usr/bin/env", "node", contract + "/tmf_feed.js", dir.file("tmf.json"),
                 "65f000030000000000000001", "65f000030000000000000004", "65f000030000000000000012", "2,3,7"},
                {}, contract);
        INFO(gen.out << gen.err);
        REQUIRE(gen.exit_code == 0);
        std::string cfg = write_config(dir, sim, "[ozneutral]\nsales = file:" + dir.file("tmf.json") + "\n");
        REQUIRE(oznsync({"pull", "--config", cfg}).exit_code == 0);
        Result plan = oznsync({"plan", "--config", cfg});
        INFO(plan.out << plan.err);
        CHECK(plan.exit_code == 0);
        CHECK(plan.out.find("create=3") != std::string::npos);
        CHECK(plan.out.find("invalid") == std::string::npos);
        // And applied: three clients, the first reserved (not implanted), the others active.
        Result applied = oznsync({"run", "--config", cfg});
        INFO(applied.out << applied.err);
        CHECK(applied.exit_code == 0);
        CHECK(oznsync({"run", "--config", cfg}).out.find("create") == std::string::npos);
    }
}
