// The one place that turns failures into a short message and an exit code.
#include "cli/command.hpp"
#include "util/error.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

#include <Poco/Net/NetSSL.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <iostream>

#ifdef OZNSYNC_WITH_MIMALLOC
#include <mimalloc.h>
#endif

namespace {

/// Where the command's name is: the first word that is neither an option every command takes nor the
/// value of one (`oznsync --config x.ini -v pull`). A word before it that is not such an option is a
/// usage error naming it.
size_t command_position(const std::vector<std::string>& args) {
    using oznsync::UsageError;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a.empty() || a[0] != '-') return i;
        const std::string name = a.substr(0, a.find('='));
        if (name == "--config" || name == "-c" || name == "--log-format") {
            if (a.find('=') == std::string::npos) ++i; // its value is the next word
            continue;
        }
        if (a == "-q" || a == "--quiet" || a == "-v" || a == "--verbose" || a == "-vv" || a == "--insecure")
            continue;
        throw UsageError("'" + a +
                         "' before the command is not an option every command takes (see oznsync --help)");
    }
    throw UsageError("no command given (see oznsync --help)");
}

#ifdef OZNSYNC_WITH_MIMALLOC
/// A batch command's heap on 2 MiB pages (transparent huge pages, asked for with madvise where the system
/// leaves them to the program). A first night's plan touches ~700 MB of new memory, and on a virtual
/// machine the first touch of every 4 KiB page is a trap through the hypervisor: measured on this
/// project's 2-core VM, a third of the plan's wall time (9.0 -> 6.1 s), for ~90 MB more at the peak
/// (0.64 -> 0.73 GB: pages touched in part are kept whole). Not for `serve`: a server that lives for weeks
/// keeps what it touched, and its memory target is tighter than its start-up time. MIMALLOC_LARGE_OS_PAGES
/// in the environment decides instead, for every command.
void choose_page_size(const char* command) {
    if (std::getenv("MIMALLOC_LARGE_OS_PAGES") != nullptr || std::strcmp(command, "serve") == 0) return;
    mi_option_enable(mi_option_large_os_pages);
}
#endif

} // namespace

int main(int argc, char** argv) {
    using namespace oznsync;
#ifdef OZNSYNC_WITH_MIMALLOC
    // mimalloc hands freed memory back to the system 25 ms after it went unused by default: `serve`'s
    // threads then map it in again all the time (measured: 11.5k feasibility answers/s instead of 15k).
    // A second keeps a busy server's memory and still returns a quiet one's.
    mi_option_set(mi_option_decommit_delay, 1000);
#endif
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        std::cout << general_help();
        return args.empty() ? kExitUsage : kExitOk;
    }
    if (args[0] == "--bash-completion") {
        std::cout << bash_completion();
        return kExitOk;
    }
    if (args[0] == "--version") {
        std::cout << "oznsync " OZNSYNC_VERSION "\n";
        return kExitOk;
    }
    // Over a file-size limit (RLIMIT_FSIZE, a quota) a write fails with EFBIG instead of killing the job:
    // the run then ends with a plain "disk full" message and exit 74.
    std::signal(SIGXFSZ, SIG_IGN);
    setup_logging(LogFormat::Text, spdlog::level::info);
    Poco::Net::initializeSSL();
    int code = kExitInternal;
    try {
        const size_t at = command_position(args);
        std::vector<std::string> known;
        for (const auto& c : command_table())
            known.emplace_back(c.name);
        const CommandInfo* info = nullptr;
        for (const auto& c : command_table())
            if (args[at] == c.name) info = &c;
        if (!info)
            throw UsageError("unknown command '" + args[at] + "'" + did_you_mean(args[at], known) +
                             " (see oznsync --help)");
#ifdef OZNSYNC_WITH_MIMALLOC
        choose_page_size(info->name);
#endif
        // The options given before the command's name are its options too.
        std::vector<std::string> rest(args.begin() + static_cast<long>(at) + 1, args.end());
        rest.insert(rest.end(), args.begin(), args.begin() + static_cast<long>(at));
        auto command = make_command(*info);
        if (!command->setup(rest)) return kExitOk;
        code = command->run();
    } catch (const Error& e) {
        spdlog::error("{}", e.what());
        code = e.exit_code();
    } catch (const std::exception& e) {
        spdlog::error("internal error: {}", e.what());
        code = kExitInternal;
    }
    spdlog::default_logger()->flush();
    Poco::Net::uninitializeSSL();
    return code;
}
