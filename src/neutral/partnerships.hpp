#pragma once
// OZneutral partnerships: a JSON array (file) or GET <base>/partnerships (same paging and auth as sales).
#include "config/config.hpp"
#include "core/model.hpp"

#include <string>
#include <vector>

namespace oznsync {

struct PartnershipFeed {
    std::vector<Partnership> partnerships;
    std::vector<InvalidRecord> invalid;
};

PartnershipFeed parse_partnerships(const std::string& text, const std::string& source);
PartnershipFeed fetch_partnerships(const Config& config);

} // namespace oznsync
