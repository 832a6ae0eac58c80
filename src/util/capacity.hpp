#pragma once
// Giving back the memory of a large vector that is being emptied from its end, as it empties, without the
// copy shrink_to_fit makes (which needs the old and the new storage at once).
#include <cstddef>
#include <vector>

namespace oznsync {

/// Gives the system the whole pages of [begin, end) (madvise MADV_DONTNEED); a page touched again reads
/// as zeros. Only for storage that holds no object and that its owner never reads before writing.
void release_pages(void* begin, void* end);

/// Gives back the whole pages of a vector's storage past its size(): no element lives there, and the
/// vector writes an element before it reads it, so it stays valid and keeps its capacity.
template <class T> void release_unused_capacity(std::vector<T>& v) {
    release_pages(v.data() + v.size(), v.data() + v.capacity());
}

} // namespace oznsync
