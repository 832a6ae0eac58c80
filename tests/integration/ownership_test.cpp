// Never touch what is not ours: ownership proof, adopt, drift, removal, retried writes, fail-fast.
// Every test runs the real binaries against ozmap-sim on loopback.
#include "support/harness.hpp"
#include "support/sim_view.hpp"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <thread>

using namespace harness;
using Poco::JSON::Array;
using Poco::JSON::Object;

namespace {

const std::string kProject = "65f000030000000000000001";
const std::string kBox = "65f000030000000000000004";
const std::string kSplit = "65f000030000000000000012"; // ports 2, 3 and 7 free
// The operator's own client: code OP-0000001, on splitter ...05 port 3 of the same box.
const std::string kOperatorClient = "65f000030000000000000006",
                  kOperatorProperty = "65f000030000000000000007";

struct SaleSpec {
    std::string id;
    int version;
    std::string state, substate, code;
    int port;
    std::string reason = "";
};

std::string sale_json(const SaleSpec& s) {
    std::ostringstream o;
    o << R"({"id":")" << s.id << R"(","version":)" << s.version << R"(,"updatedAt":"2026-03-1)" << s.version
      << R"(T10:00:00Z","state":")" << s.state << R"(","substate":")" << s.substate << R"(","codeOrder":")"
      << s.code << R"(","clientName":"Client )" << s.code << R"(","address":"Rua Teste 1",)"
      << R"("partner":{"id":"65a000000000000000000007","name":"FibraMais","partnershipId":"65a00000000000000000000c"},)"
      << R"("ozmap":{"project":")" << kProject << R"(","box":")" << kBox << R"(","splitter":")" << kSplit
      << R"(","port":)" << s.port << R"(},"portReplaceReason":)"
      << (s.reason.empty() ? "null" : "\"" + s.reason + "\"") << "}";
    return o.str();
}

void write_sales(const TempDir& dir, const std::vector<SaleSpec>& sales) {
    std::string out = "[";
    for (size_t i = 0; i < sales.size(); ++i)
        out += (i ? "," : "") + sale_json(sales[i]);
    write_file(dir.file("sales.json"), out + "]");
}

std::string config(const TempDir& dir, const Sim& sim, const std::string& extra = "") {
    return write_config(dir, sim, "[ozneutral]\nsales = file:" + dir.file("sales.json") + "\n" + extra);
}

Object::Ptr parse(const std::string& json) {
    return Poco::JSON::Parser().parse(json).extract<Object::Ptr>();
}

/// The JSON text of the object with this id in one collection of the simulator's state.
std::string object_in_state(const Sim& sim, const std::string& collection, const std::string& id) {
    auto rows = parse(sim.get("/__sim/state"))->getArray(collection);
    for (size_t i = 0; rows && i < rows->size(); ++i) {
        auto o = rows->getObject(static_cast<unsigned>(i));
        if (o->getValue<std::string>("id") == id) {
            std::ostringstream s;
            Poco::JSON::Stringifier::stringify(o, s);
            return s.str();
        }
    }
    return "";
}

/// The property carrying the client with this code, from the simulator's state (null when none).
Object::Ptr property_of(const Sim& sim, const std::string& code) {
    auto state = parse(sim.get("/__sim/state"));
    std::string client_id;
    auto clients = state->getArray("ftth-clients");
    for (size_t i = 0; i < clients->size(); ++i)
        if (clients->getObject(static_cast<unsigned>(i))->getValue<std::string>("code") == code)
            client_id = clients->getObject(static_cast<unsigned>(i))->getValue<std::string>("id");
    auto props = state->getArray("properties");
    for (size_t i = 0; i < props->size(); ++i) {
        auto p = props->getObject(static_cast<unsigned>(i));
        if (!client_id.empty() && p->has("client") && !p->isNull("client") &&
            p->getValue<std::string>("client") == client_id)
            return p;
    }
    return nullptr;
}

