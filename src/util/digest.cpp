#include "util/digest.hpp"

#include "util/error.hpp"
#include "util/strings.hpp"

#include <openssl/evp.h>

#include <fstream>
#include <stdexcept>

namespace oznsync {

Sha256 sha256(std::string_view data) {
    Sha256 d{};
    unsigned int n = 0;
    if (EVP_Digest(data.data(), data.size(), d.data(), &n, EVP_sha256(), nullptr) != 1)
        throw std::runtime_error("SHA-256 failed");
    return d;
}

std::string sha256_hex(std::string_view data) {
    const Sha256 d = sha256(data);
    return to_hex(d.data(), d.size());
}

Sha256Stream::Sha256Stream() : m_ctx(EVP_MD_CTX_new()) {
    if (!m_ctx || EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(m_ctx), EVP_sha256(), nullptr) != 1)
        throw std::runtime_error("SHA-256 failed");
}

Sha256Stream::~Sha256Stream() {
    EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(m_ctx));
}

Sha256Stream& Sha256Stream::update(std::string_view data) {
    EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(m_ctx), data.data(), data.size());
    return *this;
}

std::string Sha256Stream::hex() {
    Sha256 d{};
    unsigned int n = 0;
    EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(m_ctx), d.data(), &n);
    return to_hex(d.data(), n);
}

std::string sha256_file_hex(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw IoError("cannot read " + path);
    Sha256Stream sha;
    std::string buffer(1 << 20, '\0');
    while (in) {
        in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
        sha.update(std::string_view(buffer.data(), static_cast<size_t>(in.gcount())));
    }
    return sha.hex();
}

} // namespace oznsync
