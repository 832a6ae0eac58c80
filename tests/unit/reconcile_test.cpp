#include "core/reconcile.hpp"
#include "core/reconcile_index.hpp"
#include "core/safety.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <random>
#include <set>
#include <tuple>

using namespace oznsync;

namespace {

const std::string P = "aaaaaaaaaaaaaaaaaaaaaa01", BOX = "bbbbbbbbbbbbbbbbbbbbbb01",
                  DRAFT = "bbbbbbbbbbbbbbbbbbbbbb02", S1 = "cccccccccccccccccccccc01",
                  S2 = "cccccccccccccccccccccc02", SD = "cccccccccccccccccccccc03";

/// An OZmap id (24 hex digits) standing for a readable name: the same name, the same id.
std::string oid(const std::string& name) {
    uint64_t h = 1469598103934665603ULL, g = 1099511628211ULL;
    for (unsigned char c : name) {
        h = (h ^ c) * 1099511628211ULL;
        g = (g ^ c) * 1469598103934665603ULL;
    }
    char out[25];
    std::snprintf(out, sizeof out, "%016llx%08llx", static_cast<unsigned long long>(h),
                  static_cast<unsigned long long>(g & 0xffffffffULL));
    return out;
}

/// One project, a normal box with two 8-port drop splitters (S1 port 8 blocked), a draft box.
Inventory inventory() {
    Inventory inv;
    inv.projects = {{P, "Project", "P1"}};
    inv.boxes[BOX] = Box{BOX, P, "CTO 1", -27.5, -48.5, false, true};
    inv.boxes[DRAFT] = Box{DRAFT, P, "CTO 2", -27.6, -48.6, true, false};
    for (auto [id, box] : {std::pair{S1, BOX}, {S2, BOX}, {SD, DRAFT}}) {
        SplitterState s{box, P, "S", std::vector<PortState>(8)};
        inv.splitters[id] = s;
    }
    inv.splitters[S1].ports[7].blocked = true;
    return inv;
}

/// Puts a client on a port, as a pull would show it.
Property& put(Inventory& inv, const std::string& code, const std::string& splitter, int port, bool implanted,
              const std::string& external_id = "") {
    Property p;
    p.id = oid("prop-" + code);
    p.project = P;
    p.box = inv.splitters[splitter].box;
    p.splitter = splitter;
    p.port = port;
    p.client_id = oid("client-" + code);
    p.client_code = code;
    p.client_implanted = implanted;
    p.external_id = external_id;
    inv.splitters[splitter].ports[static_cast<size_t>(port - 1)].fiber = "fiber-" + code;
    inv.properties.push_back(p);
    return inv.properties.back();
}

/// A client oznsync made for sale `sale_id` (its property carries the proof).
Property& own(Inventory& inv, const std::string& sale_id, const std::string& code,
              const std::string& splitter, int port, bool implanted) {
    return put(inv, code, splitter, port, implanted, "ozneutral:" + sale_id);
}

/// What oznsync last applied: the client as it stands.
OwnedState applied(const Property& p) {
    return OwnedState{p.id, p.client_id, p.client_code, PortRef{p.box, p.splitter, p.port},
                      p.client_implanted};
}

Sale sale(const std::string& id, const std::string& state, const std::string& code,
          const std::string& splitter, int port, int64_t version = 1) {
    static const std::map<std::string, std::string> sub = {{"reserved", "reserved"},
                                                           {"active", "active"},
                                                           {"inactive", "portInactive"},
                                                           {"terminated", "inspectionAccepted"}};
    Sale s;
    s.id = id;
    s.version = version;
    s.state = *sale_state_from_name(state);
    s.substate = sub.at(state);
    s.code_order = code;
    s.project = P;
    s.splitter = splitter;
    s.box = splitter == SD ? DRAFT : BOX;
    s.port = port;
    return s;
}

ChangeSet plan(const Inventory& inv, const std::vector<Sale>& sales, ReconcileOptions opt = {},
               const Baseline& baseline = {}) {
    return reconcile(inv, sales, {}, baseline, opt);
}

std::vector<std::string> actions(const ChangeSet& cs) {
    std::vector<std::string> out;
    for (const auto& c : cs.writes)
        out.push_back(std::string(action_name(c.action)) + ":" + c.code);
    for (const auto& c : cs.findings)
        out.push_back(std::string(action_name(c.action)) + ":" + c.code);
    return out;
}

using V = std::vector<std::string>;

} // namespace

