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

FilterCondition filter_cmp(const std::string& property, const std::string& op, const std::string& value) {
    std::string v;
    append_json_string(v, value);
    return {property, op, v};
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

namespace {
std::string sort_json(const std::vector<SortKey>& keys) {
    std::string out;
    JsonWriter w(out);
    w.begin_array();
    for (const auto& k : keys)
        w.begin_object().field("property", k.property).field("direction", k.direction).end_object();
    w.end_array();
    return out;
}
} // namespace

std::string list_path(const ListQuery& q, int page, bool filter_in_body) {
    std::string path = q.collection + "?page=" + std::to_string(page) + "&limit=" + std::to_string(q.limit);
    if (!q.filter.empty() && !filter_in_body) path += "&filter=" + url_encode(filter_json(q.filter));
    if (!q.sort.empty() && !filter_in_body) path += "&sort=" + url_encode(sort_json(q.sort));
    if (!q.populate.empty()) path += "&populate=" + url_encode(q.populate);
    return path;
}

std::string list_body(const ListQuery& q) {
    if (q.filter.empty() && q.sort.empty()) return "";
    std::string out = "{";
    if (!q.filter.empty()) out += "\"filter\":" + filter_json(q.filter);
    if (!q.sort.empty()) out += std::string(q.filter.empty() ? "" : ",") + "\"sort\":" + sort_json(q.sort);
    return out + "}";
}

int page_count(long long total, int limit) {
    if (total <= 0 || limit <= 0) return 1;
    return static_cast<int>((total + limit - 1) / limit);
}

} // namespace oznsync

namespace oznsync {

namespace {
__extension__ typedef unsigned __int128 Id96; // an ObjectId is 96 bits

bool parse_object_id(const std::string& s, Id96& out) {
    if (s.size() != 24) return false;
    out = 0;
    for (char c : s) {
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0) return false;
        out = out << 4 | static_cast<Id96>(d);
    }
    return true;
}

std::string format_object_id(Id96 v) {
    std::string s(24, '0');
    for (int i = 23; i >= 0; --i, v >>= 4)
        s[static_cast<size_t>(i)] = "0123456789abcdef"[static_cast<int>(v & 15)];
    return s;
}
} // namespace

std::vector<std::string> id_split_points(const std::string& lo, const std::string& hi, int parts) {
    Id96 a, b;
    std::vector<std::string> out;
    if (parts < 2 || !parse_object_id(lo, a) || !parse_object_id(hi, b) || b <= a) return out;
    const Id96 step = (b - a) / static_cast<Id96>(parts);
    if (step == 0) return out;
    for (int k = 1; k < parts; ++k)
        out.push_back(format_object_id(a + step * static_cast<Id96>(k)));
    return out;
}

} // namespace oznsync
