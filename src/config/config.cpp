#include "config/config.hpp"

#include "config/reader.hpp"

#include "util/digest.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <thread>

#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/ids.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

#include <boost/program_options.hpp>

#include <cstdlib>
#include <set>
#include <sstream>
#include <sys/stat.h>

extern char** environ;

namespace oznsync {

namespace po = boost::program_options;
using namespace config_keys;

namespace {

/// Credentials never ride in a URL (user:password@host): they would be logged, stored in the report and
/// the database with it. Each upstream has its own secret keys.
void refuse_credentials(const std::string& key, const std::string& url) {
    const size_t host = url.find("://") + 3;
    const size_t end = url.find_first_of("/?#", host);
    if (url.find('@', host) < end)
        throw ConfigError(key + ": must not hold credentials (user:password@); use the section's secret keys "
                                "(api_key, token, client_secret, or their *_file)");
}

void check_source(const std::string& key, const std::string& value, bool required) {
    if (value.empty()) {
        if (required) throw ConfigError(key + ": missing (file:PATH or https://...)");
        return;
    }
    if (value.rfind("file:", 0) == 0) {
        if (value.size() == 5) throw ConfigError(key + ": 'file:' needs a path");
        return;
    }
    if (value.rfind("https://", 0) == 0 || value.rfind("http://", 0) == 0) {
        refuse_credentials(key, value);
        return;
    }
    throw ConfigError(key + ": expected file:PATH or https://..., got '" + value + "'");
}

/// Every line must be blank, a # comment, a [section] or key = value. Checked here, with the line number,
/// because Boost's own message for a bad line can loop forever on some inputs (found by fuzzing).
/// A '#' inside a value stands in for itself while the INI reader (which cuts a value at any '#') reads.
constexpr char kKeptHash = '\x1f';

/// Checks every line is `key = value`, `[section]` or a comment, and returns the text with each '#' that
/// is part of a value (not after a space: `url = https://acme.ozmap.com.br/#/{kind}/{id}`,
/// `api_key = sekret#KEY`) protected from the INI reader; ` # note` after a value stays a comment.
std::string prepare_ini(const std::string& text, const std::string& source) {
    size_t number = 0;
    std::string out;
    for (const auto& raw : split(text, '\n')) {
        ++number;
        std::string line = trim(raw);
        std::string kept = raw;
        if (!line.empty() && line[0] != '#') {
            bool ok = line[0] == '[' ? line.back() == ']' && line.size() > 2
                                     : line.find('=') != std::string::npos &&
                                           !trim(line.substr(0, line.find('='))).empty();
            if (!ok)
                throw ConfigError(source + ": line " + std::to_string(number) +
                                  " is not `key = value`, `[section]` or a # comment");
            if (line[0] != '[')
                for (size_t hash = kept.find('#', kept.find('=')); hash != std::string::npos;
                     hash = kept.find('#', hash + 1)) {
                    const char before = kept[hash - 1];
                    if (before == ' ' || before == '\t' || before == '=') break; // a comment from here on
                    kept[hash] = kKeptHash;
                }
        }
        out += kept + "\n";
    }
    return out;
}

/// Environment variables of oznsync's that are not settings.
bool is_process_variable(const std::string& name) {
    return name == "OZNSYNC_CONFIG" || name == "OZNSYNC_RUN_ID" || name == "OZNSYNC_FIXED_CLOCK";
}

std::string env_to_key(const std::string& name) {
    // OZNSYNC_OZMAP_API_KEY -> ozmap.api_key (sections have no underscore).
    std::string rest = to_lower(name.substr(8));
    auto us = rest.find('_');
    if (us == std::string::npos) return "";
    rest[us] = '.';
    for (const auto& k : kKeys)
        if (rest == k.name) return rest;
    return "";
}

/// operator.name: whose OZmap this config is about (letters, digits, '-', '_'); by default the config
/// file's name without its extension (/etc/oznsync/operators.d/acme.ini: acme).
std::string read_operator_name(const Reader& r, const std::string& source) {
    std::string name = r.str("operator.name");
    const bool given = !name.empty();
    if (!given) name = std::filesystem::path(source).stem().string();
    if (!valid_operator_name(name))
        throw ConfigError(given ? "operator.name: '" + name +
                                      "' is not a name of letters, digits, '-' and '_' (1 to 64 characters)"
                                : "operator.name: missing, and the config file's name (" + name +
                                      ") is not a name of letters, digits, '-' and '_': set operator.name");
    return name;
}

/// `<upstream>.timeout_s`, `retries`, `retry_base_ms`, `retry_max_ms`, `ca_file`, `insecure`, `max_body_mb`.
void read_transport(const Reader& r, const std::string& upstream, TransportConfig& t) {
    const std::string p = upstream + ".";
    t.timeout_s = r.integer(p + "timeout_s", 30, 1, 3600);
    t.retries = r.integer(p + "retries", 5, 0, 100);
    t.retry_base_ms = r.integer(p + "retry_base_ms", 250, 0, 600000);
    t.retry_max_ms = r.integer(p + "retry_max_ms", 10000, 0, 3600000);
    t.ca_file = r.str(p + "ca_file");
    if (!t.ca_file.empty() && !file_exists(t.ca_file))
        throw ConfigError(p + "ca_file: " + t.ca_file + " does not exist");
    t.insecure = r.boolean(p + "insecure", false);
    t.max_body_mb = r.integer(p + "max_body_mb", 256, 1, 65536);
}

} // namespace

std::string Config::fingerprint() const {
    Sha256Stream sha;
    for (const auto& [k, v] : masked)
        sha.update(k + "=" + v + "\n");
    return "sha256:" + sha.hex().substr(0, 16);
}

namespace {

/// The key = value pairs of the INI text, every key one of kKeys.
std::map<std::string, std::string> read_ini(const std::string& ini_text, const std::string& source) {
    po::options_description desc;
    for (const auto& k : kKeys)
        desc.add_options()(k.name, po::value<std::string>());

    std::map<std::string, std::string> values;
    try {
        std::istringstream in(prepare_ini(ini_text, source));
        po::variables_map vm;
        po::store(po::parse_config_file(in, desc, false), vm);
        for (const auto& [k, v] : vm) {
            std::string value = v.as<std::string>();
            std::replace(value.begin(), value.end(), kKeptHash, '#');
            values[k] = value;
        }
    } catch (const po::unknown_option& e) {
        std::vector<std::string> known;
        for (const auto& k : kKeys)
            known.emplace_back(k.name);
        throw ConfigError(source + ": unknown key '" + e.get_option_name() + "'" +
                          did_you_mean(e.get_option_name(), known));
    } catch (const po::multiple_occurrences& e) {
        throw ConfigError(source + ": key '" + e.get_option_name() + "' given more than once");
    } catch (const po::error&) {
        // Not e.what(): prepare_ini has checked every line; what is left is a value boost refuses.
        throw ConfigError(source + ": cannot be read as an INI file");
    }

    return values;
}

/// The secrets a config may give inline or in a file (<key>_file), never both.
constexpr const char* kSecretKeys[] = {"ozmap.api_key",   "ozmap.password",   "ozneutral.client_secret",
                                       "ozneutral.token", "publish.password", "serve.store_password"};

/// OZNSYNC_<SECTION>_<KEY> variables over the file's values. A secret from the environment wins over the
/// file's way of giving the same secret: OZNSYNC_OZMAP_API_KEY over the file's api_key_file, and
/// OZNSYNC_OZMAP_API_KEY_FILE over its api_key.
void apply_env(std::map<std::string, std::string>& values, const std::map<std::string, std::string>& env) {
    std::set<std::string> from_env;
    for (const auto& [name, value] : env) {
        if (name.rfind("OZNSYNC_", 0) != 0 || is_process_variable(name)) continue;
        std::string key = env_to_key(name);
        if (key.empty())
            throw ConfigError(
                name + ": not an oznsync setting (OZNSYNC_<SECTION>_<KEY>, e.g. OZNSYNC_OZMAP_API_KEY)");
        values[key] = value;
        if (!trim(value).empty()) from_env.insert(key);
    }
    for (const std::string key : kSecretKeys) {
        const std::string file_key = key + "_file";
        if (from_env.count(key) && !from_env.count(file_key)) values.erase(file_key);
        if (from_env.count(file_key) && !from_env.count(key)) values.erase(key);
    }
}

void read_ozmap(const Reader& r, OzmapConfig& oz) {
    oz.url = r.str("ozmap.url");
    if (oz.url.empty()) throw ConfigError("ozmap.url: missing (e.g. https://tenant.ozmap.com.br:9994)");
    if (oz.url.rfind("https://", 0) != 0 && oz.url.rfind("http://", 0) != 0)
        throw ConfigError("ozmap.url: expected http(s)://host[:port], got '" + oz.url + "'");
    if (oz.url.find('@', oz.url.find("://") + 3) != std::string::npos)
        throw ConfigError("ozmap.url: must not hold credentials (user:password@); use ozmap.api_key or "
                          "ozmap.username/ozmap.password");
    while (!oz.url.empty() && oz.url.back() == '/')
        oz.url.pop_back();
    // oznsync speaks to <url>/api/v2/...: a path in the URL would be dropped without a word, so the
    // request would reach another place than the one written.
    if (const size_t path = oz.url.find_first_of("/?#", oz.url.find("://") + 3); path != std::string::npos)
        throw ConfigError("ozmap.url: must be http(s)://host[:port] with no path, query or fragment (got '" +
                          oz.url.substr(path) + "'); oznsync adds /api/v2 itself");
    for (const char* key : kSecretKeys)
        if (r.has(key) && r.has(std::string(key) + "_file"))
            throw ConfigError(std::string(key) + ": given both inline and as " + key + "_file; keep one");
    if (r.has("ozmap.api_key") || r.has("ozmap.api_key_file"))
        if (r.has("ozmap.username") || r.has("ozmap.password") || r.has("ozmap.password_file"))
            throw ConfigError(
                "ozmap.api_key: given together with ozmap.username/password; use one way to log in");
    oz.api_key = r.secret("ozmap.api_key");
    oz.username = r.str("ozmap.username");
    oz.password = r.secret("ozmap.password");
    if (oz.api_key.empty() && (oz.username.empty() || oz.password.empty()))
        throw ConfigError("ozmap.api_key: missing (or give ozmap.username and ozmap.password)");
    std::string projects = r.str("ozmap.projects", "*");
    if (projects.empty() || projects == "*") {
        oz.all_projects = true;
    } else if (projects == "from-ozneutral") {
        oz.all_projects = false;
        oz.projects_from_ozneutral = true;
    } else {
        oz.all_projects = false;
        for (auto& p : split(projects, ',')) {
            std::string id = trim(p);
            if (id.empty()) continue;
            if (!is_object_id(id))
                throw ConfigError("ozmap.projects: '" + id + "' is not a 24-hex OZmap id (or use *)");
            if (std::find(oz.projects.begin(), oz.projects.end(), id) != oz.projects.end())
                throw ConfigError("ozmap.projects: " + id + " is listed twice");
            oz.projects.push_back(id);
        }
    }
    oz.page_size = r.integer("ozmap.page_size", 500, 1, 5000);
    oz.concurrency = r.integer("ozmap.concurrency", 4, 1, 64);
    oz.max_rps = r.number("ozmap.max_rps", 0, 0, 1e6);
    read_transport(r, "ozmap", oz);
    oz.gzip = r.boolean("ozmap.gzip", true);
    oz.max_bad_rows_pct = r.number("ozmap.max_bad_rows", 0.1, 0, 100);
    oz.max_pages = r.integer("ozmap.max_pages", 100000, 1, 100000000);
    oz.run_timeout_s = r.integer("ozmap.run_timeout_s", 21600, 0, 604800);
    const std::string filter_in = r.str("ozmap.filter_in", "query");
    if (filter_in != "query" && filter_in != "body")
        throw ConfigError("ozmap.filter_in: '" + filter_in + "' is not one of query, body");
    oz.filter_in_body = filter_in == "body";
    oz.skew_s = r.integer("ozmap.skew_s", 120, 0, 86400);
    oz.web_url = r.str("ozmap.web_url");
    if (!oz.web_url.empty() &&
        (oz.web_url.find("{id}") == std::string::npos ||
         (oz.web_url.rfind("https://", 0) != 0 && oz.web_url.rfind("http://", 0) != 0)))
        throw ConfigError("ozmap.web_url: '" + oz.web_url +
                          "' is not an http(s) URL with {id} (e.g. https://acme.ozmap.com.br/#/{kind}/{id})");
}

void read_ozneutral(const Reader& r, OzneutralConfig& on, bool projects_from_ozneutral) {
    on.sales = r.str("ozneutral.sales");
    check_source("ozneutral.sales", on.sales, false);
    on.partnerships = r.str("ozneutral.partnerships");
    check_source("ozneutral.partnerships", on.partnerships, false);
    on.projects = r.str("ozneutral.projects");
    check_source("ozneutral.projects", on.projects, projects_from_ozneutral);
    on.client_id = r.str("ozneutral.client_id");
    on.client_secret = r.secret("ozneutral.client_secret");
    on.token = r.secret("ozneutral.token");
    on.page_size = r.integer("ozneutral.page_size", 500, 1, 10000);
    on.skew_s = r.integer("ozneutral.skew_s", 120, 0, 86400);
    read_transport(r, "ozneutral", on);
}

/// A PostgreSQL URL (libpq's URI form) without a password in it: the password has its own secret key.
std::string postgres_url(const Reader& r, const std::string& key, const std::string& password_key) {
    return checked_postgres_url(key, r.str(key), password_key);
}
} // namespace

std::string checked_postgres_url(const std::string& key, const std::string& url,
                                 const std::string& password_key) {
    if (url.empty()) return url;
    if (url.rfind("postgresql://", 0) != 0 && url.rfind("postgres://", 0) != 0)
        throw ConfigError(key + ": expected postgresql://[user@]host[:port]/dbname, got '" + url + "'");
    const size_t host = url.find("://") + 3;
    const size_t end = url.find_first_of("/?#", host);
    const size_t at = url.find('@', host);
    if (at < end && url.find(':', host) < at)
        throw ConfigError(key + ": must not hold a password (user:password@); use " + password_key + " or " +
                          password_key + "_file");
    if (to_lower(url).find("password=") != std::string::npos)
        throw ConfigError(key + ": must not hold a password (password=); use " + password_key + " or " +
                          password_key + "_file");
    return url;
}

namespace {

void read_publish(const Reader& r, PublishConfig& p) {
    p.url = postgres_url(r, "publish.url", "publish.password");
    p.password = r.secret("publish.password");
    p.timeout_s = r.integer("publish.timeout_s", 10, 1, 300);
}

void read_serve(const Reader& r, ServeConfig& s) {
    s.listen = r.str("serve.listen", s.listen);
    if (s.listen.rfind(':') == std::string::npos)
        throw ConfigError("serve.listen: '" + s.listen + "' is not HOST:PORT");
    s.tokens_file = r.str("serve.tokens_file");
    s.open_metrics = r.boolean("serve.open_metrics", false);
    s.tls_cert = r.str("serve.tls_cert");
    s.tls_key = r.str("serve.tls_key");
    if (s.tls_cert.empty() != s.tls_key.empty())
        throw ConfigError(std::string(s.tls_cert.empty() ? "serve.tls_cert" : "serve.tls_key") +
                          ": missing (HTTPS needs both serve.tls_cert and serve.tls_key)");
    s.rate_limit = r.number("serve.rate_limit", 100, 0.1, 1e6);
    s.threads = r.integer("serve.threads", 64, 1, 1024);
    s.workers = r.integer("serve.workers", 0, 0, 1024);
    s.max_connections_per_client = r.integer("serve.max_connections_per_client", 16, 1, 1024);
    s.header_timeout_s = r.integer("serve.header_timeout_s", 5, 1, 300);
    s.idle_timeout_s = r.integer("serve.idle_timeout_s", 5, 1, 300);
    if (s.workers == 0) s.workers = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    s.store_password = r.secret("serve.store_password");
}

/// The metrics file is rewritten after every run: it must never be the database (or its log), nor lie
/// among the report folders, whose files are hashed.
void refuse_output_over_state(const Config& cfg) {
    if (cfg.metrics_file.empty()) return;
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::path metrics = fs::weakly_canonical(cfg.metrics_file, ec);
    const fs::path db = fs::weakly_canonical(cfg.snapshot_path, ec);
    for (const char* suffix : {"", "-wal", "-shm", "-journal"})
        if (metrics == fs::path(db.string() + suffix) ||
            fs::equivalent(cfg.metrics_file, cfg.snapshot_path + suffix, ec))
            throw ConfigError("reports.metrics_file: " + cfg.metrics_file +
                              " is the database (snapshot.path " + cfg.snapshot_path + suffix +
                              "); name another file");
    const fs::path reports = fs::weakly_canonical(cfg.reports_dir, ec);
    if (reports.empty()) return;
    const auto [end, _] = std::mismatch(reports.begin(), reports.end(), metrics.begin(), metrics.end());
    if (end == reports.end())
        throw ConfigError("reports.metrics_file: " + cfg.metrics_file + " lies inside reports.dir " +
                          cfg.reports_dir + ", whose files are the audit trail; name a file outside it");
}

/// Everything past the two upstreams: files, safety, reconcile and partner settings.
void read_job(const Reader& r, Config& cfg) {
    // A path given empty (OZNSYNC_SNAPSHOT_PATH='') is a mistake, never "the default": SQLite would open
    // a throw-away database and the run would send writes with no history kept.
    for (const char* key : {"snapshot.path", "reports.dir", "reports.metrics_file", "partners.handover_dir"})
        if (r.given_empty(key))
            throw ConfigError(std::string(key) + ": given empty; name a path or leave the key out");
    cfg.snapshot_path = r.str("snapshot.path", "oznsync.db");
    // SQLite reads these names as a throw-away database or a URI: a run would keep no history.
    if (cfg.snapshot_path == ":memory:" || cfg.snapshot_path.rfind("file:", 0) == 0)
        throw ConfigError("snapshot.path: '" + cfg.snapshot_path +
                          "' is not a file path (SQLite would keep no database); name a file");
    cfg.reports_dir = r.str("reports.dir", "reports");
    cfg.retention.reports_days = r.integer("reports.keep_days", 0, 0, 36500);
    cfg.retention.journal_days = r.integer("journal.keep_days", 90, 0, 36500);
    cfg.retention.runs_days = r.integer("runs.keep_days", 30, 0, 36500);
    cfg.max_snapshot_age_h = r.integer("fleet.max_snapshot_age_h", 26, 1, 8760);
    cfg.metrics_file = r.str("reports.metrics_file");
    refuse_output_over_state(cfg);
    cfg.safety.max_removals = r.integer("safety.max_removals", 50, 0, 100000000);
    cfg.safety.max_removals_pct = r.number("safety.max_removals_pct", 10, 0, 100);
    cfg.safety.max_feed_shrink_pct = r.number("safety.max_feed_shrink_pct", 20, 0, 100);
    cfg.safety.min_removals_for_pct = r.integer("safety.min_removals_for_pct", 10, 0, 100000000);
    cfg.safety.max_invalid_pct = r.number("safety.max_invalid_pct", 5, 0, 100);
    const std::string drift = r.str("reconcile.drift", "report");
    if (drift != "report" && drift != "revert")
        throw ConfigError("reconcile.drift: '" + drift + "' is not one of report, revert");
    cfg.reconcile.revert_drift = drift == "revert";
    cfg.reconcile.keep_property = r.boolean("removal.keep_property", false);
    cfg.partners.role = r.str("partners.role");
    if (r.has("partners.resources")) {
        cfg.partners.resources.clear();
        for (auto& res : split(r.str("partners.resources"), ',')) {
            std::string v = trim(res);
            if (v != "OZmap" && v != "OZmob" && v != "Loki" && v != "API")
                throw ConfigError("partners.resources: '" + v + "' is not one of OZmap, OZmob, Loki, API");
            cfg.partners.resources.push_back(v);
        }
    }
    cfg.partners.handover_dir = r.str("partners.handover_dir", cfg.reports_dir + "/handover");
    cfg.partners.email_fallback = r.str("partners.email_fallback");
    read_serve(r, cfg.serve);
    read_publish(r, cfg.publish);
}

} // namespace

bool valid_operator_name(std::string_view name) {
    return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
    });
}

