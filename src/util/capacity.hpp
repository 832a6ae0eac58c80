#pragma once
// Giving back the memory of a large vector that is being emptied from its end, as it empties, without the
// copy shrink_to_fit makes (which needs the old and the new storage at once).
#include <algorithm>
#include <cstddef>
#include <utility>
#include <vector>

namespace oznsync {

/// Gives the system the whole pages of [begin, end) (madvise MADV_DONTNEED); a page touched again reads
/// as zeros. Only for storage that holds no object and that its owner never reads before writing.
/// Returns where the pages given back begin (`end` when the range holds no whole page): the `end` of the
/// next call when the range grows downward, so no page is given back twice.
void* release_pages(void* begin, void* end);

/// Gives back the whole pages of a vector's storage past its size(): no element lives there, and the
/// vector writes an element before it reads it, so it stays valid and keeps its capacity.
template <class T> void release_unused_capacity(std::vector<T>& v) {
    release_pages(v.data() + v.size(), v.data() + v.capacity());
}

/// Empties `v` from its last element back, handing each to `take` (moved), and gives back its storage a
/// megabyte at a time as it empties: the elements and what `take` makes of them are never in memory whole
/// at once. `v` ends empty, without storage.
template <class T, class Take> void drain_from_back(std::vector<T>& v, Take&& take) {
    const size_t per_release = std::max<size_t>(1, (1u << 20) / sizeof(T));
    void* released = v.data() + v.capacity(); // the storage from here on is given back
    for (size_t taken = 1; !v.empty(); ++taken) {
        take(std::move(v.back()));
        v.pop_back();
        if (taken % per_release == 0) released = release_pages(v.data() + v.size(), released);
    }
    v = std::vector<T>(); // (`v = {}` would clear it through the initializer-list assignment, storage kept)
}

} // namespace oznsync
