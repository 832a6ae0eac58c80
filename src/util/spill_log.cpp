#include "util/spill_log.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <stdexcept>
#include <unistd.h>

#include <algorithm>
#include <vector>

namespace oznsync {

namespace {

constexpr size_t kSpillAt = 1u << 20;

// A record: its field count, then each field's length and bytes (lengths as 4 bytes, host order: the file
// is read back by the process that wrote it).
void put_u32(std::string& out, uint32_t v) {
    out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

uint32_t get_u32(const char* p) {
    uint32_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

/// Hands each whole record in data[0, size) to `each`; returns the bytes used (a record cut at the end is
/// left for the next call).
size_t decode(const char* data, size_t size,
              const std::function<void(std::span<const std::string_view>)>& each,
              std::vector<std::string_view>& fields) {
    size_t at = 0;
    for (;;) {
        size_t p = at;
        if (size - p < 4) return at;
        const uint32_t n = get_u32(data + p);
        p += 4;
        fields.clear();
        bool whole = true;
        for (uint32_t i = 0; i < n && whole; ++i) {
            if (size - p < 4) {
                whole = false;
                break;
            }
            const uint32_t len = get_u32(data + p);
            p += 4;
            if (size - p < len) {
                whole = false;
                break;
            }
            fields.emplace_back(data + p, len);
            p += len;
        }
        if (!whole) return at;
        each(fields);
        at = p;
    }
}

} // namespace

SpillLog::SpillLog(const std::string& dir) {
    m_fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (m_fd < 0) m_failed = true; // no such folder, or a file system without unnamed files: in memory
}

SpillLog::~SpillLog() {
    if (m_fd >= 0) ::close(m_fd);
}

void SpillLog::append(std::initializer_list<std::string_view> fields) {
    std::lock_guard lock(m_mutex);
    put_u32(m_buf, static_cast<uint32_t>(fields.size()));
    for (std::string_view f : fields) {
        if (f.size() > UINT32_MAX) throw std::length_error("SpillLog: a field over 4 GiB");
        put_u32(m_buf, static_cast<uint32_t>(f.size()));
        m_buf.append(f);
    }
    ++m_records;
    if (m_buf.size() >= kSpillAt) spill();
}

void SpillLog::spill() {
    if (m_fd < 0 || m_failed) return;
    size_t done = 0;
    while (done < m_buf.size()) {
        ssize_t n =
            ::pwrite(m_fd, m_buf.data() + done, m_buf.size() - done, static_cast<off_t>(m_file_bytes + done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            m_failed = true; // a full disk: what is not in the file stays in memory, from here on
            break;
        }
        done += static_cast<size_t>(n);
    }
    if (m_failed) return; // the file keeps m_file_bytes (whole records); m_buf still holds the rest
    m_file_bytes += done;
    m_buf.clear();
}

size_t SpillLog::size() const {
    std::lock_guard lock(m_mutex);
    return m_records;
}

bool SpillLog::spills() const {
    std::lock_guard lock(m_mutex);
    return m_fd >= 0 && !m_failed;
}

void SpillLog::for_each(const std::function<void(std::span<const std::string_view>)>& each) const {
    std::lock_guard lock(m_mutex);
    std::vector<std::string_view> fields;
    std::string chunk; // read from the file, not yet handed out (a record cut at its end)
    for (uint64_t at = 0; at < m_file_bytes;) {
        const size_t have = chunk.size();
        const size_t want = static_cast<size_t>(std::min<uint64_t>(kSpillAt, m_file_bytes - at));
        chunk.resize(have + want);
        const ssize_t n = ::pread(m_fd, chunk.data() + have, want, static_cast<off_t>(at));
        chunk.resize(have + static_cast<size_t>(std::max<ssize_t>(n, 0)));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0)
            throw std::runtime_error(std::string("cannot read back a spilled record: ") +
                                     (n < 0 ? std::strerror(errno) : "the file is shorter than written"));
        at += static_cast<uint64_t>(n);
        chunk.erase(0, decode(chunk.data(), chunk.size(), each, fields));
    }
    if (!chunk.empty()) throw std::runtime_error("a spilled record is cut short");
    if (decode(m_buf.data(), m_buf.size(), each, fields) != m_buf.size())
        throw std::logic_error("SpillLog: a record is cut short in memory");
}

} // namespace oznsync
