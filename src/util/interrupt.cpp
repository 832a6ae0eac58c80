#include "util/interrupt.hpp"

#include "util/error.hpp"

#include <atomic>
#include <csignal>
#include <string>
#include <unistd.h>

namespace oznsync {

namespace {
std::atomic<int> g_signal{0};
struct sigaction g_old_int {
}, g_old_term{};

void on_signal(int sig) {
    g_signal.store(sig);
    const char msg[] = "\noznsync: stopping after the writes in flight (again to stop at once)\n";
    (void)!::write(STDERR_FILENO, msg, sizeof msg - 1);
}
} // namespace

InterruptWatch::InterruptWatch() {
    g_signal.store(0);
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND; // the second signal has its default effect: the process stops
    ::sigaction(SIGINT, &sa, &g_old_int);
    ::sigaction(SIGTERM, &sa, &g_old_term);
}

InterruptWatch::~InterruptWatch() {
    ::sigaction(SIGINT, &g_old_int, nullptr);
    ::sigaction(SIGTERM, &g_old_term, nullptr);
}

bool interrupt_requested() {
    return g_signal.load() != 0;
}

void stop_if_interrupted(const char* where) {
    if (const int sig = g_signal.load())
        throw InterruptedError(std::string(sig == SIGINT ? "interrupted (Ctrl-C)" : "stopped (SIGTERM)") +
                               " " + where);
}

} // namespace oznsync
