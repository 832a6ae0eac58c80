// Partner users planned by the pure core (core/partners) and the partnership feed's shapes
// (neutral/partnerships): plain values.
#include "core/partners.hpp"
#include "neutral/partnerships.hpp"

#include <doctest/doctest.h>

#include <algorithm>

using namespace oznsync;

TEST_SUITE("partners") {
    Partnership ship(const std::string& id, const std::string& status, const std::string& partner,
                     std::vector<std::string> projects,
                     const std::string& approved_at = "2026-02-01T12:00:00Z") {
        Partnership p;
        p.id = id;
        p.status = partnership_status_of(status).value();
        p.partner_id = partner;
        p.partner_name = "Partner " + partner;
        p.partner_email = "noc@" + partner + ".example";
        p.approved_at = approved_at;
        p.projects = std::move(projects);
        return p;
    }

    PartnerPlan plan(std::vector<Partnership> ships, std::map<std::string, ExistingUser> existing = {},
                     std::map<std::string, PartnerGrant> granted = {}, const std::string& fallback = "") {
        PartnerPlanInput in;
        in.partnerships = std::move(ships);
        in.existing = std::move(existing);
        in.selected_projects = {"p1", "p2", "p3"};
        in.granted = std::move(granted);
        in.email_fallback = fallback;
        return plan_partner_users(in);
    }

    TEST_CASE("accepted -> user with exactly its projects; second run -> nothing; ended -> no access") {
        const std::string partner = "65a000000000000000000007";
        auto first =
            plan({ship("s1", "accepted", partner, {"p2", "p1"}), ship("s2", "requested", "x", {"p3"})});
        REQUIRE(first.writes.size() == 1);
        CHECK(first.writes[0].action == Action::UserCreate);
        CHECK(first.writes[0].user->username == partner_username(partner));
        CHECK(first.writes[0].user->projects == std::vector<std::string>{"p1", "p2"});
        const std::string user = first.writes[0].user->username;
        std::map<std::string, ExistingUser> existing = {
            {user, {"65f0000000000000000000a1", user, {"p2", "p1"}, partner_external_id(partner)}}};
        CHECK(plan({ship("s1", "accepted", partner, {"p1", "p2"})}, existing, first.grants).writes.empty());
        auto ended = plan({ship("s1", "ended", partner, {"p1", "p2"})}, existing, first.grants);
        REQUIRE(ended.writes.size() == 1);
        CHECK(ended.writes[0].action == Action::UserUpdate);
        CHECK(ended.writes[0].user->projects.empty());
        CHECK(ended.writes[0].user->user_id == "65f0000000000000000000a1");
        CHECK(plan({ship("s1", "ended", partner, {"p1"})}).writes.empty());
        CHECK(plan({ship("s1", "rejected", partner, {"p1"})}).writes.empty());
    }

    TEST_CASE("a partner user must be proven oznsync's: a hand-made one is a conflict, an old one of ours is "
              "claimed") {
        const std::string partner = "65a000000000000000000007", user = partner_username(partner);
        const auto ships = std::vector<Partnership>{ship("s1", "accepted", partner, {"p1"})};
        // Someone made a user with the name (no external_id, unknown to oznsync's database): nothing written.
        std::map<std::string, ExistingUser> handmade = {
            {user, {"65f0000000000000000000a1", user, {"p9"}, ""}}};
        auto p = plan(ships, handmade);
        CHECK(p.writes.empty());
        REQUIRE(p.findings.size() == 1);
        CHECK(p.findings[0].action == Action::Conflict);
        CHECK(p.findings[0].reason.text().find("not proven oznsync's") != std::string::npos);
        // Another system's external_id: the same, even if oznsync's database knows the name.
        PartnerPlanInput in;
        in.partnerships = ships;
        in.selected_projects = {"p1"};
        in.existing = {{user, {"65f0000000000000000000a1", user, {"p9"}, "crm:42"}}};
        in.recorded = {user};
        CHECK(plan_partner_users(in).writes.empty());
        // A user oznsync made before users carried the proof (its database says so): claimed once, then
        // planned as usual.
        in.existing[user].external_id = "";
        auto claimed = plan_partner_users(in);
        REQUIRE(claimed.writes.size() == 2);
        CHECK(claimed.writes[0].user->claim_user);
        CHECK(claimed.writes[0].user->user_id == "65f0000000000000000000a1");
        CHECK(claimed.writes[1].user->projects == std::vector<std::string>{"p1"});
    }

    TEST_CASE("two accepted partnerships of one partner: one user, the union of projects") {
        auto p = plan({ship("s1", "accepted", "a", {"p1"}), ship("s2", "accepted", "a", {"p3"}),
                       ship("s3", "ended", "a", {"p2"})});
        REQUIRE(p.writes.size() == 1);
        CHECK(p.writes[0].user->projects == std::vector<std::string>{"p1", "p3"});
    }

    TEST_CASE("an unselected project is a finding, never a grant") {
        auto p = plan({ship("s1", "accepted", "a", {"p1", "p9"})});
        REQUIRE(p.writes.size() == 1);
        CHECK(p.writes[0].user->projects == std::vector<std::string>{"p1"});
        REQUIRE(p.findings.size() == 1);
        CHECK(p.findings[0].reason.text().find("p9, which is not among the selected projects") !=
              std::string::npos);
    }

    TEST_CASE("a partner without a usable e-mail gets no user unless partners.email_fallback says how") {
        Partnership s = ship("s1", "accepted", "a", {"p1"});
        s.partner_email = "";
        auto none = plan({s});
        CHECK(none.writes.empty());
        REQUIRE(none.findings.size() == 1);
        CHECK(none.findings[0].reason.text().find("no usable e-mail") != std::string::npos);
        auto fallback = plan({s}, {}, {}, "noc+{partner_id}@operator.example");
        REQUIRE(fallback.writes.size() == 1);
        CHECK(fallback.writes[0].user->email == "noc+a@operator.example");
        CHECK(usable_email("noc@fibramais.example"));
        CHECK_FALSE(usable_email("not an email@x.y"));
        CHECK_FALSE(usable_email("a@b"));
        // The SDK's rule (zod .email()): ASCII, no leading dot or "..", a TLD of letters.
        for (const char* ok : {"noc+fibra_1@provedor-sul.com.br", "o'neil@x.io", "a-b.c@d.e.fg", "A@B.CD"})
            CHECK_MESSAGE(usable_email(ok), ok);
        for (const char* bad : {"jo\xc3\xa3o.silva@provedorsul.com.br", ".a@b.cd", "a..b@c.de", "a.@b.cd",
                                "a'@b.cd", "a@-b.cd", "a@b.c", "a@b.c1", "a@b..cd", "a@b", "a b@c.de",
                                "a@b.cd.", "@b.cd", "a@", "a@@b.cd", "a@b_c.de"})
            CHECK_FALSE_MESSAGE(usable_email(bad), bad);
    }

    TEST_CASE("an operator's edit of the projects is left alone until the partnership changes in OZneutral") {
        const std::string user = partner_username("a");
        std::map<std::string, PartnerGrant> granted = {{user, {"2026-02-01T12:00:00Z", {"p1", "p2"}}}};
        std::map<std::string, ExistingUser> edited = {
            {user, {"65f0000000000000000000a1", user, {"p1"}, partner_external_id("a")}}};
        auto same = plan({ship("s1", "accepted", "a", {"p1", "p2"})}, edited, granted);
        CHECK(same.writes.empty());
        REQUIRE(same.findings.size() == 1);
        CHECK(same.findings[0].action == Action::Drift);
        auto again =
            plan({ship("s1", "accepted", "a", {"p1", "p3"}, "2026-05-01T00:00:00Z")}, edited, granted);
        REQUIRE(again.writes.size() == 1);
        CHECK(again.writes[0].user->projects == std::vector<std::string>{"p1", "p3"});
        CHECK(again.grants.at(user).approved_at == "2026-05-01T00:00:00Z");
        // Ended always takes every project away, whoever granted them.
        CHECK(plan({ship("s1", "ended", "a", {"p1"})}, edited, granted).writes.size() == 1);
    }
}

