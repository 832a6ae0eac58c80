#include "util/ids.hpp"
#include "util/json_writer.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <vector>

using namespace oznsync;

TEST_SUITE("strings") {
    TEST_CASE("url encoding round-trips") {
        std::string s = "[{\"property\":\"project\",\"operator\":\"=\",\"value\":\"a b&c\"}]";
        CHECK(url_encode(s).find_first_of("[]{}\" &") == std::string::npos);
        CHECK(url_decode(url_encode(s)) == s);
        CHECK(url_decode("%zz") == "%zz");
    }

    TEST_CASE("whole-string number parsing") {
        long long n;
        double d;
        CHECK(parse_int("42", n));
        CHECK(n == 42);
        CHECK_FALSE(parse_int("42x", n));
        CHECK_FALSE(parse_int("", n));
        CHECK(parse_double("-27.5", d));
        CHECK_FALSE(parse_double("nan", d));
        CHECK(format_double(0.1) == "0.1");
    }

    TEST_CASE("ISO-8601 timestamps") {
        auto tp = parse_iso8601("2026-03-14T18:40:05Z");
        REQUIRE(tp);
        CHECK(iso8601(*tp) == "2026-03-14T18:40:05Z");
        CHECK(parse_iso8601("2026-03-14T18:40:05.123Z"));
        CHECK_FALSE(parse_iso8601("2026-02-30T00:00:00Z"));
        CHECK_FALSE(parse_iso8601("yesterday"));
        CHECK_FALSE(parse_iso8601("2026-03-14T18:40:05+03:00"));
        CHECK_FALSE(parse_iso8601("0013-01-01T00:00:00Z")); // found by fuzzing: would overflow the clock
    }

    TEST_CASE("ids") {
        CHECK(is_object_id("65f1c0e2a9b4c2001f3e7a10"));
        CHECK_FALSE(is_object_id("65f1c0e2a9b4c2001f3e7a1"));
        CHECK_FALSE(is_object_id("65f1c0e2a9b4c2001f3e7a1g"));
        std::string u = new_ulid(1700000000000);
        CHECK(u.size() == 26);
        CHECK(u.substr(0, 10) == new_ulid(1700000000000).substr(0, 10));
        // Within one millisecond: strictly increasing, so never twice the same.
        std::vector<std::string> same_ms;
        for (int i = 0; i < 1000; ++i)
            same_ms.push_back(new_ulid(1700000000001));
        CHECK(std::is_sorted(same_ms.begin(), same_ms.end()));
        CHECK(std::adjacent_find(same_ms.begin(), same_ms.end()) == same_ms.end());
        CHECK(new_ulid(1700000000002) > same_ms.back());
        std::string p = random_password(24);
        CHECK(p.size() == 24);
        CHECK(p != random_password(24));
    }

    TEST_CASE("Id: an ObjectId held as bytes, any other id as its text; both read back as given") {
        const Id oid("65f1c0e2a9b4c2001f3e7a10");
        CHECK(oid.str() == "65f1c0e2a9b4c2001f3e7a10");
        CHECK(oid.is_object_id());
        CHECK(oid.size() == 24);
        CHECK(sizeof(Id) < sizeof(std::string));
        // Not lower-case hex: kept as text, read back exactly; upper case is still an ObjectId.
        for (const char* text : {"65F1C0E2A9B4C2001F3E7A10", "../../users/x", "65f1c0e2a9b4c2001f3e7a1g",
                                 "65f1c0e2a9b4c2001f3e7a1", "p1", "\x00\x01"}) {
            const Id id(text);
            CHECK(id.str() == text);
            CHECK(id == text);
            CHECK(id.is_object_id() == is_object_id(text));
        }
        // One byte that is not a lower-case hex digit, anywhere among the 24, keeps the whole id as text.
        for (size_t at = 0; at < 24; ++at)
            for (char bad : {'G', 'A', '/', ':', '`', 'g', '\xff', '\0'}) {
                std::string text = "65f1c0e2a9b4c2001f3e7a10";
                text[at] = bad;
                const Id id(text);
                CAPTURE(at);
                CHECK(id.str() == text);
                CHECK_FALSE(Id(text) == oid);
            }
        CHECK(Id().empty());
        CHECK(Id("").empty());
        CHECK(Id().str().empty());
        CHECK_FALSE(oid.empty());

        // Copies, moves and assignments keep the text; a moved-from id is empty.
        Id text("not-an-object-id"), copy = text, moved = Id("65f1c0e2a9b4c2001f3e7a10");
        CHECK(copy == text);
        copy = oid;
        CHECK(copy == oid);
        copy = text;
        CHECK(copy.str() == "not-an-object-id");
        Id taken = std::move(copy);
        CHECK(taken.str() == "not-an-object-id");
        CHECK(copy.empty()); // NOLINT(bugprone-use-after-move): the moved-from state is what is checked
        CHECK(moved == oid);

        // Equal, ordered and hashed as their texts are, whatever form each is held in.
        std::vector<std::string> texts = {"65f1c0e2a9b4c2001f3e7a10",
                                          "65f1c0e2a9b4c2001f3e7a0f",
                                          "7",
                                          "65F1C0E2A9B4C2001F3E7A10",
                                          "",
                                          "65f1c0e2a9b4c2001f3e7a10x",
                                          "zz"};
        for (const auto& a : texts)
            for (const auto& b : texts) {
                CHECK((Id(a) == Id(b)) == (a == b));
                CHECK(((Id(a) <=> Id(b)) == std::strong_ordering::less) == (a < b));
                if (a == b) CHECK(Id(a).hash() == Id(b).hash());
            }
        char buf[24];
        CHECK(oid.text(buf) == "65f1c0e2a9b4c2001f3e7a10");
        CHECK(std::string_view(IdText(text)) == "not-an-object-id");
    }
}

