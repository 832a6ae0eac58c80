#pragma once
// The simulator's faults: what is in force (set at start, changed by POST /__sim/faults) and what each
// request meets (latency, failures, resets, a rate limit, truncation, a death, hung or dropped writes).
#include "sim/reply.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <random>
#include <string>

namespace oznsync::sim {

/// What a GET answer's body meets on its way out: cut in half, or a control byte put in its middle.
enum class BodyFault { None, Truncate, Corrupt };

struct Faults {
    int latency_ms = 0;
    double fail_rate = 0;
    int fail_status = 503;
    int retry_after = -1; // seconds; -1 = no Retry-After header
    double reset_rate = 0;
    double truncate_rate = 0;
    double corrupt_rate = 0; // GET bodies with a control byte put in their middle: brackets kept, not JSON
    double rate_limit = 0;   // requests per second; 0 = none
    bool no_total = false;   // list envelopes without total: clients must follow nextUrl
    long long expire_tokens_after = -1; // after this many API requests every login token expires (once)
    std::string filters_from = "both";  // where list filters are read: query, body (the SDK's way) or both
    bool cursor_only = false;      // `page` is ignored (the live API as the SDK uses it): only nextUrl pages
    bool ignore_id_ranges = false; // `_id` <, >= conditions are silently dropped from list filters
    bool empty_id_ranges = false;  // lists filtered by an `_id` range answer no rows (and total 0)
    bool strip_user_password = false;  // PATCH /users drops `password` (as the SDK's UpdateUserDTO does)
    bool strip_external_id = false;    // PATCH /properties drops `external_id` (as the SDK's update does)
    bool next_url_cursor_only = false; // nextUrl carries the cursor alone (no limit, filter, sort, populate)
    long long die_after_requests = -1; // the process exits abruptly after this many API requests
    long long hang_after_writes = -1;  // the write after this many is applied, then never answered
    double drop_after_write_rate = 0;  // share of writes applied, then answered by a dropped connection
    // A hostile server (issue 14):
    int trickle_bytes_per_s = 0; // answers' bodies sent this many bytes a second (0 = at once)
    int huge_body_mb = 0;        // list answers padded with this many MB of whitespace
    bool endless_next = false;   // lists never end: empty pages, each with a fresh nextUrl (no total)
    bool repeat_next = false;    // nextUrl always points back at the first page (no total)
    long long lying_total = -1;  // list envelopes claim this total
    long long error_message_bytes =
        0; // writes are refused (422) with a message this long, ANSI escapes in it
    bool echo_authorization =
        false; // writes are refused (422) with a message quoting the Authorization header
    std::string forbidden_projects; // comma-separated project ids: any request naming one answers 403
};

/// The faults in force as JSON (GET /__sim/faults).
std::string faults_json(const Faults& f);

/// Faults and the counters they depend on; every member is safe to call from the server's threads.
class FaultRoom {
public:
    FaultRoom(Faults initial, uint64_t seed);

    Faults now() const;
    std::string json() const;
    /// Sets the members `body` names (POST /__sim/faults); throws Poco::Exception on bad JSON.
    void update(const std::string& body);

    /// What one API request meets. `reply` set: answer it (a failure, 429); `reset`: drop the connection.
    struct Admission {
        std::optional<Reply> reply;
        bool reset = false, expire_tokens = false;
        BodyFault body = BodyFault::None;
        int latency_ms = 0;
    };
    /// Counts an API request and decides its faults; exits the process for --die-after-requests.
    Admission admit(bool is_get);
    /// After an applied write: its answer hangs (--hang-after-writes) or its connection drops.
    void after_write(bool& hang, bool& reset);
    /// Blocks a hung answer until the fault is lifted or the server stops.
    void wait_while_hung();
    void stop();

    long long api_requests() const;
    long long writes() const;

private:
    bool take_token(); // with m_mutex held

    mutable std::mutex m_mutex;
    Faults m_faults;
    std::mt19937_64 m_rng;
    double m_bucket_tokens = -1;
    std::chrono::steady_clock::time_point m_bucket_last{};
    long long m_api_requests = 0, m_writes = 0;
    bool m_hang_released = false, m_stopping = false;
    std::condition_variable m_hang_cv;
};

} // namespace oznsync::sim
