#pragma once
// Building OZmap list requests: the filter JSON and the query string it travels in.
#include <string>
#include <vector>

namespace oznsync {

struct FilterCondition {
    std::string property, op;
    std::string value_json; // already-serialised JSON value
};

FilterCondition filter_eq(const std::string& property, const std::string& value);
FilterCondition filter_eq(const std::string& property, bool value);
FilterCondition filter_in(const std::string& property, const std::vector<std::string>& values);
/// A comparison (`<`, `<=`, `>`, `>=`) with a string value, e.g. an `_id` range bound.
FilterCondition filter_cmp(const std::string& property, const std::string& op, const std::string& value);

/// The filter as OZmap takes it: an array of {property, operator, value}, ANDed.
std::string filter_json(const std::vector<FilterCondition>& conditions);

struct SortKey {
    std::string property;
    int direction = 1; // 1 ascending, -1 descending
};

struct ListQuery {
    std::string collection; // e.g. "boxes"
    std::vector<FilterCondition> filter;
    std::vector<SortKey> sort;
    std::string populate;
    int limit = 500;
};

/// "boxes?page=P&limit=L&filter=...&sort=..." relative to /api/v2/; without filter and sort when they go
/// in the body.
std::string list_path(const ListQuery& q, int page, bool filter_in_body = false);
/// The GET body the official SDK sends: {"filter": [...], "sort": [...]} (empty when there is neither).
std::string list_body(const ListQuery& q);
/// Pages needed for `total` rows at `limit` per page (at least 1: the first page tells the total).
int page_count(long long total, int limit);

/// Where to cut the ids from `lo` to `hi` into `parts` ranges of about equal width, for fetching one
/// collection as several `_id` ranges at once: at most parts - 1 ids strictly between lo and hi, rising.
/// OZmap ids are ObjectIds (24 hex digits, creation time first), so equal widths are equal stretches of
/// time. Empty when the ids are not lower-case ObjectIds or lie too close together to cut.
std::vector<std::string> id_split_points(const std::string& lo, const std::string& hi, int parts);

} // namespace oznsync
