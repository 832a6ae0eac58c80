#pragma once
// A small append-only JSON writer. Used where output is large (simulator pages, reports) so we never build
// a DOM just to serialise it. Commas are placed automatically.
#include "util/ids.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace oznsync {

void append_json_string(std::string& out, std::string_view s);

class JsonWriter {
public:
    explicit JsonWriter(std::string& out) : m_out(out) {}

    JsonWriter& begin_object();
    JsonWriter& end_object();
    JsonWriter& begin_array();
    JsonWriter& end_array();
    JsonWriter& key(std::string_view k);
    JsonWriter& value(std::string_view s);
    JsonWriter& value(const char* s) { return value(std::string_view(s)); }
    JsonWriter& value(const std::string& s) { return value(std::string_view(s)); }
    JsonWriter& value(const Id& id) { return value(IdText(id).view()); }
    JsonWriter& value(bool b);
    JsonWriter& value(int64_t n);
    JsonWriter& value(int n) { return value(static_cast<int64_t>(n)); }
    JsonWriter& value(uint64_t n) { return value(static_cast<int64_t>(n)); }
    JsonWriter& value(long long n) { return value(static_cast<int64_t>(n)); }
    JsonWriter& value(double d);
    JsonWriter& value(const std::optional<std::string>& s);
    JsonWriter& null();
    /// Inserts already-serialised JSON as one value.
    JsonWriter& raw(std::string_view json);

    template <typename T> JsonWriter& field(std::string_view k, const T& v) { return key(k).value(v); }

private:
    void before_value();
    std::string& m_out;
    std::vector<uint8_t> m_first; // per open container: no element written yet (1)
    bool m_after_key = false;
};

} // namespace oznsync