int port_of(const Object::Ptr& property) {
    auto c = property->getArray("connections");
    return c && c->size() ? c->getObject(0)->getValue<int>("port") : 0;
}

bool client_exists(const Sim& sim, const std::string& code) {
    return code_counts(sim.get("/__sim/state")).count(code) > 0;
}

std::string newest_changes(const TempDir& dir) {
    return read_file(newest_run_folder(dir) / "changes.jsonl");
}

/// Writes the simulator applied (method + path), one per line.
std::string writes_log(const Sim& sim) {
    auto a = Poco::JSON::Parser().parse(sim.get("/__sim/requests")).extract<Array::Ptr>();
    std::string out;
    for (size_t i = 0; i < a->size(); ++i) {
        auto o = a->getObject(static_cast<unsigned>(i));
        out += o->getValue<std::string>("method") + " " + o->getValue<std::string>("path") + "\n";
    }
    return out;
}

/// An earlier integration's client (no external_id), implanted, on `port` of the test splitter.
void plant_legacy_client(const Sim& sim, const std::string& code, int port) {
    int status = 0;
    sim.post("/api/v2/properties",
             R"({"project":")" + kProject + R"(","box":")" + kBox + R"(","connector":")" + kSplit +
                 R"(","port":)" + std::to_string(port) +
                 R"(,"coords":[-48.5451,-27.6214],"address":"Rua Velha 9","client":{"code":")" + code +
                 R"(","name":"Legacy","implanted":true}})",
             &status);
    REQUIRE(status == 201);
}

std::vector<std::string> sim_args(std::vector<std::string> more = {}) {
    std::vector<std::string> a{"--fixture", fixture("network-small.json")};
    a.insert(a.end(), more.begin(), more.end());
    return a;
}

const std::string kSale = "5e00000000000000000000c1";

} // namespace

