#include "core/exit_meaning.hpp"

#include "util/error.hpp"

namespace oznsync {

const char* exit_code_meaning(int code) {
    switch (code) {
    case kExitOk:
        return "success: in sync, or every change applied";
    case kExitChangesPending:
        return "changes can be applied (dry run with --detailed-exitcode)";
    case kExitPartial:
        return "attention: every applicable change went through, but conflicts or findings need a person";
    case kExitWritesFailed:
        return "some writes failed: OZmap refused them or their outcome is unknown";
    case kExitFleetAttention:
        return "fleet status: an operator needs attention (a last run failed, a snapshot too old, or its "
               "config "
               "or database unusable)";
    case kExitSafety:
        return "safety stop: a safety cap tripped, the feed guard held, or a saved plan was refused (stale "
               "or unfinished)";
    case kExitUsage:
        return "usage error";
    case kExitBadInput:
        return "bad input: the sale feed cannot be parsed";
    case kExitNoInput:
        return "no database yet: a read-only command found nothing to read (run or pull first)";
    case kExitIo:
        return "could not write the report, the journal or the database (disk full, read-only?)";
    case kExitUnavailable:
        return "upstream unavailable after retries (try again later), or another run holds the lock";
    case kExitAuth:
        return "authentication or permission denied";
    case kExitConfig:
        return "configuration error";
    case kExitInterrupted:
        return "interrupted (Ctrl-C or SIGTERM): the writes in flight were answered, the rest not sent; run "
               "again";
    case kExitInternal:
        return "internal error";
    default:
        return "unknown";
    }
}
} // namespace oznsync
