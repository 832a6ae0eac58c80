#pragma once
// A sub-command: setup() parses and validates arguments (no I/O), run() does the work and returns the
// exit code. Every command is registered once in command.cpp's table, which also generates --help.
#include "config/config.hpp"

#include <boost/program_options.hpp>

#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

namespace oznsync {

namespace po = boost::program_options;

struct GlobalOptions {
    std::string config_path;
    std::string log_format = "text";
    bool quiet = false;
    int verbose = 0;
    bool insecure = false;
};

struct CommandInfo;

class Command {
public:
    virtual ~Command() = default;
    /// Its name and synopsis, from its entry in the command table (make_command gives it).
    std::string name() const;
    std::string synopsis() const;
    /// Parses `args` (after the command name); throws UsageError. Returns false when --help was shown.
    bool setup(const std::vector<std::string>& args);
    virtual int run() = 0;
    /// Every option it takes (--name), its own and the common ones: for the bash completion.
    std::vector<std::string> option_names();

protected:
    virtual void add_options(po::options_description&) {}
    /// Positional arguments: the options behind them go in `hidden` (not listed by --help; the synopsis
    /// names them).
    virtual void add_positional(po::options_description& /*hidden*/, po::positional_options_description&) {}
    virtual void validate(const po::variables_map&) {}
    /// Loads the config named by --config (or OZNSYNC_CONFIG, or ./oznsync.ini), with --insecure applied.
    Config load() const;
    bool show_progress() const;
    /// As root, on a database (or its folder) another user owns: a warning to run as that user.
    static void warn_root_on_service_files(const Config& cfg);

    GlobalOptions m_global;

private:
    friend std::unique_ptr<Command> make_command(const CommandInfo& info);
    const CommandInfo* m_info = nullptr;
};

/// UsageError "--OPTION must be a, b or c" unless `value` is one of `allowed`.
void require_one_of(const char* option, const std::string& value, std::initializer_list<const char*> allowed);
/// UsageError unless every `--only-project` value is an OZmap id (24 hex digits), named with its value.
void require_project_ids(const std::vector<std::string>& ids);

/// A command's entry in the table: what --help, the completion and the dispatch read.
struct CommandInfo {
    const char* name;
    const char* synopsis; // the usage line after the name
    const char* description;
    std::function<std::unique_ptr<Command>()> make;
};

const std::vector<CommandInfo>& command_table();
/// The command of a table entry, knowing its entry.
std::unique_ptr<Command> make_command(const CommandInfo& info);
std::string general_help();
/// A bash completion script for oznsync, from the command table (`oznsync --bash-completion`).
std::string bash_completion();

} // namespace oznsync
