#include "util/parallel.hpp"

#include <sys/resource.h>
#include <unistd.h>

namespace oznsync {

void yield_to_others() {
    // On Linux PRIO_PROCESS with a thread's id sets that thread's nice value alone. A failure leaves the
    // priority as it was: nothing depends on it but how soon the thread runs.
    (void)::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), 19);
}

} // namespace oznsync
