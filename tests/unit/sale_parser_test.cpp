#include "neutral/sale_parser.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"

#include <doctest/doctest.h>

#include <algorithm>

using namespace oznsync;

namespace {
const char* kRecord = R"({"id":"65f1c0e2a9b4c2001f3e7a10","version":7,"updatedAt":"2026-03-14T18:40:05Z",
  "state":"active","substate":"active","codeOrder":"ORD-2026-000123","clientName":"Maria Souza",
  "address":"Rua das Flores 100","propertyLat":-27.590260,"propertyLng":-48.626231,
  "partner":{"id":"65a000000000000000000007","name":"FibraMais","partnershipId":"65a00000000000000000000c"},
  "ozmap":{"project":"5d9f00000000000000000001","box":"5da700000000000000000cbb","splitter":"5da700000000000000000cc2",
           "port":3,"clientId":null},"portReplaceReason":null,"previousPort":null})";

SaleFeed parse(std::string text) {
    return parse_sale_feed(text, "test");
}

std::string with(const std::string& from, const std::string& to) {
    std::string r = kRecord;
    auto pos = r.find(from);
    REQUIRE(pos != std::string::npos);
    return r.replace(pos, from.size(), to);
}
} // namespace

TEST_SUITE("sale_parser") {
    TEST_CASE("a complete JSON record") {
        SaleFeed f = parse(std::string("[") + kRecord + "]");
        REQUIRE(f.sales.size() == 1);
        const Sale& s = f.sales[0];
        CHECK(s.version == 7);
        CHECK(s.code_order == "ORD-2026-000123");
        CHECK(s.partner_name == "FibraMais");
        CHECK(s.port == 3);
        CHECK(*s.lat == doctest::Approx(-27.59026));
        CHECK(s.wants_present());
        CHECK(s.wants_implanted());
        CHECK(f.fingerprint.rfind("sha256:", 0) == 0);
    }

    TEST_CASE("{items: [...]} is the same feed") {
        CHECK(parse(std::string("{\"items\":[") + kRecord + "]}").sales.size() == 1);
    }

    TEST_CASE("each invalid record is named and the rest proceed") {
        struct Case {
            std::string from, to, reason;
        };
        const Case cases[] = {
            {"\"state\":\"active\"", "\"state\":\"reserved\"", "not a valid pair"},
            {"\"version\":7", "\"version\":\"seven\"", "version"},
            {"\"version\":7", "\"version\":-1", "version"},
            {"\"port\":3", "\"port\":0", "ozmap.port"},
            {"\"port\":3", "\"port\":3.5", "ozmap.port"},
            {"\"propertyLat\":-27.590260", "\"propertyLat\":-127.5", "propertyLat"},
            {"\"propertyLng\":-48.626231,", "", "must come together"},
            {"\"codeOrder\":\"ORD-2026-000123\"", "\"codeOrder\":\"\"", "missing codeOrder"},
            {"\"id\":\"65f1c0e2a9b4c2001f3e7a10\"", "\"id\":\"x1\"", "24-hex"},
            {"\"box\":\"5da700000000000000000cbb\"", "\"box\":null", "missing ozmap.box"},
            {"\"updatedAt\":\"2026-03-14T18:40:05Z\"", "\"updatedAt\":\"yesterday\"", "updatedAt"},
            {"\"ozmap\":{", "\"ozmap\":[],\"x\":{", "ozmap must be an object"},
        };
        for (const auto& c : cases) {
            CAPTURE(c.to);
            SaleFeed f = parse("[" + with(c.from, c.to) + "," + kRecord + ",42]");
            CHECK(f.records == 3);
            CHECK(f.sales.size() == 1);
            REQUIRE(f.invalid.size() == 2);
            CHECK(f.invalid[0].reason.find(c.reason) != std::string::npos);
            CHECK(f.invalid[1].reason.find("not a JSON object") != std::string::npos);
        }
    }

    TEST_CASE("an unparseable feed is exit 65") {
        // A broken array, or text after the feed's value, is never read as a shorter (or empty) feed.
        for (std::string text :
             {std::string("[{\"id\":"), std::string("{\"records\":[]}"), std::string("42"),
              std::string("\"x\""), std::string("[{},,{}]"), std::string("[{\"id\":\"a\"},{\"id\":]"),
              std::string("[{\"id\":\"a\"}]]"), std::string("{\"items\":[{\"id\":\"a\"}]} {}")}) {
            CAPTURE(text);
            try {
                parse(text);
                FAIL("no error");
            } catch (const InputError& e) {
                CHECK(e.exit_code() == 65);
            }
        }
        CHECK_THROWS_AS(parse("id,version\n\"unterminated"), InputError);
        CHECK_THROWS_AS(parse("id,version,state\n1,2,3\n"), InputError); // required columns missing
        CHECK_THROWS_AS(parse("id,colour\n1,2\n"), InputError);
    }

    TEST_CASE("CSV: the same content as JSON, quotes and CRLF included") {
        std::string json = read_file(std::string(FIXTURES_DIR) + "/sales-stage2.json");
        std::string csv = read_file(std::string(FIXTURES_DIR) + "/sales-stage2.csv");
        SaleFeed a = parse(json), b = parse(csv);
        REQUIRE(a.sales.size() == b.sales.size());
        CHECK(a.invalid.size() == b.invalid.size());
        for (size_t i = 0; i < a.sales.size(); ++i) {
            CHECK(a.sales[i].id == b.sales[i].id);
            CHECK(a.sales[i].version == b.sales[i].version);
            CHECK(a.sales[i].address == b.sales[i].address);
            CHECK(a.sales[i].port == b.sales[i].port);
            CHECK(a.sales[i].lat == b.sales[i].lat);
            CHECK(a.sales[i].port_replace_reason == b.sales[i].port_replace_reason);
        }
        SaleFeed q =
            parse("id,version,state,substate,code_order,client_name,ozmap_project,ozmap_box,ozmap_splitter,"
                  "ozmap_port\r\n65f1c0e2a9b4c2001f3e7a10,1,reserved,reserved,ORD-1,\"Souza, \"\"Maria\"\"\","
                  "5d9f00000000000000000001,5da700000000000000000cbb,5da700000000000000000cc2,2\r\n"
                  "65f1c0e2a9b4c2001f3e7a11,1,reserved\r\n");
        REQUIRE(q.sales.size() == 1);
        CHECK(q.sales[0].client_name == "Souza, \"Maria\"");
        REQUIRE(q.invalid.size() == 1);
        CHECK(q.invalid[0].reason.find("3 fields") != std::string::npos);
    }
}