TEST_SUITE("reconcile") {
    TEST_CASE("every cell of the rules table") {
        struct Row {
            const char* desired; // reserved|active|inactive|terminated
            int ozmap;           // 0 absent, 1 present not implanted, 2 present implanted
            V expected;
        };
        const Row rows[] = {
            {"reserved", 0, {"create:ORD"}},
            {"reserved", 1, {}},
            {"reserved", 2, {"demote:ORD"}},
            {"inactive", 0, {"create:ORD"}},
            {"inactive", 1, {}},
            {"inactive", 2, {"demote:ORD"}},
            {"active", 0, {"create:ORD"}},
            {"active", 1, {"promote:ORD"}},
            {"active", 2, {}},
            {"terminated", 0, {}},
            {"terminated", 1, {"remove:ORD"}},
            {"terminated", 2, {"remove:ORD"}},
        };
        for (const auto& row : rows) {
            CAPTURE(row.desired);
            CAPTURE(row.ozmap);
            Inventory inv = inventory();
            Baseline baseline;
            if (row.ozmap)
                baseline["5e0000000000000000000001"] =
                    applied(own(inv, "5e0000000000000000000001", "ORD", S1, 2, row.ozmap == 2));
            ChangeSet cs =
                plan(inv, {sale("5e0000000000000000000001", row.desired, "ORD", S1, 2)}, {}, baseline);
            CHECK(actions(cs) == row.expected);
            if (!cs.writes.empty() && cs.writes[0].action == Action::Create)
                CHECK(cs.writes[0].implanted == (std::string(row.desired) == "active"));
        }
    }

    TEST_CASE("create carries the sale's keys and falls back to the box position") {
        Sale s = sale("5e0000000000000000000001", "reserved", "ORD-1", S2, 4);
        s.client_name = "Maria";
        ChangeSet cs = plan(inventory(), {s});
        REQUIRE(cs.writes.size() == 1);
        const Change& c = cs.writes[0];
        CHECK(c.target == PortRef{BOX, S2, 4});
        CHECK(c.client_name == "Maria");
        CHECK(c.lat == doctest::Approx(-27.5));
        s.lat = -27.51;
        s.lng = -48.51;
        CHECK(plan(inventory(), {s}).writes[0].lat == doctest::Approx(-27.51));
    }

    TEST_CASE("a client on another port moves, with the portReplaceReason, and flips if needed") {
        Inventory inv = inventory();
        auto base = applied(own(inv, "5e0000000000000000000001", "ORD", S1, 2, false));
        Sale s = sale("5e0000000000000000000001", "active", "ORD", S2, 5);
        s.port_replace_reason = "signalIssue";
        ChangeSet cs = plan(inv, {s}, {}, {{s.id, base}});
        CHECK(actions(cs) == V{"move:ORD", "promote:ORD"});
        CHECK(*cs.writes[0].from == PortRef{BOX, S1, 2});
        CHECK(cs.writes[0].target == PortRef{BOX, S2, 5});
        CHECK(cs.writes[0].reason.text().find("signalIssue") != std::string::npos);
    }

    TEST_CASE("each conflict cause: operator client, blocked port, draft box, a fiber with no client") {
        Inventory inv = inventory();
        put(inv, "OP-1", S1, 3, true);
        inv.splitters[S2].ports[0].fiber = "loose-fiber";
        ChangeSet cs = plan(inv, {sale("5e0000000000000000000001", "reserved", "A", S1, 3),
                                  sale("5e0000000000000000000002", "reserved", "B", S1, 8),
                                  sale("5e0000000000000000000003", "reserved", "C", SD, 1),
                                  sale("5e0000000000000000000004", "reserved", "D", S2, 1)});
        CHECK(cs.writes.empty());
        REQUIRE(cs.findings.size() == 4);
        std::map<std::string, std::string> why;
        for (const auto& c : cs.findings) {
            CHECK(c.action == Action::Conflict);
            why[c.code] = c.reason.text();
        }
        CHECK(why["A"].find("operator's client OP-1") != std::string::npos);
        CHECK(why["B"].find("blocked") != std::string::npos);
        CHECK(why["C"].find("draft") != std::string::npos);
        CHECK(why["D"].find("loose-fiber") != std::string::npos);
    }

    TEST_CASE("each invalid cause: outside the projects, unknown box, splitter, wrong box, no such port") {
        Inventory inv = inventory();
        Sale outside = sale("5e0000000000000000000001", "reserved", "A", S1, 3);
        outside.project = "aaaaaaaaaaaaaaaaaaaaaa99";
        Sale nobox = sale("5e0000000000000000000002", "reserved", "B", S1, 2);
        nobox.box = "bbbbbbbbbbbbbbbbbbbbbb99";
        Sale nosplitter = sale("5e0000000000000000000003", "reserved", "C", "cccccccccccccccccccccc99", 1);
        Sale wrongbox = sale("5e0000000000000000000004", "reserved", "D", SD, 1);
        wrongbox.box = BOX;
        Sale noport = sale("5e0000000000000000000005", "reserved", "E", S1, 9);
        ChangeSet cs = reconcile(inv, {outside, nobox, nosplitter, wrongbox, noport},
                                 {{"5e0000000000000000000006", "F", "record 6: missing codeOrder"}}, {}, {});
        CHECK(cs.writes.empty());
        std::map<std::string, std::string> why;
        for (const auto& c : cs.findings) {
            CHECK(c.action == Action::Invalid);
            why[c.code] = c.reason.text();
        }
        CHECK(why["A"].find("outside the selected projects") != std::string::npos);
        CHECK(why["B"].find("not in the snapshot") != std::string::npos);
        CHECK(why["C"].find("not a drop splitter") != std::string::npos);
        CHECK(why["D"].find("is not in box") != std::string::npos);
        CHECK(why["E"].find("does not exist") != std::string::npos);
        CHECK(why["F"].find("missing codeOrder") != std::string::npos);
    }

    TEST_CASE(
        "duplicates: the highest version wins; two live sales on one port or one code are both invalid") {
        Inventory inv = inventory();
        ChangeSet cs = plan(inv, {sale("5e0000000000000000000001", "reserved", "A", S1, 1, 1),
                                  sale("5e0000000000000000000001", "active", "A", S1, 1, 3),
                                  sale("5e0000000000000000000001", "terminated", "A", S1, 1, 2)});
        REQUIRE(cs.writes.size() == 1);
        CHECK(cs.writes[0].implanted);
        cs = plan(inv, {sale("5e0000000000000000000001", "reserved", "A", S1, 1),
                        sale("5e0000000000000000000002", "reserved", "B", S1, 1),
                        sale("5e0000000000000000000003", "reserved", "C", S1, 2),
                        sale("5e0000000000000000000004", "active", "C", S1, 3),
                        sale("5e0000000000000000000005", "terminated", "E", S1, 1)});
        CHECK(cs.writes.empty());
        CHECK(actions(cs) == V{"invalid:A", "invalid:B", "invalid:C", "invalid:C"});
    }

    TEST_CASE("orphans are reported, and removed only with --prune-orphans") {
        Inventory inv = inventory();
        put(inv, "GONE", S1, 4, true, "ozneutral:5e00000000000000000000ff");
        ChangeSet cs = plan(inv, {});
        CHECK(actions(cs) == V{"orphan:GONE"});
        ReconcileOptions prune;
        prune.prune_orphans = true;
        CHECK(actions(plan(inv, {}, prune)) == V{"remove:GONE", "orphan:GONE"});
    }

    TEST_CASE("ownership needs proof: a client with the sale's code but no external_id is never written") {
        // The operator's client carries the code of a sale, on another port; through the whole lifecycle
        // of that sale nothing about it is planned.
        Inventory inv = inventory();
        put(inv, "ORD-5", S2, 7, true);
        const std::string id = "5e0000000000000000000001";
        for (const Sale& s :
             {sale(id, "reserved", "ORD-5", S1, 1, 1), sale(id, "active", "ORD-5", S1, 2, 2),
              sale(id, "inactive", "ORD-5", S1, 2, 3), sale(id, "terminated", "ORD-5", S1, 2, 4)}) {
            CAPTURE(s.status_text());
            ChangeSet cs = plan(inv, {s});
            CHECK(cs.writes.empty());
            CHECK(cs.owned_clients == 0);
            if (s.wants_present()) {
                REQUIRE(actions(cs) == V{"conflict:ORD-5"});
                CHECK(cs.findings[0].reason.text().find("taken by a client oznsync does not own") !=
                      std::string::npos);
            } else {
                CHECK(cs.findings.empty());
            }
        }
        // A --prune-orphans run does not treat it as an orphan either.
        ReconcileOptions prune;
        prune.prune_orphans = true;
        CHECK(plan(inv, {}, prune).writes.empty());
    }

    TEST_CASE("ownership: the operator's clients are never touched") {
        Inventory inv = inventory();
        put(inv, "OP-7", S1, 1, true); // operator's client on the very port of a terminated sale
        ChangeSet cs = plan(inv, {sale("5e0000000000000000000001", "terminated", "ORD-9", S1, 1)});
        CHECK(cs.writes.empty());
        CHECK(cs.findings.empty());
        CHECK(cs.owned_clients == 0);
        // Owned through the external id even when the code was changed in OZmap.
        Inventory inv2 = inventory();
        put(inv2, "RENAMED", S1, 1, true, "ozneutral:5e0000000000000000000001");
        CHECK(actions(plan(inv2, {sale("5e0000000000000000000001", "terminated", "ORD-9", S1, 1)})) ==
              V{"remove:ORD-9"});
    }

    TEST_CASE("switches leave out their action and nothing else") {
        Inventory inv = inventory();
        Baseline base = {
            {"5e0000000000000000000001", applied(own(inv, "5e0000000000000000000001", "P", S1, 1, false))},
            {"5e0000000000000000000002", applied(own(inv, "5e0000000000000000000002", "R", S1, 2, false))}};
        std::vector<Sale> sales = {sale("5e0000000000000000000001", "active", "P", S1, 1),
                                   sale("5e0000000000000000000002", "terminated", "R", S1, 2),
                                   sale("5e0000000000000000000003", "reserved", "C", S1, 3)};
        ReconcileOptions o;
        o.remove = false;
        CHECK(actions(plan(inv, sales, o, base)) == V{"create:C", "promote:P"});
        o = {};
        o.create = false;
        o.promote = false;
        CHECK(actions(plan(inv, sales, o, base)) == V{"remove:R"});
        o = {};
        o.only_projects = {"aaaaaaaaaaaaaaaaaaaaaa77"};
        CHECK(actions(plan(inv, sales, o, base)).empty());
    }

    TEST_CASE("drift is reported and left as it is (reconcile.drift = report)") {
        const std::string id = "5e0000000000000000000001";
        ReconcileOptions revert;
        revert.drift = DriftMode::Revert;
        SUBCASE("a technician demoted an active client") {
            Inventory inv = inventory();
            own(inv, id, "ORD", S1, 2, false);
            Baseline base = {{id, {oid("prop-ORD"), oid("client-ORD"), "ORD", {BOX, S1, 2}, true}}};
            ChangeSet cs = plan(inv, {sale(id, "active", "ORD", S1, 2)}, {}, base);
            CHECK(actions(cs) == V{"drift:ORD"});
            CHECK(cs.findings[0].reason.text().find("implanted -> not implanted") != std::string::npos);
            CHECK(cs.findings[0].reason.text().find("left as it is") != std::string::npos);
            CHECK(!cs.baseline.count(id)); // unchanged: the row keeps what oznsync last applied
            ChangeSet rv = plan(inv, {sale(id, "active", "ORD", S1, 2)}, revert, base);
            CHECK(actions(rv) == V{"promote:ORD", "drift:ORD"});
            CHECK(rv.writes[0].reason.text().find("reverting an OZmap edit") != std::string::npos);
        }
        SUBCASE("a technician moved the client to another port") {
            Inventory inv = inventory();
            own(inv, id, "ORD", S1, 3, false);
            Baseline base = {{id, {oid("prop-ORD"), oid("client-ORD"), "ORD", {BOX, S1, 2}, false}}};
            ChangeSet cs = plan(inv, {sale(id, "reserved", "ORD", S1, 2)}, {}, base);
            CHECK(actions(cs) == V{"drift:ORD"});
            CHECK(cs.drifted == 1);
            ChangeSet rv = plan(inv, {sale(id, "reserved", "ORD", S1, 2)}, revert, base);
            REQUIRE(actions(rv) == V{"move:ORD", "drift:ORD"});
            CHECK(rv.writes[0].reason.text().find("reverting an OZmap edit") != std::string::npos);
        }
        SUBCASE("OZneutral changed the port: a move, with the reason saying so") {
            Inventory inv = inventory();
            auto base = applied(own(inv, id, "ORD", S1, 2, false));
            Sale s = sale(id, "reserved", "ORD", S2, 4);
            s.port_replace_reason = "crossing";
            ChangeSet cs = plan(inv, {s}, {}, {{id, base}});
            REQUIRE(actions(cs) == V{"move:ORD"});
            CHECK(cs.writes[0].reason == "port changed in OZneutral, portReplaceReason: crossing");
        }
        SUBCASE("a technician already did what OZneutral now asks: no drift, no write") {
            Inventory inv = inventory();
            own(inv, id, "ORD", S2, 4, false);
            Baseline base = {{id, {oid("prop-ORD"), oid("client-ORD"), "ORD", {BOX, S1, 2}, false}}};
            ChangeSet cs = plan(inv, {sale(id, "reserved", "ORD", S2, 4)}, {}, base);
            CHECK(actions(cs).empty());
            CHECK(cs.in_sync == 1);
            CHECK(cs.baseline.at(id).port == PortRef{BOX, S2, 4});
        }
        SUBCASE("the client was deleted in OZmap") {
            Inventory inv = inventory();
            Baseline base = {{id, {oid("prop-ORD"), oid("client-ORD"), "ORD", {BOX, S1, 2}, false}}};
            ChangeSet cs = plan(inv, {sale(id, "reserved", "ORD", S1, 2)}, {}, base);
            REQUIRE(actions(cs) == V{"drift:ORD"});
            CHECK(cs.findings[0].reason.text().find("deleted in OZmap") != std::string::npos);
            CHECK(actions(plan(inv, {sale(id, "reserved", "ORD", S1, 2)}, revert, base)) ==
                  V{"create:ORD", "drift:ORD"});
            // Once the sale ends, nothing is left to do and the base line forgets it.
            ChangeSet ended = plan(inv, {sale(id, "terminated", "ORD", S1, 2)}, {}, base);
            CHECK(actions(ended).empty());
            CHECK(ended.forget.count(id));
        }
        SUBCASE("no base line (a new database): a difference is reported, nothing moves") {
            Inventory inv = inventory();
            own(inv, id, "ORD", S1, 3, true);
            ChangeSet cs = plan(inv, {sale(id, "reserved", "ORD", S1, 2)});
            REQUIRE(actions(cs) == V{"drift:ORD"});
            CHECK(cs.findings[0].reason.text().find("no record of what it last applied") !=
                  std::string::npos);
            CHECK(cs.owned_clients == 1); // still owned: the proof is in OZmap, not in the database
        }
    }

    TEST_CASE("removal: port freed, client deleted, property deleted or kept; half-done removals finish") {
        const std::string id = "5e0000000000000000000001";
        Inventory inv = inventory();
        Property& p = own(inv, id, "ORD", S1, 2, true);
        p.drop = oid("drop-1");
        ChangeSet cs = plan(inv, {sale(id, "terminated", "ORD", S1, 2)});
        REQUIRE(cs.writes.size() == 1);
        CHECK(cs.writes[0].property_id == oid("prop-ORD"));
        CHECK(cs.writes[0].client_id == oid("client-ORD"));
        CHECK_FALSE(cs.writes[0].keep_property);
        ReconcileOptions keep;
        keep.keep_property = true;
        cs = plan(inv, {sale(id, "terminated", "ORD", S1, 2)}, keep);
        REQUIRE(cs.writes.size() == 1);
        CHECK(cs.writes[0].keep_property);
        CHECK(cs.writes[0].drop == oid("drop-1"));
        // A drop id that is no OZmap id would become a request path: a conflict, nothing written.
        p.drop = "../../users/65f000000000000000000001";
        cs = plan(inv, {sale(id, "terminated", "ORD", S1, 2)}, keep);
        CHECK(cs.writes.empty());
        REQUIRE(actions(cs) == V{"conflict:ORD"});
        CHECK(cs.findings[0].reason.text().find("drop cable the id '../../users/") != std::string::npos);
        p.drop = oid("drop-1");

        // Killed between the two deletes: the property is gone, the client is left. The pull reads the
        // owned clients by code; the base line knows the client's id.
        Inventory half = inventory();
        half.clients.push_back(Client{oid("client-ORD"), "ORD", "", "", true});
        Baseline base = {{id, {oid("prop-ORD"), oid("client-ORD"), "ORD", {BOX, S1, 2}, true}}};
        cs = plan(half, {sale(id, "terminated", "ORD", S1, 2)}, {}, base);
        REQUIRE(actions(cs) == V{"remove:ORD"});
        CHECK(cs.writes[0].property_id.empty());
        CHECK(cs.writes[0].client_id == oid("client-ORD"));
        // A client with that code the base line does not know is not ours.
        Inventory stranger = inventory();
        stranger.clients.push_back(Client{oid("client-OTHER"), "ORD", "", "", true});
        CHECK(plan(stranger, {sale(id, "terminated", "ORD", S1, 2)}, {}, base).writes.empty());

        // Kept and disconnected, client deleted: the removal is complete.
        Inventory kept = inventory();
        Property& k = own(kept, id, "ORD", S1, 2, false);
        k.splitter.clear();
        k.port = 0;
        k.client_id.clear();
        k.client_code.clear();
        kept.splitters[S1].ports[1].fiber.reset();
        cs = plan(kept, {sale(id, "terminated", "ORD", S1, 2)}, keep, base);
        CHECK(actions(cs).empty());
        CHECK(cs.forget.count(id));
    }

    TEST_CASE("adopt: the code of a live sale on the sale's port, with no external id") {
        Inventory inv = inventory();
        put(inv, "LEGACY-1", S1, 1, true);            // on the sale's port: adopted
        put(inv, "LEGACY-2", S1, 3, false);           // elsewhere: conflict
        put(inv, "LEGACY-3", S1, 4, false, "erp:77"); // another integration's id: conflict
        put(inv, "LEGACY-4", S1, 5, false);           // its sale ended: left alone
        ChangeSet cs = plan_adoptions(inv, InventoryIndex(inv),
                                      {sale("5e0000000000000000000001", "active", "LEGACY-1", S1, 1),
                                       sale("5e0000000000000000000002", "reserved", "LEGACY-2", S2, 3),
                                       sale("5e0000000000000000000003", "reserved", "LEGACY-3", S1, 4),
                                       sale("5e0000000000000000000004", "terminated", "LEGACY-4", S1, 5)},
                                      {});
        CHECK(actions(cs) == V{"adopt:LEGACY-1", "conflict:LEGACY-2", "conflict:LEGACY-3"});
        CHECK(cs.writes[0].property_id == oid("prop-LEGACY-1"));
        CHECK(cs.writes[0].implanted);
        CHECK(cs.findings[1].reason.text().find("erp:77") != std::string::npos);
    }

    TEST_CASE("deterministic: the same inputs give the same change set in the same order") {
        Inventory inv = inventory();
        std::vector<Sale> sales;
        for (int port = 1; port <= 7; ++port)
            sales.push_back(sale("5e00000000000000000000" + std::to_string(10 + port),
                                 port % 2 ? "active" : "reserved", "C" + std::to_string(port),
                                 port % 2 ? S1 : S2, port));
        auto a = actions(plan(inv, sales));
        std::reverse(sales.begin(), sales.end());
        CHECK(actions(plan(inv, sales)) == a);
        CHECK(a.size() == 7);
    }
}

