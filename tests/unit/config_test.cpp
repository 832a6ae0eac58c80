#include "config/config.hpp"
#include "http/http_client.hpp"
#include "util/error.hpp"
#include "util/log.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

using namespace oznsync;

namespace {
const char* kMinimal = "[ozmap]\nurl = https://acme.ozmap.com.br:9994/\napi_key = secret-key-123\n";

std::string config_error(const std::string& ini, const std::map<std::string, std::string>& env = {}) {
    try {
        parse_config(ini, "test.ini", env);
    } catch (const ConfigError& e) {
        CHECK(e.exit_code() == 78);
        return e.what();
    }
    FAIL("no ConfigError for: " << ini);
    return "";
}
std::string base_with(const std::string& more) {
    return std::string(kMinimal) + more;
}
} // namespace

TEST_SUITE("config") {
    TEST_CASE("defaults from the spec and a trimmed origin") {
        Config c = parse_config(kMinimal, "test.ini", {});
        CHECK(c.ozmap.url == "https://acme.ozmap.com.br:9994");
        CHECK(c.ozmap.page_size == 500);
        CHECK(c.ozmap.concurrency == 4);
        CHECK(c.ozmap.all_projects);
        CHECK(c.safety.max_removals == 50);
        CHECK(c.safety.max_removals_pct == 10);
        CHECK(c.safety.max_feed_shrink_pct == 20);
        CHECK(c.partners.resources == std::vector<std::string>{"OZmap"});
    }

    TEST_CASE("each upstream has its own transport settings") {
        Config c = parse_config(std::string(kMinimal) +
                                    "retries = 2\ntimeout_s = 9\n[ozneutral]\nsales = file:s.json\n"
                                    "retries = 7\nretry_base_ms = 10\nretry_max_ms = 20\nmax_body_mb = 3\n",
                                "test.ini", {});
        CHECK(c.ozmap.retries == 2);
        CHECK(c.ozmap.timeout_s == 9);
        CHECK(c.ozmap.max_body_mb == 256);
        CHECK(c.ozneutral.retries == 7);
        CHECK(c.ozneutral.timeout_s == 30);
        CHECK(c.ozneutral.retry_base_ms == 10);
        CHECK(c.ozneutral.retry_max_ms == 20);
        CHECK(c.ozneutral.max_body_mb == 3);
        CHECK(http_options(c.ozneutral).max_body_bytes == 3LL << 20);
        CHECK(retry_policy(c.ozneutral).retries == 7);
        CHECK(
            config_error(std::string(kMinimal) + "[ozneutral]\nretries = many\n").find("ozneutral.retries") !=
            std::string::npos);
    }

    TEST_CASE("a project list narrows the selection") {
        Config c = parse_config(std::string(kMinimal) +
                                    "projects = 5d9f0a0b0c0d0e0f10111213, 5d9f0a0b0c0d0e0f10111214\n",
                                "t", {});
        CHECK_FALSE(c.ozmap.all_projects);
        CHECK(c.ozmap.projects.size() == 2);
        CHECK(parse_config(std::string(kMinimal) + "projects = *\n", "t", {}).ozmap.all_projects);
    }

    TEST_CASE("unknown keys and bad values name the key") {
        CHECK(config_error(std::string(kMinimal) + "pagesize = 10\n").find("ozmap.pagesize") !=
              std::string::npos);
        CHECK(config_error(std::string(kMinimal) + "page_size = ten\n").find("ozmap.page_size") !=
              std::string::npos);
        CHECK(config_error(std::string(kMinimal) + "page_size = 0\n").find("1 to 5000") != std::string::npos);
        CHECK(config_error(std::string(kMinimal) + "concurrency = 65\n").find("ozmap.concurrency") !=
              std::string::npos);
        CHECK(config_error(std::string(kMinimal) + "insecure = maybe\n").find("ozmap.insecure") !=
              std::string::npos);
        CHECK(config_error(std::string(kMinimal) + "projects = abc\n").find("ozmap.projects") !=
              std::string::npos);
        CHECK(config_error("[ozmap]\napi_key = k\n").find("ozmap.url") != std::string::npos);
        CHECK(config_error("[ozmap]\nurl = ftp://x\napi_key = k\n").find("ozmap.url") != std::string::npos);
        CHECK(config_error("[ozmap]\nurl = https://x\n").find("ozmap.api_key") != std::string::npos);
        CHECK(config_error(std::string(kMinimal) + "[ozneutral]\nsales = s3://bucket\n")
                  .find("ozneutral.sales") != std::string::npos);
        CHECK(config_error(std::string(kMinimal) + "[safety]\nmax_removals_pct = 101\n")
                  .find("safety.max_removals_pct") != std::string::npos);
        CHECK(config_error(std::string(kMinimal) + "[partners]\nresources = OZmap, Excel\n")
                  .find("partners.resources") != std::string::npos);
    }

    TEST_CASE("lines that are not INI are named by number, comments are fine") {
        CHECK(config_error(std::string(kMinimal) + "just words\n").find("line 4") != std::string::npos);
        CHECK(config_error(std::string(kMinimal) + "; semicolons are not comments\n").find("line 4") !=
              std::string::npos);
        CHECK(config_error(std::string(kMinimal) + "[%canonical_option%\n").find("line 4") !=
              std::string::npos);
        CHECK(parse_config(std::string(kMinimal) + "# a comment\npage_size = 100 # trailing\n", "t", {})
                  .ozmap.page_size == 100);
    }

    TEST_CASE("environment overrides the file") {
        Config c = parse_config(kMinimal, "t",
                                {{"OZNSYNC_OZMAP_PAGE_SIZE", "250"},
                                 {"OZNSYNC_SAFETY_MAX_REMOVALS", "7"},
                                 {"OZNSYNC_FIXED_CLOCK", "x"},
                                 {"HOME", "/root"}});
        CHECK(c.ozmap.page_size == 250);
        CHECK(c.safety.max_removals == 7);
        CHECK(config_error(kMinimal, {{"OZNSYNC_OZMAP_CONCURRENCY", "lots"}}).find("ozmap.concurrency") !=
              std::string::npos);
    }

    TEST_CASE("login instead of an API key") {
        Config c = parse_config("[ozmap]\nurl = http://h\nusername = integ\npassword = pw-12345\n", "t", {});
        CHECK(c.ozmap.api_key.empty());
        CHECK(c.ozmap.username == "integ");
    }

    TEST_CASE("secrets never show in the masked view and are masked in logs") {
        Config c = parse_config(std::string(kMinimal) + "[ozneutral]\nclient_secret = cs-98765\n", "t", {});
        CHECK(c.masked.at("ozmap.api_key") == "***");
        CHECK(c.masked.at("ozneutral.client_secret") == "***");
        CHECK(c.fingerprint().rfind("sha256:", 0) == 0);
        CHECK(mask_secrets("key secret-key-123 and cs-98765") == "key *** and ***");
    }

    TEST_CASE("a secret from the environment wins over the file's way of giving it") {
        const std::string with_file = "[ozmap]\nurl = http://h\napi_key_file = /nonexistent/key\n";
        Config c = parse_config(with_file, "t", {{"OZNSYNC_OZMAP_API_KEY", "env-key-0123456789"}});
        CHECK(c.ozmap.api_key == "env-key-0123456789");
        // And a file from the environment over the file's inline secret.
        const std::string key_file = std::string(FIXTURES_DIR) + "/sales-stage1.json"; // its first line
        Config d = parse_config("[ozmap]\nurl = http://h\napi_key = inline-key-0123456\n", "t",
                                {{"OZNSYNC_OZMAP_API_KEY_FILE", key_file}});
        CHECK(d.ozmap.api_key != "inline-key-0123456");
        // Both ways in the file itself stay ambiguous.
        CHECK(config_error("[ozmap]\nurl = http://h\napi_key = k-0123456789\napi_key_file = /etc/hostname\n")
                  .find("given both inline and as ozmap.api_key_file") != std::string::npos);
    }

    TEST_CASE("a missing secret file is named") {
        CHECK(config_error("[ozmap]\nurl = http://h\napi_key_file = /nonexistent/key\n")
                  .find("ozmap.api_key_file") != std::string::npos);
    }
}