TEST_SUITE("sale_parser") {
    TEST_CASE("a key given twice and an empty previousPort are findings, not silent choices") {
        SaleFeed f = parse("[" + with(R"("version":7)", R"("version":7,"version":8)") + "," +
                           with(R"("previousPort":null)", R"("previousPort":{})") + "," +
                           with(R"("port":3,)", R"("port":3,"port":4,)") + "]");
        CHECK(f.sales.empty());
        REQUIRE(f.invalid.size() == 3);
        CHECK(f.invalid[0].reason.find("version is given twice") != std::string::npos);
        CHECK(f.invalid[1].reason.find("previousPort is an empty object") != std::string::npos);
        CHECK(f.invalid[2].reason.find("ozmap.port is given twice") != std::string::npos);
    }

    TEST_CASE("invalid UTF-8 in CSV is refused like in JSON; a feed's raw bytes never reach a message") {
        std::string csv = read_file(std::string(FIXTURES_DIR) + "/sales-stage2.csv");
        auto nl = csv.find('\n', csv.find('\n') + 1);
        std::string bad = csv;
        bad.insert(nl - 5, "\xff\xfe");
        try {
            parse(bad);
            FAIL("invalid UTF-8 accepted");
        } catch (const InputError& e) {
            CHECK(std::string(e.what()).find("not valid UTF-8 (line 2)") != std::string::npos);
        }
        // An escape sequence inside a field: the invalid-record reason carries it cleaned.
        SaleFeed f = parse("[" + with(R"("state":"active")", R"("state":"\u001b[2Jactive\u0007")") + "]");
        REQUIRE(f.invalid.size() == 1);
        CHECK(f.invalid[0].reason.find('\x1b') == std::string::npos);
        CHECK(f.invalid[0].reason.find('\a') == std::string::npos);
    }
}

TEST_SUITE("sale_parser") {
    TEST_CASE("an unknown portReplaceReason is kept as text, not an invalid record") {
        SaleFeed f =
            parse("[" + with(R"("portReplaceReason":null)", R"("portReplaceReason":"newReason")") + "]");
        REQUIRE(f.sales.size() == 1);
        CHECK(f.sales[0].port_replace_reason == "newReason");
    }

    TEST_CASE("TMF638 Service records (the ozn-sdk's shape) map onto the flat fields") {
        const std::string tmf = R"({"id":"65f1c0e2a9b4c2001f3e7a10","name":"ORD-2026-000123","state":"active",
          "serviceCharacteristic":[{"name":"version","value":7},{"name":"updatedAt","value":"2026-03-14T18:40:05Z"},
                                   {"name":"oznSubstate","value":"active"},{"name":"portReplaceReason","value":"crossing"}],
          "relatedParty":[{"role":"customer","property":[{"name":"name","value":"Maria Souza"},{"name":"address","value":"Rua das Flores 100"}]},
                          {"role":"partner","property":[{"name":"id","value":"65a000000000000000000007"},{"name":"name","value":"FibraMais"},
                                                        {"name":"partnershipId","value":"65a00000000000000000000c"}]}],
          "supportingResource":[{"id":"r1","entityType":"resource","resource":[{"id":"x","entityType":"OZmapPort",
             "characteristic":[{"name":"project","value":"5d9f00000000000000000001"},{"name":"box","value":"5da700000000000000000cbb"},
                               {"name":"splitter","value":"5da700000000000000000cc2"},{"name":"port","value":3}]}]}],
          "place":[{"id":"p"}],"note":[]})";
        SaleFeed f = parse("[" + tmf + "," + kRecord + "]");
        CHECK(f.invalid.empty());
        REQUIRE(f.sales.size() == 2);
        const Sale& t = f.sales[0];
        const Sale& flat = f.sales[1];
        CHECK(t.code_order == flat.code_order);
        CHECK(t.state == SaleState::Active);
        CHECK(t.substate == "active");
        CHECK(t.version == 7);
        CHECK(t.client_name == "Maria Souza");
        CHECK(t.partner_name == "FibraMais");
        CHECK(t.partnership_id == flat.partnership_id);
        CHECK(t.splitter == flat.splitter);
        CHECK(t.port == 3);
        CHECK(t.port_replace_reason == "crossing");

        auto variant = [&](const std::string& from, const std::string& to) {
            std::string r = tmf;
            r.replace(r.find(from), from.size(), to);
            return parse("[" + r + "]");
        };
        // Not a sale yet: ignored, neither a sale nor an invalid record.
        SaleFeed checked = variant(R"("state":"active")", R"("state":"feasibilityChecked")");
        CHECK(checked.sales.empty());
        CHECK(checked.invalid.empty());
        // suspended asks for what inactive asks: present, not implanted.
        std::string suspended = tmf;
        suspended.replace(suspended.find(R"({"name":"oznSubstate","value":"active"},)"), 40, "");
        suspended.replace(suspended.find(R"("state":"active")"), 16, R"("state":"suspended")");
        SaleFeed s = parse("[" + suspended + "]");
        REQUIRE(s.sales.size() == 1);
        CHECK(s.sales[0].state == SaleState::Inactive);
        CHECK(s.sales[0].substate == "portInactive");
        CHECK_FALSE(s.sales[0].wants_implanted());
        // A flat record with a stray object field is still invalid.
        SaleFeed flat_bad =
            parse("[" + with(R"("previousPort":null)", R"("previousPort":null,"extra":{"a":1})") + "]");
        CHECK(flat_bad.invalid.size() == 1);
    }
}

