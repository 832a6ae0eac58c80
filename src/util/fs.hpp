#pragma once
#include <string>
#include <sys/types.h>

namespace oznsync {

/// Writes to a temporary file in the same folder, fsyncs, chmods and renames: readers see either the old
/// file or the complete new one.
void atomic_write(const std::string& path, const std::string& content, mode_t mode = 0640);
std::string read_file(const std::string& path);
void make_dirs(const std::string& path, mode_t mode = 0750);
bool file_exists(const std::string& path);

} // namespace oznsync
