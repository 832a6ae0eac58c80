#pragma once
#include <fmt/core.h>

#include <compare>
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>

namespace oznsync {

/// A MongoDB ObjectId: 24 lower/upper-case hex digits.
bool is_object_id(std::string_view s);

/// A record's id as a store gives it: twelve bytes when it is an ObjectId's 24 lower-case hex digits (no
/// heap, half the size of a string), its text otherwise (kept on the heap: another store's id, or a hostile
/// one that must still be named). Each text has one form, so ids compare and order as their texts do.
class Id {
public:
    Id() noexcept {}
    Id(std::string_view text); // NOLINT(google-explicit-constructor): an id is assigned from its text
    Id(const std::string& text) : Id(std::string_view(text)) {} // NOLINT(google-explicit-constructor)
    Id(const char* text) : Id(std::string_view(text)) {}        // NOLINT(google-explicit-constructor)
    Id(const Id& other);
    Id(Id&& other) noexcept;
    Id& operator=(const Id& other);
    Id& operator=(Id&& other) noexcept;
    ~Id();

    bool empty() const { return m_form == Form::Empty; }
    void clear() noexcept { release(); }
    /// An ObjectId (24 hex digits, either case): what OZmap's ids are, and what a request path may hold.
    bool is_object_id() const;
    size_t size() const;
    std::string str() const;
    void append_to(std::string& out) const;
    /// The text into `buf` (24 bytes at least) when the id is held as bytes, else a view of its own text.
    std::string_view text(char* buf) const;

    bool operator==(const Id& other) const;
    bool operator==(std::string_view other) const;
    bool operator==(const std::string& other) const { return *this == std::string_view(other); }
    bool operator==(const char* other) const { return *this == std::string_view(other); }
    std::strong_ordering operator<=>(const Id& other) const;
    size_t hash() const;

private:
    enum class Form : uint8_t { Empty, Bytes, Text };
    const std::string& held_text() const;
    void release() noexcept;
    // Bytes: the ObjectId; Text: the first 8 hold a `std::string*` (copied in and out with memcpy).
    unsigned char m_bytes[12] = {};
    Form m_form = Form::Empty;
};

/// An id's text for as long as this lives (no allocation for an ObjectId): `w.value(IdText(c.client_id))`.
class IdText {
public:
    explicit IdText(const Id& id) : m_view(id.text(m_buf)) {}
    IdText(const IdText&) = delete;
    IdText& operator=(const IdText&) = delete;
    std::string_view view() const { return m_view; }
    operator std::string_view() const { return m_view; } // NOLINT(google-explicit-constructor)

private:
    char m_buf[24];
    std::string_view m_view;
};

/// A path or message with an id in it: `"properties/" + c.property_id`.
inline std::string operator+(std::string lhs, const Id& id) {
    id.append_to(lhs);
    return lhs;
}
std::ostream& operator<<(std::ostream& os, const Id& id);

/// An id's text whether it is held as an Id or as a string (code that serves both kinds of rows).
inline const std::string& id_string(const std::string& id) {
    return id;
}
inline std::string id_string(const Id& id) {
    return id.str();
}

struct IdHash {
    size_t operator()(const Id& id) const { return id.hash(); }
};
/// A ULID (Crockford base32, 26 chars) from a millisecond timestamp and random bits (CSPRNG-seeded),
/// monotonic: ids of one millisecond made by one thread count up from a random start.
std::string new_ulid(uint64_t unix_ms);
/// A ULID whose random part is derived from `key` (reproducible reports under a fixed clock).
std::string deterministic_ulid(uint64_t unix_ms, const std::string& key);
/// `n` random bytes from the OS CSPRNG, as lower-case hex.
std::string random_hex(size_t n_bytes);
/// A password of `length` characters drawn uniformly (rejection sampling) from a CSPRNG.
std::string random_password(size_t length);

} // namespace oznsync

/// Ids in log lines: `spdlog::info("property {}", p.id)`.
template <> struct fmt::formatter<oznsync::Id> : fmt::formatter<std::string_view> {
    template <class FormatContext> auto format(const oznsync::Id& id, FormatContext& ctx) const {
        return fmt::formatter<std::string_view>::format(oznsync::IdText(id).view(), ctx);
    }
};