TEST_SUITE("sale_parser") {
    TEST_CASE("CSV by RFC 4180 strictly: a stray quote is exit 65 with its line, never a guessed field") {
        const std::string head =
            "id,version,state,substate,code_order,client_name,address,ozmap_project,ozmap_box,"
            "ozmap_splitter,ozmap_port\n";
        const std::string keys =
            ",5d9f00000000000000000001,5da700000000000000000cbb,5da700000000000000000cc2,2\n";
        for (const std::string& row :
             {std::string("65f1c0e2a9b4c2001f3e7a10,1,reserved,reserved,O-1,\"Cliente 1,Rua Probe 1") + keys,
              std::string("65f1c0e2a9b4c2001f3e7a10,1,reserved,reserved,O-1,Cliente \"1\",Rua 1") + keys,
              std::string("65f1c0e2a9b4c2001f3e7a10,1,reserved,reserved,O-1,\"Cliente\" 1,Rua 1") + keys}) {
            INFO(row);
            try {
                parse(head + row);
                FAIL("accepted");
            } catch (const InputError& e) {
                CHECK(e.exit_code() == 65);
                CHECK((std::string(e.what()).find("line 2") != std::string::npos ||
                       std::string(e.what()).find("unterminated") != std::string::npos));
            }
        }
        CHECK(parse(head + "65f1c0e2a9b4c2001f3e7a10,1,reserved,reserved,O-1,\"Cliente, \"\"1\"\"\",Rua 1" +
                    keys)
                  .sales.size() == 1);
    }

    TEST_CASE("control characters and overlong fields make a record INVALID; bounds are per field") {
        struct Case {
            std::string from, to, reason;
        };
        const std::string long_address(501, 'a');
        const Case cases[] = {
            {"ORD-2026-000123", "ORD\\u007f1", "codeOrder has a control character"},
            {"ORD-2026-000123", "ORD\\u009b31m", "codeOrder has a control character"},
            {"Maria Souza", "Maria\\u001b[2J", "clientName has a control character"},
            {"Rua das Flores 100", "Rua\\nNova", "address has a control character"},
            {"Rua das Flores 100", long_address, "address is longer than 500 characters (501)"},
            {"Maria Souza", std::string(201, 'm'), "clientName is longer than 200"},
            {"ORD-2026-000123", std::string(101, 'o'), "codeOrder is longer than 100"},
        };
        for (const auto& c : cases) {
            SaleFeed f = parse("[" + with(c.from, c.to) + "]");
            INFO(c.reason);
            REQUIRE(f.invalid.size() == 1);
            CHECK(f.invalid[0].reason.find(c.reason) != std::string::npos);
        }
        CHECK(parse("[" + with("Maria Souza", "Maria\\tSouza") + "]").sales.size() == 1); // a tab is text
        CHECK(parse("[" + with("Maria Souza", "Mar\\u00eda") + "]").sales.size() == 1);   // so is U+00ED
    }

    TEST_CASE("a TMF record with two port resources or two partners is INVALID, not resolved silently") {
        const std::string port =
            R"({"id":"x","entityType":"OZmapPort","characteristic":[{"name":"project","value":"5d9f00000000000000000001"},{"name":"box","value":"5da700000000000000000cbb"},{"name":"splitter","value":"5da700000000000000000cc2"},{"name":"port","value":PORT}]})";
        auto record = [&](const std::string& resources, const std::string& parties) {
            return R"([{"id":"65f1c0e2a9b4c2001f3e7a10","name":"ORD-1","state":"active","serviceCharacteristic":[{"name":"version","value":1}],"relatedParty":[)" +
                   parties + R"(],"supportingResource":[{"id":"r1","resource":[)" + resources + "]}]}]";
        };
        auto with_port = [&](int n) {
            std::string p = port;
            return p.replace(p.find("PORT"), 4, std::to_string(n));
        };
        const std::string partner =
            R"({"role":"partner","property":[{"name":"id","value":"65a000000000000000000007"}]})";
        CHECK(parse(record(with_port(3), partner)).sales.size() == 1);
        SaleFeed two_ports = parse(record(with_port(3) + "," + with_port(4), partner));
        REQUIRE(two_ports.invalid.size() == 1);
        CHECK(two_ports.invalid[0].reason.find("two port resources") != std::string::npos);
        SaleFeed two_partners = parse(record(with_port(3), partner + "," + partner));
        REQUIRE(two_partners.invalid.size() == 1);
        CHECK(two_partners.invalid[0].reason.find("two relatedParty entries with role partner") !=
              std::string::npos);
    }

    TEST_CASE("a record with 200,000 characteristics is INVALID and parsed in linear time") {
        std::string chars;
        for (int i = 0; i < 200000; ++i)
            chars += std::string(i ? "," : "") + R"({"name":"k)" + std::to_string(i) + R"(","value":1})";
        std::string unknown;
        for (int i = 0; i < 100000; ++i)
            unknown += ",\"u" + std::to_string(i) + "\":1";
        const std::string tmf =
            R"({"id":"65f1c0e2a9b4c2001f3e7a10","name":"ORD-1","state":"active","serviceCharacteristic":[)" +
            chars + "]}";
        SaleFeed f =
            parse("[" + tmf + "," + with("\"previousPort\":null", "\"previousPort\":null" + unknown) + "," +
                  kRecord + "]");
        REQUIRE(f.invalid.size() == 2);
        CHECK(f.invalid[0].reason.find("more than 256 fields") != std::string::npos);
        CHECK(f.invalid[1].reason.find("more than 256 fields") != std::string::npos);
        CHECK(f.sales.size() == 1);
    }
}

