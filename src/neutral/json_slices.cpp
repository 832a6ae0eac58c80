#include "neutral/json_slices.hpp"

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

void for_each_array_slice(std::string& text, const std::vector<size_t>& seps, size_t slice_bytes,
                          const std::function<void(size_t from, size_t size)>& parse) {
    for (size_t a = 0; a + 1 < seps.size();) {
        size_t b = a + 1;
        while (b + 1 < seps.size() && seps[b] - seps[a] < slice_bytes)
            ++b;
        const size_t from = seps[a], to = seps[b];
        const char was_from = text[from], was_to = text[to];
        text[from] = '[';
        text[to] = ']';
        try {
            parse(from, to - from + 1);
        } catch (...) {
            text[from] = was_from;
            text[to] = was_to;
            throw;
        }
        text[from] = was_from;
        text[to] = was_to;
        a = b;
    }
}

} // namespace oznsync
