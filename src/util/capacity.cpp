#include "util/capacity.hpp"

#include <cstdint>
#include <sys/mman.h>
#include <unistd.h>

namespace oznsync {

void* release_pages(void* begin, void* end) {
    static const uintptr_t page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
    // Only pages wholly inside the range: the ones at its edges may hold someone else's bytes.
    const uintptr_t from = (reinterpret_cast<uintptr_t>(begin) + page - 1) & ~(page - 1);
    const uintptr_t to = reinterpret_cast<uintptr_t>(end) & ~(page - 1);
    if (to <= from) return end;
    ::madvise(reinterpret_cast<void*>(from), to - from, MADV_DONTNEED);
    return reinterpret_cast<void*>(from);
}

} // namespace oznsync
