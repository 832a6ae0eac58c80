#include "app/pull.hpp"

#include "app/incremental.hpp"
#include "neutral/sale_source.hpp"
#include "ozmap/row_checks.hpp"
#include "store/run_store.hpp"
#include "store/snapshot_writer.hpp"
#include "util/error.hpp"
#include "util/json_writer.hpp"
#include "util/parallel.hpp"
#include "util/progress.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <future>
#include <memory>

namespace oznsync {

std::string PullResult::counts_json() const {
    std::string out;
    JsonWriter w(out);
    w.begin_object()
        .field("projects", static_cast<int64_t>(projects.size()))
        .field("boxes", boxes)
        .field("splitters", splitters)
        .field("ports", ports)
        .field("properties", properties)
        .field("clients", clients)
        .field("skipped_rows", skipped_rows)
        .end_object();
    return out;
}

std::vector<Project> resolve_projects(const Config& config, OzmapClient& client,
                                      const std::vector<std::string>& only,
                                      std::vector<std::string>* selection) {
    std::vector<Project> projects;
    auto note = [&](const Project& p, const std::string& source) {
        if (selection) selection->push_back(p.id + " " + p.name + " (" + source + ")");
    };
    if (config.ozmap.all_projects) {
        projects = client.list_projects();
        for (const auto& p : projects)
            note(p, "every project the integration user may read");
    } else if (config.ozmap.projects_from_ozneutral) {
        // OZneutral names the sellable projects; only those OZmap lets us read are used.
        for (const auto& id : fetch_project_ids(config)) {
            std::optional<Project> p;
            try {
                p = client.get_project(id);
            } catch (const Forbidden& e) {
                spdlog::warn("OZneutral lists project {}; OZmap refuses it ({})", id, e.what());
            }
            if (p) {
                projects.push_back(*p);
                note(*p, "OZneutral");
            } else {
                spdlog::warn("OZneutral lists project {}, which the integration user may not read: left out, "
                             "the other projects are synced",
                             id);
                if (selection) selection->push_back(id + " (OZneutral; dropped: not readable in OZmap)");
            }
        }
        if (projects.empty())
            throw ConfigError(
                "ozneutral.projects: none of the projects OZneutral lists is readable in OZmap");
    } else {
        for (const auto& id : config.ozmap.projects) {
            auto p = client.get_project(id);
            if (!p)
                throw ConfigError("ozmap.projects: project " + id +
                                  " does not exist or the integration user may not read it");
            projects.push_back(*p);
            note(*p, "ozmap.projects");
        }
    }
    if (!only.empty()) {
        for (const auto& id : only) {
            bool known =
                std::any_of(projects.begin(), projects.end(), [&](const Project& p) { return p.id == id; });
            if (!known) throw UsageError("--only-project " + id + " is not one of the selected projects");
        }
        std::erase_if(projects, [&](const Project& p) {
            return std::find(only.begin(), only.end(), p.id) == only.end();
        });
    }
    std::sort(projects.begin(), projects.end(),
              [](const Project& a, const Project& b) { return a.id < b.id; });
    return projects;
}

namespace {

constexpr int kAttemptsPerCollection = 3;

/// Pages are fetched on many threads but written on one (SQLite has one writer): fetch threads `emit`
/// write steps, which the pull's own thread runs in order.
using WriteStep = std::function<void()>;
using Emit = std::function<void(WriteStep&&)>;

/// What one attempt at one collection wrote; it counts (into PullResult) only once the attempt is whole.
struct Tally {
    long long rows_seen = 0, skipped = 0;
    std::map<std::string, long long> reasons;
    bool duplicate = false; // a row came twice: the paging shifted under us, the attempt is void
};

struct Sinks {
    SnapshotWriter& writer;
    Store& store;
    Progress& progress;
    PullResult& result;
};

/// Writes one page in one transaction: a page is in the snapshot whole or not at all. A row that cannot be
/// used is never stored as a fact: it is skipped, counted and named.
template <typename Row>
void write_page(Sinks& out, Tally& tally, Page<Row>& page, const std::string& collection,
                const std::string& project) {
    if (tally.duplicate) return;
    long long skipped = 0;
    std::map<std::string, long long> reasons;
    try {
        sql::Transaction tx = out.store.transaction();
        for (const auto& row : page.rows) {
            std::string why = unusable(row);
            // A server that ignores the filter sends other projects' rows: not this project's facts.
            if constexpr (requires { row.project; })
                if (why.empty() && row.project != project) why = "not in the project asked for";
            if (!why.empty()) {
                spdlog::warn("{} of project {}: {} {} skipped: {}", collection, project, collection, row.id,
                             why);
                ++reasons[collection + " skipped: " + why];
                ++skipped;
                continue;
            }
            out.writer.add(row);
        }
        tx.commit();
    } catch (const sql::SqlError& e) {
        if (!e.is_constraint()) throw;
        tally.duplicate = true;
        return;
    }
    for (const auto& p : page.problems) {
        spdlog::warn("{} of project {}: {}", collection, project, p);
        ++reasons[collection + " skipped: " +
                  (p.find("not a drop splitter") != std::string::npos ? "not a drop splitter"
                                                                      : "malformed row")];
    }
    tally.skipped += skipped + static_cast<long long>(page.problems.size());
    tally.rows_seen += page.rows_seen;
    for (const auto& [why, n] : reasons)
        tally.reasons[why] += n;
    out.progress.advance();
}

/// Pulls one collection of one project (on a fetch thread). If the inventory moves under us (total
/// changes, a row shows up twice) what the collection wrote is cleared and it is fetched again.
template <typename Row>
void pull_collection(const Config& config, OzmapClient& client, Sinks& out, const ListQuery& query,
                     const std::string& project, PageParser<Row> parse, const Emit& emit) {
    for (int attempt = 1;; ++attempt) {
        auto tally = std::make_shared<Tally>();
        std::string why;
        try {
            fetch_all<Row>(
                client, query, config.ozmap.concurrency, parse,
                [&](Page<Row>& page) {
                    emit([&out, tally, page = std::move(page), collection = query.collection,
                          project]() mutable { write_page(out, *tally, page, collection, project); });
                },
                [&](long long pages) { emit([&out, pages] { out.progress.add_total(pages); }); });
            // The attempt stands once its last page is written without a row seen twice. (When the
            // writer gives up, the step is dropped with the only promise and get() throws: this thread
            // ends too.)
            auto verdict = std::make_shared<std::promise<bool>>();
            auto stands = verdict->get_future();
            emit([&out, tally, verdict = std::move(verdict)] {
                if (!tally->duplicate) {
                    out.result.skipped_rows += tally->skipped;
                    out.result.rows_seen += tally->rows_seen;
                    for (const auto& [reason, n] : tally->reasons)
                        out.result.skipped[reason] += n;
                }
                verdict->set_value(!tally->duplicate);
            });
            if (stands.get()) return;
            why = query.collection + ": a row came twice (paging shifted)";
        } catch (const InventoryChanged& e) {
            why = e.what();
        }
        if (attempt >= kAttemptsPerCollection)
            throw UnavailableError("OZmap inventory kept changing during the pull: " + why);
        spdlog::warn("{}; fetching {} of project {} again", why, query.collection, project);
        emit([&out, collection = query.collection, project] { out.writer.clear(collection, project); });
    }
}

/// Runs the jobs `concurrency` at a time (each may fetch several pages at once: the HTTP client keeps
/// the requests in flight to ozmap.concurrency) and their write steps here, in order.
void run_pull_jobs(int concurrency, const std::vector<std::function<void(const Emit&)>>& jobs) {
    std::atomic<size_t> next{0};
    produce_consume<WriteStep>(
        static_cast<int>(std::min<size_t>(static_cast<size_t>(std::max(1, concurrency)), jobs.size())),
        static_cast<size_t>(std::max(1, concurrency)) * 4,
        [&](int, const Emit& emit) {
            for (size_t i = next++; i < jobs.size(); i = next++)
                jobs[i](emit);
        },
        [](WriteStep& step) { step(); });
}

/// More unusable rows than ozmap.max_bad_rows (a share of the rows read) fail the pull: the previous
/// snapshot stays current.
void require_few_bad_rows(const Config& config, const PullResult& result) {
    const double limit = static_cast<double>(result.rows_seen) * config.ozmap.max_bad_rows_pct / 100.0;
    if (result.skipped_rows == 0 || static_cast<double>(result.skipped_rows) <= limit) return;
    std::string why;
    for (const auto& [reason, n] : result.skipped)
        why += (why.empty() ? "" : ", ") + std::to_string(n) + " " + reason;
    throw UnavailableError(
        "OZmap sent " + std::to_string(result.skipped_rows) + " unusable row(s) of " +
        std::to_string(result.rows_seen) + " (" + why + "), more than ozmap.max_bad_rows (" +
        format_double(config.ozmap.max_bad_rows_pct) + "%); the previous snapshot stays current");
}

/// The clients oznsync owns, read by code whatever their property: a client whose property was deleted
/// (a half-done removal, a technician's delete) is invisible in /properties.
void pull_owned_clients(const Config& config, Store& store, OzmapClient& client, Sinks& out,
                        int64_t snapshot) {
    const std::vector<std::string> codes = RunStore(store).owned_codes_not_on_a_property(snapshot);
    constexpr size_t kCodesPerQuery = 100; // keeps the filter (in the URL) a few KB
    std::vector<std::function<void(const Emit&)>> jobs;
    for (size_t i = 0; i < codes.size(); i += kCodesPerQuery) {
        ListQuery q;
        q.limit = config.ozmap.page_size;
        q.collection = "ftth-clients";
        q.filter = {filter_in(
            "code", std::vector<std::string>(
                        codes.begin() + static_cast<long>(i),
                        codes.begin() + static_cast<long>(std::min(codes.size(), i + kCodesPerQuery))))};
        jobs.push_back([&, q](const Emit& emit) {
            pull_collection<Client>(config, client, out, q, "(owned clients)", parse_clients_page, emit);
        });
    }
    run_pull_jobs(config.ozmap.concurrency, jobs);
}

} // namespace

PullResult pull_inventory(const Config& config, Store& store, OzmapClient& client,
                          const PullOptions& options) {
    const double t0 = monotonic_seconds();
    const std::string started = now_iso(); // what changed after this, the next incremental pull reads
    PullResult result;
    Progress progress("pull", "pages", options.progress);
    result.projects = resolve_projects(config, client, options.only_projects, &result.selection);
    if (result.projects.empty())
        throw ConfigError("ozmap.projects: the integration user can read no project");

    std::vector<std::string> ids;
    for (const auto& p : result.projects)
        ids.push_back(p.id);
    const int64_t snapshot = store.begin_snapshot(config.ozmap.url, ids);
    try {
        SnapshotWriter writer(store, snapshot);
        {
            sql::Transaction tx = store.transaction();
            for (const auto& p : result.projects)
                writer.add(p);
            tx.commit();
        }
        // Every collection of every project is a job; they run side by side.
        Sinks out{writer, store, progress, result};
        std::vector<std::function<void(const Emit&)>> jobs;
        for (const auto& project : result.projects) {
            ListQuery q;
            q.limit = config.ozmap.page_size;
            q.collection = "boxes";
            q.filter = {filter_eq("project", project.id)};
            jobs.push_back([&, q, id = project.id](const Emit& emit) {
                pull_collection<Box>(config, client, out, q, id, parse_boxes_page, emit);
            });
            q.collection = "splitters";
            q.filter = {filter_eq("project", project.id), filter_eq("isDrop", true)};
            jobs.push_back([&, q, id = project.id](const Emit& emit) {
                pull_collection<Splitter>(config, client, out, q, id, parse_splitters_page, emit);
            });
            q.collection = "properties";
            q.filter = {filter_eq("project", project.id)};
            q.populate = "client";
            jobs.push_back([&, q, id = project.id](const Emit& emit) {
                pull_collection<Property>(config, client, out, q, id, parse_properties_page, emit);
            });
        }
        progress.set_label("pull " + std::to_string(result.projects.size()) + " project(s)");
        run_pull_jobs(config.ozmap.concurrency, jobs);
        pull_owned_clients(config, store, client, out, snapshot);
        if (long long orphans = writer.drop_splitters_without_box()) {
            result.skipped["splitters skipped: box not in the snapshot"] += orphans;
            result.skipped_rows += orphans;
            spdlog::warn("{} drop splitter(s) skipped: their box is not in the snapshot", orphans);
        }
        require_few_bad_rows(config, result);
        for (const auto& project : result.projects) {
            const auto n = writer.counts(project.id);
            result.boxes += n.boxes;
            result.splitters += n.splitters;
            result.ports += n.ports;
            result.properties += n.properties;
            spdlog::info("pulled project {} ({}): {} boxes, {} drop splitters, {} ports, {} properties",
                         project.id, project.name, n.boxes, n.splitters, n.ports, n.properties);
        }
        result.clients = writer.clients();
        store.complete_snapshot(snapshot, result.counts_json());
        store.set_state(kOzmapPulledAt, started);
    } catch (...) {
        progress.finish();
        try {
            store.discard_snapshot(snapshot);
        } catch (const std::exception& e) {
            spdlog::error("could not discard the incomplete snapshot {}: {}", snapshot, e.what());
        }
        throw;
    }
    progress.finish();
    result.snapshot_id = snapshot;
    result.requests = client.api().requests_sent();
    result.retries = client.api().retries_done();
    result.seconds = monotonic_seconds() - t0;
    return result;
}

PullResult pull_snapshot(const Config& config, const PullOptions& options) {
    RunLock lock(config.snapshot_path);
    Store store(config.snapshot_path, Access::ReadWrite, config.operator_name);
    OzmapClient client(config.ozmap);
    client.authenticate();
    return pull_inventory(config, store, client, options);
}

} // namespace oznsync
