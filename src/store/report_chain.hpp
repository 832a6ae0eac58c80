#pragma once
// The tamper-evident history of report folders (table `report_chain`): each folder's hashes, in the order
// the folders were written.
#include "store/store.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace oznsync {

struct ChainLink {
    int64_t seq = 0;
    std::string run_id;
    std::string summary_sha256;               // "sha256:<hex>" of the folder's summary.json
    std::map<std::string, std::string> files; // every other file of the folder -> "sha256:<hex>"
    bool pruned = false;                      // removed by reports.keep_days
};

class ReportChain {
public:
    explicit ReportChain(Store& store) : m_store(store) {}
    /// The last folder written, if any.
    std::optional<ChainLink> last();
    void append(const ChainLink& link);
    /// Every link, oldest first.
    std::vector<ChainLink> all();
    void mark_pruned(const std::vector<std::string>& run_ids);
    /// The runs whose folders were written before `cutoff` (ISO-8601 UTC) and are not pruned yet.
    std::vector<std::string> written_before(const std::string& cutoff);

private:
    Store& m_store;
};

} // namespace oznsync
