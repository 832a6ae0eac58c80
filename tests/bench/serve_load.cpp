// Load on `oznsync serve`: CLIENTS threads, each on its own kept-alive connection, ask feasibility near
// real boxes of the snapshot; prints the client-side latency percentiles and the throughput (the
// server's own timings are in its /metrics histogram).
// usage: serve_load PORT TOKEN DB [CLIENTS] [REQUESTS_PER_CLIENT] [RADIUS_M]
#include "store/store.hpp"
#include "store/store_access.hpp"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/NullStream.h>
#include <Poco/StreamCopier.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <thread>
#include <vector>

int main(int argc, char** argv) {
    using namespace oznsync;
    if (argc < 4) {
        std::fprintf(stderr, "usage: serve_load PORT TOKEN DB [CLIENTS] [REQUESTS_PER_CLIENT] [RADIUS_M]\n");
        return 64;
    }
    const auto port = static_cast<Poco::UInt16>(std::stoi(argv[1]));
    const std::string token = argv[2];
    const int clients = argc > 4 ? std::stoi(argv[4]) : 50;
    const int per_client = argc > 5 ? std::stoi(argv[5]) : 400;
    const std::string radius = argc > 6 ? argv[6] : "150";
    std::vector<std::pair<double, double>> boxes;
    {
        Store store(argv[3], Access::ReadOnly);
        auto st = db_of(store).prepare("SELECT lat, lng FROM boxes WHERE snapshot_id = ?");
        st.bind(1, store.require_snapshot());
        while (st.step())
            boxes.emplace_back(st.real(0), st.real(1));
    }
    if (boxes.empty()) return 1;
    std::vector<std::vector<double>> latencies(static_cast<size_t>(clients));
    std::atomic<int> failures{0};
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> threads;
    for (int c = 0; c < clients; ++c)
        threads.emplace_back([&, c] {
            std::mt19937 rng(static_cast<unsigned>(c + 1));
            std::uniform_int_distribution<size_t> pick(0, boxes.size() - 1);
            std::uniform_real_distribution<double> jitter(-0.0005, 0.0005);
            Poco::Net::HTTPClientSession session("127.0.0.1", port);
            session.setKeepAlive(true);
            auto& mine = latencies[static_cast<size_t>(c)];
            for (int i = 0; i < per_client; ++i) {
                const auto& [lat, lng] = boxes[pick(rng)];
                char target[160];
                std::snprintf(target, sizeof target, "/v1/feasibility?lat=%.6f&lng=%.6f&radius=%s",
                              lat + jitter(rng), lng + jitter(rng), radius.c_str());
                Poco::Net::HTTPRequest req("GET", target, Poco::Net::HTTPMessage::HTTP_1_1);
                req.set("Authorization", "Bearer " + token);
                const auto a = std::chrono::steady_clock::now();
                session.sendRequest(req);
                Poco::Net::HTTPResponse resp;
                Poco::NullOutputStream sink;
                Poco::StreamCopier::copyStream(session.receiveResponse(resp), sink);
                mine.push_back(
                    std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - a).count());
                if (resp.getStatus() != 200) ++failures;
            }
        });
    for (auto& t : threads)
        t.join();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::vector<double> all;
    for (auto& l : latencies)
        all.insert(all.end(), l.begin(), l.end());
    std::sort(all.begin(), all.end());
    auto pct = [&](double p) { return all[static_cast<size_t>(p * static_cast<double>(all.size() - 1))]; };
    std::printf(
        "serve feasibility, %d clients x %d requests, radius %s m: client side p50 %.0f us, p99 %.0f us; "
        "%.0f requests/s; %d not 200\n",
        clients, per_client, radius.c_str(), pct(0.5), pct(0.99), static_cast<double>(all.size()) / seconds,
        failures.load());
    return failures.load() ? 1 : 0;
}
