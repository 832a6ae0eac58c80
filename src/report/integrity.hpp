#pragma once
// Tamper-evident report history: the hashes a report folder's summary.json carries, and the walk along
// the chain that `oznsync report verify` makes.
#include "store/report_chain.hpp"

#include <map>
#include <string>
#include <vector>

namespace oznsync {

/// "sha256:<hex>" of a file's bytes (read a megabyte at a time).
std::string sha256_file(const std::string& path);

/// What summary.json's "integrity" object holds.
struct Integrity {
    std::string previous_run, previous_summary_sha256; // empty for the first folder of the chain
    std::map<std::string, std::string> files;          // every other file of the folder -> hash
};

struct ChainVerdict {
    bool intact = true;
    std::string broken_at; // the first folder altered, removed or out of order
    std::string why;
    long long checked = 0, pruned = 0;
};

/// Walks the chain oldest first: each folder present with the recorded hashes (summary.json and every
/// file, no file added), each summary naming the folder before it; a folder marked pruned may be gone.
ChainVerdict verify_chain(const std::string& reports_dir, const std::vector<ChainLink>& chain);

} // namespace oznsync
