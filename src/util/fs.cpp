#include "util/fs.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace oznsync {

AtomicFile::AtomicFile(std::string path, mode_t mode)
    : m_path(std::move(path)), m_tmp(m_path + ".tmp." + std::to_string(::getpid())) {
    m_fd = ::open(m_tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (m_fd < 0) throw std::runtime_error("cannot write " + m_tmp + ": " + std::strerror(errno));
    ::fchmod(m_fd, mode); // umask must not widen or narrow what the spec fixes
}

AtomicFile::~AtomicFile() {
    if (m_fd < 0) return;
    ::close(m_fd);
    ::unlink(m_tmp.c_str());
}

void AtomicFile::write(std::string_view data) {
    size_t off = 0;
    while (off < data.size()) {
        ssize_t n = ::write(m_fd, data.data() + off, data.size() - off);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw std::runtime_error("cannot write " + m_tmp + ": " + std::strerror(errno));
        }
        off += static_cast<size_t>(n);
    }
}

void AtomicFile::commit() {
    ::fsync(m_fd);
    ::close(m_fd);
    m_fd = -1;
    if (::rename(m_tmp.c_str(), m_path.c_str()) != 0) {
        int err = errno;
        ::unlink(m_tmp.c_str());
        throw std::runtime_error("cannot rename to " + m_path + ": " + std::strerror(err));
    }
}

void atomic_write(const std::string& path, const std::string& content, mode_t mode) {
    AtomicFile f(path, mode);
    f.write(content);
    f.commit();
}

std::string read_file(const std::string& path) {
    // Read straight into a string of the file's size: a 200 MB feed is not copied through stream buffers.
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw std::runtime_error("cannot read " + path + ": " + std::strerror(errno));
    struct stat st {};
    const bool sized = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    std::string out(sized ? static_cast<size_t>(st.st_size) + 1 : 65536, '\0');
    size_t used = 0;
    for (;;) {
        if (used == out.size()) out.resize(out.size() * 2);
        ssize_t n = ::read(fd, out.data() + used, out.size() - used);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int err = errno;
            ::close(fd);
            throw std::runtime_error("cannot read " + path + ": " + std::strerror(err));
        }
        if (n == 0) break;
        used += static_cast<size_t>(n);
    }
    ::close(fd);
    out.resize(used);
    return out;
}

void make_dirs(const std::string& path, mode_t mode) {
    std::error_code ec;
    std::filesystem::create_directories(path, ec);
    if (ec) throw std::runtime_error("cannot create folder " + path + ": " + ec.message());
    ::chmod(path.c_str(), mode);
}

bool file_exists(const std::string& path) {
    return std::filesystem::exists(path);
}

} // namespace oznsync
