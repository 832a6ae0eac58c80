#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace oznsync {

/// A MongoDB ObjectId: 24 lower/upper-case hex digits.
bool is_object_id(std::string_view s);
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