TEST_SUITE("safety") {
    TEST_CASE("removal caps: count and share of owned clients") {
        SafetyLimits l;
        CHECK_FALSE(removal_cap(0, 0, l));
        CHECK_FALSE(removal_cap(5, 100, l));
        CHECK(removal_cap(11, 100, l)->find("max_removals_pct") != std::string::npos);
        CHECK(removal_cap(51, 10000, l)->find("max_removals (50)") != std::string::npos);
        l.max_removals_pct = 100;
        CHECK_FALSE(removal_cap(3, 3, l));
        // The share applies only past safety.min_removals_for_pct: one cancellation on a small network
        // passes.
        l = {};
        CHECK_FALSE(removal_cap(1, 5, l));
        CHECK_FALSE(removal_cap(10, 20, l));
        CHECK(removal_cap(11, 20, l));
        l.min_removals_for_pct = 0;
        CHECK(removal_cap(1, 5, l));
    }

    TEST_CASE("feed guard: empty feeds and shrinking feeds stop the run") {
        SafetyLimits l;
        CHECK(feed_guard(0, std::nullopt, l)->find("empty") != std::string::npos);
        CHECK_FALSE(feed_guard(10, std::nullopt, l));
        CHECK_FALSE(feed_guard(80, 100, l));
        CHECK(feed_guard(79, 100, l)->find("shrank from 100 to 79") != std::string::npos);
        CHECK_FALSE(feed_guard(500, 100, l));
    }
}

