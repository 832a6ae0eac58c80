#include "cli/command.hpp"
#include "cli/commands.hpp"

namespace oznsync {

const std::vector<CommandInfo>& command_table() {
    static const std::vector<CommandInfo> table = {
        {"check", "Validate the config and reach OZmap (auth, every selected project) and the OZneutral source.",
         make_check_command},
        {"pull", "Fetch the inventory of the selected OZmap projects into a new snapshot (atomic).",
         make_pull_command},
    };
    return table;
}

} // namespace oznsync
