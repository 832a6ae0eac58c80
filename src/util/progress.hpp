#pragma once
// A progress bar on a terminal (stderr is a tty and not quiet); silent otherwise, where the callers
// log plain lines instead.
#include <atomic>
#include <mutex>
#include <string>

namespace oznsync {

class Progress {
public:
    Progress(std::string label, bool enabled);
    ~Progress();
    void add_total(long long n);
    void advance(long long n = 1);
    void set_label(std::string label);
    void finish();
    static bool terminal_wanted(bool quiet);

private:
    void render();
    std::string m_label;
    bool m_enabled;
    std::mutex m_mutex;
    long long m_total = 0, m_done = 0;
    double m_last_render = 0;
};

} // namespace oznsync