TEST_SUITE("reconcile") {
    TEST_CASE("two different records with the same id and version: neither is used, and it is said") {
        Inventory inv = inventory();
        Sale a = sale("5e0000000000000000000001", "reserved", "A", S1, 1, 3);
        Sale b = a;
        b.port = 2;
        ChangeSet cs = plan(inv, {a, b});
        CHECK(cs.writes.empty());
        REQUIRE(actions(cs) == V{"invalid:A"});
        CHECK(cs.findings[0].reason.text().find("two different records") != std::string::npos);
        CHECK(actions(plan(inv, {a, a})) == V{"create:A"}); // the same record twice is just a repeat
    }

    TEST_CASE("a record older than the version already reconciled is a finding, never applied") {
        Inventory inv = inventory();
        const std::string id = "5e0000000000000000000001";
        const Property& p = own(inv, id, "A", S1, 1, true); // v2 (active) was applied
        const Baseline base{{id, applied(p)}};
        const Sale v1 = sale(id, "reserved", "A", S1, 1, 1);
        const ReconciledVersions reconciled{{id, 2}};
        ChangeSet cs = reconcile(inv, {v1}, {}, base, {}, reconciled);
        CHECK(cs.writes.empty());
        REQUIRE(actions(cs) == V{"invalid:A"});
        CHECK(cs.findings[0].reason.text().find("stale record: version 1 is older than version 2") !=
              std::string::npos);
        // Its client is no orphan, and the same version again (or a newer one) is planned as usual.
        CHECK(actions(reconcile(inv, {sale(id, "active", "A", S1, 1, 2)}, {}, base, {}, reconciled)).empty());
        CHECK(actions(reconcile(inv, {sale(id, "reserved", "A", S1, 1, 3)}, {}, base, {}, reconciled)) ==
              V{"demote:A"});
        CHECK(actions(reconcile(inv, {v1}, {}, base, {})) == V{"demote:A"}); // nothing reconciled before
    }
}

