// Who and what a run is: its id (OZNSYNC_RUN_ID or time + random), the user, what started it, the host,
// the record a new run starts with and the one it ends with.
#include "app/run.hpp"

#include "util/error.hpp"
#include "util/ids.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

#include <spdlog/spdlog.h>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <pwd.h>
#include <unistd.h>

namespace oznsync {

std::string make_run_id() {
    if (const char* fixed = std::getenv("OZNSYNC_RUN_ID")) {
        // It names a folder under reports.dir: letters, digits, '.', '_' and '-' only, never a path.
        const std::string id = fixed;
        bool ok = !id.empty() && id.size() <= 64 && std::isalnum(static_cast<unsigned char>(id[0]));
        for (char c : id)
            ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-');
        if (!ok)
            throw UsageError("OZNSYNC_RUN_ID '" + clean_message(id, 80) +
                             "' is not a run id (1 to 64 letters, digits, '.', '_' or '-', starting with a "
                             "letter or digit)");
        // reports.dir holds more than run folders: a run id must not be the name of one of its own files.
        for (const char* taken : {"index.html", "handover", "README.md", "README"})
            if (to_lower(id) == to_lower(taken))
                throw UsageError("OZNSYNC_RUN_ID '" + id + "' is the name of a file reports.dir keeps (" +
                                 taken + "); choose another run id");
        return id;
    }
    std::string ts = iso8601(now());
    std::string compact;
    for (char c : ts)
        if (c != '-' && c != ':') compact += c;
    return compact + "-" + random_hex(3);
}

std::string user_name() {
    if (const char* u = std::getenv("USER")) return u;
    if (auto* pw = ::getpwuid(::geteuid())) return pw->pw_name;
    return std::to_string(::geteuid());
}

std::string started_by() {
    if (const char* timer = std::getenv("TRIGGER_UNIT"); timer && *timer)
        return std::string("timer ") + timer;
    if (std::getenv("INVOCATION_ID")) { // a systemd unit: its name is the last part of our cgroup
        std::ifstream cgroup("/proc/self/cgroup");
        std::string line, unit;
        while (std::getline(cgroup, line))
            if (line.rfind("0::", 0) == 0) unit = line.substr(line.rfind('/') + 1);
        if (!unit.empty()) return "unit " + unit;
    }
    return "user " + user_name();
}

RunRecord new_run_record(const Config& cfg, const RunOptions& opt) {
    RunRecord r;
    r.id = make_run_id();
    r.started_at = now_iso();
    r.mode = opt.mode;
    r.status = RunStatus::Running;
    r.host = host_name();
    r.user = user_name();
    r.started_by = clean_message(started_by(), 200);
    r.reason = opt.reason;
    r.config_fingerprint = cfg.fingerprint();
    r.insecure_tls = cfg.ozmap.insecure || cfg.ozneutral.insecure;
    r.ozmap_url = cfg.ozmap.url;
    r.sales_source = cfg.ozneutral.sales;
    return r;
}

std::string host_name() {
    char buf[256] = {};
    ::gethostname(buf, sizeof buf - 1);
    return buf;
}

int run_stopped_by(const std::exception& e, RunRecord& run) {
    if (const auto* error = dynamic_cast<const Error*>(&e)) {
        spdlog::error("{}", e.what());
        if (run.abort_reason.empty()) run.abort_reason = e.what();
        return error->exit_code();
    }
    spdlog::error("internal error: {}", e.what());
    run.abort_reason = std::string("internal error: ") + e.what();
    return kExitInternal;
}

void settle_run_record(RunRecord& run, int code, bool planned) {
    run.exit_code = code;
    run.finished_at = now_iso();
    // A run that got as far as a plan counts (for the feed-shrink guard) even when some changes failed.
    run.status = planned && code != kExitUnavailable && code != kExitAuth && code != kExitInternal
                     ? RunStatus::Done
                     : RunStatus::Failed;
}

} // namespace oznsync
