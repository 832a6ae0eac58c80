#pragma once
// A sale record as read (JSON, TMF638 or CSV), every field as text, and how it becomes a Sale or an
// INVALID record with its reason: the checks every feed shape shares. For neutral/ only.
#include "neutral/sale_parser.hpp"

#include <array>
#include <string>
#include <string_view>

namespace oznsync {

/// A record as read, every field as text, before validation (JSON and CSV both produce this). Flat and
/// reused from record to record: a feed of 500k records must not cost a map node per field.
struct RawSale {
    /// More keys than any sale needs make the record INVALID; bounding them keeps every look-up below
    /// short, so parsing stays linear in the feed whatever one record holds.
    static constexpr size_t kMaxKeys = 256;
    struct Field {
        std::string key, value;
    };
    std::vector<Field> fields; // the first `count` are this record's (canonical name -> text)
    size_t count = 0;
    std::vector<std::string> keys; // every key read (the first `key_count`), to find one given twice
    size_t key_count = 0;
    std::vector<std::string> errors;

    void clear() {
        count = key_count = 0;
        errors.clear();
        overflowed = false;
        tmf = false;
    }
    bool tmf = false; // a TMF638 Service (the ozn-sdk's shape), mapped onto the flat fields
    const std::string* find(std::string_view k) const {
        for (size_t i = 0; i < count; ++i)
            if (fields[i].key == k) return &fields[i].value;
        return nullptr;
    }
    bool has(std::string_view k) const {
        const std::string* v = find(k);
        return v && !v->empty();
    }
    const std::string& get(std::string_view k) const {
        static const std::string none;
        const std::string* v = find(k);
        return v ? *v : none;
    }
    /// The value of `k`, made empty, to be filled.
    std::string& set(std::string_view k) {
        for (size_t i = 0; i < count; ++i)
            if (fields[i].key == k) return fields[i].value;
        if (count >= kMaxKeys) {
            too_many();
            static thread_local std::string overflow;
            overflow.clear();
            return overflow;
        }
        if (count == fields.size()) fields.emplace_back();
        Field& f = fields[count++];
        f.key.assign(k);
        f.value.clear();
        return f.value;
    }
    /// False when `k` was read before in this record.
    bool first_time(std::string_view k) {
        if (key_count >= kMaxKeys) {
            too_many();
            return true;
        }
        for (size_t i = 0; i < key_count; ++i)
            if (keys[i] == k) return false;
        if (key_count == keys.size()) keys.emplace_back();
        keys[key_count++].assign(k);
        return true;
    }
    void too_many() {
        if (!overflowed) errors.push_back("more than " + std::to_string(kMaxKeys) + " fields");
        overflowed = true;
    }
    bool overflowed = false;
    template <typename F> void each(F&& f) const {
        for (size_t i = 0; i < count; ++i)
            f(fields[i].key, fields[i].value);
    }
};

/// Validates the record and adds it to the feed as a sale, or as INVALID with the reason and its place
/// (`position`, 1-based) in the feed.
void add(SaleFeed& feed, const RawSale& raw, long long position);

} // namespace oznsync
