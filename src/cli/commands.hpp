#pragma once
#include "cli/command.hpp"

namespace oznsync {
std::unique_ptr<Command> make_check_command();
std::unique_ptr<Command> make_pull_command();
std::unique_ptr<Command> make_publish_command();
std::unique_ptr<Command> make_plan_command();
std::unique_ptr<Command> make_apply_command();
std::unique_ptr<Command> make_run_command();
std::unique_ptr<Command> make_feasibility_command();
std::unique_ptr<Command> make_availability_command();
std::unique_ptr<Command> make_partners_command();
std::unique_ptr<Command> make_adopt_command();
std::unique_ptr<Command> make_runs_command();
std::unique_ptr<Command> make_report_command();
std::unique_ptr<Command> make_serve_command();
std::unique_ptr<Command> make_fleet_command();
std::unique_ptr<Command> make_hold_command();
std::unique_ptr<Command> make_release_command();
} // namespace oznsync
