// What the read-only commands print, from plain values: `oznsync fleet status` (table, JSON, page) and
// `oznsync feasibility`'s table.
#include "core/exit_meaning.hpp"
#include "report/views.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace oznsync;

namespace {

RunRecord run(const std::string& id, const std::string& started_at, int exit_code) {
    RunRecord r;
    r.id = id;
    r.started_at = started_at;
    r.finished_at = started_at;
    r.exit_code = exit_code;
    return r;
}

/// Two operators: one healthy (a full and an incremental run, its incremental runs held), one that needs
/// attention and whose name and reason carry what a terminal or a page must not take as markup.
std::vector<OperatorHealth> fleet() {
    OperatorHealth acme;
    acme.name = "acme";
    acme.config = "/etc/oznsync/operators.d/acme.ini";
    acme.reports_dir = "/var/lib/oznsync/acme/reports";
    acme.last_full = run("20261204T020000Z-aaaaaa", "2026-12-04T02:00:00Z", 0);
    acme.last_incremental = run("20261204T101500Z-bbbbbb", "2026-12-04T10:15:00Z", 3);
    acme.conflicts = 2;
    acme.drift = 1;
    acme.snapshot_age_h = 8.26;
    acme.owned_clients = 1200;
    acme.free_ports = 3400;
    acme.hold = Hold{"2026-12-04T14:00:00Z", "ana", "reviewing plan X"};
    OperatorHealth beta;
    beta.name = "be<ta>\x1b[31m";
    beta.config = "/etc/oznsync/operators.d/beta.ini";
    beta.attention = {"no full run yet", "a <b>reason</b>"};
    return {acme, beta};
}

} // namespace

