// Partner users end to end: `oznsync partners` and the partner step of `run` against ozmap-sim.
#include "support/harness.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <set>

using namespace harness;

TEST_SUITE("partners_run") {
    TEST_CASE(
        "accepted -> user with its projects; again -> no change; ended -> no access; passwords stay secret") {
        Sim sim({"--fixture", fixture("network-small.json")});
        TempDir dir;
        write_file(dir.file("partnerships.json"), read_file(fixture("partnerships.json")));
        std::string cfg = write_config(dir, sim,
                                       "[ozneutral]\npartnerships = file:" + dir.file("partnerships.json") +
                                           "\n[partners]\nrole = Partner\n");
        Result first = oznsync({"partners", "--config", cfg});
        INFO(first.out << first.err);
        CHECK(first.exit_code == 0);
        auto users = Poco::JSON::Parser()
                         .parse(sim.get("/api/v2/users"))
                         .extract<Poco::JSON::Object::Ptr>()
                         ->getArray("rows");
        REQUIRE(users->size() == 2);
        auto fibra = users->getObject(0);
        CHECK(fibra->getValue<std::string>("username") == "ozn-65a000000000000000000007");
        CHECK(fibra->getArray("projects")->size() == 2);
        CHECK(fibra->getValue<std::string>("role") == "65f000030000000000000003");

        // The handover file holds the passwords; nothing else does.
        std::string handover;
        for (const auto& e : std::filesystem::directory_iterator(dir.file("reports")))
            CHECK(e.path().filename().string().rfind("partners-", 0) != 0); // not among the run folders
        for (const auto& e : std::filesystem::directory_iterator(dir.file("reports/handover")))
            if (e.path().filename().string().rfind("partners-", 0) == 0) handover = e.path();
        REQUIRE_FALSE(handover.empty());
        CHECK((std::filesystem::status(dir.file("reports/handover")).permissions() &
               std::filesystem::perms::all) == std::filesystem::perms::owner_all);
        CHECK((std::filesystem::status(handover).permissions() & std::filesystem::perms::all) ==
              (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
        std::vector<std::string> passwords;
        for (const auto& line : std::vector<std::string>{read_file(handover)}) {
            size_t pos = 0;
            while ((pos = line.find("ozn-", pos)) != std::string::npos) {
                auto tab = line.find('\t', pos), nl = line.find('\n', pos);
                passwords.push_back(line.substr(tab + 1, nl - tab - 1));
                pos = nl;
            }
        }
        REQUIRE(passwords.size() == 2);
        for (const auto& pw : passwords) {
            CHECK(pw.size() >= 20);
            CHECK(first.out.find(pw) == std::string::npos);
            CHECK(first.err.find(pw) == std::string::npos);
            for (const auto& e : std::filesystem::recursive_directory_iterator(dir.path()))
                if (e.is_regular_file() && e.path() != handover)
                    CHECK_MESSAGE(read_file(e.path()).find(pw) == std::string::npos, e.path());
        }

        sim.request("DELETE", "/__sim/requests", "");
        CHECK(oznsync({"partners", "--config", cfg}).exit_code == 0);
        CHECK(sim.get("/__sim/requests") == "[]");

        write_file(dir.file("partnerships.json"), read_file(fixture("partnerships-ended.json")));
        Result dry = oznsync({"partners", "--config", cfg, "--dry-run"});
        CHECK(dry.out.find("user_update=1") != std::string::npos);
        CHECK(sim.get("/__sim/requests") == "[]");
        CHECK(oznsync({"partners", "--config", cfg}).exit_code == 0);
        users = Poco::JSON::Parser()
                    .parse(sim.get("/api/v2/users"))
                    .extract<Poco::JSON::Object::Ptr>()
                    ->getArray("rows");
        CHECK(users->getObject(0)->getArray("projects")->size() == 2);
        CHECK(users->getObject(1)->getArray("projects")->size() == 0);
    }
}

TEST_SUITE("partners_run") {
    TEST_CASE("user bodies pass the SDK's schema; operator edits are left alone; no e-mail, no user") {
        Sim sim({"--fixture", fixture("network-small.json")});
        TempDir dir;
        const std::string p1 = "65f000030000000000000001", p2 = "65f000030000000000000002";
        auto ships = [&](const std::string& approved, const std::string& projects, const std::string& email) {
            return R"([{"id":"65a00000000000000000000c","status":"accepted","approvedAt":")" + approved +
                   R"(","partner":{"id":"65a000000000000000000007","name":"FibraMais","email":")" + email +
                   R"("},"projects":[)" + projects + "]}]";
        };
        write_file(dir.file("partnerships.json"),
                   ships("2026-02-01T12:00:00Z", "\"" + p1 + "\",\"" + p2 + "\"", ""));
        std::string cfg = write_config(dir, sim,
                                       "[ozneutral]\npartnerships = file:" + dir.file("partnerships.json") +
                                           "\n[partners]\nrole = Partner\n");
        // No usable e-mail: no user, and the run says why. Why it was started is in its record (--reason).
        Result none = oznsync({"partners", "--config", cfg, "--reason", "new partner signed"});
        CHECK(none.exit_code == 3);
        CHECK(sim.get("/__sim/requests") == "[]");
        CHECK(read_file((newest_run_folder(dir) / "summary.json").string())
                  .find("\"reason\":\"new partner signed\"") != std::string::npos);
        CHECK(oznsync({"partners", "--config", cfg, "--reason", std::string("bad\x1b[31m")}).exit_code == 64);
        CHECK(oznsync({"adopt", "--dry-run", "--config", cfg, "--reason", std::string(201, 'x')}).exit_code ==
              64);
        // With partners.email_fallback the user is made, with a body the SDK's CreateUserDTO accepts.
        cfg = write_config(
            dir, sim,
            "[ozneutral]\npartnerships = file:" + dir.file("partnerships.json") +
                "\n[partners]\nrole = Partner\nemail_fallback = noc+{partner_id}@operator.example\n");
        REQUIRE(oznsync({"partners", "--config", cfg}).exit_code == 0);
        auto writes =
            Poco::JSON::Parser().parse(sim.get("/__sim/requests")).extract<Poco::JSON::Array::Ptr>();
        REQUIRE(writes->size() == 1);
        auto body = Poco::JSON::Parser()
                        .parse(writes->getObject(0)->getValue<std::string>("body"))
                        .extract<Poco::JSON::Object::Ptr>();
        CHECK(body->getValue<std::string>("email") == "noc+65a000000000000000000007@operator.example");
        auto projects = body->getArray("projects");
        REQUIRE(projects->size() == 2);
        for (size_t i = 0; i < projects->size(); ++i) {
            CHECK(projects->getObject(static_cast<unsigned>(i))->has("fromGroup"));
            CHECK_FALSE(projects->getObject(static_cast<unsigned>(i))->getValue<bool>("fromGroup"));
        }
        // The operator takes project 2 away in OZmap: the next runs leave that alone and report it.
        auto users = Poco::JSON::Parser().parse(sim.get("/api/v2/users")).extract<Poco::JSON::Object::Ptr>();
        const std::string uid = users->getArray("rows")->getObject(0)->getValue<std::string>("id");
        int status = 0;
        sim.request("PATCH", "/api/v2/users/" + uid,
                    R"({"projects":[{"project":")" + p1 +
                        R"(","role":"65f000030000000000000003","fromGroup":false}]})",
                    &status);
        REQUIRE(status == 204);
        sim.request("DELETE", "/__sim/requests", "");
        Result left = oznsync({"partners", "--config", cfg});
        INFO(left.out << left.err);
        CHECK(left.exit_code == 0);
        CHECK(sim.get("/__sim/requests") == "[]");
        CHECK(left.out.find("drift=1") != std::string::npos);
        // A new approval in OZneutral (later approvedAt): its projects are granted.
        write_file(dir.file("partnerships.json"),
                   ships("2026-06-01T12:00:00Z", "\"" + p2 + "\"", "noc@fibramais.example"));
        CHECK(oznsync({"partners", "--config", cfg}).exit_code == 0);
        users = Poco::JSON::Parser().parse(sim.get("/api/v2/users")).extract<Poco::JSON::Object::Ptr>();
        auto granted = users->getArray("rows")->getObject(0)->getArray("projects");
        REQUIRE(granted->size() == 1);
        CHECK(granted->getObject(0)->getValue<std::string>("project") == p2);
    }
}

