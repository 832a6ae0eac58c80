#pragma once
// SHA-256, the one digest oznsync uses (OpenSSL's: the CPU's SHA or vector instructions), for every
// purpose: fingerprints of inputs, the report folders' hashes, bearer tokens kept as digests, entity tags.
#include <array>
#include <string>
#include <string_view>

namespace oznsync {

using Sha256 = std::array<unsigned char, 32>;

Sha256 sha256(std::string_view data);
/// 64 lower-case hex digits.
std::string sha256_hex(std::string_view data);
/// Of a file's bytes, read a megabyte at a time; IoError when it cannot be read.
std::string sha256_file_hex(const std::string& path);

/// A digest of many pieces, fed one after another.
class Sha256Stream {
public:
    Sha256Stream();
    ~Sha256Stream();
    Sha256Stream(const Sha256Stream&) = delete;
    Sha256Stream& operator=(const Sha256Stream&) = delete;
    Sha256Stream& update(std::string_view data);
    std::string hex(); // ends it

private:
    void* m_ctx; // EVP_MD_CTX
};

} // namespace oznsync
