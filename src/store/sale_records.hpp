#pragma once
// The sale feed as the last run that sent writes reconciled it (table `sale_records`): what an
// incremental run compares the records it reads with, and where it finds the sales on a port OZmap
// changed.
#include "core/model.hpp"
#include "core/reconcile.hpp"
#include "store/store.hpp"

#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace oznsync {

struct RecordedVersion {
    int64_t version = 0;
    bool settled = true;
};

/// Recorded ids with their versions.
using RecordedVersions = std::unordered_map<Id, RecordedVersion, IdHash>;

class SaleRecords {
public:
    explicit SaleRecords(Store& store) : m_store(store) {}

    /// Every recorded id with its version and whether its writes all went through.
    RecordedVersions versions();
    /// Every recorded id with the highest version reconciled (what reconcile measures stale records by).
    ReconciledVersions reconciled_versions();
    /// Those of these ids.
    RecordedVersions versions_of(const std::set<std::string>& ids);
    /// Writes these records (the latest version of each id; never over a higher recorded version),
    /// `unsettled` naming the ids whose writes did not all go through; one statement reused, inside the
    /// caller's transaction.
    void record(const std::vector<const Sale*>& sales, const std::set<Id>& unsettled);
    /// Forgets the recorded ids (`recorded`, as versions() read them) not in `keep` (the whole feed a
    /// full run read).
    void keep_only(const std::vector<const Sale*>& keep, const RecordedVersions& recorded);

    /// Ids of the records whose writes did not all go through.
    std::set<std::string> unsettled();
    /// Ids of the records on these splitters, or with these codes.
    std::set<std::string> on_splitters(const std::set<std::string>& splitters);
    std::set<std::string> with_codes(const std::set<std::string>& codes);
    /// The recorded records of these ids.
    std::vector<Sale> get(const std::set<std::string>& ids);

private:
    Store& m_store;
};

/// A set of strings as one bound parameter: a JSON array for `IN (SELECT value FROM json_each(?))`.
std::string json_array_of(const std::set<std::string>& values);

} // namespace oznsync