TEST_SUITE("reconcile") {
    TEST_CASE("changes are ordered by action, project, box, splitter, port, sale, code and property; equal "
              "ones keep the order they came in; changes in order already stay as they are") {
        using oznsync::reconcile_detail::order_changes;
        std::vector<Change> in;
        std::mt19937 rng(7);
        std::uniform_int_distribution<int> pick(0, 2);
        for (int i = 0; i < 3000; ++i) {
            Change c;
            c.action = pick(rng) == 0 ? Action::Conflict : pick(rng) == 1 ? Action::Move : Action::Create;
            c.project = "p" + std::to_string(pick(rng));
            c.target = PortRef{"b" + std::to_string(pick(rng) * 7), "s" + std::to_string(pick(rng) + 10),
                               pick(rng) == 0 ? -pick(rng) : pick(rng) * 40000 + 1}; // findings: any port
            c.sale_id = "sale" + std::to_string(pick(rng));
            c.code = "code" + std::to_string(pick(rng));
            c.property_id = "seq" + std::to_string(i); // not a key here: tells equal changes apart
            c.reason = std::to_string(i);              // the order they came in
            if (i % 5 == 0) c.property_id.clear();     // an equal key, told apart by arrival only
            in.push_back(c);
        }
        std::vector<Change> out = in;
        order_changes(out);
        REQUIRE(out.size() == in.size());
        auto key = [](const Change& c) {
            return std::tie(c.action, c.project, c.target.box, c.target.splitter, c.target.port, c.sale_id,
                            c.code, c.property_id);
        };
        std::vector<size_t> expected(in.size());
        for (size_t i = 0; i < in.size(); ++i)
            expected[i] = i;
        std::stable_sort(expected.begin(), expected.end(),
                         [&](size_t a, size_t b) { return key(in[a]) < key(in[b]); });
        for (size_t i = 0; i < out.size(); ++i)
            REQUIRE(out[i].reason == in[expected[i]].reason);
        std::vector<Change> again = out;
        order_changes(again);
        for (size_t i = 0; i < out.size(); ++i)
            CHECK(again[i].reason == out[i].reason);
    }
}

