#include "neutral/json_slices.hpp"

#include <algorithm>
#include <cstring>

namespace oznsync {

std::vector<size_t> array_separators(const std::string& text, size_t open) {
    std::vector<size_t> seps{open};
    const char* p = text.data();
    const size_t n = text.size();
    int depth = 1;
    size_t i = open + 1;
    for (; i < n; ++i) {
        const char c = p[i];
        if (c == '"') { // to its closing quote: one not preceded by an odd run of backslashes
            for (;;) {
                const void* q = std::memchr(p + i + 1, '"', n - i - 1);
                if (!q) return {};
                i = static_cast<size_t>(static_cast<const char*>(q) - p);
                size_t slashes = 0;
                while (p[i - 1 - slashes] == '\\')
                    ++slashes;
                if (slashes % 2 == 0) break;
            }
        } else if (c == '{' || c == '[') {
            ++depth;
        } else if (c == '}' || c == ']') {
            if (--depth == 0) break;
        } else if (c == ',' && depth == 1) {
            seps.push_back(i);
        }
    }
    if (depth != 0 || text.find_first_not_of(" \t\r\n", i + 1) != std::string::npos) return {};
    seps.push_back(i);
    return seps;
}

void for_each_array_slice(const std::string& text, const std::vector<size_t>& seps, size_t first, size_t last,
                          size_t slice_bytes, size_t padding, std::string& buffer,
                          const std::function<void()>& parse) {
    for (size_t a = first; a < last;) {
        size_t b = a + 1;
        while (b < last && seps[b] - seps[a] < slice_bytes)
            ++b;
        const size_t size = seps[b] - seps[a] + 1;
        buffer.reserve(size + padding);
        buffer.assign(text, seps[a], size);
        buffer.front() = '[';
        buffer.back() = ']';
        parse();
        a = b;
    }
}

size_t middle_separator(const std::vector<size_t>& seps) {
    if (seps.size() < 3) return seps.size() - 1; // one element: no second run
    const size_t middle = seps.front() + (seps.back() - seps.front()) / 2;
    const auto at = std::lower_bound(seps.begin() + 1, seps.end() - 1, middle);
    return static_cast<size_t>(at - seps.begin());
}

} // namespace oznsync
