#include "app/pull.hpp"

#include "neutral/sale_source.hpp"
#include "ozmap/row_checks.hpp"
#include "store/run_store.hpp"
#include "store/snapshot_writer.hpp"
#include "util/error.hpp"
#include "util/json_writer.hpp"
#include "util/progress.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

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
            if (auto p = client.get_project(id)) {
                projects.push_back(*p);
                note(*p, "OZneutral");
            } else {
                spdlog::warn("OZneutral lists project {}, which the integration user may not read: left out",
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

/// Pulls one collection of one project into the snapshot; a page is one transaction. If the inventory
/// moves under us (total changes, a row shows up twice) the collection is cleared and fetched again.
template <typename Row>
long long pull_collection(const Config& config, Store& store, OzmapClient& client, SnapshotWriter& writer,
                          const ListQuery& query, const std::string& project, PageParser<Row> parse,
                          Progress& progress, PullResult& result) {
    for (int attempt = 1;; ++attempt) {
        long long skipped = 0;
        std::map<std::string, long long> reasons;
        try {
            FetchStats stats = fetch_all<Row>(
                client, query, config.ozmap.concurrency, parse,
                [&](Page<Row>& page) {
                    // One transaction per page: a page is in the snapshot whole or not at all. A row that
                    // cannot be used is never stored as a fact: it is skipped, counted and named.
                    sql::Transaction tx(store.db());
                    for (const auto& row : page.rows) {
                        std::string why = unusable(row);
                        // A server that ignores the filter sends other projects' rows: not this project's
                        // facts.
                        if constexpr (requires { row.project; })
                            if (why.empty() && row.project != project) why = "not in the project asked for";
                        if (!why.empty()) {
                            spdlog::warn("{} of project {}: {} {} skipped: {}", query.collection, project,
                                         query.collection, row.id, why);
                            ++reasons[query.collection + " skipped: " + why];
                            ++skipped;
                            continue;
                        }
                        writer.add(row);
                    }
                    tx.commit();
                    for (const auto& p : page.problems) {
                        spdlog::warn("{} of project {}: {}", query.collection, project, p);
                        ++reasons[query.collection + " skipped: " +
                                  (p.find("not a drop splitter") != std::string::npos ? "not a drop splitter"
                                                                                      : "malformed row")];
                    }
                    skipped += static_cast<long long>(page.problems.size());
                    progress.advance();
                },
                [&](long long pages) { progress.add_total(pages > 0 ? pages - 1 : 0); });
            result.skipped_rows += skipped;
            result.rows_seen += stats.rows;
            for (const auto& [why, n] : reasons)
                result.skipped[why] += n;
            return stats.rows - skipped;
        } catch (const InventoryChanged& e) {
            if (attempt >= kAttemptsPerCollection)
                throw UnavailableError(std::string("OZmap inventory kept changing during the pull: ") +
                                       e.what());
            spdlog::warn("{}; fetching {} of project {} again", e.what(), query.collection, project);
        } catch (const sql::SqlError& e) {
            if (!e.is_constraint() || attempt >= kAttemptsPerCollection) throw;
            spdlog::warn("{} of project {}: a row came twice (paging shifted); fetching again",
                         query.collection, project);
        }
        writer.clear(query.collection, project);
    }
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
void pull_owned_clients(const Config& config, Store& store, OzmapClient& client, SnapshotWriter& writer,
                        int64_t snapshot, Progress& progress, PullResult& result) {
    const std::vector<std::string> codes = RunStore(store).owned_codes_not_on_a_property(snapshot);
    constexpr size_t kCodesPerQuery = 100; // keeps the filter (in the URL) a few KB
    for (size_t i = 0; i < codes.size(); i += kCodesPerQuery) {
        ListQuery q;
        q.limit = config.ozmap.page_size;
        q.collection = "ftth-clients";
        q.filter = {filter_in(
            "code", std::vector<std::string>(
                        codes.begin() + static_cast<long>(i),
                        codes.begin() + static_cast<long>(std::min(codes.size(), i + kCodesPerQuery))))};
        pull_collection<Client>(config, store, client, writer, q, "(owned clients)", parse_clients_page,
                                progress, result);
    }
}

} // namespace

PullResult pull_inventory(const Config& config, Store& store, OzmapClient& client,
                          const PullOptions& options) {
    const double t0 = monotonic_seconds();
    PullResult result;
    Progress progress("pull", options.progress);
    result.projects = resolve_projects(config, client, options.only_projects, &result.selection);
    if (result.projects.empty())
        throw ConfigError("ozmap.projects: the integration user can read no project");

    std::vector<std::string> ids;
    for (const auto& p : result.projects)
        ids.push_back(p.id);
    const int64_t snapshot = store.begin_snapshot(config.ozmap.url, ids);
    try {
        SnapshotWriter writer(store.db(), snapshot);
        {
            sql::Transaction tx(store.db());
            for (const auto& p : result.projects)
                writer.add(p);
            tx.commit();
        }
        for (size_t i = 0; i < result.projects.size(); ++i) {
            const auto& project = result.projects[i];
            progress.set_label("pull " + std::to_string(i + 1) + "/" +
                               std::to_string(result.projects.size()) + " " + project.name.substr(0, 16));
            ListQuery q;
            q.limit = config.ozmap.page_size;
            q.collection = "boxes";
            q.filter = {filter_eq("project", project.id)};
            long long boxes = pull_collection<Box>(config, store, client, writer, q, project.id,
                                                   parse_boxes_page, progress, result);
            q.collection = "splitters";
            q.filter = {filter_eq("project", project.id), filter_eq("isDrop", true)};
            long long ports = 0;
            long long splitters = pull_collection<Splitter>(config, store, client, writer, q, project.id,
                                                            parse_splitters_page, progress, result);
            q.collection = "properties";
            q.filter = {filter_eq("project", project.id)};
            q.populate = "client";
            long long properties = pull_collection<Property>(config, store, client, writer, q, project.id,
                                                             parse_properties_page, progress, result);
            {
                auto st =
                    store.db().prepare("SELECT count(*) FROM ports p JOIN splitters s ON s.snapshot_id = "
                                       "p.snapshot_id AND s.id = p.splitter WHERE s.snapshot_id = ? AND "
                                       "s.project = ?");
                st.bind(1, snapshot).bind(2, project.id);
                st.step();
                ports = st.int64(0);
            }
            result.boxes += boxes;
            result.splitters += splitters;
            result.ports += ports;
            result.properties += properties;
            if (!options.progress)
                spdlog::info("pulled project {} ({}): {} boxes, {} drop splitters, {} ports, {} properties",
                             project.id, project.name, boxes, splitters, ports, properties);
        }
        pull_owned_clients(config, store, client, writer, snapshot, progress, result);
        if (long long orphans = writer.drop_splitters_without_box()) {
            result.skipped["splitters skipped: box not in the snapshot"] += orphans;
            result.skipped_rows += orphans;
            spdlog::warn("{} drop splitter(s) skipped: their box is not in the snapshot", orphans);
        }
        require_few_bad_rows(config, result);
        auto st = store.db().prepare(
            "SELECT count(*) FROM properties WHERE snapshot_id = ? AND client_id IS NOT NULL");
        st.bind(1, snapshot);
        st.step();
        result.clients = st.int64(0);
        store.complete_snapshot(snapshot, result.counts_json());
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

} // namespace oznsync