TEST_SUITE("reconcile") {
    TEST_CASE("the index answers for the inventory it was built from, also after that inventory moved") {
        Inventory inv = inventory();
        own(inv, "sale-1", "OWNED", S1, 1, true);
        put(inv, "THEIRS", S1, 2, false);
        put(inv, "TWICE", S2, 1, false);
        put(inv, "TWICE", S2, 2, false); // of two properties with one code: the last one listed
        inv.clients.push_back(Client{oid("lone"), "LONE", "", "", false});
        inv.clients.push_back(Client{inv.properties[1].client_id.str(), "THEIRS", "", "", false});
        const InventoryIndex index(inv);
        const Inventory moved = std::move(inv); // as PlanInputs moves after its index is built
        REQUIRE(index.owned_property("sale-1") == &moved.properties[0]);
        CHECK(index.owned_property("sale-2") == nullptr);
        CHECK(index.on_port(PortAt{S1, 2}) == &moved.properties[1]);
        CHECK(index.on_port(PortAt{S1, 3}) == nullptr);
        CHECK(index.with_code("TWICE") == &moved.properties[3]);
        CHECK(index.lone_client(oid("lone")) == &moved.clients[0]);
        CHECK(index.lone_client(moved.properties[1].client_id) == nullptr); // it has its property
        CHECK(index.lone_client("") == nullptr);
        CHECK(index.foreign_code_holder("THEIRS") == "property " + moved.properties[1].id);
        CHECK(index.foreign_code_holder("LONE") == "client " + oid("lone") + " (no property)");
        CHECK(index.foreign_code_holder("NOBODY").empty());
    }
}

