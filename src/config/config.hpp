#pragma once
// The job's configuration: an INI file read with Boost.ProgramOptions, every key overridable by
// OZNSYNC_<SECTION>_<KEY>. All values are validated here, so the rest of the code can trust them.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace oznsync {

/// How oznsync talks to one upstream: OZmap and OZneutral each have their own (`ozmap.*`, `ozneutral.*`).
struct TransportConfig {
    int timeout_s = 30; // the whole of one request
    int retries = 5;    // after the first attempt
    int retry_base_ms = 250;
    int retry_max_ms = 10000;
    std::string ca_file; // added to the system CAs
    bool insecure = false;
    int max_body_mb = 256; // the largest answer accepted (after gzip)
};

struct OzmapConfig : TransportConfig {
    std::string url; // origin, e.g. https://tenant.ozmap.com.br:9994
    std::string api_key;
    std::string username;
    std::string password;
    bool all_projects = true; // "*" or empty: every project the integration user may read
    bool projects_from_ozneutral =
        false; // "from-ozneutral": OZneutral's sellable projects (ozneutral.projects)
    std::vector<std::string> projects;
    int page_size = 500;
    int concurrency = 4;
    double max_rps = 0; // 0 = no client-side limit
    bool gzip = true;
    double max_bad_rows_pct = 0.1; // ozmap.max_bad_rows: unusable rows a pull tolerates, % of rows read
    int max_pages = 100000;        // pages per collection, whatever total or nextUrl say
    int run_timeout_s = 21600;     // the whole run; 0 = no limit
    bool filter_in_body = false;   // ozmap.filter_in = query (default) | body (the official SDK's way)
    int skew_s =
        120; // an incremental pull asks for rows with updatedAt >= its mark minus this (clocks differ)
    std::string web_url; // the operator's OZmap pages, {kind} (box, splitter, property) and {id} replaced
};

struct OzneutralConfig : TransportConfig {
    std::string sales;        // file:PATH or http(s)://base
    std::string partnerships; // file:PATH or http(s)://base, optional
    std::string projects; // file:PATH or http(s)://base: the selection when ozmap.projects = from-ozneutral
    std::string client_id;
    std::string client_secret;
    std::string token;
    int page_size = 500;
    int skew_s = 120; // an incremental run asks for records with updatedSince = its mark minus this
};

struct SafetyConfig {
    int max_removals = 50;
    double max_removals_pct = 10;
    int min_removals_for_pct = 10;
    double max_feed_shrink_pct = 20;
    double max_invalid_pct = 5;
};

struct ReconcileConfig {
    bool revert_drift = false;  // reconcile.drift = report (default) | revert
    bool keep_property = false; // removal.keep_property
};

struct PartnersConfig {
    std::string role; // role id or name
    std::vector<std::string> resources{"OZmap"};
    std::string handover_dir; // default: reports dir
    std::string
        email_fallback; // e.g. noc+{partner_id}@operator.example, for partners without a usable e-mail
};

/// `oznsync serve`: the read-only HTTP API.
struct ServeConfig {
    std::string listen = "127.0.0.1:8787"; // HOST:PORT (port 0: any free port)
    std::string tokens_file;               // bearer tokens, one per line (required)
    bool open_metrics = false;             // /healthz and /metrics without a token
    std::string tls_cert, tls_key;         // PEM files: HTTPS when both are set
    double rate_limit = 100;               // requests per second per client address (burst: twice that)
    int threads = 64;                      // connections served at once (a kept-alive one holds a thread)
    int workers = 0;                       // requests answered at once (0: one per CPU core)
    int max_connections_per_client = 16;   // open connections one client address may hold
    int header_timeout_s = 5;              // a request's headers must be complete this soon after connecting
    int idle_timeout_s = 5;                // a kept-alive connection idle this long is closed
    std::string store;                     // serve --store: answer from the shared store (postgresql://)
    std::string store_password;            // serve.store_password(_file) or OZNSYNC_SERVE_STORE_PASSWORD
};

/// The shared store OZneutral reads (publish.url): PostgreSQL with PostGIS. Off when the URL is empty.
struct PublishConfig {
    std::string url;      // postgresql://[user@]host[:port]/dbname[?params]: never a password in it
    std::string password; // publish.password, publish.password_file or OZNSYNC_PUBLISH_PASSWORD
    int timeout_s = 10;   // connecting
};

/// How long the history is kept (days; 0 = for ever). What an audit needs outlives them all: every report
/// folder's hashes, and each run's counts (its row keeps them, or its day's row in `run_days`).
struct RetentionConfig {
    int reports_days = 0;  // reports.keep_days: report folders (their hashes stay in the database)
    int journal_days = 90; // journal.keep_days: the change rows of a run (its counts stay on its row)
    int runs_days = 30;    // runs.keep_days: rows of runs that wrote no report folder (folded by day)
};

struct Config {
    std::string source;        // the file it was read from, for messages
    std::string operator_name; // operator.name: in every report, log line, metric; the database remembers it
    OzmapConfig ozmap;
    OzneutralConfig ozneutral;
    SafetyConfig safety;
    PartnersConfig partners;
    ReconcileConfig reconcile;
    ServeConfig serve;
    PublishConfig publish;
    std::string snapshot_path = "oznsync.db";
    std::string reports_dir = "reports";
    RetentionConfig retention;
    int max_snapshot_age_h = 26; // fleet.max_snapshot_age_h: `fleet status` calls an older snapshot stale
    std::string metrics_file;    // reports.metrics_file: a Prometheus textfile written after every run
    std::vector<std::string> warnings;

    /// Every key=value the job runs with, secrets shown as ***, sorted: for reports and fingerprints.
    std::map<std::string, std::string> masked;
    std::string fingerprint() const;
};

/// An operator's name: 1 to 64 letters, digits, '-' or '_' (it names files and metric labels).
bool valid_operator_name(std::string_view name);

/// A PostgreSQL URL as `key` may hold it (postgresql://[user@]host[:port]/dbname, no password: that is
/// `password_key`'s); ConfigError naming `key` otherwise.
std::string checked_postgres_url(const std::string& key, const std::string& url,
                                 const std::string& password_key);

/// The settings of `serve --fleet` alone: a file of [serve] keys (any other key is refused).
Config load_serve_config(const std::string& path);

/// Reads and validates; throws ConfigError (exit 78) naming the key on any problem.
Config load_config(const std::string& path);
/// The same, from INI text (tests) with an explicit environment.
Config parse_config(const std::string& ini_text, const std::string& source,
                    const std::map<std::string, std::string>& env);

} // namespace oznsync
