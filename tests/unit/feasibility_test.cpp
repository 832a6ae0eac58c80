#include "core/feasibility.hpp"
#include "core/geo.hpp"
#include "report/views.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <random>

using namespace oznsync;

namespace {
BoxPorts box(const std::string& id, double lat, double lng, std::vector<PortState> ports,
             bool draft = false) {
    BoxPorts b;
    b.box = Box{id, "p", id, lat, lng, draft, !draft};
    b.splitters.push_back({"s-" + id, "S1", std::move(ports)});
    return b;
}
const PortState kFree{false, std::nullopt}, kBlocked{true, std::nullopt}, kTaken{false, std::string("f")};

bool inside_some(const std::vector<LatLngRect>& rects, double lat, double lng) {
    return std::any_of(rects.begin(), rects.end(), [&](const LatLngRect& r) {
        return lat >= r.min_lat && lat <= r.max_lat && lng >= r.min_lng && lng <= r.max_lng;
    });
}
} // namespace

TEST_SUITE("feasibility") {
    TEST_CASE("sellable ports: not draft, not blocked, not occupied") {
        Box ok{"b", "p", "B", 0, 0, false, true}, draft{"d", "p", "D", 0, 0, true, false};
        CHECK(sellable(ok, kFree));
        CHECK_FALSE(sellable(ok, kBlocked));
        CHECK_FALSE(sellable(ok, kTaken));
        CHECK_FALSE(sellable(draft, kFree));
    }

    TEST_CASE("distance: known values, symmetric, zero") {
        CHECK(distance_m(0, 0, 0, 1) == doctest::Approx(111195.08).epsilon(1e-6));
        CHECK(distance_m(-27.59, -48.55, -27.59, -48.55) == 0);
        CHECK(distance_m(10, 20, -5, 40) == doctest::Approx(distance_m(-5, 40, 10, 20)));
        CHECK(distance_m(89.9, 0, 89.9, 180) == doctest::Approx(22238.9).epsilon(1e-4)); // across the pole
        CHECK(distance_m(0, 179.999, 0, -179.999) ==
              doctest::Approx(222.4).epsilon(1e-3)); // across the antimeridian
    }

    TEST_CASE("covering rectangles contain every point of the circle: poles and antimeridian included") {
        std::mt19937_64 rng(7);
        std::uniform_real_distribution<double> u(0, 1);
        for (auto [lat, lng, radius] : {std::tuple{-27.59, -48.55, 150.0},
                                        {0.0, 179.9995, 500.0},
                                        {0.0, -179.9995, 500.0},
                                        {89.999, 10.0, 1000.0},
                                        {-89.9999, 0.0, 50.0},
                                        {60.0, 0.0, 100000.0}}) {
            auto rects = covering_rects(lat, lng, radius);
            for (int i = 0; i < 2000; ++i) {
                // random point in the disc, by bearing and distance
                double d = radius * std::sqrt(u(rng)), b = 2 * M_PI * u(rng);
                double la1 = lat * M_PI / 180, lo1 = lng * M_PI / 180, ang = d / kEarthRadiusM;
                double la2 =
                    std::asin(std::sin(la1) * std::cos(ang) + std::cos(la1) * std::sin(ang) * std::cos(b));
                double lo2 = lo1 + std::atan2(std::sin(b) * std::sin(ang) * std::cos(la1),
                                              std::cos(ang) - std::sin(la1) * std::sin(la2));
                double plat = la2 * 180 / M_PI, plng = std::remainder(lo2 * 180 / M_PI, 360.0);
                REQUIRE_MESSAGE(inside_some(rects, plat, plng),
                                lat << "," << lng << " r=" << radius << " missed " << plat << "," << plng);
            }
        }
        CHECK(covering_rects(0, 179.9999, 1000).size() == 2);
        CHECK(covering_rects(89.9999, 0, 1000)[0].min_lng == -180);
    }

    TEST_CASE("viable boxes nearest first, ties by id, exactly-on-radius included, reasons for the rest") {
        std::vector<BoxPorts> c = {
            box("b2", 0, 0.001, {kTaken, kFree}),      // ~111 m
            box("b1", 0, -0.001, {kFree, kFree}),      // same distance: tie broken by id
            box("b3", 0, 0.0005, {kTaken, kTaken}),    // full
            box("b4", 0.0005, 0, {kFree}, true),       // draft
            box("b5", -0.0005, 0, {kBlocked, kTaken}), // only blocked
            box("b6", 0.01, 0, {kFree}),               // far away
        };
        double edge = distance_m(0, 0, 0, 0.001);
        auto a = evaluate_feasibility(0, 0, edge, c, 0);
        REQUIRE(a.viable.size() == 2);
        CHECK(a.viable[0].box.id == "b1");
        CHECK(a.viable[1].box.id == "b2");
        CHECK(a.viable[1].free[0].ports == std::vector<int>{2});
        REQUIRE(a.non_viable.size() == 3);
        // b3, b4 and b5 all sit 55.6 m away: ties go by box id.
        CHECK(a.non_viable[0].reason == NonViableReason::Full);
        CHECK(a.non_viable[1].reason == NonViableReason::Draft);
        CHECK(a.non_viable[2].reason == NonViableReason::OnlyBlocked);
        CHECK(evaluate_feasibility(0, 0, edge, c, 1).viable.size() == 1);
        CHECK(evaluate_feasibility(0, 0, edge - 0.01, c, 0).viable.empty());
        CHECK(feasibility_json(a).rfind("{\"viable\":true,", 0) == 0);
    }
}
