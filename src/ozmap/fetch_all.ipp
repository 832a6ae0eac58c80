// Template body of fetch_all (included by ozmap_client.hpp).
#include "util/error.hpp"

#include <condition_variable>
#include <deque>
#include <exception>
#include <thread>

namespace oznsync {

template <typename Row>
FetchStats fetch_all(OzmapClient& client, const ListQuery& query, int concurrency, PageParser<Row> parse,
                     const std::function<void(Page<Row>&)>& sink,
                     const std::function<void(long long)>& on_total) {
    FetchStats stats;
    auto fetch = [&](const std::string& route) {
        Page<Row> page;
        HttpResponse r = client.api().call({"GET", "/api/v2/" + route, "", "application/json"},
                                           [&](HttpResponse& resp) { page = parse(resp.body); });
        if (r.status == 404)
            throw ConfigError("OZmap answered HTTP 404 for GET /api/v2/" + query.collection +
                              ": is ozmap.url the OZmap origin (https://host:9994, without /api/v2)?");
        if (r.status < 200 || r.status >= 300)
            throw UnavailableError("OZmap GET " + query.collection + " answered HTTP " +
                                   std::to_string(r.status) + ": " + r.body.substr(0, 200));
        return page;
    };
    auto account = [&](Page<Row>& page) {
        ++stats.pages;
        stats.rows += page.rows_seen;
        stats.skipped += static_cast<long long>(page.problems.size());
        sink(page);
    };

    Page<Row> first = fetch(list_path(query, 1));
    stats.total = first.total;
    if (first.total < 0) {
        // No total: follow the cursor OZmap hands us, one page at a time.
        if (on_total) on_total(0);
        std::string next = first.has_next ? first.next_url : "";
        account(first);
        while (!next.empty()) {
            Page<Row> page = fetch(OzmapClient::resolve_next_url(next));
            next = page.has_next ? page.next_url : "";
            account(page);
        }
        stats.total = stats.rows;
        return stats;
    }

    const long long total = first.total;
    const int pages = page_count(total, query.limit);
    if (on_total) on_total(pages);
    account(first);

    std::atomic<int> next_page{2};
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
                Page<Row> page = fetch(list_path(query, p));
                if (page.total != total)
                    throw InventoryChanged(query.collection + ": total changed from " +
                                           std::to_string(total) + " to " + std::to_string(page.total) +
                                           " during the pull");
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
    int n_threads = std::min(concurrency, std::max(0, pages - 1));
    for (int i = 0; i < n_threads; ++i)
        threads.emplace_back(worker);

    int received = 1;
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
