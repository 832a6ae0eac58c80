#pragma once
// Hash maps and sets with open addressing (tsl::hopscotch_map, header-only): the entries sit in one
// array, so building a map of a million keys is one allocation, not a million, and a look-up reads one
// or two cache lines. For the large, short-lived indexes of a plan; std::unordered_map elsewhere.
//
// Differences a user must know: an iterator's `->second` is const (write through `it.value()` or
// `operator[]`), and inserting may move entries (no reference survives an insert).
#include <tsl/hopscotch_map.h>
#include <tsl/hopscotch_set.h>

#include <functional>

namespace oznsync {

template <class Key, class Value, class Hash = std::hash<Key>>
using HashMap = tsl::hopscotch_map<Key, Value, Hash>;

template <class Key, class Hash = std::hash<Key>> using HashSet = tsl::hopscotch_set<Key, Hash>;

} // namespace oznsync
