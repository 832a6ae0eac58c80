#pragma once
// `oznsync run --incremental`: what changed since the last run, in OZmap and in OZneutral, and the few
// sales that a change can concern. The nightly full run stays the safety net: deletions in OZmap and
// records gone from the feed are only seen there.
#include "config/config.hpp"
#include "core/change.hpp"
#include "core/inventory.hpp"
#include "core/journal.hpp"
#include "core/model.hpp"
#include "neutral/sale_parser.hpp"
#include "ozmap/ozmap_client.hpp"
#include "store/snapshot_delta.hpp"
#include "store/store.hpp"

#include <set>
#include <string>
#include <vector>

namespace oznsync {

/// Marks kept in the database's `state` table.
inline constexpr const char* kOzmapPulledAt = "ozmap.pulled_at"; // our clock when the last pull began
inline constexpr const char* kSalesReadAt = "sales.read_at";     // ... when the last recorded feed was read
inline constexpr const char* kSalesRecordedBy = "sales.recorded_by"; // the full run that recorded the feed

/// An incremental run needs a complete snapshot and a feed recorded by a full run that sent its writes;
/// without them the run is a full one (and says so).
std::string incremental_refusal(Store& store);

/// `mark` minus `skew_s` seconds, as ISO-8601 (the overlap that covers clocks that differ).
std::string since_mark(const std::string& mark, int skew_s);

struct IncrementResult {
    std::string since;  // the updatedAt asked for
    long long rows = 0; // rows written into the snapshot
    long long skipped = 0;
    DeltaScope scope; // what they touched
};

/// Fetches the boxes, drop splitters and properties of the current snapshot's projects, and the FTTH
/// clients, with `updatedAt >= mark - ozmap.skew_s`, and the splitters under a changed property; writes
/// them into the current snapshot in one transaction (a failed pull changes nothing) and moves the mark.
IncrementResult pull_increment(const Config& config, Store& store, OzmapClient& client, int64_t snapshot);

/// The sales an incremental run plans, and the part of the snapshot and base line they need.
struct IncrementalScope {
    std::vector<Sale> sales;       // the latest record of each sale concerned
    std::set<std::string> changed; // of those, the ids whose record is new or newer than recorded
    Inventory inventory;
    Baseline baseline; // of those sales
};

/// The sales concerned: records newer than recorded (or never recorded), those whose writes did not all
/// go through last time, those on a splitter or with a code or client the increment touched.
IncrementalScope incremental_scope(Store& store, int64_t snapshot, const SaleFeed& feed,
                                   const DeltaScope& touched);

/// The latest record of each id, leaving out the ids the feed contradicts (two different records of one
/// version): reconcile used neither, so neither may stand for the sale later.
std::vector<const Sale*> recordable(const SaleFeed& feed);

/// Records these sale records and whether each one's writes all went through (else the next incremental
/// run plans it again); `whole_feed`: they are the whole feed, ids not among them are forgotten.
void record_sales(Store& store, const std::vector<const Sale*>& sales,
                  const std::vector<JournalEntry>& entries, bool whole_feed, const std::string& run_id,
                  const std::string& read_at);

} // namespace oznsync
