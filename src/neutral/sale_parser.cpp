#include "neutral/sale_parser.hpp"

#include "neutral/json_slices.hpp"
#include "neutral/raw_sale.hpp"
#include "neutral/sale_csv.hpp"

#include "util/capacity.hpp"
#include "util/digest.hpp"

#include "util/error.hpp"
#include "util/ids.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <future>
#include <iterator>
#include <map>
#include <optional>

namespace oznsync {

namespace od = simdjson::ondemand;

namespace {

// ---- JSON ----

od::json_type kind(od::value& v) {
    return v.type().value();
}

void scalar(od::value v, const std::string& name, RawSale& r) {
    switch (kind(v)) {
    case od::json_type::null:
        break;
    case od::json_type::string:
        r.set(name) = std::string_view(v.get_string());
        break;
    case od::json_type::number:
    case od::json_type::boolean:
        r.set(name) = trim(std::string_view(v.raw_json_token()));
        break;
    default:
        r.errors.push_back(name + " must be a single value, not an object or array");
    }
}

void nested(od::value v, const std::string& prefix, RawSale& r) {
    if (kind(v) == od::json_type::null) return;
    if (kind(v) != od::json_type::object) {
        r.errors.push_back(prefix + " must be an object");
        return;
    }
    bool empty = true;
    for (auto field : v.get_object()) {
        std::string k(std::string_view(field.unescaped_key()));
        empty = false;
        if (!r.first_time(prefix + "." + k)) r.errors.push_back(prefix + "." + k + " is given twice");
        scalar(field.value(), prefix + "." + k, r);
    }
    if (empty) r.errors.push_back(prefix + " is an empty object");
}

// ---- TMF638 Service (the ozn-sdk's shape; docs/ozneutral-mapping.md) ----

/// `[{name, value}, ...]` (serviceCharacteristic, a party's property, a resource's characteristic) into
/// `prefix + name`.
void name_values(od::value v, const std::string& prefix, RawSale& r) {
    if (kind(v) != od::json_type::array) {
        r.errors.push_back(prefix + " must be an array of {name, value}");
        return;
    }
    for (auto el : v.get_array()) {
        od::value item = el.value();
        if (kind(item) != od::json_type::object) continue;
        std::string name;
        std::optional<std::string> value;
        for (auto f : item.get_object()) {
            std::string_view k = f.unescaped_key();
            od::value x = f.value();
            if (k == "name" && kind(x) == od::json_type::string)
                name = std::string(std::string_view(x.get_string()));
            if (k == "value") {
                RawSale one;
                scalar(x, "v", one);
                value = one.get("v");
            }
        }
        if (name.empty() || !value) continue;
        if (!r.first_time(prefix + name)) r.errors.push_back(prefix + name + " is given twice");
        r.set(prefix + name) = *value;
    }
}

/// relatedParty[{role, property[...]}]: role customer and partner.
void related_parties(od::value v, RawSale& r) {
    if (kind(v) != od::json_type::array) return;
    bool customer = false, partner = false;
    for (auto el : v.get_array()) {
        od::value party = el.value();
        if (kind(party) != od::json_type::object) continue;
        std::string role;
        RawSale props;
        for (auto f : party.get_object()) {
            std::string_view k = f.unescaped_key();
            if (k == "role") {
                od::value x = f.value();
                if (kind(x) == od::json_type::string) role = std::string(std::string_view(x.get_string()));
            } else if (k == "property") {
                name_values(f.value(), "", props);
            }
        }
        r.errors.insert(r.errors.end(), props.errors.begin(), props.errors.end());
        const std::string prefix = role == "customer"  ? "tmf.customer."
                                   : role == "partner" ? "tmf.partner."
                                                       : "";
        if (prefix.empty()) continue;
        // Two customers or two partners: which one is meant cannot be known, so the record is INVALID.
        bool& seen = role == "customer" ? customer : partner;
        if (seen) r.errors.push_back("two relatedParty entries with role " + role);
        seen = true;
        props.each([&](const std::string& k, const std::string& val) { r.set(prefix + k) = val; });
    }
}

/// supportingResource[{resource[{entityType, characteristic[...]}]}]: the port's characteristics.
void supporting_resources(od::value v, RawSale& r) {
    if (kind(v) != od::json_type::array) return;
    bool port = false;
    auto take_port = [&](const std::string& type, const RawSale& chars) {
        r.errors.insert(r.errors.end(), chars.errors.begin(), chars.errors.end());
        if (type != "port" && type != "OZmapPort") return;
        if (port) r.errors.push_back("two port resources in supportingResource");
        port = true;
        chars.each([&](const std::string& k, const std::string& val) { r.set("tmf.port." + k) = val; });
    };
    for (auto el : v.get_array()) {
        od::value support = el.value();
        if (kind(support) != od::json_type::object) continue;
        // The port's characteristics may sit on the supportingResource itself (the ozn-sdk's schema has
        // `characteristic` there too) or on a resource inside it.
        std::string support_type;
        RawSale support_chars;
        for (auto f : support.get_object()) {
            const std::string_view key = f.unescaped_key();
            od::value x = f.value();
            if (key == "entityType" && kind(x) == od::json_type::string)
                support_type = std::string(std::string_view(x.get_string()));
            else if (key == "characteristic" && kind(x) != od::json_type::null)
                name_values(x, "", support_chars);
            if (key != "resource") continue;
            od::value resources = x;
            if (kind(resources) != od::json_type::array) continue;
            for (auto re : resources.get_array()) {
                od::value res = re.value();
                if (kind(res) != od::json_type::object) continue;
                std::string type;
                RawSale chars;
                for (auto rf : res.get_object()) {
                    std::string_view k = rf.unescaped_key();
                    od::value rx = rf.value();
                    if (k == "entityType" && kind(rx) == od::json_type::string)
                        type = std::string(std::string_view(rx.get_string()));
                    else if (k == "characteristic" && kind(rx) != od::json_type::null)
                        name_values(rx, "", chars);
                }
                take_port(type, chars);
            }
        }
        take_port(support_type, support_chars);
    }
}

/// Turns a TMF638 record into the flat fields; returns false when the record is not a sale yet.
bool from_tmf(RawSale& r) {
    r.tmf = true;
    auto take = [&](const std::string& to, std::initializer_list<const char*> from) {
        if (r.has(to)) return;
        for (const char* k : from)
            if (r.has(k)) {
                r.set(to) = std::string(r.get(k));
                return;
            }
    };
    std::string state = r.get("state");
    if (state == "feasibilityChecked" || state == "designed") return false;
    if (state == "suspended") state = "inactive";
    std::string substate = r.get("tmf.char.oznSubstate");
    if (substate.empty()) {
        // Both terminated substates ask for the client's removal; only the report's reason differs.
        substate = state == "inactive"     ? "portInactive"
                   : state == "terminated" ? "reservationCancelled"
                                           : state;
    }
    r.set("state") = state;
    r.set("substate") = substate;
    take("codeOrder", {"tmf.char.codeOrder", "name"});
    take("version", {"tmf.char.version"});
    take("updatedAt", {"tmf.char.updatedAt", "@lastUpdate"});
    take("clientName", {"tmf.customer.name"});
    take("address", {"tmf.customer.address"});
    take("partner.id", {"tmf.partner.id"});
    take("partner.name", {"tmf.partner.name"});
    take("partner.partnershipId", {"tmf.partner.partnershipId"});
    for (const char* k : {"project", "box", "splitter", "port", "clientId"})
        take(std::string("ozmap.") + k, {(std::string("tmf.port.") + k).c_str()});
    take("portReplaceReason", {"tmf.char.portReplaceReason"});
    take("previousPort.box", {"tmf.char.previousBox"});
    take("previousPort.splitter", {"tmf.char.previousSplitter"});
    take("previousPort.port", {"tmf.char.previousPort"});
    return true;
}

/// A flat record (ozneutral-feed.md) or a TMF638 Service, told apart by content, read into `r` (cleared
/// first); false when the record is a TMF638 service that is not a sale yet (feasibilityChecked, designed).
bool read_json_record(od::value v, RawSale& r) {
    r.clear();
    if (kind(v) != od::json_type::object) {
        r.errors.push_back("record is not a JSON object");
        return true;
    }
    bool tmf = false;
    std::vector<std::string> nested_keys;
    for (auto field : v.get_object()) {
        std::string k(std::string_view(field.unescaped_key()));
        od::value val = field.value();
        // A key given twice would make the record mean whichever came last: a finding, not a choice.
        if (!r.first_time(k)) r.errors.push_back(k + " is given twice");
        if (k == "partner" || k == "ozmap") {
            nested(val, k, r);
        } else if (k == "previousPort" && kind(val) == od::json_type::object) {
            nested(val, k, r);
        } else if (k == "serviceCharacteristic") {
            tmf = true;
            name_values(val, "tmf.char.", r);
        } else if (k == "relatedParty") {
            tmf = true;
            related_parties(val, r);
        } else if (k == "supportingResource") {
            tmf = true;
            supporting_resources(val, r);
        } else if (kind(val) == od::json_type::array || kind(val) == od::json_type::object) {
            nested_keys.push_back(k); // TMF638 has more of these (place, note, ...); a flat record must not
        } else {
            scalar(val, k, r);
        }
    }
    if (tmf) return from_tmf(r);
    for (const auto& k : nested_keys)
        r.errors.push_back(k + " must be a single value, not an object or array");
    return true;
}

void parse_json_array(od::array arr, SaleFeed& feed) {
    // Counting walks the structural index simdjson has already built: one vector, not a 500k-record
    // feed's sales moved at every doubling. An array it cannot count is broken (`[{},,{}]`): the walk
    // after a failed count would find no element at all, and a broken feed would read as an empty one.
    size_t n = 0;
    if (auto error = arr.count_elements().get(n)) throw simdjson::simdjson_error(error);
    feed.sales.reserve(feed.sales.size() + n);
    RawSale record;
    for (auto el : arr) {
        ++feed.position; // the record's place in the feed, whether it is a sale yet or not
        if (read_json_record(el.value(), record)) add(feed, record, feed.position);
    }
}

// ---- a large array, a slice at a time ----

constexpr size_t kSliceBytes = 4u << 20;

/// Parses the array's elements between separators `seps[first]` and `seps[last]` a slice at a time into
/// `into` (its position counting on from where it stands).
void parse_slices(const std::string& text, const std::vector<size_t>& seps, size_t first, size_t last,
                  SaleFeed& into) {
    od::parser parser;
    std::string buffer;
    for_each_array_slice(text, seps, first, last, kSliceBytes, simdjson::SIMDJSON_PADDING, buffer, [&] {
        od::document doc =
            parser.iterate(simdjson::padded_string_view(buffer.data(), buffer.size(), buffer.capacity()));
        parse_json_array(doc.get_array(), into);
    });
}

/// A top-level array of several slices' worth parsed a slice of records at a time (neutral/json_slices):
/// simdjson's index and unescaped strings then hold a few megabytes, not the whole feed's (~220 MB for
/// 190 MB of JSON); its second half on a thread of its own, into a feed appended after the first. Returns
/// false, having added nothing, when the scan cannot cut the text or a slice does not parse: the whole
/// document is parsed then, and says what is wrong exactly as it would have. Another error is the first
/// half's when it has one, as when the slices were parsed one after the other.
bool parse_array_in_slices(const std::string& text, size_t open, SaleFeed& feed) {
    const std::vector<size_t> seps = array_separators(text, open);
    if (seps.size() < 2) return false;
    const size_t elements = seps.size() - 1, middle = middle_separator(seps);
    const size_t sales_before = feed.sales.size(), invalid_before = feed.invalid.size();
    const long long position_before = feed.position, records_before = feed.records;
    feed.sales.reserve(sales_before + elements); // every slice's count then fits: one vector
    SaleFeed second;
    second.position = position_before + static_cast<long long>(middle);
    second.sales.reserve(elements - middle);
    std::exception_ptr errors[2];
    auto parse_second = [&] {
        try {
            parse_slices(text, seps, middle, elements, second);
        } catch (...) {
            errors[1] = std::current_exception();
        }
    };
    std::future<void> later;
    try {
        later = std::async(std::launch::async, parse_second);
    } catch (const std::system_error&) { // no thread to be had: after the first half, here
    }
    try {
        parse_slices(text, seps, 0, middle, feed);
    } catch (...) {
        errors[0] = std::current_exception();
    }
    if (later.valid())
        later.get();
    else if (!errors[0])
        parse_second();
    for (const auto& error : errors) {
        if (!error) continue;
        try {
            std::rethrow_exception(error);
        } catch (const simdjson::simdjson_error&) {
            feed.sales.resize(sales_before);
            feed.invalid.resize(invalid_before);
            feed.position = position_before;
            feed.records = records_before;
            return false;
        }
    }
    feed.records += second.records;
    feed.position = second.position;
    // The second half's sales taken from its last one back, their storage given back a megabyte at a time
    // (both copies of a 250k-sale half are never in memory at once), then put back in order.
    const size_t base = feed.sales.size();
    drain_from_back(second.sales, [&](Sale&& s) { feed.sales.push_back(std::move(s)); });
    std::reverse(feed.sales.begin() + static_cast<std::ptrdiff_t>(base), feed.sales.end());
    std::move(second.invalid.begin(), second.invalid.end(), std::back_inserter(feed.invalid));
    return true;
}

} // namespace

void parse_sale_page(std::string& text, const std::string& source, SaleFeed& feed) {
    od::parser parser;
    text.reserve(text.size() + simdjson::SIMDJSON_PADDING);
    if (text.size() > 2 * kSliceBytes) {
        const size_t first = text.find_first_not_of(" \t\r\n");
        if (first != std::string::npos && text[first] == '[' && parse_array_in_slices(text, first, feed))
            return;
    }
    try {
        od::document doc =
            parser.iterate(simdjson::padded_string_view(text.data(), text.size(), text.capacity()));
        // Nothing may follow the feed's value (`[...]]`, a second document): such a file is not the feed.
        auto whole = [&] {
            if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS)
                throw InputError(source + ": not valid JSON (more text after the feed's value)");
        };
        if (doc.type().value() == od::json_type::array) {
            parse_json_array(doc.get_array(), feed);
            whole();
            return;
        }
        if (doc.type().value() == od::json_type::object) {
            bool found = false;
            for (auto field : doc.get_object()) {
                if (std::string_view(field.unescaped_key()) != "items") continue;
                od::value items = field.value();
                if (items.type().value() != od::json_type::array) break;
                parse_json_array(items.get_array(), feed);
                found = true;
            }
            if (found) {
                whole();
                return;
            }
        }
        throw InputError(source + ": JSON must be an array of sale records or {\"items\": [...]}");
    } catch (const simdjson::simdjson_error& e) {
        throw InputError(source + ": not valid JSON (" + std::string(e.what()) + ")");
    }
}

SaleFeed parse_sale_feed(std::string& text, const std::string& source) {
    SaleFeed feed;
    feed.fingerprint = "sha256:" + sha256_hex(text);
    size_t first = text.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) return feed;
    if (text.compare(first, 3, "\xEF\xBB\xBF") == 0) first = text.find_first_not_of(" \t\r\n", first + 3);
    if (first != std::string::npos && (text[first] == '[' || text[first] == '{'))
        parse_sale_page(text, source, feed);
    else
        parse_sale_csv(text, source, feed);
    return feed;
}

} // namespace oznsync
