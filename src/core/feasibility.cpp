#include "core/feasibility.hpp"

#include "core/enum_names.hpp"
#include "core/geo.hpp"

#include <algorithm>
#include <cmath>

namespace oznsync {

int ViableBox::free_count() const {
    int n = 0;
    for (const auto& f : free)
        n += static_cast<int>(f.ports.size());
    return n;
}

bool sellable(const Box& box, const PortState& port) {
    return !box.draft && !port.blocked && !port.fiber;
}

namespace {
constexpr Named<NonViableReason> kReasons[] = {{NonViableReason::Draft, "draft"},
                                               {NonViableReason::Full, "full"},
                                               {NonViableReason::OnlyBlocked, "only_blocked"},
                                               {NonViableReason::NoDropSplitter, "no_drop_splitter"}};
} // namespace

const char* reason_name(NonViableReason r) {
    return name_of(kReasons, r);
}

double round_distance(double metres) {
    return std::round(metres * 10) / 10;
}

FeasibilityAnswer evaluate_feasibility(double lat, double lng, double radius_m,
                                       const std::vector<BoxPorts>& candidates, int limit) {
    std::vector<const BoxPorts*> each;
    each.reserve(candidates.size());
    for (const auto& c : candidates)
        each.push_back(&c);
    return evaluate_feasibility(lat, lng, radius_m, each, limit);
}

FeasibilityAnswer evaluate_feasibility(double lat, double lng, double radius_m,
                                       const std::vector<const BoxPorts*>& candidates, int limit) {
    FeasibilityAnswer a{lat, lng, radius_m, {}, {}};
    for (const BoxPorts* candidate : candidates) {
        const BoxPorts& c = *candidate;
        double d = distance_m(lat, lng, c.box.lat, c.box.lng);
        if (d > radius_m) continue;
        ViableBox v{"", c.box, d, {}};
        bool any_port = false, free_but_blocked = false;
        for (const auto& sp : c.splitters) {
            ViableBox::Free f{sp.id, sp.name, {}};
            for (size_t i = 0; i < sp.ports.size(); ++i) {
                any_port = true;
                free_but_blocked = free_but_blocked || (!sp.ports[i].fiber && sp.ports[i].blocked);
                if (sellable(c.box, sp.ports[i])) f.ports.push_back(static_cast<int>(i + 1));
            }
            if (!f.ports.empty()) v.free.push_back(std::move(f));
        }
        if (!v.free.empty()) {
            a.viable.push_back(std::move(v));
            continue;
        }
        const NonViableReason reason = c.box.draft        ? NonViableReason::Draft
                                       : !any_port        ? NonViableReason::NoDropSplitter
                                       : free_but_blocked ? NonViableReason::OnlyBlocked
                                                          : NonViableReason::Full;
        a.non_viable.push_back({"", c.box, d, reason});
    }
    auto by_distance = [](const auto& x, const auto& y) {
        return std::tie(x.distance_m, x.box.id) < std::tie(y.distance_m, y.box.id);
    };
    std::sort(a.viable.begin(), a.viable.end(), by_distance);
    std::sort(a.non_viable.begin(), a.non_viable.end(), by_distance);
    if (limit > 0 && a.viable.size() > static_cast<size_t>(limit))
        a.viable.resize(static_cast<size_t>(limit));
    return a;
}

FeasibilityAnswer merge_feasibility(std::vector<std::pair<std::string, FeasibilityAnswer>> answers,
                                    int limit) {
    FeasibilityAnswer out;
    for (auto& [name, a] : answers) {
        out.lat = a.lat;
        out.lng = a.lng;
        out.radius_m = a.radius_m;
        for (auto& v : a.viable) {
            v.operator_name = name;
            out.viable.push_back(std::move(v));
        }
        for (auto& n : a.non_viable) {
            n.operator_name = name;
            out.non_viable.push_back(std::move(n));
        }
    }
    auto order = [](const auto& x, const auto& y) {
        return std::tie(x.distance_m, x.operator_name, x.box.id) <
               std::tie(y.distance_m, y.operator_name, y.box.id);
    };
    std::sort(out.viable.begin(), out.viable.end(), order);
    std::sort(out.non_viable.begin(), out.non_viable.end(), order);
    if (limit > 0 && out.viable.size() > static_cast<size_t>(limit))
        out.viable.resize(static_cast<size_t>(limit));
    return out;
}

} // namespace oznsync
