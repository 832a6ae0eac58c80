// Which records of a feed stand for their sale: the latest version of each id, and the ids whose feed
// contradicts itself (two different records of one version: neither is used).
#include "core/reconcile.hpp"
#include "util/hash_map.hpp"

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <tuple>
#include <unordered_set>

namespace oznsync {

namespace {
struct IdVersion {
    Id id;
    int64_t version;
    bool operator==(const IdVersion&) const = default;
};
struct IdVersionHash {
    size_t operator()(const IdVersion& k) const {
        return k.id.hash() ^ (std::hash<int64_t>()(k.version) * 0x9e3779b97f4a7c15ULL);
    }
};
} // namespace

std::vector<const Sale*> contradictions(const std::vector<Sale>& sales) {
    // The first record of each (id, version); a later one that differs from it contradicts it.
    HashMap<IdVersion, const Sale*, IdVersionHash> first;
    first.reserve(sales.size());
    std::unordered_set<Id, IdHash> contradicted;
    std::vector<const Sale*> out;
    for (const auto& s : sales) {
        auto [it, fresh] = first.emplace(IdVersion{s.id, s.version}, &s);
        if (!fresh && !(*it->second == s) && contradicted.insert(s.id).second) out.push_back(&s);
    }
    return out;
}

std::vector<const Sale*> latest_versions(const std::vector<const Sale*>& sales) {
    HashMap<Id, size_t, IdHash> best;
    best.reserve(sales.size());
    for (size_t i = 0; i < sales.size(); ++i) {
        auto [it, fresh] = best.emplace(sales[i]->id, i);
        if (fresh) continue;
        const Sale& cur = *sales[it->second];
        if (std::tie(sales[i]->version, sales[i]->updated_at) > std::tie(cur.version, cur.updated_at))
            it.value() = i;
    }
    std::vector<bool> chosen(sales.size());
    for (const auto& [id, i] : best)
        chosen[i] = true;
    std::vector<const Sale*> out; // in the feed's order
    out.reserve(best.size());
    for (size_t i = 0; i < sales.size(); ++i)
        if (chosen[i]) out.push_back(sales[i]);
    return out;
}

} // namespace oznsync
