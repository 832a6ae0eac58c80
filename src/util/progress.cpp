#include "util/progress.hpp"

#include "util/time.hpp"

#include <cstdio>
#include <unistd.h>

namespace oznsync {

Progress::Progress(std::string label, bool enabled) : m_label(std::move(label)), m_enabled(enabled) {}
Progress::~Progress() {
    finish();
}

bool Progress::terminal_wanted(bool quiet) {
    return !quiet && ::isatty(STDERR_FILENO);
}

void Progress::add_total(long long n) {
    std::lock_guard lock(m_mutex);
    m_total += n;
    render();
}

void Progress::advance(long long n) {
    std::lock_guard lock(m_mutex);
    m_done += n;
    render();
}

void Progress::set_label(std::string label) {
    std::lock_guard lock(m_mutex);
    m_label = std::move(label);
    render();
}

void Progress::render() {
    if (!m_enabled) return;
    double t = monotonic_seconds();
    if (t - m_last_render < 0.1 && m_done < m_total) return;
    m_last_render = t;
    const int width = 30;
    int filled = m_total > 0 ? static_cast<int>(width * std::min(1.0, double(m_done) / double(m_total))) : 0;
    std::string bar(static_cast<size_t>(filled), '#');
    bar.resize(width, '.');
    std::fprintf(stderr, "\r\033[K%-28s [%s] %lld/%lld", m_label.c_str(), bar.c_str(), m_done, m_total);
    std::fflush(stderr);
}

void Progress::finish() {
    std::lock_guard lock(m_mutex);
    if (!m_enabled) return;
    m_last_render = 0;
    m_enabled = false;
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
}

} // namespace oznsync
