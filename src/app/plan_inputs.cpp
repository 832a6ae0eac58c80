#include "app/plan_inputs.hpp"

#include "store/run_store.hpp"
#include "store/sale_records.hpp"
#include "store/snapshot_reader.hpp"
#include "util/time.hpp"

#include <future>

namespace oznsync {

ReconcileOptions reconcile_options(const Config& cfg, const RunOptions& opt) {
    ReconcileOptions ropt = opt.reconcile;
    ropt.drift = cfg.reconcile.revert_drift ? DriftMode::Revert : DriftMode::Report;
    ropt.keep_property = cfg.reconcile.keep_property;
    for (const auto& p : opt.only_projects)
        ropt.only_projects.insert(p);
    return ropt;
}

PlanInputs read_plan_inputs(const Config& cfg, Store& store, int64_t snapshot, bool with_baseline) {
    PlanInputs in;
    double feed_s = 0;
    // The feed's thread touches no database and nothing of this one: the config is read-only.
    std::future<SaleFeed> feed = std::async(std::launch::async, [&cfg, &feed_s] {
        const double t = monotonic_seconds();
        SaleFeed f = fetch_sales(cfg);
        feed_s = monotonic_seconds() - t;
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
    } catch (...) {
        feed.get(); // the feed's own error first, as when the feed was read before the snapshot
        throw;
    }
    in.feed = feed.get();
    in.timings.front().second = feed_s;
    return in;
}

} // namespace oznsync
