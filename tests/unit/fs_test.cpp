// Files oznsync writes beside others': unpredictable temporary names, never through a planted link, never
// over something that is not a regular file; folders that exist keep their mode.
#include "support/scratch_dir.hpp"
#include "util/fs.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sys/stat.h>
#include <unistd.h>

using namespace oznsync;
namespace fs = std::filesystem;

namespace {
struct Scratch : ScratchDir {
    Scratch() : ScratchDir("oznsync-fs") {}
};

std::set<std::string> names_in(const std::string& dir) {
    std::set<std::string> out;
    for (const auto& e : fs::directory_iterator(dir))
        out.insert(e.path().filename().string());
    return out;
}
} // namespace

TEST_SUITE("fs") {
    TEST_CASE("a temporary file has a name nobody can guess and is created new") {
        Scratch d;
        AtomicFile a(d.file("out.txt"), 0600), b(d.file("out.txt"), 0600);
        const auto names = names_in(d.path);
        REQUIRE(names.size() == 2); // two different temporary files for one target
        for (const auto& n : names) {
            CHECK(n.rfind(".out.txt.", 0) == 0);
            CHECK(n.find(std::to_string(::getpid())) == std::string::npos);
        }
        a.write("first");
        a.commit();
        CHECK(read_file(d.file("out.txt")) == "first");
    }

    TEST_CASE("a link planted at the target is replaced, its target never written") {
        Scratch d;
        std::ofstream(d.file("victim")) << "keep me";
        fs::create_symlink(d.file("victim"), d.file("metrics.prom"));
        atomic_write(d.file("metrics.prom"), "new", 0644);
        CHECK(read_file(d.file("victim")) == "keep me");
        CHECK_FALSE(fs::is_symlink(d.file("metrics.prom")));
        CHECK(read_file(d.file("metrics.prom")) == "new");
    }

    TEST_CASE("a device, a FIFO or a folder at the target is refused, and left as it is") {
        Scratch d;
        REQUIRE(::mkfifo(d.file("fifo").c_str(), 0600) == 0);
        fs::create_directory(d.file("folder"));
        for (const std::string& target : {std::string("/dev/null"), d.file("fifo"), d.file("folder")}) {
            INFO(target);
            CHECK_THROWS_WITH(atomic_write(target, "x"), doctest::Contains("not a regular file"));
        }
        struct stat st {};
        REQUIRE(::stat("/dev/null", &st) == 0);
        CHECK(S_ISCHR(st.st_mode));
        CHECK(fs::is_fifo(d.file("fifo")));
    }

    TEST_CASE("folders: made with the mode asked, an existing one is never chmod'ed; shared ones are named") {
        Scratch d;
        make_dirs(d.file("a/b"), 0700);
        CHECK((fs::status(d.file("a/b")).permissions() & fs::perms::all) == fs::perms::owner_all);
        fs::create_directory(d.file("shared"));
        ::chmod(d.file("shared").c_str(), 01777);
        make_dirs(d.file("shared"), 0700);
        struct stat st {};
        REQUIRE(::stat(d.file("shared").c_str(), &st) == 0);
        CHECK((st.st_mode & 07777) == 01777);
        CHECK(shared_dir_problem(d.file("shared")).find("writable by other users") != std::string::npos);
        CHECK(shared_dir_problem(d.file("a/b")).empty());
        CHECK(shared_dir_problem(d.file("missing")).empty());
    }
    TEST_CASE("a file read whole, with room kept past its end for a reader that pads it") {
        Scratch d;
        const std::string text(100000, 'x');
        std::ofstream(d.file("feed.json")) << text;
        const std::string plain = read_file(d.file("feed.json"));
        const std::string padded = read_file(d.file("feed.json"), 64);
        CHECK(plain == text);
        CHECK(padded == text);
        CHECK(padded.capacity() >= text.size() + 64);
        std::ofstream(d.file("empty")).close();
        CHECK(read_file(d.file("empty"), 64).empty());
        CHECK(read_file(d.file("empty"), 64).capacity() >= 64);
    }
}
