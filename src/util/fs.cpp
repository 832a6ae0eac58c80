#include "util/fs.hpp"

#include "util/ids.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace oznsync {

AtomicFile::AtomicFile(std::string path, mode_t mode) : m_path(std::move(path)) {
    // What stands at the path must be a regular file (or nothing): a device, a FIFO or a folder there is
    // someone else's, never replaced.
    struct stat target {};
    if (::stat(m_path.c_str(), &target) == 0 && !S_ISREG(target.st_mode))
        throw std::runtime_error("will not write " + m_path + ": it is not a regular file");
    // The temporary file has a name nobody can guess and is created new (O_EXCL, never through a symlink),
    // so a link planted in a shared folder cannot send its content elsewhere.
    const auto slash = m_path.find_last_of('/');
    const std::string dir = slash == std::string::npos ? "" : m_path.substr(0, slash + 1);
    const std::string base = slash == std::string::npos ? m_path : m_path.substr(slash + 1);
    for (int attempt = 0; attempt < 8 && m_fd < 0; ++attempt) {
        m_tmp = dir + "." + base + "." + random_hex(8) + ".tmp";
        m_fd = ::open(m_tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
        if (m_fd < 0 && errno != EEXIST) break;
    }
    if (m_fd < 0) throw std::runtime_error("cannot write " + m_tmp + ": " + std::strerror(errno));
    ::fchmod(m_fd, mode); // umask must not widen or narrow what the spec fixes
}

AtomicFile::~AtomicFile() {
    if (m_fd < 0) return;
    ::close(m_fd);
    ::unlink(m_tmp.c_str());
}

void AtomicFile::write(std::string_view data) {
    m_digest.update(data);
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

void AtomicFile::sync() {
    if (::fsync(m_fd) != 0) throw std::runtime_error("cannot write " + m_tmp + ": " + std::strerror(errno));
}

void AtomicFile::commit() {
    sync(); // what the name will show is on disk first (a second sync finds nothing left to write)
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

std::string read_file(const std::string& path, size_t spare) {
    // Read straight into a string of the file's size: a 200 MB feed is not copied through stream buffers.
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw std::runtime_error("cannot read " + path + ": " + std::strerror(errno));
    struct stat st {};
    const bool sized = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    const size_t expected = sized ? static_cast<size_t>(st.st_size) + 1 : 65536;
    std::string out;
    out.reserve(expected + spare);
    out.resize(expected);
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
    // Only the folders made here get `mode`; one that exists is someone's choice and stays as it is.
    std::filesystem::path made;
    for (const auto& part : std::filesystem::path(path)) {
        made /= part;
        if (::mkdir(made.c_str(), mode) == 0) {
            ::chmod(made.c_str(), mode);
        } else if (errno != EEXIST) {
            throw std::runtime_error("cannot create folder " + made.string() + ": " + std::strerror(errno));
        }
    }
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        throw std::runtime_error("cannot create folder " + path + ": something else stands there");
}

std::string shared_dir_problem(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return "";
    if (st.st_mode & S_IWOTH)
        return path + " is writable by other users (mode " + std::to_string((st.st_mode >> 6) & 7) +
               std::to_string((st.st_mode >> 3) & 7) + std::to_string(st.st_mode & 7) +
               "); give oznsync a folder of its own";
    const uid_t me = ::geteuid();
    if (st.st_uid != me && me != 0)
        return path + " belongs to another user (uid " + std::to_string(st.st_uid) +
               "); give oznsync a folder of its own";
    return "";
}

bool file_exists(const std::string& path) {
    return std::filesystem::exists(path);
}

} // namespace oznsync