TEST_SUITE("reconcile") {
    TEST_CASE("the feed vetted apart from reconcile: latest versions, contradictions and duplicates found, "
              "every record id known; its pointers hold after the feed moved") {
        std::vector<Sale> sales{sale("a", "active", "A", S1, 1, 1), sale("a", "active", "A", S1, 1, 2),
                                sale("b", "active", "B", S1, 2),    sale("c", "active", "B", S1, 3),
                                sale("d", "active", "D", S1, 4),    sale("d", "reserved", "D", S1, 4),
                                sale("e", "active", "E", S1, 5)};
        std::vector<InvalidRecord> invalid{{"f", "F", "no codeOrder"}};
        const VettedSales vetted = vet_sales(sales, invalid);
        const std::vector<Sale> moved = std::move(sales); // as the feed moves after its thread vetted it
        std::vector<std::string> usable;
        for (const Sale* s : vetted.sales)
            usable.push_back(s->id.str() + "@" + std::to_string(s->version));
        CHECK(usable == std::vector<std::string>{"a@2", "e@1"});
        CHECK(vetted.sales[0] == &moved[1]);
        std::vector<std::string> found;
        for (const Change& c : vetted.findings)
            found.push_back(c.sale_id.str() + ": " + c.reason.text());
        CHECK(found == std::vector<std::string>{
                           "f: no codeOrder",
                           "d: two different records with id d and version 1: neither is used",
                           "b: two live sales share codeOrder B", "c: two live sales share codeOrder B"});
        for (const char* id : {"a", "b", "c", "d", "e", "f"})
            CHECK(vetted.known.count(id) == 1);
        CHECK(vetted.known.count("g") == 0);
    }

    TEST_CASE("the feed vetted when each record comes once: every sale stands for itself, in feed order; "
              "shared ports and codes still found") {
        std::vector<Sale> sales{sale("a", "active", "A", S1, 1), sale("b", "active", "B", S1, 2),
                                sale("c", "reserved", "C", S1, 2), sale("d", "terminated", "A", S1, 3),
                                sale("e", "active", "E", S1, 4)};
        const std::vector<InvalidRecord> invalid{{"f", "F", "no codeOrder"}, {"a", "A", "a copy"}};
        const VettedSales vetted = vet_sales(sales, invalid);
        std::vector<std::string> usable;
        for (const Sale* s : vetted.sales)
            usable.push_back(s->id.str());
        // d is not live: its code is A's without a clash; b and c claim splitter S1 port 2 both.
        CHECK(usable == std::vector<std::string>{"a", "d", "e"});
        CHECK(vetted.sales[0] == &sales[0]);
        std::vector<std::string> found;
        for (const Change& c : vetted.findings)
            found.push_back(c.sale_id.str() + ": " + c.reason.text());
        CHECK(found == std::vector<std::string>{"f: no codeOrder", "a: a copy",
                                                "b: two live sales on splitter " + S1 + " port 2",
                                                "c: two live sales on splitter " + S1 + " port 2"});
        for (const char* id : {"a", "b", "c", "d", "e", "f"})
            CHECK(vetted.known.count(id) == 1);
        CHECK(vetted.known.size() == 6);

        // Nothing shared: the usable sales are the feed, whole.
        sales.erase(sales.begin() + 2);
        const VettedSales clean = vet_sales(sales, {});
        CHECK(clean.findings.empty());
        REQUIRE(clean.sales.size() == sales.size());
        for (size_t i = 0; i < sales.size(); ++i)
            CHECK(clean.sales[i] == &sales[i]);
    }
}

