#pragma once
// pull: OZmap inventory of the selected projects -> a new, complete snapshot (or nothing).
#include "config/config.hpp"
#include "core/model.hpp"
#include "ozmap/ozmap_client.hpp"
#include "store/store.hpp"

#include <map>
#include <string>
#include <vector>

namespace oznsync {

struct PullOptions {
    std::vector<std::string> only_projects; // narrows ozmap.projects further
    bool progress = false;
};

struct PullResult {
    int64_t snapshot_id = 0;
    std::vector<Project> projects;
    long long boxes = 0, splitters = 0, ports = 0, properties = 0, clients = 0, skipped_rows = 0;
    long long rows_seen = 0;
    std::map<std::string, long long> skipped; // "boxes skipped: no coords" -> how many
    std::vector<std::string> selection;       // each selected project and where it came from
    long long requests = 0, retries = 0;
    double seconds = 0;
    std::string counts_json() const;
};

/// The projects the job works on: ozmap.projects (each checked readable), every readable one, or
/// OZneutral's list (ozmap.projects = from-ozneutral; unreadable ones left out and said), narrowed by
/// `only`. `selection` gets a line per project saying where it came from. Throws ConfigError naming an
/// unreadable or unknown configured project.
std::vector<Project> resolve_projects(const Config& config, OzmapClient& client,
                                      const std::vector<std::string>& only,
                                      std::vector<std::string>* selection = nullptr);

PullResult pull_inventory(const Config& config, Store& store, OzmapClient& client,
                          const PullOptions& options);

/// `oznsync pull`: holds the run lock, logs in and pulls into the configured database.
PullResult pull_snapshot(const Config& config, const PullOptions& options);

} // namespace oznsync