TEST_SUITE("views") {
    TEST_CASE("a hold reads with whoever made it and why, when they are known") {
        CHECK(hold_text({"2026-12-04T14:00:00Z", "ana", "reviewing plan X"}) ==
              "held until 2026-12-04T14:00:00Z by ana (reviewing plan X)");
        CHECK(hold_text({"2026-12-04T14:00:00Z", "", ""}) == "held until 2026-12-04T14:00:00Z");
    }

    TEST_CASE("fleet status as a table: a line per operator, then why it needs attention and its hold; no "
              "escape sequence reaches the terminal") {
        const std::string t = fleet_table(fleet());
        const std::string expected =
            "OPERATOR         STATUS    LAST FULL RUN                   LAST INCREMENTAL RUN            "
            "CONFLICTS  DRIFT INVALID  SNAPSHOT  OWNED  FREE PORTS\n"
            "acme             healthy   2026-12-04T02:00:00Z exit 0     2026-12-04T10:15:00Z exit 3     "
            "        2      1       0     8.2 h   1200  3400\n"
            "  acme: incremental runs held until 2026-12-04T14:00:00Z by ana (reviewing plan X)\n"
            "be<ta>?[31m      ATTENTION -                               -                               "
            "        0      0       0         -      0  0\n"
            "  be<ta>?[31m: no full run yet\n"
            "  be<ta>?[31m: a <b>reason</b>\n";
        CHECK(t == expected);
    }

    TEST_CASE("fleet status as JSON: each operator's runs with what their exit codes mean, its findings "
              "and its hold") {
        const std::string j = fleet_json(fleet());
        CHECK(j.rfind(
                  "[{\"operator\":\"acme\",\"config\":\"/etc/oznsync/operators.d/acme.ini\",\"healthy\":true,"
                  "\"attention\":[],\"last_full_run\":{\"id\":\"20261204T020000Z-aaaaaa\",",
                  0) == 0);
        CHECK(j.find("\"exit_code\":3,\"meaning\":\"" + std::string(exit_code_meaning(3)) + "\"") !=
              std::string::npos);
        CHECK(
            j.find("\"conflicts\":2,\"drift\":1,\"invalid\":0,\"snapshot_age_h\":8.26,\"owned_clients\":1200,"
                   "\"free_ports\":3400,\"hold\":{\"until\":\"2026-12-04T14:00:00Z\",\"by\":\"ana\","
                   "\"reason\":\"reviewing plan X\"}}") != std::string::npos);
        CHECK(j.find("\"healthy\":false,\"attention\":[\"no full run yet\",\"a <b>reason</b>\"],"
                     "\"last_full_run\":null,\"last_incremental_run\":null") != std::string::npos);
        CHECK(j.find("\"snapshot_age_h\":null") != std::string::npos);
        CHECK(j.substr(j.size() - 13) == "\"hold\":null}]");
    }

    TEST_CASE("fleet status as a page: each operator links its reports, names and reasons escaped") {
        const std::string h = fleet_html(fleet());
        CHECK(h.rfind("<!doctype html>\n", 0) == 0);
        CHECK(h.find("<tr><td><a href=\"file:///var/lib/oznsync/acme/reports/index.html\">acme</a></td>"
                     "<td class=ok>healthy</td><td>2026-12-04T02:00:00Z exit 0</td>") != std::string::npos);
        CHECK(h.find("<td>2 / 1 / 0</td><td>8.2 h</td><td>1200</td><td>3400</td></tr>") != std::string::npos);
        CHECK(h.find("<tr><td>be&lt;ta&gt;") != std::string::npos); // no reports folder: no link
        CHECK(h.find("<td class=bad>no full run yet; a &lt;b&gt;reason&lt;/b&gt;</td>") != std::string::npos);
        CHECK(h.find("<b>") == std::string::npos);
        CHECK(h.substr(h.size() - 31) == "</tbody></table></body></html>\n");
    }

    TEST_CASE("the runs listing as a table: a line per run with its counts, however many") {
        RunListing r;
        r.id = "20261204T020000Z-aaaaaa";
        r.started_at = "2026-12-04T02:00:00Z";
        r.mode = "run";
        r.status = "done";
        r.exit_code = 3;
        for (int i = 0; i < 60; ++i)
            r.counts += "create=" + std::to_string(i) + " "; // longer than any fixed line
        CHECK(runs_table("acme", {r}) ==
              "operator acme\n"
              "RUN                      STARTED              MODE         STATUS  EXIT  CHANGES\n"
              "20261204T020000Z-aaaaaa  2026-12-04T02:00:00Z run          done       3  " +
                  r.counts + "\n");
        CHECK(runs_table("acme", {}) ==
              "operator acme\n"
              "RUN                      STARTED              MODE         STATUS  EXIT  "
              "CHANGES\n(no runs yet)\n");
    }

    TEST_CASE("feasibility as a table: viable boxes with their free ports per splitter, then the others and "
              "why; a long name is not cut") {
        FeasibilityAnswer a{-27.5, -48.25, 150, {}, {}};
        ViableBox v;
        v.box = Box{"65f000000000000000000001", "p1", "CTO-1"};
        v.distance_m = 12.34;
        v.free = {{"65f0000000000000000000aa", "CTO-1-S1", {1, 3}}, {"65f0000000000000000000ab", "", {8}}};
        a.viable.push_back(v);
        NonViableBox n;
        n.box = Box{"65f000000000000000000002", "p1", std::string(600, 'N') + "\x07"};
        n.distance_m = 140.06;
        n.reason = NonViableReason::Draft;
        a.non_viable.push_back(n);
        const std::string t = feasibility_table(a, 7);
        const std::string expected = "1 viable box(es) within 150 m of -27.500000, -48.250000 (snapshot 7)\n"
                                     "      12.3 m  65f000000000000000000001  CTO-1          free  3:  "
                                     "CTO-1-S1 [1,3]  65f0000000000000000000ab [8]\n"
                                     "1 box(es) in range without a sellable port:\n"
                                     "     140.1 m  65f000000000000000000002  " +
                                     std::string(600, 'N') + "? draft\n";
        CHECK(t == expected);
        CHECK(feasibility_table(FeasibilityAnswer{0, 0, 50, {}, {}}, 1) ==
              "0 viable box(es) within 50 m of 0.000000, 0.000000 "
              "(snapshot 1)\n");
    }
}