TEST_SUITE("reconcile") {
    TEST_CASE(
        "a change's notes: the typed forms render as their text always read, and text takes them back") {
        Sale s;
        s.state = SaleState::Terminated;
        s.substate = "reservationCancelled";
        const std::pair<ChangeNote, const char*> typed[] = {
            {ChangeNote::absent(), "absent"},
            {ChangeNote::present(true), "present, implanted"},
            {ChangeNote::present(false), "present, not implanted"},
            {ChangeNote::implanted(true), "implanted"},
            {ChangeNote::implanted(false), "not implanted"},
            {ChangeNote::sale_status(s), "terminated/reservationCancelled"},
        };
        for (const auto& [note, text] : typed) {
            CAPTURE(text);
            CHECK(note.text() == text);
            CHECK_FALSE(note.is_text());
            const ChangeNote read_back{std::string(text)}; // as a journal row gives it back
            CHECK_FALSE(read_back.is_text());
            CHECK(read_back == note);
        }
        for (const char* text : {"present, implanted twice", "absent (property kept)", "active/", "/active",
                                 "reserved/unknown", "partnership approved again (2026-12-01T00:00:00Z)"}) {
            CAPTURE(text);
            const ChangeNote note(text);
            CHECK(note.is_text());
            CHECK(note.text() == text);
        }
        std::set<std::string> fixed_texts; // every fixed note: a text of its own, read back as itself
        for (int i = 0; i <= static_cast<int>(FixedNote::PasswordReset); ++i) {
            const ChangeNote note(static_cast<FixedNote>(i));
            CAPTURE(i);
            CHECK_FALSE(note.is_text());
            CHECK(note.view().size() > 3);
            CHECK(fixed_texts.insert(note.text()).second);
            const ChangeNote read_back{note.text()};
            CHECK_FALSE(read_back.is_text());
            CHECK(read_back == note);
        }
        s.substate = "some new substate"; // not one the feed's spec pairs: kept as the text it reads as
        CHECK(ChangeNote::sale_status(s).is_text());
        CHECK(ChangeNote::sale_status(s).text() == "terminated/some new substate");
        CHECK(ChangeNote().empty());
        CHECK(ChangeNote("").empty());
        CHECK(sizeof(ChangeNote) <= 16); // a pointer and a few bytes: three in every change
    }
}