TEST_SUITE("sale_parser") {
    TEST_CASE("the ozn-sdk's Service as it is: no version, any id, port characteristics on either level") {
        auto service = [](const std::string& id, const std::string& state, const std::string& port_level) {
            const std::string chars =
                R"([{"id":null,"name":"project","valueType":"string","value":"5d9f00000000000000000001"},)"
                R"({"id":null,"name":"box","valueType":"string","value":"5da700000000000000000cbb"},)"
                R"({"id":null,"name":"splitter","valueType":"string","value":"5da700000000000000000cc2"},)"
                R"({"id":null,"name":"port","valueType":"number","value":"3"}])";
            const std::string resource =
                port_level == "support"
                    ? R"({"id":"sr1","entityType":"OZmapPort","name":null,"role":null,"resource":null,"characteristic":)" +
                          chars + R"(,"supportingResource":null})"
                    : R"({"id":"sr1","entityType":"resource","name":null,"role":null,"characteristic":null,"supportingResource":null,"resource":[{"id":"r1","name":"port 3","entityType":"OZmapPort","resourceLocation":null,"characteristic":)" +
                          chars + "}]}";
            return R"({"id":")" + id + R"(","description":"FTTH","isServiceEnabled":true,"name":"ORD-)" + id +
                   R"(","serviceType":"FTTH","state":")" + state +
                   R"(","place":[{"id":"p1","type":"address"}],"relatedParty":[{"role":"customer","property":[{"name":"name","value":"Maria"},{"name":"address","value":"Rua 1"}]},{"role":"partner","property":[{"name":"id","value":"65a000000000000000000007"},{"name":"name","value":"FibraMais"}]}],"supportingResource":[)" +
                   resource + "]}";
        };
        SaleFeed f =
            parse("[" + service("svc-001", "feasibilityChecked", "support") + "," +
                  service("svc-002", "active", "support") + "," + service("SVC 3/x", "reserved", "resource") +
                  "," + service("svc-004", "bogus", "support") + "]");
        REQUIRE(f.sales.size() == 2);
        CHECK(f.sales[0].id == "svc-002");
        CHECK(f.sales[0].version == 0);
        CHECK(f.sales[0].state == SaleState::Active);
        CHECK(f.sales[0].port == 3);
        CHECK(f.sales[0].splitter == "5da700000000000000000cc2");
        CHECK(f.sales[0].partner_name == "FibraMais");
        CHECK(f.sales[1].id == "SVC 3/x");
        CHECK(f.sales[1].port == 3);
        // The invalid record is named by its place in the file (the 4th), not among the sales.
        REQUIRE(f.invalid.size() == 1);
        CHECK(f.invalid[0].reason.rfind("record 4: ", 0) == 0);
        // An id longer than 128 characters is INVALID; a flat record's id stays a 24-hex id.
        CHECK(parse("[" + service(std::string(129, 'x'), "active", "support") + "]").invalid.size() == 1);
        CHECK(parse("[" + with("65f1c0e2a9b4c2001f3e7a10", "svc-1") + "]").invalid.size() == 1);
    }
}