TEST_SUITE("ownership") {
    TEST_CASE("an operator client whose code equals a sale's survives the whole lifecycle byte for byte") {
        Sim sim(sim_args());
        TempDir dir;
        std::string cfg = config(dir, sim);
        const std::string client_before = object_in_state(sim, "ftth-clients", kOperatorClient);
        const std::string property_before = object_in_state(sim, "properties", kOperatorProperty);
        REQUIRE(client_before.find("OP-0000001") != std::string::npos);

        // Reserve, move (portReplaceReason), activate, port inactive, inspection accepted; and a
        // cancelled reservation of the same code. The code is the operator's client's, on another port.
        const std::vector<std::vector<SaleSpec>> stages = {
            {{kSale, 1, "reserved", "reserved", "OP-0000001", 2}},
            {{kSale, 2, "reserved", "reserved", "OP-0000001", 3, "crossing"}},
            {{kSale, 3, "active", "active", "OP-0000001", 3}},
            {{kSale, 4, "inactive", "portInactive", "OP-0000001", 3}},
            {{kSale, 5, "terminated", "inspectionAccepted", "OP-0000001", 3}},
            {{kSale, 6, "terminated", "reservationCancelled", "OP-0000001", 3}},
        };
        for (const auto& stage : stages) {
            CAPTURE(stage[0].version);
            write_sales(dir, stage);
            Result r = oznsync({"run", "--config", cfg, "--prune-orphans"});
            INFO(r.out << r.err);
            CHECK((r.exit_code == 0 || r.exit_code == 3));
            CHECK(object_in_state(sim, "ftth-clients", kOperatorClient) == client_before);
            CHECK(object_in_state(sim, "properties", kOperatorProperty) == property_before);
            CHECK(writes_log(sim).empty());
            if (stage[0].state != "terminated")
                CHECK(newest_changes(dir).find("taken by a client oznsync does not own") !=
                      std::string::npos);
        }
        CHECK(parse(read_file(newest_run_folder(dir) / "summary.json"))
                  ->getObject("counts")
                  ->getValue<long long>("owned_clients") == 0);
    }

    TEST_CASE("adopt takes over a client of an earlier integration, which then follows the lifecycle") {
        Sim sim(sim_args());
        TempDir dir;
        std::string cfg = config(dir, sim);
        // The earlier integration's client: the sale's code on the sale's port, no external_id.
        plant_legacy_client(sim, "LEG-1", 7);
        sim.request("DELETE", "/__sim/requests", "");
        write_sales(dir, {{kSale, 1, "active", "active", "LEG-1", 7}});

        Result before = oznsync({"run", "--config", cfg});
        INFO(before.out << before.err);
        CHECK(before.exit_code == 3); // a conflict: the code is taken by a client oznsync does not own
        CHECK(writes_log(sim).empty());

        Result dry = oznsync({"adopt", "--config", cfg, "--dry-run"});
        INFO(dry.out << dry.err);
        CHECK(dry.exit_code == 0);
        CHECK(dry.out.find("adopt=1") != std::string::npos);
        CHECK(writes_log(sim).empty());

        Result adopt = oznsync({"adopt", "--config", cfg});
        INFO(adopt.out << adopt.err);
        CHECK(adopt.exit_code == 0);
        CHECK(writes_log(sim) ==
              "PATCH /api/v2/properties/" + property_of(sim, "LEG-1")->getValue<std::string>("id") + "\n");
        CHECK(property_of(sim, "LEG-1")->getValue<std::string>("external_id") == "ozneutral:" + kSale);
        CHECK(newest_changes(dir).find("\"action\":\"adopt\"") != std::string::npos);

        // Now owned: the next runs follow the sale (nothing to do, then a move, then the removal).
        sim.request("DELETE", "/__sim/requests", "");
        CHECK(oznsync({"run", "--config", cfg}).exit_code == 0);
        CHECK(writes_log(sim).empty());
        write_sales(dir, {{kSale, 2, "active", "active", "LEG-1", 3, "signalIssue"}});
        Result moved = oznsync({"run", "--config", cfg});
        INFO(moved.out << moved.err);
        CHECK(moved.exit_code == 0);
        CHECK(port_of(property_of(sim, "LEG-1")) == 3);
        write_sales(dir, {{kSale, 3, "terminated", "reservationCancelled", "LEG-1", 3}});
        CHECK(oznsync({"run", "--config", cfg}).exit_code == 0);
        CHECK_FALSE(client_exists(sim, "LEG-1"));
    }

    TEST_CASE(
        "a technician's edit is drift: reported in drift.jsonl and left, unless reconcile.drift = revert") {
        Sim sim(sim_args());
        TempDir dir;
        std::string cfg = config(dir, sim);
        write_sales(dir, {{kSale, 1, "active", "active", "ORD-T", 2}});
        REQUIRE(oznsync({"run", "--config", cfg}).exit_code == 0);
        auto prop = property_of(sim, "ORD-T");
        REQUIRE(prop);
        const std::string pid = prop->getValue<std::string>("id");
        // A technician moves the client to port 3 in OZmap (the field is the truth).
        int status = 0;
        sim.request("PATCH", "/api/v2/properties/" + pid, R"({"connector":")" + kSplit + R"(","port":3})",
                    &status);
        REQUIRE(status == 204);
        sim.request("DELETE", "/__sim/requests", "");

        Result r = oznsync({"run", "--config", cfg});
        INFO(r.out << r.err);
        CHECK(r.exit_code == 0);
        CHECK(writes_log(sim).empty());
        CHECK(port_of(property_of(sim, "ORD-T")) == 3);
        std::string drift = read_file(newest_run_folder(dir) / "drift.jsonl");
        CHECK(drift.find("\"sale_id\":\"" + kSale + "\"") != std::string::npos);
        CHECK(drift.find("port 2 -> ") != std::string::npos);
        CHECK(std::count(drift.begin(), drift.end(), '\n') == 1);

        // OZneutral then changes the port itself: that is a move, and the reason says so.
        write_sales(dir, {{kSale, 2, "active", "active", "ORD-T", 7, "fullCTO"}});
        CHECK(oznsync({"run", "--config", cfg}).exit_code == 0);
        CHECK(port_of(property_of(sim, "ORD-T")) == 7);
        CHECK(newest_changes(dir).find("port changed in OZneutral, portReplaceReason: fullCTO") !=
              std::string::npos);

        // With reconcile.drift = revert, an edit is undone with a truthful reason.
        sim.request("PATCH", "/api/v2/properties/" + pid, R"({"connector":")" + kSplit + R"(","port":2})",
                    &status);
        std::string revert_cfg = config(dir, sim, "[reconcile]\ndrift = revert\n");
        Result rv = oznsync({"run", "--config", revert_cfg});
        INFO(rv.out << rv.err);
        CHECK(port_of(property_of(sim, "ORD-T")) == 7);
        CHECK(newest_changes(dir).find("reverting an OZmap edit") != std::string::npos);
    }

    TEST_CASE("removal frees the port, deletes the client, and deletes or keeps the property") {
        Sim sim(sim_args());
        TempDir dir;
        write_sales(dir, {{kSale, 1, "reserved", "reserved", "ORD-K", 2}});
        std::string cfg = config(dir, sim, "[removal]\nkeep_property = true\n");
        REQUIRE(oznsync({"run", "--config", cfg}).exit_code == 0);
        const std::string pid = property_of(sim, "ORD-K")->getValue<std::string>("id");
        sim.request("DELETE", "/__sim/requests", "");
        write_sales(dir, {{kSale, 2, "terminated", "reservationCancelled", "ORD-K", 2}});
        Result r = oznsync({"run", "--config", cfg});
        INFO(r.out << r.err);
        CHECK(r.exit_code == 0);
        std::string log = writes_log(sim);
        CHECK(log.find("POST /api/v2/cables/") != std::string::npos);
        CHECK(log.find("/fibers/disconnect") != std::string::npos);
        CHECK(log.find("DELETE /api/v2/ftth-clients/") != std::string::npos);
        CHECK(log.find("DELETE /api/v2/properties/") == std::string::npos);
        CHECK_FALSE(client_exists(sim, "ORD-K"));
        auto kept = parse(object_in_state(sim, "properties", pid));
        CHECK(kept->getArray("connections")->size() == 0);
        CHECK(kept->getValue<std::string>("box") == kBox);
        // The port is free again: a new sale can take it.
        sim.request("DELETE", "/__sim/requests", "");
        CHECK(oznsync({"run", "--config", cfg}).exit_code == 0);
        CHECK(writes_log(sim).empty());
        write_sales(dir, {{kSale, 2, "terminated", "reservationCancelled", "ORD-K", 2},
                          {"5e00000000000000000000c2", 1, "reserved", "reserved", "ORD-N", 2}});
        CHECK(oznsync({"run", "--config", cfg}).exit_code == 0);
        CHECK(port_of(property_of(sim, "ORD-N")) == 2);
    }

    TEST_CASE("adopt reads the external_id back: an OZmap that drops it on update owns nothing by it") {
        Sim sim(sim_args({"--strip-external-id"}));
        TempDir dir;
        std::string cfg = config(dir, sim);
        plant_legacy_client(sim, "LEG-2", 7);
        write_sales(dir, {{kSale, 1, "active", "active", "LEG-2", 7}});
        Result adopt = oznsync({"adopt", "--config", cfg});
        INFO(adopt.out << adopt.err);
        CHECK(adopt.exit_code != 0);
        CHECK(newest_changes(dir).find("does not store it on update") != std::string::npos);
        // Not recorded as owned: the next run still sees a client oznsync cannot prove is its own.
        sim.request("DELETE", "/__sim/requests", "");
        Result run = oznsync({"run", "--config", cfg, "-v"});
        CHECK(run.exit_code == 3);
        CHECK(writes_log(sim).empty());
        CHECK(run.err.find("code LEG-2 taken by a client oznsync does not own") != std::string::npos);
    }

    TEST_CASE("an older record version than the one applied is a finding, never applied (stale record)") {
        Sim sim(sim_args());
        TempDir dir;
        std::string cfg = config(dir, sim);
        write_sales(dir, {{kSale, 2, "active", "active", "ORD-V", 2}});
        REQUIRE(oznsync({"run", "--config", cfg}).exit_code == 0);
        REQUIRE(property_of(sim, "ORD-V") != nullptr);
        // The feed goes back in time (a replica behind, a replayed export): v1 says "reserved".
        write_sales(dir, {{kSale, 1, "reserved", "reserved", "ORD-V", 2}});
        sim.request("DELETE", "/__sim/requests", "");
        Result r = oznsync({"run", "--config", cfg});
        INFO(r.out << r.err);
        CHECK(r.exit_code == 0);
        CHECK(r.out.find("invalid=1") != std::string::npos);
        CHECK(writes_log(sim).empty()); // not demoted
        const auto lines = client_lines(sim.get("/__sim/state"));
        CHECK(std::count(lines.begin(), lines.end(), "ORD-V|" + kSplit + "|2|1") == 1);
        CHECK(newest_changes(dir).find("stale record: version 1 is older than version 2") !=
              std::string::npos);
        // It stays so on the next runs: the version kept is the highest reconciled.
        CHECK(oznsync({"run", "--config", cfg}).out.find("invalid=1") != std::string::npos);
        CHECK(writes_log(sim).empty());
        // A newer record is applied as usual.
        write_sales(dir, {{kSale, 3, "reserved", "reserved", "ORD-V", 2}});
        REQUIRE(oznsync({"run", "--config", cfg}).exit_code == 0);
        CHECK(writes_log(sim).find("PATCH") != std::string::npos);
    }

    TEST_CASE("a removal killed between its two deletes is finished by the next run") {
        // Writes of the second run: DELETE property (applied, never answered: the job is killed), then the
        // DELETE of the client never goes out.
        Sim sim(sim_args());
        TempDir dir;
        std::string cfg = config(dir, sim);
        write_sales(dir, {{kSale, 1, "reserved", "reserved", "ORD-H", 2}});
        REQUIRE(oznsync({"run", "--config", cfg}).exit_code == 0);
        write_sales(dir, {{kSale, 2, "terminated", "reservationCancelled", "ORD-H", 2}});
        sim.set_faults(R"({"hang_after_writes": 1})"); // the first run's create was write 1
        {
            Child job({OZNSYNC_BIN, "run", "--config", cfg});
            REQUIRE(sim.wait_for_writes(2));
            job.kill_now(9);
            job.wait();
        }
        sim.set_faults(R"({"hang_after_writes": -1})");
        CHECK(property_of(sim, "ORD-H") == nullptr); // the property is gone...
        CHECK(client_exists(sim, "ORD-H"));          // ...the client is left
        Result r = oznsync({"run", "--config", cfg});
        INFO(r.out << r.err);
        CHECK(r.exit_code == 0);
        CHECK_FALSE(client_exists(sim, "ORD-H"));
        CHECK(read_file(newest_run_folder(dir) / "report.txt").find("interrupted removal completed") !=
              std::string::npos);
    }

    TEST_CASE("a client left without its property is seen by the pull and removed when its sale ends") {
        Sim sim(sim_args());
        TempDir dir;
        std::string cfg = config(dir, sim);
        write_sales(dir, {{kSale, 1, "reserved", "reserved", "ORD-L", 2}});
        REQUIRE(oznsync({"run", "--config", cfg}).exit_code == 0);
        // Someone deletes the property in OZmap; the client stays, on no port.
        const std::string pid = property_of(sim, "ORD-L")->getValue<std::string>("id");
        sim.request("DELETE", "/api/v2/properties/" + pid, "");
        REQUIRE(client_exists(sim, "ORD-L"));
        Result drift = oznsync({"run", "--config", cfg});
        INFO(drift.out << drift.err);
        CHECK(drift.exit_code == 0);
        CHECK(read_file(newest_run_folder(dir) / "drift.jsonl").find("left without property") !=
              std::string::npos);
        CHECK(client_exists(sim, "ORD-L"));
        write_sales(dir, {{kSale, 2, "terminated", "reservationCancelled", "ORD-L", 2}});
        sim.request("DELETE", "/__sim/requests", "");
        Result r = oznsync({"run", "--config", cfg});
        INFO(r.out << r.err);
        CHECK(r.exit_code == 0);
        CHECK_FALSE(client_exists(sim, "ORD-L"));
        CHECK(writes_log(sim).find("DELETE /api/v2/ftth-clients/") != std::string::npos);
        CHECK(newest_changes(dir).find("client without property") != std::string::npos);
    }

    TEST_CASE("a cancelled reservation is removed although an unrelated create failed") {
        Sim sim(sim_args());
        TempDir dir;
        std::string cfg = config(dir, sim);
        write_sales(dir, {{kSale, 1, "reserved", "reserved", "ORD-R", 2}});
        REQUIRE(oznsync({"run", "--config", cfg}).exit_code == 0);
        // The operator takes port 3 between the pull and the create: the create fails with 409.
        write_sales(dir, {{kSale, 2, "terminated", "reservationCancelled", "ORD-R", 2},
                          {"5e00000000000000000000c3", 1, "reserved", "reserved", "ORD-F", 3}});
        REQUIRE(oznsync({"pull", "--config", cfg}).exit_code == 0);
        int status = 0;
        sim.post(
            "/api/v2/properties",
            R"({"project":")" + kProject + R"(","box":")" + kBox + R"(","connector":")" + kSplit +
                R"(","port":3,"coords":[-48.5,-27.6],"address":"x","client":{"code":"OP-NEW","name":"n"}})",
            &status);
        REQUIRE(status == 201);
        Result r = oznsync({"apply", "--config", cfg});
        INFO(r.out << r.err);
        CHECK(r.exit_code == 5); // the create OZmap refused is a failed write
        CHECK_FALSE(client_exists(sim, "ORD-R"));
        CHECK_FALSE(client_exists(sim, "ORD-F"));
    }

    TEST_CASE("writes whose answers are lost are never applied twice (30% of writes dropped)") {
        Sim sim(sim_args({"--drop-after-write-rate", "0.3", "--fault-seed", "7"}));
        TempDir dir;
        write_file(dir.file("partnerships.json"), read_file(fixture("partnerships.json")));
        std::string cfg =
            config(dir, sim,
                   "partnerships = file:" + dir.file("partnerships.json") + "\n[partners]\nrole = Partner\n");
        std::vector<SaleSpec> sales;
        for (int port : {2, 3, 7})
            sales.push_back({"5e00000000000000000000d" + std::to_string(port), 1, "reserved", "reserved",
                             "ORD-P" + std::to_string(port), port});
        write_sales(dir, sales);
        Result r = oznsync({"run", "--config", cfg, "-v"});
        INFO(r.out << r.err);
        CHECK(r.exit_code == 0);
        CHECK(r.err.find("not sent again") != std::string::npos); // the fault did fire
        auto counts = code_counts(sim.get("/__sim/state"));
        for (int port : {2, 3, 7})
            CHECK(counts["ORD-P" + std::to_string(port)] == 1);
        auto users = parse(sim.get("/api/v2/users"))->getArray("rows");
        CHECK(users->size() == 2);
        std::set<std::string> names;
        for (size_t i = 0; i < users->size(); ++i)
            names.insert(users->getObject(static_cast<unsigned>(i))->getValue<std::string>("username"));
        CHECK(names.size() == 2);
        // The journal knows the ids of what it created, so the next run is a no-op.
        sim.request("DELETE", "/__sim/requests", "");
        CHECK(oznsync({"run", "--config", cfg}).exit_code == 0);
        CHECK(writes_log(sim).empty());
    }
}

