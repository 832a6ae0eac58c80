#include "util/progress.hpp"

#include <doctest/doctest.h>

#include <cstdio>
#include <string>

using namespace oznsync;

namespace {
std::string read_all(std::FILE* f) {
    std::fflush(f);
    std::rewind(f);
    std::string out;
    char buf[4096];
    for (size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;)
        out.append(buf, n);
    return out;
}
} // namespace

TEST_SUITE("progress") {
    TEST_CASE("the bar shows done/total, its rate and time left; its total never shrinks; a log line goes "
              "above it") {
        std::FILE* out = std::tmpfile();
        REQUIRE(out);
        {
            Progress p("apply", "changes", true, out);
            p.add_total(1000);
            p.add_total(-500); // a total only grows
            p.set_label("apply 1000 changes");
            p.advance(10);
            p.set_label("apply 1000 changes"); // drawn now, whatever the time
            const std::string drawn = read_all(out);
            CHECK(drawn.find("10/1000 changes") != std::string::npos);
            CHECK(drawn.find(" changes/s") != std::string::npos);
            CHECK(drawn.find("ETA ") != std::string::npos);
            CHECK(drawn.find("/500") == std::string::npos);
            // What the log sink does around a line: clear the bar's line, write, draw the bar again.
            std::fseek(out, 0, SEEK_END);
            Progress::clear_shown();
            std::fputs("a log line\n", out);
            Progress::redraw_shown();
            const std::string all = read_all(out);
            const size_t log = all.find("\r\033[Ka log line\n");
            REQUIRE(log != std::string::npos);
            CHECK(all.find("10/1000", log) != std::string::npos); // the bar again, below the line
        }
        // Finished: nothing is redrawn any more.
        std::fseek(out, 0, SEEK_END);
        const long before = std::ftell(out);
        Progress::redraw_shown();
        std::fseek(out, 0, SEEK_END);
        CHECK(std::ftell(out) == before);
        std::fclose(out);
    }

    TEST_CASE("the bar never runs backwards when the total grows (more pages found)") {
        std::FILE* out = std::tmpfile();
        REQUIRE(out);
        {
            Progress p("pull", "pages", true, out);
            p.add_total(10);
            p.advance(5);
            p.set_label("pull"); // drawn now: 5/10, half the bar
            p.add_total(90);     // now 5/100: the share drops to 5%
            std::fseek(out, 0, SEEK_END);
            const long half = std::ftell(out);
            p.set_label("pull");
            const std::string after = read_all(out).substr(static_cast<size_t>(half));
            CHECK(after.find("5/100 pages") != std::string::npos);
            CHECK(after.find("[############............]") != std::string::npos); // still half
        }
        std::fclose(out);
    }
}