TEST_SUITE("strings") {
    TEST_CASE("clean_message: no escapes, no control characters, valid UTF-8, bounded") {
        CHECK(clean_message("\x1b[31mREFUSED\x1b[0m\r\n\a ok") == "REFUSED ok");
        CHECK(clean_message("a\x1b]0;title\ab") == "ab");
        CHECK(clean_message("caf\xc3\xa9 \xff!") == "caf\xc3\xa9 \xEF\xBF\xBD!");
        std::string huge(20 << 20, 'x');
        std::string cut = clean_message(huge, 100);
        CHECK(cut.size() < 140);
        CHECK(cut.find("more bytes cut") != std::string::npos);
    }

    TEST_CASE("terminal_safe: no C0 (but tab), DEL or C1 reaches a terminal; the rest of UTF-8 stays") {
        CHECK(terminal_safe("CTO\x1b[2J 1\x7f\xc2\x9b"
                            "31m\tS\xc3\xa3o") == "CTO?[2J 1??31m\tS\xc3\xa3o");
        CHECK(terminal_safe("a\nb") == "a?b");
        CHECK(terminal_safe("a\nb", true) == "a\nb");
    }

    TEST_CASE("clean_message: a secret a server quotes back is masked before the text is cut") {
        register_secret("sk-live-4f9a8b7c6d5e");
        CHECK(clean_message("headers: Authorization: sk-live-4f9a8b7c6d5e") == "headers: Authorization: ***");
        const std::string cut = clean_message("0123456789abcdef sk-live-4f9a8b7c6d5e and more", 25);
        CHECK(cut.find("sk-") == std::string::npos);
        CHECK(cut.rfind("0123456789abcdef ***", 0) == 0);
    }
}

