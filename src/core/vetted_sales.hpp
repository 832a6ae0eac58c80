#pragma once
// The feed's own checks, which need no snapshot (a plan makes them on the feed's thread, beside the
// database reads): records that contradict themselves, the latest version of each record, two live sales
// on one port or with one code. Pure, like reconcile.
#include "core/change.hpp"
#include "core/model.hpp"
#include "util/hash_map.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace oznsync {

struct VettedSales {
    std::vector<const Sale*> sales; // the latest version of each usable record, no duplicate, in feed order
    std::vector<Change> findings;   // the feed's invalid records, then contradictions, then duplicates
    HashSet<Id, IdHash> known;      // every record id the feed holds, usable or not: none is an orphan
};

/// Pointers and views into `sales` and `invalid`, which must outlive the result unchanged (moving their
/// vectors keeps their elements where they are).
VettedSales vet_sales(const std::vector<Sale>& sales, const std::vector<InvalidRecord>& invalid);

/// Of `sales`, those that share neither their port nor their code with another live sale; each live
/// sale that does is an invalid finding in `findings`.
std::vector<const Sale*> reject_duplicates(std::vector<const Sale*> sales, std::vector<Change>& findings);

/// A change of a sale's client, as the sale describes it (reconcile fills in the rest).
Change change_of_sale(const Sale& s);

/// The finding for a sale that cannot be acted on, and why.
Change invalid_sale(const Sale& s, const std::string& reason);

} // namespace oznsync
