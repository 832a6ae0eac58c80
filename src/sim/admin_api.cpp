#include "sim/admin_api.hpp"

#include <Poco/Exception.h>

namespace oznsync::sim {

namespace {

Reply json_reply(std::string body) {
    Reply r;
    r.body = std::move(body);
    return r;
}

std::string stats_json(const SimRooms& rooms) {
    std::string out;
    JsonWriter(out)
        .begin_object()
        .field("api_requests", static_cast<int64_t>(rooms.faults.api_requests()))
        .field("writes", static_cast<int64_t>(rooms.faults.writes()))
        .field("logins", static_cast<int64_t>(rooms.ozmap.logins()))
        .field("logins_without_type", static_cast<int64_t>(rooms.ozmap.logins_without_type()))
        .field("max_in_flight", rooms.max_in_flight.load())
        .field("id_range_lists", static_cast<int64_t>(rooms.ozmap.id_range_lists()))
        .end_object();
    return out;
}

} // namespace

Reply handle_admin(SimRooms& rooms, const std::string& method, const std::string& path,
                   const std::string& body) {
    if (path == "/__sim/state" && method == "GET") return json_reply(rooms.ozmap.dump());
    if (path == "/__sim/reset" && method == "POST") {
        rooms.ozmap.reset();
        return no_content();
    }
    if (path == "/__sim/requests") {
        if (method != "DELETE") return json_reply(rooms.ozmap.write_log());
        rooms.ozmap.clear_write_log();
        return no_content();
    }
    if (path == "/__sim/filters" && method == "GET") return json_reply(rooms.ozmap.filter_log());
    if (path == "/__sim/stats") return json_reply(stats_json(rooms));
    if (path == "/__sim/faults") {
        if (method == "POST") {
            try {
                rooms.faults.update(body);
            } catch (const Poco::Exception& e) {
                return error_reply(400, "faults: " + e.displayText());
            }
        }
        return json_reply(rooms.faults.json());
    }
    if ((path == "/__sim/sales" || path == "/__sim/partnerships") && method == "POST") {
        try {
            Feed f = Feed::parse(body);
            if (path == "/__sim/sales")
                rooms.neutral.set_sales(std::move(f));
            else
                rooms.neutral.set_partnerships(std::move(f));
        } catch (const std::exception& e) {
            return error_reply(400, e.what());
        }
        return no_content();
    }
    if (path == "/__sim/touch" && method == "POST") {
        if (auto err = rooms.ozmap.edit(body)) return error_reply(err->status, err->message);
        return no_content();
    }
    if (path == "/__sim/expire-tokens" && method == "POST") {
        rooms.ozmap.expire_tokens();
        rooms.neutral.expire_tokens();
        return no_content();
    }
    return error_reply(404, "no admin route " + method + " " + path);
}

} // namespace oznsync::sim
