// Template body of fetch_all (included by ozmap_client.hpp).
#include "util/error.hpp"
#include "util/strings.hpp"

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <deque>
#include <exception>
#include <optional>
#include <set>
#include <thread>

namespace oznsync {

template <typename Row>
FetchStats fetch_all(OzmapClient& client, const ListQuery& query, int concurrency, PageParser<Row> parse,
                     const std::function<void(Page<Row>&)>& sink,
                     const std::function<void(long long)>& on_total) {
    FetchStats stats;
    // ozmap.filter_in = body: the filter goes as the SDK sends it, a JSON body on the GET (every page).
    const bool in_body = client.config().filter_in_body;
    const std::string body = in_body ? list_body(query) : "";
    auto fetch = [&](const std::string& route) {
        Page<Row> page;
        HttpResponse r = client.api().call({"GET", "/api/v2/" + route, body, "application/json"},
                                           [&](HttpResponse& resp) { page = parse(resp.body); });
        if (r.status == 404)
            throw ConfigError("OZmap answered HTTP 404 for GET /api/v2/" + query.collection +
                              ": is ozmap.url the OZmap origin (https://host:9994, without /api/v2)?");
        if (r.status < 200 || r.status >= 300)
            throw UnavailableError("OZmap GET " + query.collection + " answered HTTP " +
                                   std::to_string(r.status) + ": " + clean_message(r.body, 200));
        return page;
    };
    auto account = [&](Page<Row>& page) {
        ++stats.pages;
        stats.rows += page.rows_seen;
        stats.skipped += static_cast<long long>(page.problems.size());
        sink(page);
    };

    const long long max_pages = client.config().max_pages;
    auto pages_for = [](long long rows, long long per_page) {
        return (rows + per_page - 1) / std::max(1LL, per_page);
    };
    auto refuse = [&](const std::string& why) {
        throw UnavailableError("OZmap " + query.collection + ": " + why + "; the pull stops here");
    };
    Page<Row> first = fetch(list_path(query, 1, in_body));
    stats.total = first.total;
    // Page numbers only work when the server honours our page size: a short first page means it pages
    // its own way, so its cursor is followed.
    // Follows the cursor OZmap hands us, one page at a time, from `first` (the official SDK's way; the
    // only way on a server that ignores `page`).
    auto follow_cursor = [&](Page<Row>& first) {
        if (on_total) on_total(0);
        // Known total: at most the pages it needs (plus slack for rows added meanwhile); else the hard cap.
        const long long cap =
            first.total >= 0 ? std::min<long long>(max_pages, pages_for(first.total, first.rows_seen) + 2)
                             : max_pages;
        std::set<std::string> seen, first_rows; // cursors followed; the first row id of every page
        auto repeats = [&](const Page<Row>& page) {
            return !page.rows.empty() && !first_rows.insert(page.rows.front().id).second;
        };
        repeats(first);
        std::string next = first.has_next ? first.next_url : "";
        long long pages = 1;
        account(first);
        while (!next.empty()) {
            if (!seen.insert(next).second)
                refuse("nextUrl repeats an earlier page (" + next.substr(0, 200) + ")");
            if (++pages > cap)
                refuse("more than " + std::to_string(cap) + " pages (ozmap.max_pages, or what total allows)");
            Page<Row> page = fetch(OzmapClient::resolve_next_url(next));
            if (page.rows_seen == 0 && page.has_next) refuse("an empty page that says more follow");
            if (repeats(page)) refuse("nextUrl leads to a page already read");
            next = page.has_next ? page.next_url : "";
            account(page);
        }
        stats.total = stats.rows;
        return stats;
    };
    // Page numbers only work when the server honours our page size (a short first page means it pages its
    // own way) and `page` itself: page 2 is read first, and a server that answers it with page 1 again is
    // followed by its cursor instead.
    if (first.total < 0 || (first.total > first.rows_seen && first.rows_seen < query.limit))
        return follow_cursor(first);
    std::optional<Page<Row>> second;
    if (first.total > first.rows_seen) {
        second = fetch(list_path(query, 2, in_body));
        if (!second->rows.empty() && !first.rows.empty() &&
            second->rows.front().id == first.rows.front().id) {
            spdlog::debug("OZmap {} ignores `page`: following nextUrl", query.collection);
            return follow_cursor(first);
        }
    }

    const long long total = first.total;
    if (pages_for(total, query.limit) > max_pages)
        refuse("total " + std::to_string(total) + " would take more than ozmap.max_pages (" +
               std::to_string(max_pages) + ") pages");
    const int pages = page_count(total, query.limit);
    if (on_total) on_total(pages);
    account(first);
    if (second) {
        if (second->total != total)
            throw InventoryChanged(query.collection + ": total changed from " + std::to_string(total) +
                                   " to " + std::to_string(second->total) + " during the pull");
        if (pages > 2 && second->rows_seen < query.limit)
            refuse("page 2 holds " + std::to_string(second->rows_seen) + " rows where total " +
                   std::to_string(total) + " needs " + std::to_string(query.limit) +
                   ": the total is not true");
        account(*second);
    }

    std::atomic<int> next_page{second ? 3 : 2};
    std::mutex mutex;
    std::condition_variable ready, space;
    std::deque<Page<Row>> queue;
    std::exception_ptr failure;
    bool stop = false;
    const size_t capacity = static_cast<size_t>(std::max(2, concurrency * 2));

    auto worker = [&] {
        for (;;) {
            int p = next_page++;
            if (p > pages) return;
            {
                std::unique_lock lock(mutex);
                space.wait(lock, [&] { return queue.size() < capacity || stop; });
                if (stop) return;
            }
            try {
                Page<Row> page = fetch(list_path(query, p, in_body));
                if (page.total != total)
                    throw InventoryChanged(query.collection + ": total changed from " +
                                           std::to_string(total) + " to " + std::to_string(page.total) +
                                           " during the pull");
                if (p < pages && page.rows_seen < query.limit)
                    refuse("page " + std::to_string(p) + " holds " + std::to_string(page.rows_seen) +
                           " rows where total " + std::to_string(total) + " needs " +
                           std::to_string(query.limit) + ": the total is not true");
                std::lock_guard lock(mutex);
                queue.push_back(std::move(page));
            } catch (...) {
                std::lock_guard lock(mutex);
                if (!failure) failure = std::current_exception();
                stop = true;
            }
            ready.notify_one();
        }
    };
    std::vector<std::thread> threads;
    int n_threads = std::min(concurrency, std::max(0, pages - (second ? 2 : 1)));
    for (int i = 0; i < n_threads; ++i)
        threads.emplace_back(worker);

    int received = second ? 2 : 1;
    try {
        while (received < pages) {
            Page<Row> page;
            {
                std::unique_lock lock(mutex);
                ready.wait(lock, [&] { return !queue.empty() || failure; });
                if (failure) break;
                page = std::move(queue.front());
                queue.pop_front();
            }
            space.notify_one();
            account(page);
            ++received;
        }
    } catch (...) {
        std::lock_guard lock(mutex);
        if (!failure) failure = std::current_exception();
        stop = true;
    }
    {
        std::lock_guard lock(mutex);
        stop = stop || failure;
    }
    space.notify_all();
    for (auto& t : threads)
        t.join();
    if (failure) std::rethrow_exception(failure);
    if (stats.rows != total)
        throw InventoryChanged(query.collection + ": received " + std::to_string(stats.rows) +
                               " rows, total says " + std::to_string(total));
    return stats;
}

} // namespace oznsync
