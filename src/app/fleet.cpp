#include "app/fleet.hpp"

#include "app/hold.hpp"
#include "app/queries.hpp"
#include "config/config.hpp"
#include "core/exit_meaning.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/log.hpp"
#include "util/time.hpp"

#include <algorithm>
#include <filesystem>

namespace oznsync {

namespace {

/// A last run healthy enough: in sync, or every change through with findings for a person (3).
bool run_ok(const RunRecord& r) {
    return r.exit_code == kExitOk || r.exit_code == kExitPartial;
}

std::string run_problem(const char* what, const RunRecord& r) {
    return std::string("last ") + what + " run " + r.id + " exited " + std::to_string(r.exit_code) + ": " +
           exit_code_meaning(r.exit_code);
}

void read_operator(const Config& cfg, OperatorHealth& h) {
    h.max_snapshot_age_h = cfg.max_snapshot_age_h;
    h.reports_dir = cfg.reports_dir;
    if (!file_exists(cfg.snapshot_path)) { // read-only: never created here
        h.problem = "no database at " + cfg.snapshot_path + " (no run yet?)";
        return;
    }
    Store store(cfg.snapshot_path, Access::ReadOnly, cfg.operator_name);
    RunStore runs(store);
    h.last_full = runs.last_finished({RunMode::Run, RunMode::Apply});
    h.last_incremental = runs.last_finished({RunMode::Incremental});
    if (h.last_full) {
        const auto counts = runs.action_counts(h.last_full->id);
        const auto count = [&](const char* action) {
            auto it = counts.find(action);
            return it == counts.end() ? 0 : it->second;
        };
        h.conflicts = count("conflict");
        h.drift = count("drift");
        h.invalid = count("invalid");
    }
    const ServiceStatus s = service_status(store, true);
    if (s.snapshot && s.snapshot_age_s >= 0) h.snapshot_age_h = s.snapshot_age_s / 3600;
    h.owned_clients = s.owned_clients;
    for (const auto& [project, n] : s.free_ports)
        h.free_ports += n;
    h.hold = current_hold(store);
}

void judge(OperatorHealth& h) {
    if (!h.problem.empty()) {
        h.attention.push_back(h.problem);
        return;
    }
    if (!h.last_full)
        h.attention.push_back("no full run yet");
    else if (!run_ok(*h.last_full))
        h.attention.push_back(run_problem("full", *h.last_full));
    if (h.last_incremental && !run_ok(*h.last_incremental))
        h.attention.push_back(run_problem("incremental", *h.last_incremental));
    if (!h.snapshot_age_h)
        h.attention.push_back("no snapshot");
    else if (*h.snapshot_age_h > h.max_snapshot_age_h)
        h.attention.push_back("snapshot " + std::to_string(static_cast<long long>(*h.snapshot_age_h)) +
                              " h old (fleet.max_snapshot_age_h " + std::to_string(h.max_snapshot_age_h) +
                              ")");
}

} // namespace

std::vector<std::string> fleet_configs(const std::string& dir) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
        throw UsageError("--fleet: " + dir + " is not a folder of operator configs");
    std::vector<std::string> configs;
    for (const auto& e : fs::directory_iterator(dir, ec))
        if (e.path().extension() == ".ini") configs.push_back(e.path().string());
    std::sort(configs.begin(), configs.end());
    return configs;
}

std::vector<OperatorHealth> fleet_status(const std::string& dir) {
    namespace fs = std::filesystem;
    const std::vector<std::string> configs = fleet_configs(dir);
    std::vector<OperatorHealth> out;
    for (const auto& path : configs) {
        OperatorHealth h;
        h.config = path;
        h.name = fs::path(path).stem().string();
        try {
            const Config cfg = load_config(path);
            h.name = cfg.operator_name;
            ScopedLogFields operator_field({{"operator", cfg.operator_name}});
            read_operator(cfg, h);
        } catch (const std::exception& e) {
            h.problem = e.what();
        }
        judge(h);
        out.push_back(std::move(h));
    }
    return out;
}

} // namespace oznsync
