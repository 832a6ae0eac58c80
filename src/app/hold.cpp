#include "app/hold.hpp"

#include "report/views.hpp"
#include "util/time.hpp"

#include <spdlog/spdlog.h>

namespace oznsync {

std::optional<Hold> current_hold(Store& store) {
    const std::string until = store.get_state("hold_until").value_or("");
    if (until.empty()) return std::nullopt;
    const auto end = parse_iso8601(until);
    if (!end || *end <= now()) return std::nullopt; // ended (or unreadable: never a hold for ever)
    return Hold{until, store.get_state("hold_by").value_or(""), store.get_state("hold_reason").value_or("")};
}

void set_hold(Store& store, const Hold& hold) {
    auto tx = store.transaction();
    store.set_state("hold_until", hold.until);
    store.set_state("hold_by", hold.by);
    store.set_state("hold_reason", hold.reason);
    tx.commit();
}

bool release_hold(Store& store) {
    const bool was = current_hold(store).has_value();
    store.set_state("hold_until", "");
    return was;
}

bool holds_incremental_runs(Store& store) {
    const auto hold = current_hold(store);
    if (hold)
        spdlog::info("incremental runs are {}: this run is skipped (oznsync release ends the hold)",
                     hold_text(*hold));
    return hold.has_value();
}

void release_hold_after(Store& store, const std::string& plan_run_id) {
    if (release_hold(store))
        spdlog::info("the hold on incremental runs is released: plan {} was applied", plan_run_id);
}

} // namespace oznsync
