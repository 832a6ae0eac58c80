// TLS for real: ozmap-sim serves HTTPS with certificates made here by the openssl CLI (a throw-away CA).
#include "support/harness.hpp"

#include <doctest/doctest.h>

#include <filesystem>

using namespace harness;

namespace {

/// A CA, a server certificate for localhost/127.0.0.1 and one for another name, both signed by the CA.
struct Certificates {
    explicit Certificates(const TempDir& dir) : dir(dir) {
        openssl({"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f("ca.key"), "-out", f("ca.pem"),
                 "-days", "2", "-subj", "/CN=oznsync test CA"});
        issue("good", "localhost", "subjectAltName=DNS:localhost,IP:127.0.0.1");
        issue("other", "other.example", "subjectAltName=DNS:other.example");
    }
    std::string f(const std::string& name) const { return dir.file(name); }

private:
    void openssl(std::vector<std::string> args) const {
        args.insert(args.begin(), "/usr/bin/openssl");
        Result r = run(args);
        REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    }
    void issue(const std::string& name, const std::string& cn, const std::string& san) const {
        openssl({"req", "-newkey", "rsa:2048", "-nodes", "-keyout", f(name + ".key"), "-out",
                 f(name + ".csr"), "-subj", "/CN=" + cn});
        write_file(f(name + ".ext"), san + "\n");
        openssl({"x509", "-req", "-in", f(name + ".csr"), "-CA", f("ca.pem"), "-CAkey", f("ca.key"),
                 "-CAcreateserial", "-out", f(name + ".pem"), "-days", "2", "-extfile", f(name + ".ext")});
    }
    const TempDir& dir;
};

Result pull(const TempDir& dir, const Sim& sim, const std::string& host, const std::string& extra,
            const std::vector<std::string>& flags = {}) {
    std::string cfg = dir.file("tls.ini");
    write_file(cfg, "[ozmap]\nurl = https://" + host + ":" + std::to_string(sim.port()) +
                        "\napi_key = " + Sim::kApiKey + "\nretries = 1\nretry_base_ms = 10\n" + extra +
                        "[snapshot]\npath = " + dir.file("tls.db") + "\n[reports]\ndir = " +
                        dir.file("reports") + "\n[ozneutral]\nsales = file:" + dir.file("sales.json") + "\n");
    std::vector<std::string> args{"run", "--config", cfg, "--dry-run"};
    args.insert(args.end(), flags.begin(), flags.end());
    return oznsync(args);
}

} // namespace

TEST_SUITE("tls") {
    TEST_CASE(
        "HTTPS: trusted through ozmap.ca_file; an unknown CA or another host name exits 78; --insecure") {
        TempDir dir;
        Certificates certs(dir);
        write_file(dir.file("sales.json"), "[]");
        const std::string ca = "ca_file = " + certs.f("ca.pem") + "\n";
        Sim good({"--fixture", fixture("network-small.json"), "--tls-cert", certs.f("good.pem"), "--tls-key",
                  certs.f("good.key")});
        for (const char* host : {"127.0.0.1", "localhost"}) {
            Result r = pull(dir, good, host, ca);
            INFO(r.out << r.err);
            CHECK(r.err.find("snapshot") != std::string::npos); // the pull went through
            CHECK(r.exit_code == 4);                            // ...and the empty feed stops the plan
        }
        Result unknown = pull(dir, good, "127.0.0.1", "");
        CHECK(unknown.exit_code == 78);
        CHECK(unknown.err.find("certificate verify failed") != std::string::npos);

        Sim other({"--fixture", fixture("network-small.json"), "--tls-cert", certs.f("other.pem"),
                   "--tls-key", certs.f("other.key")});
        for (const char* host : {"127.0.0.1", "localhost"}) {
            Result mismatch = pull(dir, other, host, ca);
            INFO(mismatch.err);
            CHECK(mismatch.exit_code == 78);
            CHECK(mismatch.err.find("TLS failed") != std::string::npos);
        }
        Result insecure = pull(dir, other, "localhost", "", {"--insecure"});
        INFO(insecure.out << insecure.err);
        CHECK(insecure.exit_code == 4);
        std::string report;
        for (const auto& e : std::filesystem::directory_iterator(dir.file("reports")))
            if (std::filesystem::exists(e.path() / "report.txt"))
                report += read_file(e.path() / "report.txt");
        CHECK(report.find("TLS verification OFF") != std::string::npos);
    }

    TEST_CASE(
        "OZneutral has its own TLS settings: ozneutral.ca_file trusts its CA, OZmap's settings do not leak") {
        TempDir dir;
        Certificates certs(dir);
        Sim ozmap({"--fixture", fixture("network-small.json")});
        Sim neutral({"--fixture", fixture("network-small.json"), "--tls-cert", certs.f("good.pem"),
                     "--tls-key", certs.f("good.key"), "--sales", fixture("sales-stage1.json"),
                     "--neutral-token", "neutral-tok-1"});
        auto run_with = [&](const std::string& extra) {
            std::string cfg =
                write_config(dir, ozmap,
                             "[ozneutral]\nsales = https://localhost:" + std::to_string(neutral.port()) +
                                 "\ntoken = neutral-tok-1\n" + extra + "[safety]\nmax_invalid_pct = 50\n");
            return oznsync({"run", "--config", cfg, "--dry-run"});
        };
        Result trusted = run_with("ca_file = " + certs.f("ca.pem") + "\n");
        INFO(trusted.out << trusted.err);
        CHECK(trusted.exit_code == 0);
        CHECK(trusted.err.find("sales: 9 records") != std::string::npos);
        Result unknown = run_with("");
        CHECK(unknown.exit_code == 78);
        CHECK(unknown.err.find("OZneutral") != std::string::npos);
        CHECK(unknown.err.find("certificate verify failed") != std::string::npos);
    }
}
