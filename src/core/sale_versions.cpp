// Which records of a feed stand for their sale: the latest version of each id, and the ids whose feed
// contradicts itself (two different records of one version: neither is used).
#include "core/reconcile.hpp"

#include <algorithm>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

namespace oznsync {

std::vector<const Sale*> contradictions(const std::vector<Sale>& sales) {
    // The first record of each (id, version); records of one id are few, so a short list each.
    std::unordered_map<std::string_view, std::vector<const Sale*>> first_of_id;
    std::unordered_set<std::string_view> contradicted;
    std::vector<const Sale*> out;
    for (const auto& s : sales) {
        auto& versions = first_of_id[s.id];
        auto it = std::find_if(versions.begin(), versions.end(),
                               [&](const Sale* f) { return f->version == s.version; });
        if (it == versions.end()) {
            versions.push_back(&s);
            continue;
        }
        if (!(**it == s) && contradicted.insert(s.id).second) out.push_back(&s);
    }
    return out;
}

std::vector<const Sale*> latest_versions(const std::vector<const Sale*>& sales) {
    std::unordered_map<std::string_view, size_t> best;
    best.reserve(sales.size());
    for (size_t i = 0; i < sales.size(); ++i) {
        auto [it, fresh] = best.emplace(sales[i]->id, i);
        if (fresh) continue;
        const Sale& cur = *sales[it->second];
        if (std::tie(sales[i]->version, sales[i]->updated_at) > std::tie(cur.version, cur.updated_at))
            it->second = i;
    }
    std::vector<const Sale*> out;
    out.reserve(best.size());
    for (size_t i = 0; i < sales.size(); ++i)
        if (best[sales[i]->id] == i) out.push_back(sales[i]);
    return out;
}

} // namespace oznsync
