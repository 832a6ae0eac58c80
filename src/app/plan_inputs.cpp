#include "app/plan_inputs.hpp"

#include "app/preflight.hpp"
#include "store/run_store.hpp"
#include "store/sale_records.hpp"
#include "store/snapshot_reader.hpp"
#include "util/error.hpp"
#include "util/time.hpp"

#include <spdlog/spdlog.h>

#include <future>

namespace oznsync {

SafetyLimits safety_limits(const Config& cfg, const RunOptions& opt) {
    SafetyLimits limits;
    limits.max_removals = opt.max_removals.value_or(cfg.safety.max_removals);
    limits.max_removals_pct = opt.max_removals_pct.value_or(cfg.safety.max_removals_pct);
    limits.max_feed_shrink_pct = cfg.safety.max_feed_shrink_pct;
    limits.min_removals_for_pct = cfg.safety.min_removals_for_pct;
    return limits;
}

ReconcileOptions reconcile_options(const Config& cfg, const RunOptions& opt) {
    ReconcileOptions ropt = opt.reconcile;
    ropt.drift = cfg.reconcile.revert_drift ? DriftMode::Revert : DriftMode::Report;
    ropt.keep_property = cfg.reconcile.keep_property;
    for (const auto& p : opt.only_projects)
        ropt.only_projects.insert(p);
    return ropt;
}

void note_feed(const SaleFeed& feed, RunRecord& run) {
    run.sales_fingerprint = feed.fingerprint;
    run.sales_records = feed.records;
    run.sales_valid = static_cast<long long>(feed.sales.size());
    run.sales_invalid = static_cast<long long>(feed.invalid.size());
    spdlog::info("sales: {} records ({} invalid) from {}", feed.records, feed.invalid.size(),
                 run.sales_source);
}

void check_feed(const SaleFeed& feed, RunRecord& run, RunStore& runs, const Config& cfg,
                const SafetyLimits& limits) {
    note_feed(feed, run);
    try {
        require_usable_feed(feed, cfg.safety);
    } catch (const InputError& e) {
        run.guard_reason = e.what();
        throw;
    }
    if (auto why = feed_guard(feed.records, runs.last_sales_count(run.id), limits)) {
        run.guard_reason = *why;
        throw SafetyError(*why + "; nothing planned or changed");
    }
    run.sales_count = feed.records;
    runs.save(run);
}

PlanInputs read_plan_inputs(const Config& cfg, Store& store, int64_t snapshot, bool with_baseline) {
    PlanInputs in;
    double feed_s = 0;
    // The feed's thread touches no database and nothing of this one: the config is read-only.
    std::future<SaleFeed> feed = std::async(std::launch::async, [&cfg, &feed_s, &in, with_baseline] {
        const double t = monotonic_seconds();
        SaleFeed f = fetch_sales(cfg);
        feed_s = monotonic_seconds() - t;
        if (with_baseline) in.vetted = vet_sales(f.sales, f.invalid); // f's elements stay where they are
        return f;
    });
    in.timings.emplace_back("sales", 0); // the feed's, filled in once it is read
    try {
        double t = monotonic_seconds();
        in.inventory = load_inventory(store, snapshot);
        in.timings.emplace_back("load_snapshot", monotonic_seconds() - t);
        std::future<void> indexed = std::async(std::launch::async, [&in] { in.index.emplace(in.inventory); });
        if (with_baseline) {
            t = monotonic_seconds();
            try {
                in.baseline = RunStore(store).baseline();
                in.reconciled = SaleRecords(store).reconciled_versions();
            } catch (...) {
                indexed.wait();
                throw;
            }
            in.timings.emplace_back("load_baseline", monotonic_seconds() - t);
        }
        indexed.get();
        store.release_cache(); // ~64 MiB of pages the plan will not read again
    } catch (...) {
        feed.get(); // the feed's own error first, as when the feed was read before the snapshot
        throw;
    }
    in.feed = feed.get();
    in.timings.front().second = feed_s;
    return in;
}

} // namespace oznsync
