#pragma once
#include "cli/command.hpp"

namespace oznsync {
std::unique_ptr<Command> make_check_command();
std::unique_ptr<Command> make_pull_command();
} // namespace oznsync
