#include "util/ids.hpp"

#include "util/strings.hpp"

#include <cctype>
#include <cerrno>
#include <random>
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
    // Monotonic ULIDs: the 80 random bits are drawn when the millisecond changes (from a generator the
    // OS CSPRNG seeds once per thread) and counted up within it, so ids of one millisecond sort in the
    // order they were made and never repeat, without a system call per id (a plan journals 500k).
    thread_local struct {
        bool seeded = false;
        std::mt19937_64 rng;
        uint64_t last_ms = 0, hi = 0, lo = 0; // hi: 16 bits, lo: 64 bits
    } state;
    if (!state.seeded) {
        uint64_t seed[2];
        csprng_bytes(reinterpret_cast<unsigned char*>(seed), sizeof seed);
        std::seed_seq seq{seed[0], seed[0] >> 32, seed[1], seed[1] >> 32};
        state.rng.seed(seq);
        state.seeded = true;
    }
    if (unix_ms != state.last_ms) {
        state.last_ms = unix_ms;
        state.hi = state.rng() & 0x7fff; // the top bit left free: counting up never overflows 80 bits
        state.lo = state.rng();
    } else if (++state.lo == 0) {
        ++state.hi;
    }
    std::string out(26, '0');
    for (int i = 9; i >= 0; --i) {
        out[static_cast<size_t>(i)] = alphabet[unix_ms & 31];
        unix_ms >>= 5;
    }
    // 80 bits in 16 characters, most significant first.
    uint64_t hi = state.hi, lo = state.lo;
    for (int i = 25; i >= 10; --i) {
        out[static_cast<size_t>(i)] = alphabet[lo & 31];
        lo = (lo >> 5) | (hi << 59);
        hi >>= 5;
    }
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