TEST_SUITE("partners_run") {
    TEST_CASE("an ozn-sdk partnership without projects: fixed by the first run that sees it, never widened") {
        Sim sim({"--fixture", fixture("network-small.json")});
        TempDir dir;
        write_file(dir.file("partnerships.json"),
                   R"([{"_id":"65a00000000000000000004c","idPartner":{"_id":"65a000000000000000000047",
                        "idCompany":{"name":"Provedor Sul"}},"idOperator":"65a0000000000000000000ff",
                        "status":"active","createdAt":"2026-03-01T10:00:00Z"}])");
        const std::string base =
            "[ozneutral]\npartnerships = file:" + dir.file("partnerships.json") +
            "\n[partners]\nrole = Partner\nemail_fallback = noc+{partner_id}@operator.example\n";
        // The first run selects project 1 only: the partnership's projects are fixed to it.
        std::string cfg = write_config(dir, sim, base + "[ozmap]\nprojects = 65f000030000000000000001\n");
        REQUIRE(oznsync({"partners", "--config", cfg, "--dry-run"}).exit_code ==
                0); // a dry run fixes nothing
        Result first = oznsync({"partners", "--config", cfg});
        INFO(first.out << first.err);
        CHECK(first.exit_code == 0);
        CHECK(read_file(newest_run_folder(dir) / "report.txt").find("fixed since") != std::string::npos);
        auto projects_of_user = [&] {
            auto rows = Poco::JSON::Parser()
                            .parse(sim.get("/api/v2/users"))
                            .extract<Poco::JSON::Object::Ptr>()
                            ->getArray("rows");
            REQUIRE(rows->size() == 1);
            std::vector<std::string> out;
            auto ps = rows->getObject(0)->getArray("projects");
            for (size_t i = 0; i < ps->size(); ++i)
                out.push_back(ps->getObject(static_cast<unsigned>(i))->getValue<std::string>("project"));
            return out;
        };
        CHECK(projects_of_user() == std::vector<std::string>{"65f000030000000000000001"});
        // The selection grows to every project: the partner is not widened.
        cfg = write_config(dir, sim, base);
        Result later = oznsync({"partners", "--config", cfg});
        INFO(later.out << later.err);
        CHECK(later.exit_code == 0);
        CHECK(later.out.find("user_update") == std::string::npos);
        CHECK(projects_of_user() == std::vector<std::string>{"65f000030000000000000001"});
    }
}