Config parse_config(const std::string& ini_text, const std::string& source,
                    const std::map<std::string, std::string>& env) {
    std::map<std::string, std::string> values = read_ini(ini_text, source);
    apply_env(values, env);
    Config cfg;
    cfg.source = source;
    const Reader r(values);
    read_ozmap(r, cfg.ozmap);
    read_ozneutral(r, cfg.ozneutral, cfg.ozmap.projects_from_ozneutral);
    read_job(r, cfg);
    cfg.operator_name = read_operator_name(r, source);
    auto& oz = cfg.ozmap;
    auto& on = cfg.ozneutral;
    for (const auto& k : kKeys) {
        if (!r.has(k.name)) continue;
        cfg.masked[k.name] = k.secret ? "***" : r.str(k.name);
    }
    for (const std::string* s : {&oz.api_key, &oz.password, &on.client_secret, &on.token,
                                 &cfg.publish.password, &cfg.serve.store_password})
        register_secret(*s);
    return cfg;
}

namespace {
std::map<std::string, std::string> environment() {
    std::map<std::string, std::string> env;
    for (char** e = environ; e && *e; ++e) {
        std::string kv(*e);
        auto eq = kv.find('=');
        if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    return env;
}

std::string config_text(const std::string& path) {
    struct stat target {};
    if (::stat(path.c_str(), &target) != 0)
        throw ConfigError("config: cannot read " + path + ": " + std::strerror(errno));
    if (!S_ISREG(target.st_mode)) throw ConfigError("config: " + path + " is not a regular file");
    try {
        return read_file(path);
    } catch (const std::exception& e) {
        throw ConfigError(std::string("config: ") + e.what());
    }
}
} // namespace

Config load_serve_config(const std::string& path) {
    std::map<std::string, std::string> values = read_ini(config_text(path), path);
    for (const auto& [key, value] : values)
        if (key.rfind("serve.", 0) != 0)
            throw ConfigError(key + ": " + path +
                              " is the server's config (serve --fleet): only [serve] keys; "
                              "each operator's settings are in its own config");
    std::map<std::string, std::string> env;
    for (auto& [name, value] : environment())
        if (name.rfind("OZNSYNC_SERVE_", 0) == 0) env[name] = value;
    apply_env(values, env);
    Config cfg;
    cfg.source = path;
    cfg.operator_name = "fleet";
    read_serve(Reader(values), cfg.serve);
    register_secret(cfg.serve.store_password);
    return cfg;
}

Config load_config(const std::string& path) {
    const std::string text = config_text(path);
    const std::map<std::string, std::string> env = environment();
    Config cfg = parse_config(text, path, env);
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && (st.st_mode & S_IROTH))
        cfg.warnings.push_back(path + " is readable by others; it may hold secrets (chmod 0640 or 0600)");
    return cfg;
}

} // namespace oznsync
