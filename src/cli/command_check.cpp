#include "app/check.hpp"
#include "cli/commands.hpp"
#include "util/error.hpp"

#include <iostream>

namespace oznsync {

namespace {

class CheckCommand : public Command {
public:
    int run() override {
        Config cfg = load();
        std::cout << "ok   config " << cfg.source << " (fingerprint " << cfg.fingerprint() << ")\n";
        int worst = kExitOk;
        for (const auto& line : check_setup(cfg)) {
            std::cout << (line.ok ? "ok   " : "FAIL ") << line.text << "\n";
            if (!line.ok && worst == kExitOk) worst = line.exit_code;
        }
        return worst;
    }
};

} // namespace

std::unique_ptr<Command> make_check_command() {
    return std::make_unique<CheckCommand>();
}

} // namespace oznsync
