// Records kept on disk until they are read back: every record, in order, field for field, whether they went
// to the file, stayed in memory, or the file stopped taking them part way.
#include "support/scratch_dir.hpp"
#include "util/spill_log.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <filesystem>
#include <set>
#include <string>
#include <sys/resource.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace oznsync;
namespace fs = std::filesystem;

namespace {

struct Folder : ScratchDir {
    Folder() : ScratchDir("oznsync-spill") {}
};

using Record = std::vector<std::string>;

std::vector<Record> read_back(const SpillLog& log) {
    std::vector<Record> out;
    log.for_each(
        [&](std::span<const std::string_view> fields) { out.emplace_back(fields.begin(), fields.end()); });
    return out;
}

/// Records of varied shapes: empty fields, bytes of every value, one field larger than a spill.
std::vector<Record> varied(int n) {
    std::vector<Record> out;
    for (int i = 0; i < n; ++i) {
        std::string bytes;
        for (int b = 0; b < i % 300; ++b)
            bytes += static_cast<char>((i + b) % 256);
        out.push_back({"POST", i % 7 == 0 ? "" : "properties/" + std::to_string(i), bytes});
    }
    out.push_back({std::string(3u << 20, 'x'), "", "last"});
    return out;
}

void append_all(SpillLog& log, const std::vector<Record>& records) {
    for (const auto& r : records)
        log.append({r[0], r[1], r[2]});
}

} // namespace

TEST_SUITE("fs") {
    TEST_CASE(
        "a spill log in a folder: its records go to a file with no name, and come back whole, in order") {
        Folder folder;
        const auto records = varied(20000); // several megabytes: many spills, and a record larger than one
        SpillLog log(folder.path);
        CHECK(log.spills());
        append_all(log, records);
        CHECK(log.size() == records.size());
        CHECK(read_back(log) == records);
        CHECK(read_back(log) == records); // read twice, the same
        CHECK(fs::is_empty(folder.path)); // nothing anyone could open by name
    }

    TEST_CASE("without a usable folder the records stay in memory, none lost") {
        const auto records = varied(500);
        SpillLog in_memory;
        SpillLog no_folder("/nonexistent/oznsync-spill");
        CHECK_FALSE(in_memory.spills());
        CHECK_FALSE(no_folder.spills());
        append_all(in_memory, records);
        append_all(no_folder, records);
        CHECK(read_back(in_memory) == records);
        CHECK(read_back(no_folder) == records);
    }

    TEST_CASE("a file that stops taking records (a full disk) keeps what it has; the rest stays in memory") {
        Folder folder;
        const auto records = varied(20000);
        // The file size limit stands in for a full disk: writes past 2 MiB fail (EFBIG, its signal ignored).
        rlimit before{};
        REQUIRE(::getrlimit(RLIMIT_FSIZE, &before) == 0);
        auto* previous = std::signal(SIGXFSZ, SIG_IGN);
        rlimit small = before;
        small.rlim_cur = 2u << 20;
        REQUIRE(::setrlimit(RLIMIT_FSIZE, &small) == 0);
        SpillLog log(folder.path);
        append_all(log, records);
        const bool spilling = log.spills();
        ::setrlimit(RLIMIT_FSIZE, &before);
        std::signal(SIGXFSZ, previous);
        CHECK_FALSE(spilling);
        CHECK(read_back(log) == records);
    }

    TEST_CASE("records appended from several threads: all of them, each thread's in its order") {
        Folder folder;
        SpillLog log(folder.path);
        constexpr int kThreads = 4, kEach = 20000;
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t)
            threads.emplace_back([&log, t] {
                for (int i = 0; i < kEach; ++i)
                    log.append({std::to_string(t), std::to_string(i),
                                std::string(static_cast<size_t>(i % 90), 'b')});
            });
        for (auto& th : threads)
            th.join();
        std::vector<int> next(kThreads, 0);
        bool in_order = true;
        size_t n = 0;
        log.for_each([&](std::span<const std::string_view> f) {
            const int t = std::stoi(std::string(f[0]));
            in_order = in_order && std::stoi(std::string(f[1])) == next[t]++ &&
                       f[2].size() == size_t(next[t] - 1) % 90;
            ++n;
        });
        CHECK(in_order);
        CHECK(n == size_t(kThreads) * kEach);
    }
}
