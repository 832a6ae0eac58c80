#include "app/publish.hpp"

#include "store/box_ports.hpp"
#include "util/error.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

#include <spdlog/spdlog.h>

namespace oznsync {

namespace {

pg::Target target_of(const Config& cfg) {
    return {cfg.publish.url, cfg.publish.password, "publish.password", cfg.publish.timeout_s};
}

std::string seconds_now() {
    return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(now().time_since_epoch()).count());
}

double number_state(Store& store, const std::string& key) {
    double v = 0;
    parse_double(store.get_state(key).value_or("0"), v);
    return v;
}

} // namespace

PublishResult publish_snapshot(Store& store, const Config& cfg, PublishCheck check) {
    PublishResult r;
    if (cfg.publish.url.empty()) return r;
    const auto current = store.current_snapshot();
    if (!current) throw UsageError("nothing to publish: no snapshot yet (run `oznsync pull` or a run first)");
    const SnapshotInfo info = store.snapshot(*current).value();
    r.snapshot_id = info.id;
    const std::string mark = std::to_string(info.id) + ":" + info.revision;
    r.status = PublishResult::Status::Unchanged;
    if (check == PublishCheck::Local && store.get_state("publish.snapshot") == mark) return r;
    const double t0 = monotonic_seconds();
    store.set_state("publish.last_attempt", seconds_now());
    SharedStore shared(target_of(cfg));
    shared.migrate();
    const auto held = shared.head(cfg.operator_name);
    if (check != PublishCheck::Force && held && held->snapshot_id == info.id &&
        held->revision == info.revision) {
        store.set_state("publish.snapshot", mark);
        return r;
    }
    PublishedHead head{cfg.operator_name, info.id, info.revision, info.finished_at, "", 0};
    r.boxes = shared.publish(head, [&](const std::function<void(const BoxPorts&)>& each) {
        each_box(store, info.id, [&](BoxPorts&& b) { each(b); });
    });
    r.seconds = monotonic_seconds() - t0;
    r.status = PublishResult::Status::Published;
    store.set_state("publish.snapshot", mark);
    store.set_state("publish.last_success", seconds_now());
    store.set_state("publish.failures", "0");
    store.set_state("publish.boxes", std::to_string(r.boxes));
    store.set_state("publish.seconds", format_double(r.seconds));
    spdlog::info("shared store: {}", publish_text(r));
    return r;
}

PublishResult publish_after_run(Store& store, const Config& cfg, PublishCheck check) {
    try {
        return publish_snapshot(store, cfg, check);
    } catch (const std::exception& e) {
        PublishResult r;
        r.status = PublishResult::Status::Failed;
        r.error = clean_message(e.what(), 300);
        if (const auto current = store.current_snapshot()) r.snapshot_id = *current;
        try {
            store.set_state(
                "publish.failures",
                std::to_string(static_cast<long long>(number_state(store, "publish.failures")) + 1));
        } catch (const std::exception& also) {
            spdlog::warn("shared store: the failed publish could not be recorded: {}", also.what());
        }
        spdlog::warn("shared store: {}", publish_text(r));
        return r;
    }
}

PublishState publish_state(Store& store) {
    PublishState s;
    s.configured = store.get_state("publish.last_attempt").has_value();
    if (!s.configured) return s;
    s.last_success = number_state(store, "publish.last_success");
    s.last_attempt = number_state(store, "publish.last_attempt");
    s.failures = static_cast<long long>(number_state(store, "publish.failures"));
    s.boxes = static_cast<long long>(number_state(store, "publish.boxes"));
    s.seconds = number_state(store, "publish.seconds");
    return s;
}

} // namespace oznsync
