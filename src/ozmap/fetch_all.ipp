// Template body of fetch_all (included by ozmap_client.hpp).
#include "util/error.hpp"
#include "util/parallel.hpp"
#include "util/strings.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <optional>
#include <set>

namespace oznsync {

namespace fetch_detail {

/// One list, fetched page by page. The three ways (page numbers in parallel, `_id` ranges each followed
/// by its cursor, one cursor) share the request, the refusal of impossible answers and the accounting.
template <typename Row> class ListFetch {
    /// One `_id` range of the list: its query, and its bounds ("" = open).
    struct Range {
        ListQuery query;
        std::string from, to;
        bool holds(const std::string& id) const {
            return (from.empty() || id >= from) && (to.empty() || id < to);
        }
    };

public:
    ListFetch(OzmapClient& client, const ListQuery& query, int concurrency, PageParser<Row> parse,
              const std::function<void(Page<Row>&)>& sink, const std::function<void(long long)>& on_total)
        : m_client(client), m_query(query), m_concurrency(std::max(1, concurrency)), m_parse(parse),
          m_sink(sink), m_on_total(on_total), m_in_body(client.config().filter_in_body),
          m_max_pages(client.config().max_pages) {}

    FetchStats run() {
        Page<Row> first = fetch(m_query, 1);
        m_stats.total = first.total;
        if (first.total >= 0 && pages_for(first.total, std::max(1LL, first.rows_seen)) > m_max_pages)
            refuse("total " + std::to_string(first.total) + " would take more than ozmap.max_pages (" +
                   std::to_string(m_max_pages) + ") pages");
        // A short first page means the server pages its own way: only its cursor can be followed.
        const bool own_page_size = first.total > first.rows_seen && first.rows_seen < m_query.limit;
        if (first.total < 0 || own_page_size || m_client.page_numbers() < 0) return by_cursor(first);
        if (first.total <= first.rows_seen) {
            account(first);
            return received(first.total);
        }
        // `page` is proven by page 2 before it is trusted: a server that answers page 2 with page 1
        // again ignores it (the live API as the SDK uses it), and is followed by its cursor instead.
        Page<Row> second = fetch(m_query, 2);
        if (!second.rows.empty() && !first.rows.empty() && second.rows.front().id == first.rows.front().id) {
            spdlog::debug("OZmap {} ignores `page`: following nextUrl", m_query.collection);
            m_client.note_page_numbers(false);
            return by_cursor(first);
        }
        m_client.note_page_numbers(true);
        return by_page_numbers(first, second);
    }

private:
    static long long pages_for(long long rows, long long per_page) {
        return (rows + per_page - 1) / std::max(1LL, per_page);
    }

    [[noreturn]] void refuse(const std::string& why) const {
        throw UnavailableError("OZmap " + m_query.collection + ": " + why + "; the pull stops here");
    }

    Page<Row> fetch_route(const ListQuery& q, const std::string& route) const {
        Page<Row> page;
        // ozmap.filter_in = body: filter and sort go as the SDK sends them, a JSON body on every GET.
        HttpResponse r = m_client.api().call(
            {"GET", "/api/v2/" + route, m_in_body ? list_body(q) : "", "application/json"},
            [&](HttpResponse& resp) { page = m_parse(resp.body); });
        if (r.status == 404)
            throw ConfigError("OZmap answered HTTP 404 for GET /api/v2/" + q.collection +
                              ": is ozmap.url the OZmap origin (https://host:9994, without /api/v2)?");
        if (r.status < 200 || r.status >= 300)
            throw UnavailableError("OZmap GET " + q.collection + " answered HTTP " +
                                   std::to_string(r.status) + ": " + clean_message(r.body, 200));
        return page;
    }
    Page<Row> fetch(const ListQuery& q, int page) const {
        return fetch_route(q, list_path(q, page, m_in_body));
    }

    void account(Page<Row>& page) {
        ++m_stats.pages;
        m_stats.rows += page.rows_seen;
        m_stats.skipped += static_cast<long long>(page.problems.size());
        m_sink(page);
    }

    void count_page(long long cap) {
        if (++m_pages_fetched > cap)
            refuse("more than " + std::to_string(cap) + " pages (ozmap.max_pages, or what total allows)");
    }

    /// Follows the cursor of one query from its first page, handing each page to `emit` (the official
    /// SDK's way; the only way on a server that ignores `page`). A cursor that repeats or leads back is
    /// refused rather than followed for ever.
    void follow(const ListQuery& q, Page<Row> page, long long cap,
                const std::function<void(Page<Row>&&)>& emit) {
        std::set<std::string> cursors, first_rows; // cursors followed; the first row id of every page
        auto repeats = [&](const Page<Row>& p) {
            return !p.rows.empty() && !first_rows.insert(id_string(p.rows.front().id)).second;
        };
        repeats(page);
        for (;;) {
            std::string next = page.has_next ? page.next_url : "";
            emit(std::move(page));
            if (next.empty()) return;
            if (!cursors.insert(next).second)
                refuse("nextUrl repeats an earlier page (" + next.substr(0, 200) + ")");
            count_page(cap);
            page = fetch_route(q, OzmapClient::next_page_route(q, next, m_in_body));
            if (page.rows_seen == 0 && page.has_next) refuse("an empty page that says more follow");
            if (repeats(page)) refuse("nextUrl leads to a page already read");
        }
    }

    FetchStats by_cursor(Page<Row>& first) {
        if (m_on_total) m_on_total(0);
        const long long stated = first.total;
        // Known total: at most the pages it needs (plus slack for rows added meanwhile); else the hard cap.
        const long long cap =
            first.total >= 0 ? std::min<long long>(m_max_pages, pages_for(first.total, first.rows_seen) + 2)
                             : m_max_pages;
        m_pages_fetched = 1;
        if (first.has_next) {
            const long long pages = first.total >= 0 ? pages_for(first.total, first.rows_seen) : -1;
            std::vector<Range> ranges = id_ranges(first, pages);
            if (!ranges.empty()) return reached(stated, by_id_ranges(ranges, cap), true);
        }
        follow(m_query, std::move(first), cap, [&](Page<Row>&& p) { account(p); });
        m_stats.total = m_stats.rows;
        return reached(stated, m_stats, false);
    }

    /// A list that stated its total must reach it (rows created meanwhile are more, never fewer): a
    /// silently short snapshot is the worst a pull can end in. Short by `_id` ranges: this client reads by
    /// one cursor from now on; short either way: the collection is read again (InventoryChanged), and
    /// after its attempts the pull fails naming it.
    FetchStats reached(long long stated, const FetchStats& stats, bool by_ranges) const {
        if (stated < 0 || stats.rows >= stated) return stats;
        if (by_ranges) m_client.note_id_ranges_ignored();
        throw InventoryChanged("OZmap " + m_query.collection +
                               " came up short: " + std::to_string(stats.rows) +
                               " rows received where the first page's total said " + std::to_string(stated) +
                               (by_ranges ? " (its `_id` ranges; one cursor follows)" : ""));
    }

    /// A large list on a cursor-only server is cut into `_id` ranges (`_id < b1`, `b1 <= _id < b2`, ...,
    /// `_id >= bn`: together every id, each once, whatever the cuts). The cuts come from the smallest id
    /// of the first page and the largest id of the list (one request sorted by `_id`, descending). None
    /// when the list is small, the server cannot sort, or its ids are not ObjectIds.
    std::vector<Range> id_ranges(const Page<Row>& first, long long pages) {
        // Every range ends with a part page, and the other lists run alongside: a few long ranges keep the
        // requests in flight busy; more only add requests.
        constexpr long long kPagesPerRange = 6;
        const int parts =
            pages < 0 ? m_concurrency * 2
                      : static_cast<int>(std::min<long long>(m_concurrency * 2, pages / kPagesPerRange));
        if (parts < 2 || first.rows.empty() || !m_client.id_ranges_honoured()) return {};
        ListQuery last = m_query;
        last.limit = 1;
        last.sort = {{"_id", -1}};
        Page<Row> top;
        try {
            top = fetch(last, 1);
        } catch (const UnavailableError& e) {
            spdlog::debug("OZmap {}: no sorted answer ({}); one cursor", m_query.collection, e.what());
            return {};
        }
        if (top.rows.empty()) return {};
        std::string lo = id_string(first.rows.front().id);
        for (const auto& r : first.rows)
            lo = std::min(lo, id_string(r.id));
        std::vector<std::string> cuts = id_split_points(lo, id_string(top.rows.front().id), parts);
        if (cuts.empty()) return {};
        std::vector<Range> ranges;
        for (size_t i = 0; i <= cuts.size(); ++i) {
            Range r{m_query, i > 0 ? cuts[i - 1] : "", i < cuts.size() ? cuts[i] : ""};
            if (!r.from.empty()) r.query.filter.push_back(filter_cmp("_id", ">=", r.from));
            if (!r.to.empty()) r.query.filter.push_back(filter_cmp("_id", "<", r.to));
            ranges.push_back(std::move(r));
        }
        spdlog::debug("OZmap {}: {} _id ranges fetched at once, each by its cursor", m_query.collection,
                      ranges.size());
        return ranges;
    }

    /// A row outside its range: the server ignores the `_id` filter, so the ranges overlap. What was read
    /// is void (the caller clears it and fetches again); this client uses one cursor from now on.
    void check_range(const Range& range, const Page<Row>& page) const {
        for (const auto& row : page.rows)
            if (!range.holds(id_string(row.id))) {
                m_client.note_id_ranges_ignored();
                throw InventoryChanged("OZmap " + m_query.collection + " answered an `_id` range with row " +
                                       row.id +
                                       " outside it: the server ignores `_id` ranges, one cursor follows");
            }
    }

    FetchStats by_id_ranges(const std::vector<Range>& ranges, long long cap) {
        cap += static_cast<long long>(ranges.size()) + 1; // each range ends with a part page
        std::atomic<size_t> next{0};
        const int threads =
            static_cast<int>(std::min<size_t>(static_cast<size_t>(m_concurrency), ranges.size()));
        produce_consume<Page<Row>>(
            threads, static_cast<size_t>(m_concurrency) * 2,
            [&](int, const std::function<void(Page<Row> &&)>& push) {
                for (size_t i = next++; i < ranges.size(); i = next++) {
                    count_page(cap);
                    follow(ranges[i].query, fetch(ranges[i].query, 1), cap, [&](Page<Row>&& page) {
                        check_range(ranges[i], page);
                        push(std::move(page));
                    });
                }
            },
            [&](Page<Row>& page) { account(page); });
        m_stats.total = m_stats.rows;
        return m_stats;
    }

    void changed_total(long long was, long long now) const {
        throw InventoryChanged(m_query.collection + ": total changed from " + std::to_string(was) + " to " +
                               std::to_string(now) + " during the pull");
    }

    void check_full(int page_number, const Page<Row>& page, long long total, int pages) const {
        if (page_number < pages && page.rows_seen < m_query.limit)
            refuse("page " + std::to_string(page_number) + " holds " + std::to_string(page.rows_seen) +
                   " rows where total " + std::to_string(total) + " needs " + std::to_string(m_query.limit) +
                   ": the total is not true");
    }

    /// Page numbers proven honoured: every other page is fetched at once, `concurrency` at a time.
    FetchStats by_page_numbers(Page<Row>& first, Page<Row>& second) {
        const long long total = first.total;
        const int pages = page_count(total, m_query.limit);
        if (m_on_total) m_on_total(pages);
        account(first);
        if (second.total != total) changed_total(total, second.total);
        check_full(2, second, total, pages);
        account(second);

        std::atomic<int> next{3};
        produce_consume<Page<Row>>(
            std::min(m_concurrency, std::max(0, pages - 2)), static_cast<size_t>(m_concurrency) * 2,
            [&](int, const std::function<void(Page<Row> &&)>& push) {
                for (int p = next++; p <= pages; p = next++) {
                    Page<Row> page = fetch(m_query, p);
                    if (page.total != total) changed_total(total, page.total);
                    check_full(p, page, total, pages);
                    push(std::move(page));
                }
            },
            [&](Page<Row>& page) { account(page); });
        return received(total);
    }

    FetchStats received(long long total) const {
        if (m_stats.rows != total)
            throw InventoryChanged(m_query.collection + ": received " + std::to_string(m_stats.rows) +
                                   " rows, total says " + std::to_string(total));
        return m_stats;
    }

    OzmapClient& m_client;
    const ListQuery& m_query;
    const int m_concurrency;
    PageParser<Row> m_parse;
    const std::function<void(Page<Row>&)>& m_sink;
    const std::function<void(long long)>& m_on_total;
    const bool m_in_body;
    const long long m_max_pages;
    FetchStats m_stats;
    std::atomic<long long> m_pages_fetched{0};
};

} // namespace fetch_detail

template <typename Row>
FetchStats fetch_all(OzmapClient& client, const ListQuery& query, int concurrency, PageParser<Row> parse,
                     const std::function<void(Page<Row>&)>& sink,
                     const std::function<void(long long)>& on_total) {
    return fetch_detail::ListFetch<Row>(client, query, concurrency, parse, sink, on_total).run();
}

} // namespace oznsync
