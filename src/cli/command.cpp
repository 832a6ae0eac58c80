#include "cli/command.hpp"

#include "core/exit_meaning.hpp"
#include "util/error.hpp"
#include "util/ids.hpp"
#include "util/log.hpp"
#include "util/progress.hpp"
#include "util/strings.hpp"

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <pwd.h>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace oznsync {

namespace {
/// The options every command takes, bound to `g`.
po::options_description common_options(GlobalOptions& g) {
    po::options_description common("Common options");
    common.add_options()("help,h", "show this help")(
        "config,c", po::value(&g.config_path), "config file (default: $OZNSYNC_CONFIG or ./oznsync.ini)")(
        "log-format", po::value(&g.log_format)->default_value("text"), "log lines as text or json")(
        "quiet,q", po::bool_switch(&g.quiet), "warnings and errors only, no progress bar")(
        "verbose,v", po::value<int>()->zero_tokens()->implicit_value(1)->notifier([&g](int) { ++g.verbose; }),
        "more detail (debug logs)")("insecure", po::bool_switch(&g.insecure),
                                    "do not verify OZmap's TLS certificate (printed in every report)");
    return common;
}
} // namespace

std::vector<std::string> Command::option_names() {
    po::options_description specific;
    add_options(specific);
    GlobalOptions scratch;
    po::options_description common = common_options(scratch);
    std::vector<std::string> out;
    for (const po::options_description* group : {&specific, &common})
        for (const auto& o : group->options())
            out.push_back("--" + o->long_name());
    return out;
}

bool Command::setup(const std::vector<std::string>& args) {
    po::options_description common = common_options(m_global);
    po::options_description specific(name() + " options");
    add_options(specific);
    po::options_description hidden;
    po::positional_options_description positional;
    add_positional(hidden, positional);
    po::options_description all;
    all.add(specific).add(common).add(hidden);

    po::variables_map vm;
    auto usage = [&](const po::error& e) {
        return UsageError(name() + ": " + e.what() + " (see oznsync " + name() + " --help)");
    };
    try {
        po::store(po::command_line_parser(args).options(all).positional(positional).run(), vm);
    } catch (const po::unknown_option& e) {
        std::vector<std::string> known;
        for (const po::options_description* group : {&specific, &common})
            for (const auto& o : group->options())
                known.push_back("--" + o->long_name());
        throw UsageError(name() + ": unknown option '" + e.get_option_name() + "'" +
                         did_you_mean(e.get_option_name(), known) + " (see oznsync " + name() + " --help)");
    } catch (const po::error& e) {
        throw usage(e);
    }
    // --help answers before required options are checked: `oznsync feasibility --help` needs no --lat.
    if (vm.count("help")) {
        std::ostringstream os;
        os << "Usage: oznsync " << name() << " " << synopsis() << "\n\n" << m_info->description << "\n\n";
        if (!specific.options().empty()) os << specific << "\n";
        os << common;
        std::cout << os.str();
        return false;
    }
    try {
        po::notify(vm);
    } catch (const po::error& e) {
        throw usage(e);
    }
    if (m_global.log_format != "text" && m_global.log_format != "json")
        throw UsageError("--log-format: expected text or json, got '" + m_global.log_format + "'");
    auto level = m_global.quiet     ? spdlog::level::warn
                 : m_global.verbose ? spdlog::level::debug
                                    : spdlog::level::info;
    setup_logging(m_global.log_format == "json" ? LogFormat::Json : LogFormat::Text, level);
    validate(vm);
    return true;
}

Config Command::load() const {
    std::string path = m_global.config_path;
    if (path.empty()) {
        const char* env = std::getenv("OZNSYNC_CONFIG");
        if (env && *env) {
            path = env;
        } else {
            // Here, then where the package installs it.
            for (const char* candidate : {"oznsync.ini", "/etc/oznsync/oznsync.ini"})
                if (path.empty() && ::access(candidate, F_OK) == 0) path = candidate;
            if (path.empty())
                throw ConfigError(
                    "no config: neither ./oznsync.ini nor /etc/oznsync/oznsync.ini exists; give "
                    "--config FILE (or OZNSYNC_CONFIG); an example is "
                    "/etc/oznsync/oznsync.ini.example");
        }
    }
    Config cfg = load_config(path);
    set_log_field("operator", cfg.operator_name); // every JSON log line says whose OZmap it is about
    if (m_global.insecure) {
        cfg.ozmap.insecure = true;
        cfg.ozneutral.insecure = true;
        cfg.masked["ozmap.insecure"] = "true (--insecure)";
        cfg.masked["ozneutral.insecure"] = "true (--insecure)";
    }
    if (cfg.ozmap.insecure) spdlog::warn("TLS verification of OZmap is OFF (--insecure / ozmap.insecure)");
    if (cfg.ozneutral.insecure && !m_global.insecure)
        spdlog::warn("TLS verification of OZneutral is OFF (ozneutral.insecure)");
    for (const auto& w : cfg.warnings)
        spdlog::warn("{}", w);
    warn_root_on_service_files(cfg);
    return cfg;
}

void Command::warn_root_on_service_files(const Config& cfg) {
    if (::geteuid() != 0) return;
    // The database (or, before the first run, its folder) belongs to another user (the units' oznsync):
    // what root writes now (a new WAL, report folders) would be root's, and the service could not use it.
    std::string path = cfg.snapshot_path;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        const std::string dir = std::filesystem::path(path).parent_path().string();
        path = dir.empty() ? "." : dir;
        if (::stat(path.c_str(), &st) != 0) return;
    }
    if (st.st_uid == 0) return;
    const struct passwd* owner = ::getpwuid(st.st_uid);
    const std::string name = owner ? owner->pw_name : std::to_string(st.st_uid);
    spdlog::warn("running as root on {}, which belongs to {}: files this command writes would be root's and "
                 "the service could not use them; run it as {} (sudo -u {} oznsync ...)",
                 path, name, name, name);
}

