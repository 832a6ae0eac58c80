#include "ozmap/filter.hpp"

#include "util/json_writer.hpp"
#include "util/strings.hpp"

namespace oznsync {

FilterCondition filter_eq(const std::string& property, const std::string& value) {
    std::string v;
    append_json_string(v, value);
    return {property, "=", v};
}

FilterCondition filter_eq(const std::string& property, bool value) {
    return {property, "=", value ? "true" : "false"};
}

FilterCondition filter_in(const std::string& property, const std::vector<std::string>& values) {
    std::string v;
    JsonWriter w(v);
    w.begin_array();
    for (const auto& s : values)
        w.value(s);
    w.end_array();
    return {property, "in", v};
}

std::string filter_json(const std::vector<FilterCondition>& conditions) {
    std::string out;
    JsonWriter w(out);
    w.begin_array();
    for (const auto& c : conditions) {
        w.begin_object().field("property", c.property).field("operator", c.op).key("value").raw(c.value_json);
        w.end_object();
    }
    w.end_array();
    return out;
}

std::string list_path(const ListQuery& q, int page, bool filter_in_body) {
    std::string path = q.collection + "?page=" + std::to_string(page) + "&limit=" + std::to_string(q.limit);
    if (!q.filter.empty() && !filter_in_body) path += "&filter=" + url_encode(filter_json(q.filter));
    if (!q.populate.empty()) path += "&populate=" + url_encode(q.populate);
    return path;
}

std::string list_body(const ListQuery& q) {
    return q.filter.empty() ? "" : "{\"filter\":" + filter_json(q.filter) + "}";
}

int page_count(long long total, int limit) {
    if (total <= 0 || limit <= 0) return 1;
    return static_cast<int>((total + limit - 1) / limit);
}

} // namespace oznsync
