#pragma once
#include "util/digest.hpp"

#include <string>
#include <string_view>
#include <sys/types.h>

namespace oznsync {

/// A file written in pieces to a temporary file in the same folder (a name nobody can guess, created new,
/// never through a symlink), then fsynced and renamed over `path` by commit(): readers see either the old
/// file or the complete new one. Dropped without commit(), the temporary file is removed. A path that holds
/// something other than a regular file is refused.
class AtomicFile {
public:
    AtomicFile(std::string path, mode_t mode = 0640);
    ~AtomicFile();
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;
    void write(std::string_view data);
    /// What was written, on disk (still under the temporary name): a failure throws.
    void sync();
    /// Synced, then in place under its name.
    void commit();
    /// The SHA-256 (64 hex digits) of every byte written; call once, after the last write.
    std::string sha256_hex() { return m_digest.hex(); }

private:
    std::string m_path, m_tmp;
    int m_fd = -1;
    Sha256Stream m_digest; // of what was written, so the file need not be read back to be hashed
};

/// Writes `content` with an AtomicFile.
void atomic_write(const std::string& path, const std::string& content, mode_t mode = 0640);

/// Text being produced: appended to `buf()`, and (with a file) handed to the file whenever a megabyte has
/// gathered, so a large report never sits whole in memory.
class TextOut {
public:
    explicit TextOut(std::string& into) : m_buf(into) {}
    TextOut(std::string& buffer, AtomicFile& file) : m_buf(buffer), m_file(&file) {}
    std::string& buf() { return m_buf; }
    void maybe_flush() {
        if (m_file && m_buf.size() >= (1u << 20)) flush();
    }
    void flush() {
        if (!m_file) return;
        m_file->write(m_buf);
        m_buf.clear();
    }

private:
    std::string& m_buf;
    AtomicFile* m_file = nullptr;
};
/// A file's bytes. `spare`: room kept beyond them (capacity), so that a reader that pads what it parses
/// (simdjson reads up to 64 bytes past the end) does not copy the whole text into a larger string.
std::string read_file(const std::string& path, size_t spare = 0);
/// Creates the missing folders of `path` with `mode`; folders that exist are left as they are.
void make_dirs(const std::string& path, mode_t mode = 0750);
/// Why oznsync must not write its files into this folder (writable by other users, or another user's,
/// unless oznsync runs as root); empty when it may, or when the folder does not exist yet.
std::string shared_dir_problem(const std::string& path);
bool file_exists(const std::string& path);

} // namespace oznsync
