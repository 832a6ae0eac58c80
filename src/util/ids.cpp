#include "util/ids.hpp"

#include "util/strings.hpp"

#include <cctype>
#include <cerrno>
#include <stdexcept>
#include <sys/random.h>
#include <vector>

namespace oznsync {

namespace {
void csprng_bytes(unsigned char* out, size_t n) {
    // getrandom(2): the kernel CSPRNG without opening a file per call (a plan makes one ULID per change).
    while (n > 0) {
        ssize_t got = ::getrandom(out, n, 0);
        if (got < 0) {
            if (errno == EINTR) continue;
            throw std::runtime_error("getrandom failed");
        }
        out += got;
        n -= static_cast<size_t>(got);
    }
}
} // namespace

bool is_object_id(std::string_view s) {
    if (s.size() != 24) return false;
    for (char c : s)
        if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
    return true;
}

std::string new_ulid(uint64_t unix_ms) {
    static const char* alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    std::string out(26, '0');
    for (int i = 9; i >= 0; --i) {
        out[static_cast<size_t>(i)] = alphabet[unix_ms & 31];
        unix_ms >>= 5;
    }
    unsigned char rnd[16];
    csprng_bytes(rnd, sizeof rnd);
    for (size_t i = 10; i < 26; ++i)
        out[i] = alphabet[rnd[i - 10] & 31];
    return out;
}

std::string deterministic_ulid(uint64_t unix_ms, const std::string& key) {
    std::string u = new_ulid(unix_ms);
    static const char* alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    uint64_t h = 1469598103934665603ULL; // FNV-1a
    for (unsigned char c : key)
        h = (h ^ c) * 1099511628211ULL;
    for (size_t i = 10; i < 26; ++i) {
        u[i] = alphabet[h & 31];
        h = (h >> 5) | (h << 59);
        h *= 1099511628211ULL;
    }
    return u;
}

std::string random_hex(size_t n_bytes) {
    std::vector<unsigned char> buf(n_bytes);
    csprng_bytes(buf.data(), n_bytes);
    return to_hex(buf.data(), n_bytes);
}

std::string random_password(size_t length) {
    static const std::string alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789!#%+-=?@_";
    const unsigned limit = 256 - (256 % alphabet.size());
    std::string out;
    unsigned char buf[64];
    while (out.size() < length) {
        csprng_bytes(buf, sizeof buf);
        for (unsigned char b : buf) {
            if (b >= limit) continue;
            out += alphabet[b % alphabet.size()];
            if (out.size() == length) break;
        }
    }
    return out;
}

} // namespace oznsync
