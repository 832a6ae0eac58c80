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
        write_file(dir.file("partnerships.json"), read_file(fixture("partnerships-ended.json")));
        CHECK(oznsync({"partners", "--config", cfg}).exit_code == 0);

        std::string writes = sim.get("/__sim/requests");
        for (const char* kind :
             {"\"POST\",\"path\":\"/api/v2/properties\"", "\"PATCH\",\"path\":\"/api/v2/properties/",
              "\"PATCH\",\"path\":\"/api/v2/ftth-clients/", "\"DELETE\",\"path\":\"/api/v2/properties/",
              "\"POST\",\"path\":\"/api/v2/users\"", "\"PATCH\",\"path\":\"/api/v2/users/"})
            CHECK_MESSAGE(writes.find(kind) != std::string::npos, kind); // every kind of write was exercised
        write_file(dir.file("writes.json"), writes);
        Result r =
            run({"/usr/bin/env", "node", contract + "/validate.js", dir.file("writes.json")}, {}, contract);
        INFO(r.out << r.err);
        CHECK(r.exit_code == 0);
        CHECK(r.out.find(" 0 failed") != std::string::npos);
    }
}
