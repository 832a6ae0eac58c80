#pragma once
// Records of a few text fields, appended from any thread and read back in the order they came. With a
// folder, they go to an unnamed file there (no name to open or plant a link at; gone when closed, also
// after a kill) a megabyte at a time, so what is only kept to be written out at the end does not sit in
// memory meanwhile; without one, or when that file cannot be made or written, they stay in memory.
// Nothing appended is lost either way.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <mutex>
#include <span>
#include <string>
#include <string_view>

namespace oznsync {

class SpillLog {
public:
    SpillLog() = default;
    explicit SpillLog(const std::string& dir);
    ~SpillLog();
    SpillLog(const SpillLog&) = delete;
    SpillLog& operator=(const SpillLog&) = delete;

    void append(std::initializer_list<std::string_view> fields);
    size_t size() const;
    /// Whether records are going to a file (false: in memory).
    bool spills() const;
    /// Calls `each` with every record's fields, in order. The views last until `each` returns; `each` must
    /// not append (the log is held while it reads).
    void for_each(const std::function<void(std::span<const std::string_view>)>& each) const;

private:
    void spill(); // with m_mutex held
    mutable std::mutex m_mutex;
    int m_fd = -1;
    bool m_failed = false;     // the file could not be written: the rest stays in memory
    uint64_t m_file_bytes = 0; // records written to the file, whole
    std::string m_buf;         // records not (yet) in the file
    size_t m_records = 0;
};

} // namespace oznsync