std::unique_ptr<Command> make_command(const CommandInfo& info) {
    std::unique_ptr<Command> c = info.make();
    c->m_info = &info;
    return c;
}

std::string Command::name() const {
    return m_info->name;
}

std::string Command::synopsis() const {
    return m_info->synopsis;
}

bool Command::show_progress() const {
    return Progress::terminal_wanted(m_global.quiet) && m_global.log_format == "text";
}

std::string general_help() {
    std::ostringstream os;
    os << "oznsync " OZNSYNC_VERSION " - keeps OZmap in step with the ports sold through OZneutral.\n\n"
       << "Usage: oznsync <command> [options]    (oznsync <command> --help for its options)\n\nCommands:\n";
    for (const auto& c : command_table()) {
        std::string d = c.description;
        os << "  " << c.name << std::string(std::max<size_t>(2, 14 - std::string(c.name).size()), ' ')
           << d.substr(0, d.find('\n')) << "\n";
    }
    os << "\nOptions every command takes (before or after the command's name):\n"
          "  -c, --config FILE     config file (default: $OZNSYNC_CONFIG or ./oznsync.ini)\n"
          "  --log-format FORMAT   log lines as text or json\n"
          "  -q, --quiet           warnings and errors only, no progress bar\n"
          "  -v, --verbose         more detail (debug logs)\n"
          "  --insecure            do not verify OZmap's TLS certificate (printed in every report)\n"
          "  -h, --help            this help; oznsync <command> --help for a command's options\n";
    os << "\nExit codes:\n";
    for (int code : {0, 2, 3, 4, 5, 6, 64, 65, 66, 74, 75, 77, 78, 130, 1}) {
        std::string c = std::to_string(code);
        os << "  " << c << std::string(5 - c.size(), ' ') << exit_code_meaning(code) << "\n";
    }
    os << "\nConfig: an INI file (--config); every key can be set as OZNSYNC_<SECTION>_<KEY>, e.g.\n"
          "OZNSYNC_OZMAP_API_KEY. See README.md.\n";
    return os.str();
}

std::string bash_completion() {
    std::string names, cases;
    for (const auto& c : command_table()) {
        names += std::string(names.empty() ? "" : " ") + c.name;
        std::string opts;
        for (const auto& o : make_command(c)->option_names())
            opts += (opts.empty() ? "" : " ") + o;
        cases += std::string("        ") + c.name + ") opts=\"" + opts + "\" ;;\n";
    }
    return "# bash completion for oznsync, generated from its command table (oznsync --bash-completion)\n"
           "_oznsync() {\n"
           "    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} cmd= w opts=\n"
           "    for w in \"${COMP_WORDS[@]:1:COMP_CWORD-1}\"; do\n"
           "        case \" " +
           names +
           " \" in *\" $w \"*) cmd=$w; break ;; esac\n"
           "    done\n"
           "    case $prev in\n"
           "        --config|-c|--out|--ca-file) COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n"
           "        --log-format) COMPREPLY=($(compgen -W \"text json\" -- \"$cur\")); return ;;\n"
           "        --format) COMPREPLY=($(compgen -W \"text json html csv geojson table\" -- \"$cur\")); "
           "return ;;\n"
           "    esac\n"
           "    if [ -z \"$cmd\" ]; then\n"
           "        COMPREPLY=($(compgen -W \"" +
           names +
           " --config --log-format --quiet --verbose --insecure --help --version\" -- \"$cur\"))\n"
           "        return\n"
           "    fi\n"
           "    case $cmd in\n" +
           cases +
           "    esac\n"
           "    [ \"$cmd\" = report ] && opts=\"show verify $opts\"\n"
           "    COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
           "}\n"
           "complete -F _oznsync oznsync\n";
}

void require_one_of(const char* option, const std::string& value,
                    std::initializer_list<const char*> allowed) {
    std::string list;
    size_t i = 0;
    for (const char* a : allowed) {
        if (value == a) return;
        list += (i == 0 ? "" : i + 1 == allowed.size() ? " or " : ", ") + std::string(a);
        ++i;
    }
    throw UsageError(std::string("--") + option + " must be " + list);
}

void require_project_ids(const std::vector<std::string>& ids) {
    for (const auto& id : ids)
        if (!is_object_id(id))
            throw UsageError("--only-project '" + clean_message(id, 80) +
                             "' is not an OZmap project id (24 hex digits)");
}

} // namespace oznsync
