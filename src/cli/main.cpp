// The one place that turns failures into a short message and an exit code.
#include "cli/command.hpp"
#include "util/error.hpp"
#include "util/log.hpp"

#include <Poco/Net/NetSSL.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <iostream>

int main(int argc, char** argv) {
    using namespace oznsync;
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        std::cout << general_help();
        return args.empty() ? kExitUsage : kExitOk;
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
        const CommandInfo* info = nullptr;
        for (const auto& c : command_table())
            if (args[0] == c.name) info = &c;
        if (!info) throw UsageError("unknown command '" + args[0] + "' (see oznsync --help)");
        auto command = info->make();
        if (!command->setup(std::vector<std::string>(args.begin() + 1, args.end()))) return kExitOk;
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
