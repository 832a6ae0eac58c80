#include "sim/faults.hpp"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <cstdio>
#include <unistd.h>

namespace oznsync::sim {

std::string faults_json(const Faults& f) {
    std::string out;
    JsonWriter w(out);
    w.begin_object()
        .field("latency_ms", f.latency_ms)
        .field("fail_rate", f.fail_rate)
        .field("fail_status", f.fail_status)
        .field("retry_after", f.retry_after)
        .field("reset_rate", f.reset_rate)
        .field("truncate_rate", f.truncate_rate)
        .field("corrupt_rate", f.corrupt_rate)
        .field("rate_limit", f.rate_limit)
        .field("no_total", f.no_total)
        .field("cursor_only", f.cursor_only)
        .field("ignore_id_ranges", f.ignore_id_ranges)
        .field("empty_id_ranges", f.empty_id_ranges)
        .field("strip_user_password", f.strip_user_password)
        .field("strip_external_id", f.strip_external_id)
        .field("next_url_cursor_only", f.next_url_cursor_only)
        .field("filters_from", f.filters_from)
        .field("expire_tokens_after", static_cast<int64_t>(f.expire_tokens_after))
        .field("die_after_requests", static_cast<int64_t>(f.die_after_requests))
        .field("hang_after_writes", static_cast<int64_t>(f.hang_after_writes))
        .field("drop_after_write_rate", f.drop_after_write_rate)
        .field("trickle_bytes_per_s", f.trickle_bytes_per_s)
        .field("huge_body_mb", f.huge_body_mb)
        .field("endless_next", f.endless_next)
        .field("repeat_next", f.repeat_next)
        .field("lying_total", static_cast<int64_t>(f.lying_total))
        .field("error_message_bytes", static_cast<int64_t>(f.error_message_bytes))
        .field("echo_authorization", f.echo_authorization)
        .field("forbidden_projects", f.forbidden_projects)
        .end_object();
    return out;
}

FaultRoom::FaultRoom(Faults initial, uint64_t seed) : m_faults(std::move(initial)), m_rng(seed) {}

Faults FaultRoom::now() const {
    std::lock_guard l(m_mutex);
    return m_faults;
}

std::string FaultRoom::json() const {
    return faults_json(now());
}

void FaultRoom::update(const std::string& body) {
    auto o = Poco::JSON::Parser().parse(body).extract<Poco::JSON::Object::Ptr>();
    std::lock_guard l(m_mutex);
    Faults& f = m_faults;
    f.latency_ms = o->optValue<int>("latency_ms", f.latency_ms);
    f.fail_rate = o->optValue<double>("fail_rate", f.fail_rate);
    f.fail_status = o->optValue<int>("fail_status", f.fail_status);
    f.retry_after = o->optValue<int>("retry_after", f.retry_after);
    f.reset_rate = o->optValue<double>("reset_rate", f.reset_rate);
    f.truncate_rate = o->optValue<double>("truncate_rate", f.truncate_rate);
    f.corrupt_rate = o->optValue<double>("corrupt_rate", f.corrupt_rate);
    f.rate_limit = o->optValue<double>("rate_limit", f.rate_limit);
    f.no_total = o->optValue<bool>("no_total", f.no_total);
    f.cursor_only = o->optValue<bool>("cursor_only", f.cursor_only);
    f.ignore_id_ranges = o->optValue<bool>("ignore_id_ranges", f.ignore_id_ranges);
    f.empty_id_ranges = o->optValue<bool>("empty_id_ranges", f.empty_id_ranges);
    f.strip_user_password = o->optValue<bool>("strip_user_password", f.strip_user_password);
    f.strip_external_id = o->optValue<bool>("strip_external_id", f.strip_external_id);
    f.lying_total = o->optValue<long long>("lying_total", f.lying_total);
    f.next_url_cursor_only = o->optValue<bool>("next_url_cursor_only", f.next_url_cursor_only);
    f.filters_from = o->optValue<std::string>("filters_from", f.filters_from);
    f.expire_tokens_after = o->optValue<long long>("expire_tokens_after", f.expire_tokens_after);
    f.die_after_requests = o->optValue<long long>("die_after_requests", f.die_after_requests);
    f.hang_after_writes = o->optValue<long long>("hang_after_writes", f.hang_after_writes);
    f.drop_after_write_rate = o->optValue<double>("drop_after_write_rate", f.drop_after_write_rate);
    f.echo_authorization = o->optValue<bool>("echo_authorization", f.echo_authorization);
    f.forbidden_projects = o->optValue<std::string>("forbidden_projects", f.forbidden_projects);
    m_bucket_tokens = -1;
    if (f.hang_after_writes < 0) {
        m_hang_released = true;
        m_hang_cv.notify_all();
    }
}

bool FaultRoom::take_token() {
    if (m_faults.rate_limit <= 0) return true;
    const auto now = std::chrono::steady_clock::now();
    const double burst = std::max(1.0, m_faults.rate_limit);
    if (m_bucket_tokens < 0) {
        m_bucket_tokens = burst;
        m_bucket_last = now;
    }
    m_bucket_tokens =
        std::min(burst, m_bucket_tokens +
                            std::chrono::duration<double>(now - m_bucket_last).count() * m_faults.rate_limit);
    m_bucket_last = now;
    if (m_bucket_tokens < 1) return false;
    m_bucket_tokens -= 1;
    return true;
}

FaultRoom::Admission FaultRoom::admit(bool is_get) {
    std::lock_guard l(m_mutex);
    Admission a;
    const Faults& f = m_faults;
    ++m_api_requests;
    if (f.die_after_requests >= 0 && m_api_requests > f.die_after_requests) {
        std::fprintf(stderr, "ozmap-sim: dying after %lld requests (--die-after-requests)\n",
                     m_api_requests - 1);
        std::fflush(stderr);
        ::_exit(3);
    }
    a.latency_ms = f.latency_ms;
    if (f.expire_tokens_after >= 0 && m_api_requests > f.expire_tokens_after) {
        m_faults.expire_tokens_after = -1; // once: every login token issued so far stops working
        a.expire_tokens = true;
    }
    std::uniform_real_distribution<double> u(0, 1);
    if (!take_token()) {
        a.reply = error_reply(429, "rate limit exceeded");
        a.reply->headers.emplace_back("Retry-After", "1");
        return a;
    }
    if (f.reset_rate > 0 && u(m_rng) < f.reset_rate) {
        a.reset = true;
        return a;
    }
    if (f.fail_rate > 0 && u(m_rng) < f.fail_rate) {
        a.reply = error_reply(f.fail_status, "injected failure");
        if (f.retry_after >= 0) a.reply->headers.emplace_back("Retry-After", std::to_string(f.retry_after));
        return a;
    }
    if (f.truncate_rate > 0 && is_get && u(m_rng) < f.truncate_rate)
        a.body = BodyFault::Truncate;
    else if (f.corrupt_rate > 0 && is_get && u(m_rng) < f.corrupt_rate)
        a.body = BodyFault::Corrupt;
    return a;
}

void FaultRoom::after_write(bool& hang, bool& reset) {
    std::lock_guard l(m_mutex);
    ++m_writes;
    if (m_faults.hang_after_writes >= 0 && m_writes > m_faults.hang_after_writes) hang = true;
    std::uniform_real_distribution<double> u(0, 1);
    // The write took effect; its answer is lost (a reset after the server applied it).
    if (m_faults.drop_after_write_rate > 0 && u(m_rng) < m_faults.drop_after_write_rate) reset = true;
}

void FaultRoom::wait_while_hung() {
    std::unique_lock l(m_mutex);
    m_hang_released = false;
    m_hang_cv.wait(l, [&] { return m_hang_released || m_stopping; });
}

void FaultRoom::stop() {
    {
        std::lock_guard l(m_mutex);
        m_stopping = true;
    }
    m_hang_cv.notify_all();
}

long long FaultRoom::api_requests() const {
    std::lock_guard l(m_mutex);
    return m_api_requests;
}

long long FaultRoom::writes() const {
    std::lock_guard l(m_mutex);
    return m_writes;
}

} // namespace oznsync::sim
