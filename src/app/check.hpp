#pragma once
// `oznsync check`: every setting and upstream the job needs, tried without writing anything.
#include "config/config.hpp"

#include <string>
#include <vector>

namespace oznsync {

struct CheckLine {
    bool ok = true;
    std::string text;  // what was checked and found, or what failed
    int exit_code = 0; // of the failure
};

/// OZmap (log-in, readable projects), the OZneutral feeds, partners.role, and the folders the job writes;
/// one line per check (and per readable project), failures included.
std::vector<CheckLine> check_setup(const Config& cfg);

} // namespace oznsync
