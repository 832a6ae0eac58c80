#include "util/ids.hpp"

#include "util/strings.hpp"

#include <array>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <functional>
#include <ostream>
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

namespace {
constexpr uint64_t kFnvPrime = 1099511628211ULL;

uint64_t fnv1a(std::string_view bytes) {
    uint64_t h = 1469598103934665603ULL;
    for (unsigned char c : bytes)
        h = (h ^ c) * kFnvPrime;
    return h;
}

/// A lower-case hex digit's value; 0x10 for any other byte (upper case too: an id's text has one form).
constexpr std::array<uint8_t, 256> kLowerHex = [] {
    std::array<uint8_t, 256> t{};
    t.fill(0x10);
    for (int c = '0'; c <= '9'; ++c)
        t[static_cast<size_t>(c)] = static_cast<uint8_t>(c - '0');
    for (int c = 'a'; c <= 'f'; ++c)
        t[static_cast<size_t>(c)] = static_cast<uint8_t>(c - 'a' + 10);
    return t;
}();
} // namespace

Id::Id(std::string_view text) {
    if (text.empty()) return;
    if (text.size() == 24) {
        // Every digit read, then one test: a snapshot parses millions of ids, nearly all of them ObjectIds.
        uint8_t bad = 0;
        for (size_t i = 0; i < 12; ++i) {
            const uint8_t hi = kLowerHex[static_cast<unsigned char>(text[2 * i])],
                          lo = kLowerHex[static_cast<unsigned char>(text[2 * i + 1])];
            bad |= hi | lo;
            m_bytes[i] = static_cast<unsigned char>(hi << 4 | (lo & 0x0f));
        }
        if (!(bad & 0x10)) {
            m_form = Form::Bytes;
            return;
        }
    }
    auto* held = new std::string(text);
    std::memcpy(m_bytes, &held, sizeof held);
    m_form = Form::Text;
}

Id::Id(const Id& other) : Id() {
    *this = other;
}

Id::Id(Id&& other) noexcept : m_form(other.m_form) {
    std::memcpy(m_bytes, other.m_bytes, sizeof m_bytes);
    other.m_form = Form::Empty;
}

Id& Id::operator=(const Id& other) {
    if (this == &other) return *this;
    if (other.m_form == Form::Text) return *this = Id(other.held_text());
    release();
    std::memcpy(m_bytes, other.m_bytes, sizeof m_bytes);
    m_form = other.m_form;
    return *this;
}

Id& Id::operator=(Id&& other) noexcept {
    if (this == &other) return *this;
    release();
    std::memcpy(m_bytes, other.m_bytes, sizeof m_bytes);
    m_form = other.m_form;
    other.m_form = Form::Empty;
    return *this;
}

Id::~Id() {
    release();
}

void Id::release() noexcept {
    if (m_form == Form::Text) delete &held_text();
    m_form = Form::Empty;
}

const std::string& Id::held_text() const {
    const std::string* held = nullptr;
    std::memcpy(&held, m_bytes, sizeof held);
    return *held;
}

bool Id::is_object_id() const {
    return m_form == Form::Bytes || (m_form == Form::Text && oznsync::is_object_id(held_text()));
}

size_t Id::size() const {
    switch (m_form) {
    case Form::Empty:
        return 0;
    case Form::Bytes:
        return 24;
    case Form::Text:
        return held_text().size();
    }
    return 0;
}

std::string_view Id::text(char* buf) const {
    switch (m_form) {
    case Form::Empty:
        return ""; // an empty text, not a null one (SQLite binds a null pointer as NULL)
    case Form::Text:
        return held_text();
    case Form::Bytes:
        write_hex(m_bytes, sizeof m_bytes, buf);
        return {buf, 24};
    }
    return {};
}

std::string Id::str() const {
    return std::string(IdText(*this).view());
}

void Id::append_to(std::string& out) const {
    out += IdText(*this).view();
}

bool Id::operator==(const Id& other) const {
    if (m_form != other.m_form) return false; // each text has one form
    switch (m_form) {
    case Form::Empty:
        return true;
    case Form::Bytes:
        return std::memcmp(m_bytes, other.m_bytes, sizeof m_bytes) == 0;
    case Form::Text:
        return held_text() == other.held_text();
    }
    return false;
}

bool Id::operator==(std::string_view other) const {
    return IdText(*this).view() == other;
}

std::strong_ordering Id::operator<=>(const Id& other) const {
    if (m_form == Form::Bytes && other.m_form == Form::Bytes) {
        const int c = std::memcmp(m_bytes, other.m_bytes, sizeof m_bytes); // big-endian: the texts' order
        return c < 0   ? std::strong_ordering::less
               : c > 0 ? std::strong_ordering::greater
                       : std::strong_ordering::equal;
    }
    return IdText(*this).view() <=> IdText(other).view();
}

size_t Id::hash() const {
    if (m_form == Form::Empty) return 0;
    if (m_form == Form::Text) return std::hash<std::string_view>()(held_text());
    // Over the bytes (the text's hash would render it first).
    return static_cast<size_t>(fnv1a({reinterpret_cast<const char*>(m_bytes), sizeof m_bytes}));
}

std::ostream& operator<<(std::ostream& os, const Id& id) {
    return os << IdText(id).view();
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
    uint64_t h = fnv1a(key);
    for (size_t i = 10; i < 26; ++i) {
        u[i] = alphabet[h & 31];
        h = (h >> 5) | (h << 59);
        h *= kFnvPrime;
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
