#pragma once
// Ctrl-C (SIGINT) and SIGTERM during a run: the first asks the run to stop sending (the writes in flight
// are answered and journaled, the rest are not sent, the report is written); the second stops the process
// at once (the journal's intent rows make even that safe: the next run recovers them).
namespace oznsync {

class InterruptWatch {
public:
    InterruptWatch();  // installs the handlers
    ~InterruptWatch(); // restores the previous ones
    InterruptWatch(const InterruptWatch&) = delete;
    InterruptWatch& operator=(const InterruptWatch&) = delete;
};

/// Whether a stop was asked for since the watch began.
bool interrupt_requested();
/// Throws InterruptedError (exit 130) when a stop was asked for; `where` says what stops.
void stop_if_interrupted(const char* where);

} // namespace oznsync