TEST_SUITE("partners") {
    TEST_CASE("partnerships in the flat shape and in the ozn-sdk's shape read the same") {
        PartnershipFeed f = parse_partnerships(
            R"([{"id":"65a00000000000000000000c","status":"accepted","approvedAt":"2026-02-01T12:00:00Z",
                 "partner":{"id":"65a000000000000000000007","name":"FibraMais","email":"noc@fibramais.example"},
                 "projects":["65f000030000000000000001"]},
                {"_id":"65a00000000000000000001c","idPartner":{"_id":"65a000000000000000000017","name":"NetSul"},
                 "idOperator":"65a0000000000000000000ff","status":"active","createdAt":"2026-02-03T09:30:00Z",
                 "projects":["65f000030000000000000002"]},
                {"_id":"65a00000000000000000002c","idPartner":"65a000000000000000000027","status":"ended"}])",
            "test");
        CHECK(f.invalid.empty());
        REQUIRE(f.partnerships.size() == 3);
        CHECK(f.partnerships[1].status == PartnershipStatus::Accepted);
        CHECK(f.partnerships[1].partner_id == "65a000000000000000000017");
        CHECK(f.partnerships[1].approved_at == "2026-02-03T09:30:00Z");
        CHECK(f.partnerships[2].partner_id == "65a000000000000000000027");
        CHECK(f.partnerships[2].status == PartnershipStatus::Ended);
    }
}