TEST_SUITE("sale_parser") {
    TEST_CASE("a feed of many slices reads as the same feed parsed whole, and its text is left as it was") {
        // ~10 MB: cut into slices of a few megabytes. Strings hold the characters that cut records (quotes,
        // backslashes, brackets, commas); some records are invalid; one is a nested duplicate key.
        std::string records;
        for (int i = 0; i < 36000; ++i) {
            std::string r = with("\"version\":7", "\"version\":" + std::to_string(1 + i % 5));
            r = with("\"codeOrder\":\"ORD-2026-000123\"", "\"codeOrder\":\"ORD-" + std::to_string(i) + "\"");
            r.replace(r.find("Maria Souza"), 11, "M \\\"[a],{b}\\\\ " + std::to_string(i));
            if (i % 997 == 0) r.replace(r.find("\"port\":3"), 8, "\"port\":0");
            if (i % 1999 == 0) r.replace(r.find("\"state\":\"active\""), 16, "\"state\":\"reserved\"");
            records += (i ? ",\n" : "") + r;
        }
        std::string sliced = "  [" + records + "] \n";
        const std::string before = sliced;
        SaleFeed a = parse_sale_feed(sliced, "test");
        CHECK(sliced.substr(0, before.size()) == before);    // the text as it was
        SaleFeed b = parse("{\"items\":[" + records + "]}"); // an object: parsed whole
        REQUIRE(a.sales.size() == b.sales.size());
        CHECK(a.sales.size() > 30000);
        CHECK(a.sales == b.sales);
        CHECK(a.records == b.records);
        CHECK(a.position == b.position);
        REQUIRE(a.invalid.size() == b.invalid.size());
        CHECK(a.invalid.size() > 10);
        for (size_t i = 0; i < a.invalid.size(); ++i)
            CHECK(a.invalid[i].reason == b.invalid[i].reason);
        CHECK(std::any_of(a.sales.begin(), a.sales.end(),
                          [](const Sale& s) { return s.client_name == "M \"[a],{b}\\ 1234"; }));
    }

    TEST_CASE("a large feed broken near its end is refused whole, as a small one is (nothing read from it)") {
        std::string records;
        for (int i = 0; i < 36000; ++i)
            records += (i ? "," : "") + std::string(kRecord);
        for (std::string text : {"[" + records + ",{\"id\":]", "[" + records + "]]", "[" + records + ",,{}]",
                                 "[" + records + "] x"}) {
            const std::string before = text;
            try {
                parse_sale_feed(text, "big");
                FAIL("no error");
            } catch (const InputError& e) {
                CHECK(e.exit_code() == 65);
                CHECK(std::string(e.what()).find("big: ") == 0);
            }
            CHECK(text.substr(0, before.size()) == before);
        }
    }
}