TEST_SUITE("fail_fast") {
    TEST_CASE("what a run needs is checked before its first write") {
        Sim sim(sim_args());
        TempDir dir;
        write_sales(dir, {{kSale, 1, "reserved", "reserved", "ORD-Z", 2}});
        write_file(dir.file("partnerships.json"), read_file(fixture("partnerships.json")));
        // A role OZmap does not have: found before any client is created.
        std::string cfg = config(dir, sim,
                                 "partnerships = file:" + dir.file("partnerships.json") +
                                     "\n[partners]\nrole = No Such Role\n");
        Result r = oznsync({"run", "--config", cfg});
        CHECK(r.exit_code == 78);
        CHECK(r.err.find("partners.role") != std::string::npos);
        CHECK(writes_log(sim).empty());
        // A reports folder that cannot be written.
        write_file(dir.file("not-a-dir"), "x");
        cfg = config(dir, sim, "[reports]\ndir = " + dir.file("not-a-dir") + "/reports\n");
        r = oznsync({"run", "--config", cfg});
        CHECK(r.exit_code == 78);
        CHECK(r.err.find("reports.dir") != std::string::npos);
        CHECK(writes_log(sim).empty());
    }

    TEST_CASE("check reads the OZneutral sources and names what is wrong") {
        Sim sim(sim_args());
        TempDir dir;
        std::string cfg = config(dir, sim); // sales.json does not exist yet
        Result r = oznsync({"check", "--config", cfg});
        INFO(r.out << r.err);
        CHECK(r.exit_code != 0);
        CHECK(r.out.find("FAIL") != std::string::npos);
        CHECK(r.out.find("sales.json") != std::string::npos);
        write_sales(dir, {{kSale, 1, "reserved", "reserved", "ORD-Z", 2}});
        Result ok = oznsync({"check", "--config", cfg});
        INFO(ok.out << ok.err);
        CHECK(ok.exit_code == 0);
        CHECK(ok.out.find("1 records") != std::string::npos);
    }

    TEST_CASE("a feed of invalid records stops before planning with exit 65") {
        Sim sim(sim_args());
        TempDir dir;
        std::string cfg = config(dir, sim);
        write_file(dir.file("sales.json"), R"([{"id":"5e00000000000000000000e1","version":1}])");
        Result all = oznsync({"run", "--config", cfg});
        CHECK(all.exit_code == 65);
        CHECK(all.err.find("every record") != std::string::npos);
        // 1 of 10 invalid = 10% > safety.max_invalid_pct (5%).
        std::vector<SaleSpec> sales;
        for (int i = 0; i < 9; ++i)
            sales.push_back({"5e00000000000000000000f" + std::to_string(i), 1, "reserved", "reserved",
                             "ORD-V" + std::to_string(i), 2 + (i % 2)});
        write_sales(dir, sales);
        std::string text = read_file(dir.file("sales.json"));
        text.insert(text.size() - 1, R"(,{"id":"5e00000000000000000000e2","version":1})");
        write_file(dir.file("sales.json"), text);
        Result some = oznsync({"run", "--config", cfg});
        CHECK(some.exit_code == 65);
        CHECK(some.err.find("max_invalid_pct") != std::string::npos);
        CHECK(writes_log(sim).empty());
    }

    TEST_CASE("a dry run never says 'in sync' while changes or conflicts are pending") {
        Sim sim(sim_args());
        TempDir dir;
        std::string cfg = config(dir, sim);
        write_sales(dir, {{kSale, 1, "reserved", "reserved", "ORD-Y", 2}});
        Result dry = oznsync({"run", "--config", cfg, "--dry-run"});
        CHECK(dry.exit_code == 0);
        CHECK(dry.out.find("in sync") == std::string::npos);
        CHECK(dry.out.find("1 change(s) pending") != std::string::npos);
        CHECK(oznsync({"run", "--config", cfg, "--dry-run", "--detailed-exitcode"}).exit_code == 2);
        // Only a conflict pending (the operator's code): no change can be applied, so 3 (attention), not 2.
        write_sales(dir, {{kSale, 1, "reserved", "reserved", "OP-0000001", 2}});
        CHECK(oznsync({"run", "--config", cfg, "--dry-run", "--detailed-exitcode"}).exit_code == 3);
    }

    TEST_CASE("failures no retry can fix end at once with exit 78") {
        TempDir dir;
        Sim sim(sim_args());
        write_sales(dir, {{kSale, 1, "reserved", "reserved", "ORD-Y", 2}});
        auto with_url = [&](const std::string& url) {
            std::string path = dir.file("url.ini");
            write_file(path,
                       "[ozmap]\nurl = " + url + "\napi_key = " + Sim::kApiKey +
                           "\nretries = 6\nretry_base_ms = 200\ntimeout_s = 5\n[ozneutral]\nsales = file:" +
                           dir.file("sales.json") + "\n[snapshot]\npath = " + dir.file("u.db") +
                           "\n[reports]\ndir = " + dir.file("reports") + "\n");
            return oznsync({"pull", "--config", path});
        };
        // HTTPS spoken to a plain-HTTP server: the TLS handshake fails.
        Result tls = with_url("https://127.0.0.1:" + std::to_string(sim.port()));
        CHECK(tls.exit_code == 78);
        CHECK(tls.err.find("TLS") != std::string::npos);
        // Plain http:// to a TLS port (openssl s_server with a throw-away certificate).
        Result cert =
            run({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                 dir.file("key.pem"), "-out", dir.file("cert.pem"), "-days", "1", "-subj", "/CN=localhost"});
        REQUIRE(cert.exit_code == 0);
        Child tls_server({"/usr/bin/openssl", "s_server", "-accept", "127.0.0.1:0", "-cert",
                          dir.file("cert.pem"), "-key", dir.file("key.pem"), "-www"});
        std::string accept;
        for (int i = 0; i < 5 && accept.rfind("ACCEPT", 0) != 0; ++i)
            accept = tls_server.read_line();
        REQUIRE(accept.rfind("ACCEPT", 0) == 0);
        Result plain = with_url("http://127.0.0.1:" + accept.substr(accept.rfind(':') + 1));
        INFO(plain.err);
        CHECK(plain.exit_code == 78);
        CHECK(plain.err.find("speaks TLS") != std::string::npos);
        // A host name that does not resolve (after one more try: resolvers flap).
        Result host = with_url("http://no-such-host.invalid:9994");
        CHECK(host.exit_code == 78);
        CHECK(host.err.find("unknown host") != std::string::npos);
        // A server without the OZmap API: 404 on the API base.
        std::filesystem::create_directories(dir.file("www"));
        Child web({"/usr/bin/env", "python3", "-u", "-m", "http.server", "--bind", "127.0.0.1", "--directory",
                   dir.file("www"), "0"});
        std::string line = web.read_line(); // "Serving HTTP on 127.0.0.1 port N ..."
        auto at = line.find("port ");
        REQUIRE(at != std::string::npos);
        std::string port = line.substr(at + 5, line.find(' ', at + 5) - at - 5);
        Result nf = with_url("http://127.0.0.1:" + port);
        INFO(nf.err);
        CHECK(nf.exit_code == 78);
        CHECK(nf.err.find("404") != std::string::npos);
    }
}