TEST_SUITE("partners") {
    TEST_CASE(
        "the ozn-sdk's partnership as it is: company name, no e-mail, no projects (fixed at first sight)") {
        PartnershipFeed f = parse_partnerships(
            R"([{"_id":"65a00000000000000000004c","idPartner":{"_id":"65a000000000000000000047",
                 "idCompany":{"name":"Provedor Sul"}},"idOperator":"65a0000000000000000000ff",
                 "status":"active","createdAt":"2026-03-01T10:00:00Z"}])",
            "test");
        CHECK(f.invalid.empty());
        REQUIRE(f.partnerships.size() == 1);
        const Partnership& p = f.partnerships[0];
        CHECK(p.status == PartnershipStatus::Accepted);
        CHECK(p.partner_name == "Provedor Sul");
        CHECK(p.partner_email.empty());
        CHECK_FALSE(p.projects_given);
        CHECK(p.projects.empty());
        // A flat record still needs its projects.
        CHECK(parse_partnerships(R"([{"id":"65a00000000000000000000c","status":"accepted",
                 "partner":{"id":"65a000000000000000000007"}}])",
                                 "t")
                  .invalid.size() == 1);
        // No e-mail: the fallback, or a finding, never a refused POST.
        PartnerPlanInput in;
        Partnership fixed = p;
        fixed.projects = {"p1"};
        in.partnerships = {fixed};
        in.selected_projects = {"p1"};
        auto none = plan_partner_users(in);
        CHECK(none.writes.empty());
        REQUIRE(none.findings.size() == 1);
        CHECK(none.findings[0].reason.text().find("no usable e-mail") != std::string::npos);
        in.email_fallback = "noc+{partner_id}@operator.example";
        auto made = plan_partner_users(in);
        REQUIRE(made.writes.size() == 1);
        CHECK(made.writes[0].user->email == "noc+65a000000000000000000047@operator.example");
        CHECK(made.writes[0].reason.text().find("fixed since") != std::string::npos);
    }
}