TEST_SUITE("strings") {
    TEST_CASE("JSON strings: quotes, backslashes and control characters escaped, everything else as is") {
        auto json = [](std::string_view s) {
            std::string out = "x";
            append_json_string(out, s);
            return out;
        };
        CHECK(json("") == "x\"\"");
        CHECK(json("plain ORD-0001") == "x\"plain ORD-0001\"");
        CHECK(json("a\"b\\c") == "x\"a\\\"b\\\\c\"");
        CHECK(json("l1\nl2\r\tend") == "x\"l1\\nl2\\r\\tend\"");
        CHECK(json(std::string_view("\x01\x1f", 2)) == "x\"\\u0001\\u001f\"");
        CHECK(json(std::string_view("nul\0x", 5)) == "x\"nul\\u0000x\"");
        CHECK(json("São José \xe2\x9c\x93") == "x\"São José \xe2\x9c\x93\"");
        CHECK(json("\"") == "x\"\\\"\"");
        // Every byte value at every place of strings around the eight-byte words the scan reads at once,
        // against the escapes written out one byte at a time.
        auto by_hand = [](std::string_view s) {
            std::string out = "x\"";
            for (const char ch : s) {
                const auto c = static_cast<unsigned char>(ch);
                if (c == '"' || c == '\\')
                    out += {'\\', ch};
                else if (c == '\n')
                    out += "\\n";
                else if (c == '\r')
                    out += "\\r";
                else if (c == '\t')
                    out += "\\t";
                else if (c < 0x20)
                    out += "\\u00" + std::string(1, "0123456789abcdef"[c >> 4]) + "0123456789abcdef"[c & 15];
                else
                    out += ch;
            }
            return out + '"';
        };
        size_t differ = 0;
        for (size_t length : {1, 7, 8, 9, 16, 17, 24, 31})
            for (size_t at = 0; at < length; ++at)
                for (int c = 0; c < 256; ++c) {
                    std::string s(length, 'a');
                    s[at] = static_cast<char>(c);
                    differ += json(s) != by_hand(s);
                }
        CHECK(differ == 0);
    }

    TEST_CASE("JSON writer: commas between elements and members, none between values at the top level (a "
              "JSON Lines file is one writer's values, a newline after each)") {
        std::string out;
        JsonWriter w(out);
        w.begin_object().field("seq", 1).field("n", int64_t{-1234567890123}).key("a").begin_array();
        w.value(true).null().begin_object().end_object().end_array();
        w.field("lat", -27.588468102391438).field("whole", 3.0).field("nan", std::nan("")).end_object();
        out += '\n';
        w.begin_object().field("seq", 2).end_object();
        out += '\n';
        CHECK(out == "{\"seq\":1,\"n\":-1234567890123,\"a\":[true,null,{}],\"lat\":-27.588468102391438,"
                     "\"whole\":3,\"nan\":null}\n{\"seq\":2}\n");
        CHECK(format_double(-27.588468102391438) == "-27.588468102391438"); // the same digits
    }

    TEST_CASE("CSV fields: quoted as RFC 4180 asks, formulas neutralised") {
        auto csv = [](std::string_view f) {
            std::string out;
            oznsync::append_csv_field(out, f);
            return out;
        };
        CHECK(csv("CTO-000123") == "CTO-000123");
        CHECK(csv("a,b") == "\"a,b\"");
        CHECK(csv("l1\nl2") == "\"l1\nl2\"");
        CHECK(csv("l1\r") == "\"l1\r\"");
        CHECK(csv("say \"hi\"") == "\"say \"\"hi\"\"\"");
        CHECK(csv("\"\"") == "\"\"\"\"\"\""); // quotes only
        CHECK(csv("x\"") == "\"x\"\"\"");     // a quote last
        CHECK(csv("=HYPERLINK(\"http://x\")") == "\"'=HYPERLINK(\"\"http://x\"\")\"");
        CHECK(csv("+1") == "'+1");
        CHECK(csv("-2+3") == "'-2+3");
        CHECK(csv("@SUM(A1)") == "'@SUM(A1)");
        CHECK(csv("\tx") == "'\tx");
        CHECK(csv("a=b") == "a=b");
        CHECK(csv("") == "");
    }

    TEST_CASE("did you mean: the closest candidate within a few edits, or nothing") {
        const std::vector<std::string> commands{"check", "pull", "plan", "apply", "run", "feasibility"};
        CHECK(oznsync::did_you_mean("rnu", commands) == " (did you mean 'run'?)");
        CHECK(oznsync::did_you_mean("feasability", commands) == " (did you mean 'feasibility'?)");
        CHECK(oznsync::did_you_mean("aply", commands) == " (did you mean 'apply'?)");
        CHECK(oznsync::did_you_mean("deploy", commands) == "");
        CHECK(oznsync::did_you_mean("ozmap.concurency", {"ozmap.concurrency", "ozmap.page_size"}) ==
              " (did you mean 'ozmap.concurrency'?)");
    }
}