TEST_SUITE("config") {
    TEST_CASE("ambiguous or doubled settings exit 78 naming the key, never the secret") {
        const std::string base = "[ozmap]\nurl = https://acme.ozmap.com.br:9994\n";
        CHECK(config_error(std::string(kMinimal) +
                           "projects = 5d9f0a0b0c0d0e0f10111213,,5d9f0a0b0c0d0e0f10111213\n")
                  .find("ozmap.projects: 5d9f0a0b0c0d0e0f10111213 is listed twice") != std::string::npos);
        CHECK(config_error(std::string(kMinimal) + "username = u\npassword = p\n").find("ozmap.api_key") !=
              std::string::npos);
        CHECK(config_error(std::string(kMinimal) + "api_key_file = /etc/hostname\n").find("ozmap.api_key") !=
              std::string::npos);
        // A '#' inside a value is part of it (OZmap's pages are https://host/#/...); after a space it
        // starts a comment.
        {
            Config c = parse_config(
                base + "api_key = sekret#KEY # the key\nweb_url = https://a.example/#/{kind}/{id}\n", "t.ini",
                {});
            CHECK(c.ozmap.api_key == "sekret#KEY");
            CHECK(c.ozmap.web_url == "https://a.example/#/{kind}/{id}");
        }
        std::string creds =
            config_error("[ozmap]\nurl = https://user:SECRET@acme.ozmap.com.br\napi_key = k\n");
        CHECK(creds.find("ozmap.url") != std::string::npos);
        CHECK(creds.find("SECRET") == std::string::npos);
        CHECK(config_error(kMinimal, {{"OZNSYNC_OZMAP_APIKEY", "x"}}).find("OZNSYNC_OZMAP_APIKEY") !=
              std::string::npos);
        CHECK(parse_config(kMinimal, "t", {{"OZNSYNC_RUN_ID", "20260101T000000Z-abcdef"}}).ozmap.api_key ==
              "secret-key-123");
    }

    TEST_CASE("--config must name a regular file: a FIFO or a folder is refused, not waited on") {
        std::string dir =
            std::filesystem::temp_directory_path() / ("oznsync-cfg-" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir);
        REQUIRE(::mkfifo((dir + "/fifo").c_str(), 0600) == 0);
        for (const std::string& path : {dir + "/fifo", dir}) {
            try {
                load_config(path);
                FAIL("no error for " << path);
            } catch (const ConfigError& e) {
                CHECK(std::string(e.what()).find(path) != std::string::npos);
            }
        }
        std::filesystem::remove_all(dir);
    }

    TEST_CASE("a path given empty, a URL with a path or with credentials: exit 78 naming the key") {
        const std::string base = kMinimal;
        for (const char* key :
             {"SNAPSHOT_PATH", "REPORTS_DIR", "REPORTS_METRICS_FILE", "PARTNERS_HANDOVER_DIR"}) {
            std::string err = config_error(base, {{std::string("OZNSYNC_") + key, ""}});
            CHECK(err.find("given empty") != std::string::npos);
        }
        CHECK(config_error("[ozmap]\nurl = http://host:9994/nope\napi_key = k\n")
                  .find("ozmap.url: must be http(s)://host[:port] with no path") != std::string::npos);
        CHECK(config_error("[ozmap]\nurl = http://host:9994?x=1\napi_key = k\n").find("'?x=1'") !=
              std::string::npos);
        for (const char* key : {"sales", "partnerships", "projects"}) {
            std::string err =
                config_error(base + "[ozneutral]\n" + key + " = https://user:pw@neutral.example/api\n");
            CHECK(err.find(std::string("ozneutral.") + key + ": must not hold credentials") !=
                  std::string::npos);
            CHECK(err.find("pw") == std::string::npos);
        }
        // An '@' in the path or query is no credential.
        CHECK_NOTHROW(
            parse_config(base + "[ozneutral]\nsales = https://neutral.example/a@b?c=d@e\n", "t", {}));
    }

    TEST_CASE("the metrics file is never the database, nor inside the report folders") {
        std::string err =
            config_error(base_with("[snapshot]\npath = /var/lib/x/o.db\n[reports]\nmetrics_file = "
                                   "/var/lib/x/o.db\n"));
        CHECK(err.find("reports.metrics_file: /var/lib/x/o.db is the database") != std::string::npos);
        err = config_error(base_with("[snapshot]\npath = /var/lib/x/o.db\n[reports]\nmetrics_file = "
                                     "/var/lib/x/o.db-wal\n"));
        CHECK(err.find("is the database") != std::string::npos);
        err = config_error(
            base_with("[reports]\ndir = /var/lib/x/reports\nmetrics_file = /var/lib/x/reports/m.prom\n"));
        CHECK(err.find("lies inside reports.dir") != std::string::npos);
        CHECK_NOTHROW(parse_config(
            base_with("[reports]\ndir = /var/lib/x/reports\nmetrics_file = /var/lib/x/reports-m.prom\n"), "t",
            {}));
    }

    TEST_CASE("publish.url: a PostgreSQL URL without a password; the password a masked secret") {
        Config c = parse_config(
            base_with("[publish]\nurl = postgresql://oznsync@db.example:5433/shared?sslmode=verify-full\n"
                      "password = pg-secret-value\n"),
            "t", {});
        CHECK(c.publish.url == "postgresql://oznsync@db.example:5433/shared?sslmode=verify-full");
        CHECK(c.publish.password == "pg-secret-value");
        CHECK(c.masked.at("publish.password") == "***");
        CHECK(c.publish.timeout_s == 10);
        CHECK(parse_config(base_with("[publish]\nurl = postgresql:///shared?host=/run/postgresql\n"), "t", {})
                  .publish.url == "postgresql:///shared?host=/run/postgresql");
        CHECK(parse_config(kMinimal, "t", {}).publish.url.empty()); // off unless configured
        const std::string in_url = config_error(base_with("[publish]\nurl = postgresql://u:hunter2@db/x\n"));
        CHECK(in_url.find("publish.url: must not hold a password") != std::string::npos);
        CHECK(in_url.find("hunter2") == std::string::npos);
        CHECK(config_error(base_with("[publish]\nurl = postgresql://db/x?password=hunter2\n"))
                  .find("publish.url") != std::string::npos);
        CHECK(config_error(base_with("[publish]\nurl = mysql://db/x\n")).find("expected postgresql://") !=
              std::string::npos);
        CHECK(config_error(base_with("[publish]\npassword = a\npassword_file = /etc/x\n"))
                  .find("publish.password: given both inline and as publish.password_file") !=
              std::string::npos);
        // The environment's secret wins over the file's way of giving it.
        Config env =
            parse_config(base_with("[publish]\nurl = postgresql://db/x\npassword_file = /nonexistent\n"), "t",
                         {{"OZNSYNC_PUBLISH_PASSWORD", "from-env"}});
        CHECK(env.publish.password == "from-env");
    }

    TEST_CASE("snapshot.path: SQLite's in-memory and URI names are refused (a run would keep no history)") {
        for (const char* path : {":memory:", "file:x.db?mode=memory"}) {
            INFO(path);
            CHECK(config_error(base_with(std::string("[snapshot]\npath = ") + path + "\n"))
                      .find("snapshot.path: ") != std::string::npos);
        }
    }
}
