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

/// The filter as OZmap takes it: an array of {property, operator, value}, ANDed.
std::string filter_json(const std::vector<FilterCondition>& conditions);

struct ListQuery {
    std::string collection; // e.g. "boxes"
    std::vector<FilterCondition> filter;
    std::string populate;
    int limit = 500;
};

/// "boxes?page=P&limit=L&filter=..." relative to /api/v2/; without the filter when it goes in the body.
std::string list_path(const ListQuery& q, int page, bool filter_in_body = false);
/// The GET body the official SDK sends: {"filter": [...]} (empty when there is no filter).
std::string list_body(const ListQuery& q);
/// Pages needed for `total` rows at `limit` per page (at least 1: the first page tells the total).
int page_count(long long total, int limit);

} // namespace oznsync
