#pragma once
// A progress bar on a terminal (stderr is a tty and not quiet); silent otherwise, where the callers
// log plain lines instead. While a bar is shown, log lines print above it (the log sink clears the bar's
// line, writes, and the bar is drawn again below). It shows done/total in its unit ("pages", "changes"),
// the rate and the time left; its total only grows (more pages found), and its bar never runs backwards
// (a total that grows holds the bar where it is until the work catches up).
#include <atomic>
#include <cstdio>
#include <mutex>
#include <string>

namespace oznsync {

class Progress {
public:
    Progress(std::string label, std::string unit, bool enabled, std::FILE* out = stderr);
    ~Progress();
    void add_total(long long n);
    void advance(long long n = 1);
    void set_label(std::string label);
    void finish();
    static bool terminal_wanted(bool quiet);

    /// For the log sink: clears the shown bar's line (before a log line) and draws it again (after).
    static void clear_shown();
    static void redraw_shown();

private:
    void render(bool force = false);
    std::string line() const;
    std::string m_label, m_unit;
    bool m_enabled;
    mutable int m_filled = 0; // of the bar: never fewer than last drawn
    std::FILE* m_out;
    std::mutex m_mutex;
    long long m_total = 0, m_done = 0;
    double m_started = 0, m_last_render = 0;
};

} // namespace oznsync
