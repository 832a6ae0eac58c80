#include "util/progress.hpp"

#include "util/time.hpp"

#include <algorithm>
#include <unistd.h>

namespace oznsync {

namespace {
std::mutex g_shown_mutex;
Progress* g_shown = nullptr; // the bar on screen, if any
} // namespace

Progress::Progress(std::string label, std::string unit, bool enabled, std::FILE* out)
    : m_label(std::move(label)), m_unit(std::move(unit)), m_enabled(enabled), m_out(out),
      m_started(monotonic_seconds()) {
    if (!m_enabled) return;
    std::lock_guard lock(g_shown_mutex);
    g_shown = this;
}

Progress::~Progress() {
    finish();
}

bool Progress::terminal_wanted(bool quiet) {
    return !quiet && ::isatty(STDERR_FILENO);
}

void Progress::add_total(long long n) {
    if (n <= 0) return; // the total only grows
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
    render(true);
}

std::string Progress::line() const {
    const int width = 24;
    // A list without a total (a cursor-only server) adds its pages as they come: never fewer than done.
    const long long total = std::max(m_total, m_done);
    const double share = total > 0 ? std::min(1.0, double(m_done) / double(total)) : 0;
    m_filled = std::max(m_filled, static_cast<int>(width * share));
    std::string bar(static_cast<size_t>(m_filled), '#');
    bar.resize(width, '.');
    const double elapsed = monotonic_seconds() - m_started;
    const double rate = elapsed > 0 ? double(m_done) / elapsed : 0;
    char text[256];
    if (rate > 0 && total > m_done) {
        const long long left = static_cast<long long>(double(total - m_done) / rate);
        std::snprintf(text, sizeof text, "%-28s [%s] %lld/%lld %s  %.0f %s/s  ETA %lld:%02lld",
                      m_label.c_str(), bar.c_str(), m_done, total, m_unit.c_str(), rate, m_unit.c_str(),
                      left / 60, left % 60);
    } else {
        std::snprintf(text, sizeof text, "%-28s [%s] %lld/%lld %s  %.0f %s/s", m_label.c_str(), bar.c_str(),
                      m_done, total, m_unit.c_str(), rate, m_unit.c_str());
    }
    return text;
}

void Progress::render(bool force) {
    if (!m_enabled) return;
    const double t = monotonic_seconds();
    if (!force && t - m_last_render < 0.1 && m_done < m_total) return;
    m_last_render = t;
    std::fprintf(m_out, "\r\033[K%s", line().c_str());
    std::fflush(m_out);
}

void Progress::clear_shown() {
    std::lock_guard shown(g_shown_mutex);
    if (!g_shown) return;
    std::lock_guard lock(g_shown->m_mutex);
    if (!g_shown->m_enabled) return;
    std::fprintf(g_shown->m_out, "\r\033[K");
}

void Progress::redraw_shown() {
    std::lock_guard shown(g_shown_mutex);
    if (!g_shown) return;
    std::lock_guard lock(g_shown->m_mutex);
    g_shown->render(true);
}

void Progress::finish() {
    {
        std::lock_guard shown(g_shown_mutex);
        if (g_shown == this) g_shown = nullptr;
    }
    std::lock_guard lock(m_mutex);
    if (!m_enabled) return;
    m_enabled = false;
    std::fprintf(m_out, "\r\033[K");
    std::fflush(m_out);
}

} // namespace oznsync
