#pragma once
// A folder of a test's own under the system's temporary folder, with a name nobody can guess, removed with
// everything in it when the test is done (also when it fails).
#include <cstdlib>
#include <filesystem>
#include <string>

struct ScratchDir {
    explicit ScratchDir(const std::string& prefix = "oznsync-test") {
        std::string base = std::filesystem::temp_directory_path() / (prefix + "-XXXXXX");
        path = ::mkdtemp(base.data());
    }
    ~ScratchDir() { std::filesystem::remove_all(path); }
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;
    std::string file(const std::string& name) const { return path + "/" + name; }
    std::string path;
};
