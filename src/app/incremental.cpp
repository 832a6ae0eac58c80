#include "app/incremental.hpp"

#include "core/reconcile.hpp"
#include "ozmap/row_checks.hpp"
#include "store/run_store.hpp"
#include "store/sale_records.hpp"
#include "store/snapshot_reader.hpp"
#include "util/error.hpp"
#include "util/time.hpp"

#include <spdlog/spdlog.h>

#include <set>
#include <unordered_set>

#include <algorithm>
#include <chrono>
#include <map>

namespace oznsync {

std::string incremental_refusal(Store& store) {
    if (!store.current_snapshot()) return "no complete snapshot yet";
    if (!store.get_state(kOzmapPulledAt))
        return "the current snapshot has no pull mark (pulled by an older version)";
    if (!store.get_state(kSalesRecordedBy)) return "no full run has recorded the sale feed yet";
    return "";
}

std::string since_mark(const std::string& mark, int skew_s) {
    auto t = parse_iso8601(mark);
    if (!t) throw IoError("the database's mark '" + mark + "' is not an ISO-8601 time");
    return iso8601(*t - std::chrono::seconds(skew_s));
}

namespace {

constexpr size_t kIdsPerQuery = 100; // keeps an `in` filter (in the URL) a few KB

/// Every row of one list, checked as the full pull checks them: an unusable row is skipped and counted.
template <typename Row>
void fetch_changed(const Config& config, OzmapClient& client, const ListQuery& q, PageParser<Row> parse,
                   const std::string& project, std::vector<Row>& out, long long& skipped) {
    fetch_all<Row>(client, q, config.ozmap.concurrency, parse, [&](Page<Row>& page) {
        for (auto& p : page.problems)
            spdlog::warn("{} changed since the last pull: {}", q.collection, p);
        skipped += static_cast<long long>(page.problems.size());
        for (auto& row : page.rows) {
            std::string why = unusable(row);
            if constexpr (requires { row.project; })
                if (why.empty() && !project.empty() && row.project != project)
                    why = "not in the project asked for";
            if (!why.empty()) {
                spdlog::warn("{} {} changed since the last pull, skipped: {}", q.collection, row.id, why);
                ++skipped;
                continue;
            }
            out.push_back(std::move(row));
        }
    });
}

} // namespace

IncrementResult pull_increment(const Config& config, Store& store, OzmapClient& client, int64_t snapshot) {
    IncrementResult result;
    const std::string started = now_iso();
    const auto mark = store.get_state(kOzmapPulledAt);
    if (!mark)
        throw UsageError("the current snapshot has no pull mark: run `oznsync run` (a full run) first");
    result.since = since_mark(*mark, config.ozmap.skew_s);
    auto info = store.snapshot(snapshot);
    if (!info) throw UsageError("no complete snapshot: run `oznsync pull` first");

    InventoryDelta delta;
    const FilterCondition changed = filter_cmp("updatedAt", ">=", result.since);
    for (const auto& project : info->projects) {
        ListQuery q;
        q.limit = config.ozmap.page_size;
        q.collection = "boxes";
        q.filter = {filter_eq("project", project), changed};
        fetch_changed<Box>(config, client, q, parse_boxes_page, project, delta.boxes, result.skipped);
        q.collection = "splitters";
        q.filter = {filter_eq("project", project), filter_eq("isDrop", true), changed};
        fetch_changed<Splitter>(config, client, q, parse_splitters_page, project, delta.splitters,
                                result.skipped);
        q.collection = "properties";
        q.filter = {filter_eq("project", project), changed};
        q.populate = "client";
        fetch_changed<Property>(config, client, q, parse_properties_page, project, delta.properties,
                                result.skipped);
    }
    ListQuery clients;
    clients.limit = config.ozmap.page_size;
    clients.collection = "ftth-clients";
    clients.filter = {changed};
    fetch_changed<Client>(config, client, clients, parse_clients_page, "", delta.clients, result.skipped);

    // A property taken onto or off a port changes that splitter's outputs; whether OZmap moves the
    // splitter's updatedAt then is not documented, so those splitters are read again by id.
    std::set<std::string> property_ids, splitters, fetched;
    for (const auto& s : delta.splitters)
        fetched.insert(s.id);
    for (const auto& p : delta.properties) {
        property_ids.insert(p.id.str());
        if (!p.splitter.empty()) splitters.insert(p.splitter.str());
    }
    splitters.merge(splitters_of_properties(store, snapshot, property_ids));
    std::vector<std::string> missing;
    for (const auto& s : splitters)
        if (!fetched.count(s)) missing.push_back(s);
    for (size_t i = 0; i < missing.size(); i += kIdsPerQuery) {
        ListQuery q;
        q.limit = config.ozmap.page_size;
        q.collection = "splitters";
        q.filter = {filter_in("id", std::vector<std::string>(
                                        missing.begin() + static_cast<long>(i),
                                        missing.begin() +
                                            static_cast<long>(std::min(missing.size(), i + kIdsPerQuery)))),
                    filter_eq("isDrop", true)};
        fetch_changed<Splitter>(config, client, q, parse_splitters_page, "", delta.splitters, result.skipped);
    }
    // Only the snapshot's projects: a splitter read by id may lie elsewhere.
    std::erase_if(delta.splitters, [&](const Splitter& s) {
        return std::find(info->projects.begin(), info->projects.end(), s.project) == info->projects.end();
    });

    auto tx = store.transaction();
    result.scope = apply_delta(store, snapshot, delta, started);
    store.set_state(kOzmapPulledAt, started);
    tx.commit();
    result.rows = static_cast<long long>(delta.rows());
    spdlog::info("OZmap since {}: {} box(es), {} drop splitter(s), {} propert(ies), {} client(s) changed",
                 result.since, delta.boxes.size(), delta.splitters.size(), delta.properties.size(),
                 delta.clients.size());
    return result;
}

IncrementalScope incremental_scope(Store& store, int64_t snapshot, const SaleFeed& feed,
                                   const DeltaScope& touched) {
    IncrementalScope out;
    SaleRecords records(store);
    std::vector<const Sale*> all;
    all.reserve(feed.sales.size());
    for (const auto& s : feed.sales)
        all.push_back(&s);
    std::set<std::string> feed_ids;
    for (const Sale* s : all)
        feed_ids.insert(s->id.str());
    const auto recorded = records.versions_of(feed_ids);
    std::map<Id, const Sale*> newer;
    for (const Sale* s : latest_versions(all)) {
        auto it = recorded.find(s->id);
        if (it == recorded.end() || s->version > it->second.version)
            newer.emplace(s->id, s);
        else if (s->version == it->second.version && !it->second.settled)
            newer.emplace(s->id, s); // the same record, its writes still owed
    }
    std::set<std::string> ids;
    for (const auto& [id, s] : newer)
        ids.insert(id.str());
    out.changed = ids;
    ids.merge(records.unsettled());
    ids.merge(records.on_splitters(touched.splitters));
    ids.merge(records.with_codes(touched.codes));
    ids.insert(touched.sale_ids.begin(), touched.sale_ids.end());
    ids.merge(RunStore(store).sales_owning(touched.client_ids, touched.splitters));

    // Every record the feed holds of a changed id (reconcile picks the latest version and refuses a
    // contradiction, as in a full run); the recorded one for the others.
    std::set<std::string> stored_ids;
    for (const auto& id : ids)
        if (!newer.count(id)) stored_ids.insert(id);
    for (const auto& s : feed.sales)
        if (newer.count(s.id)) out.sales.push_back(s);
    for (auto& s : records.get(stored_ids))
        out.sales.push_back(std::move(s));

    InventoryPart part;
    out.baseline = RunStore(store).baseline_of(ids);
    const Baseline& base = out.baseline;
    for (const auto& s : out.sales) {
        part.sale_ids.insert(s.id.str());
        part.boxes.insert(s.box.str());
        part.splitters.insert(s.splitter.str());
        part.codes.insert(s.code_order);
    }
    for (const auto& [sale, o] : base) {
        if (!o.port.splitter.empty()) part.splitters.insert(o.port.splitter.str());
        if (!o.code.empty()) part.codes.insert(o.code);
        if (!o.client_id.empty()) part.client_ids.insert(o.client_id.str());
    }
    out.inventory = load_inventory_part(store, snapshot, part);
    return out;
}

/// The latest record of each id, leaving out the ids the feed contradicts (two different records of one
/// version): reconcile used neither, so neither may stand for the sale later.
std::vector<const Sale*> recordable(const SaleFeed& feed) {
    std::unordered_set<Id, IdHash> contradicted;
    for (const Sale* s : contradictions(feed.sales))
        contradicted.insert(s->id);
    std::vector<const Sale*> all;
    all.reserve(feed.sales.size());
    for (const auto& s : feed.sales)
        if (contradicted.empty() || !contradicted.count(s.id)) all.push_back(&s);
    return latest_versions(all);
}

/// Records these sale records and whether each one's writes all went through (else the next
/// incremental run plans it again); `whole_feed`: they are the whole feed, ids not among them are
/// forgotten.
void record_sales(Store& store, const std::vector<const Sale*>& sales,
                  const std::vector<JournalEntry>& entries, bool whole_feed, const std::string& run_id,
                  const std::string& read_at) {
    std::set<Id> unsettled;
    for (const auto& e : entries)
        if (is_write(e.change.action) && e.state != EntryState::Done && !e.change.sale_id.empty())
            unsettled.insert(e.change.sale_id);
    SaleRecords records(store);
    auto tx = store.transaction();
    if (whole_feed) {
        const auto recorded = records.versions();
        std::vector<const Sale*> changed;
        for (const Sale* s : sales) {
            auto it = recorded.find(s->id);
            if (it == recorded.end() || it->second.version != s->version ||
                it->second.settled != !unsettled.count(s->id))
                changed.push_back(s);
        }
        records.record(changed, unsettled);
        records.keep_only(sales, recorded);
        store.set_state(kSalesRecordedBy, run_id);
    } else {
        records.record(sales, unsettled);
    }
    store.set_state(kSalesReadAt, read_at);
    tx.commit();
}

} // namespace oznsync
