// Times feasibility queries against a real snapshot: the R*Tree look-up, the join to splitters and
// ports, and the evaluation, as `oznsync feasibility` runs them (process start-up excluded).
// usage: bench_feasibility DB [QUERIES] [RADIUS_M]
#include "core/feasibility.hpp"
#include "core/geo.hpp"
#include "store/box_ports.hpp"
#include "store/store.hpp"
#include "store/store_access.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

int main(int argc, char** argv) {
    using namespace oznsync;
    if (argc < 2) {
        std::fprintf(stderr, "usage: bench_feasibility DB [QUERIES] [RADIUS_M]\n");
        return 64;
    }
    const int queries = argc > 2 ? std::stoi(argv[2]) : 2000;
    const double radius = argc > 3 ? std::stod(argv[3]) : 150;
    Store store(argv[1]);
    const int64_t snapshot = store.require_snapshot();
    // Query points near real boxes, so every query has work to do.
    std::vector<std::pair<double, double>> points;
    auto st = db_of(store).prepare("SELECT lat, lng FROM boxes WHERE snapshot_id = ?");
    st.bind(1, snapshot);
    while (st.step())
        points.emplace_back(st.real(0), st.real(1));
    if (points.empty()) return 1;
    std::mt19937_64 rng(1);
    std::uniform_int_distribution<size_t> pick(0, points.size() - 1);
    std::normal_distribution<double> jitter(0, 0.0005);
    std::vector<double> micros;
    size_t viable = 0;
    for (int i = 0; i < queries; ++i) {
        auto [lat, lng] = points[pick(rng)];
        lat += jitter(rng);
        lng += jitter(rng);
        auto t0 = std::chrono::steady_clock::now();
        auto a = evaluate_feasibility(lat, lng, radius,
                                      boxes_in_rects(store, snapshot, covering_rects(lat, lng, radius)), 0);
        micros.push_back(
            std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
        viable += a.viable.size();
    }
    std::sort(micros.begin(), micros.end());
    double sum = 0;
    for (double m : micros)
        sum += m;
    std::printf("feasibility: %d queries, radius %.0f m, %zu boxes in snapshot: mean %.0f us, p50 %.0f us, "
                "p99 %.0f us "
                "(%.1f viable boxes per answer)\n",
                queries, radius, points.size(), sum / micros.size(), micros[micros.size() / 2],
                micros[micros.size() * 99 / 100], double(viable) / queries);
    return 0;
}
