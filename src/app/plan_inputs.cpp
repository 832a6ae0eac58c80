#include "app/plan_inputs.hpp"

#include "store/run_store.hpp"
#include "store/sale_records.hpp"
#include "store/snapshot_reader.hpp"
#include "util/time.hpp"

#include <future>

namespace oznsync {

PlanInputs read_plan_inputs(const Config& cfg, Store& store, int64_t snapshot, bool with_baseline) {
    PlanInputs in;
    // The feed's thread touches no database and nothing of this one: the config is read-only.
    std::future<SaleFeed> feed = std::async(std::launch::async, [&cfg, &in] {
        const double t = monotonic_seconds();
        SaleFeed f = fetch_sales(cfg);
        in.feed_s = monotonic_seconds() - t;
        return f;
    });
    try {
        double t = monotonic_seconds();
        in.inventory = load_inventory(store, snapshot);
        in.snapshot_s = monotonic_seconds() - t;
        if (with_baseline) {
            t = monotonic_seconds();
            RunStore runs(store);
            in.baseline = runs.baseline();
            in.reconciled = SaleRecords(store).reconciled_versions();
            in.baseline_s = monotonic_seconds() - t;
        }
    } catch (...) {
        feed.get(); // the feed's own error first, as when the feed was read before the snapshot
        throw;
    }
    in.feed = feed.get();
    return in;
}

} // namespace oznsync
