#pragma once
// Test harness: runs the real binaries (ozmap-sim, oznsync) as child processes, talks to the simulator
// over loopback HTTP and reads the real SQLite snapshot. No mocks.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace harness {

struct Result {
    int exit_code = -1;
    std::string out, err;
};

/// Runs a program to completion, with extra environment variables, capturing stdout and stderr.
Result run(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env = {},
           const std::string& cwd = "");
/// Runs build/oznsync with these arguments (in `cwd` when given).
Result oznsync(const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {},
               const std::string& cwd = "");

/// A started process that is killed (SIGKILL) when destroyed.
class Child {
public:
    Child(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env = {});
    ~Child();
    Child(const Child&) = delete;
    int pid() const { return m_pid; }
    void kill_now(int sig = 9);
    /// Waits for exit; returns the exit status (128+signal when killed).
    int wait();
    /// Reads one line of the child's stdout (blocking).
    std::string read_line();

private:
    int m_pid = -1;
    int m_out = -1;
    bool m_done = false;
    int m_status = -1;
};

/// ozmap-sim on a free loopback port.
class Sim {
public:
    static constexpr const char* kApiKey = "sim-test-key-7f3a9c";
    explicit Sim(const std::vector<std::string>& args);
    int port() const { return m_port; }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(m_port); }
    std::string get(const std::string& path, int* status = nullptr) const;
    std::string post(const std::string& path, const std::string& body, int* status = nullptr) const;
    std::string request(const std::string& method, const std::string& path, const std::string& body,
                        int* status = nullptr) const;
    void set_faults(const std::string& json) const { post("/__sim/faults", json); }
    /// One counter of /__sim/stats (api_requests, writes, logins, max_in_flight, id_range_lists).
    long long stat(const std::string& name) const;
    /// Waits (60 s at most) until the simulator has applied `n` writes; false when it never did.
    bool wait_for_writes(long long n) const;
    Child& process() { return m_child; }

private:
    Child m_child;
    int m_port = 0;
};

/// A fresh folder under the build tree's testing area, removed at the end unless KEEP_TEST_DIRS is set.
class TempDir {
public:
    TempDir();
    ~TempDir();
    const std::string& path() const { return m_path; }
    std::string file(const std::string& name) const { return m_path + "/" + name; }

private:
    std::string m_path;
};

/// Writes an oznsync config for `sim` into `dir`, plus extra INI lines.
std::string write_config(const TempDir& dir, const Sim& sim, const std::string& extra = "");

/// The report folder of the newest run under `dir`/reports (the last summary.json written); throws when
/// there is none.
std::filesystem::path newest_run_folder(const TempDir& dir);

std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& content);
std::string fixture(const std::string& name);

} // namespace harness
