#include "neutral/raw_sale.hpp"

#include "util/error.hpp"
#include "util/ids.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

namespace oznsync {

namespace {

bool valid_pair(const std::string& state, const std::string& substate) {
    return (state == "reserved" && substate == "reserved") || (state == "active" && substate == "active") ||
           (state == "inactive" && substate == "portInactive") ||
           (state == "terminated" &&
            (substate == "reservationCancelled" || substate == "inspectionAccepted"));
}

/// The longest text each field may hold (docs/ozneutral-mapping.md); any other field: kMaxFieldLength.
constexpr size_t kMaxFieldLength = 1000;
size_t max_length(std::string_view key) {
    if (key == "codeOrder" || key == "portReplaceReason") return 100;
    if (key == "clientName" || key == "partner.name") return 200;
    if (key == "address") return 500;
    if (key == "id" || key.rfind("partner.", 0) == 0 || key.rfind("ozmap.", 0) == 0) return 128;
    return kMaxFieldLength;
}

/// Whether `text` holds a control character no field may carry: C0 but TAB, DEL, and C1 (U+0080..U+009F,
/// e.g. U+009B, a terminal's CSI). They would reach OZmap, reports and terminals.
bool has_control_character(std::string_view text) {
    for (size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if ((c < 0x20 && c != '\t') || c == 0x7f) return true;
        if (c == 0xc2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
            static_cast<unsigned char>(text[i + 1]) <= 0x9f)
            return true;
    }
    return false;
}

/// Validates and converts; returns the reason it is invalid, or empty.
std::string validate(const RawSale& r, Sale& s) {
    if (!r.errors.empty()) return r.errors.front();
    std::string bad;
    r.each([&](const std::string& key, const std::string& value) {
        if (!bad.empty()) return;
        if (has_control_character(value))
            bad = key + " has a control character";
        else if (value.size() > max_length(key))
            bad = key + " is longer than " + std::to_string(max_length(key)) + " characters (" +
                  std::to_string(value.size()) + ")";
    });
    if (!bad.empty()) return bad;
    s.id = r.get("id");
    if (s.id.empty()) return "missing id";
    // A flat record's id is OZneutral's ObjectId; a TMF638 Service's is any string (the ozn-sdk's
    // schema), bounded like every field.
    if (!r.tmf && !s.id.is_object_id()) return "id '" + s.id.str().substr(0, 40) + "' is not a 24-hex id";
    long long n;
    if (r.has("version")) {
        if (!parse_int(r.get("version"), n) || n < 0)
            return "version '" + r.get("version") + "' is not a whole number >= 0";
        s.version = n;
    } else if (r.tmf) {
        // The ozn-sdk's Service has no version: the feed is the current state, one record per id (the
        // same id twice with other content is a contradiction, as two records of one version are).
        s.version = 0;
    } else {
        return "missing version";
    }
    s.updated_at = r.get("updatedAt");
    if (!s.updated_at.empty() && !parse_iso8601(s.updated_at))
        return "updatedAt '" + s.updated_at + "' is not an ISO-8601 UTC time";
    const std::string state = r.get("state");
    s.substate = r.get("substate");
    if (!valid_pair(state, s.substate))
        return "state/substate '" + state + "/" + s.substate + "' is not a valid pair";
    s.state = *sale_state_from_name(state); // a valid pair names a known state
    s.code_order = r.get("codeOrder");
    if (s.code_order.empty()) return "missing codeOrder";
    s.client_name = r.get("clientName");
    s.address = r.get("address");
    s.partner_id = r.get("partner.id");
    s.partner_name = r.get("partner.name");
    s.partnership_id = r.get("partner.partnershipId");
    for (auto [key, out] :
         {std::pair{"ozmap.project", &s.project}, {"ozmap.box", &s.box}, {"ozmap.splitter", &s.splitter}}) {
        *out = r.get(key);
        if (out->empty()) return std::string("missing ") + key;
        if (!out->is_object_id())
            return std::string(key) + " '" + out->str().substr(0, 40) + "' is not a 24-hex id";
    }
    if (!r.has("ozmap.port")) return "missing ozmap.port";
    if (!parse_int(r.get("ozmap.port"), n) || n < 1 || n > 4096)
        return "ozmap.port '" + r.get("ozmap.port") + "' is not a port number (1..4096)";
    s.port = static_cast<int>(n);
    if (r.has("propertyLat") != r.has("propertyLng")) return "propertyLat and propertyLng must come together";
    if (r.has("propertyLat")) {
        double lat, lng;
        if (!parse_double(r.get("propertyLat"), lat) || lat < -90 || lat > 90)
            return "propertyLat '" + r.get("propertyLat") + "' is not a latitude";
        if (!parse_double(r.get("propertyLng"), lng) || lng < -180 || lng > 180)
            return "propertyLng '" + r.get("propertyLng") + "' is not a longitude";
        s.lat = lat;
        s.lng = lng;
    }
    // An unknown reason is kept as text (OZneutral may add reasons): it only explains a move.
    s.port_replace_reason = r.get("portReplaceReason");
    return "";
}

} // namespace

void add(SaleFeed& feed, const RawSale& raw, long long position) {
    ++feed.records;
    Sale s;
    std::string why = validate(raw, s);
    if (why.empty()) {
        feed.sales.push_back(std::move(s));
    } else {
        // The feed's bytes reach reports and logs only cleaned: no escapes, valid UTF-8, bounded.
        std::string where = "record " + std::to_string(position);
        feed.invalid.push_back({clean_message(raw.get("id"), 64), clean_message(raw.get("codeOrder"), 100),
                                where + ": " + clean_message(why, 300)});
    }
}

} // namespace oznsync
