#include "serve/tmf645.hpp"

#include "serve/request.hpp"
#include "util/json_writer.hpp"
#include "util/strings.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <cmath>

namespace oznsync::serve {

namespace {

constexpr size_t kMaxItems = 20;

double coordinate(const Poco::JSON::Object::Ptr& point, const char* axis, double limit,
                  const std::string& where) {
    if (!point->has(axis) || !point->get(axis).isNumeric())
        throw BadRequest(where + "." + axis + ": a number is needed");
    const double v = point->getValue<double>(axis);
    if (!std::isfinite(v) || v < -limit || v > limit)
        throw BadRequest(where + "." + axis + ": must be from " + format_double(-limit) + " to " +
                         format_double(limit));
    return v;
}

std::string optional_text(const Poco::JSON::Object::Ptr& o, const char* key, const std::string& where) {
    if (!o->has(key) || o->isNull(key)) return "";
    if (!o->get(key).isString()) throw BadRequest(where + "." + key + ": a string is needed");
    std::string v = o->getValue<std::string>(key);
    if (v.size() > 256) throw BadRequest(where + "." + key + ": longer than 256 characters");
    return v;
}

/// The point of `service.place`: one ServiceQualificationAddress (or a list holding one) whose
/// geographicLocation.geometry[0] is {x: longitude, y: latitude}.
void read_place(const Poco::JSON::Object::Ptr& item, QualificationItem& out, const std::string& where) {
    auto service = item->getObject("service");
    if (!service) throw BadRequest(where + ".service: missing");
    Poco::JSON::Object::Ptr place;
    if (auto list = service->getArray("place")) {
        if (list->size() != 1) throw BadRequest(where + ".service.place: exactly one place is needed");
        place = list->getObject(0);
    } else {
        place = service->getObject("place");
    }
    if (!place) throw BadRequest(where + ".service.place: a ServiceQualificationAddress is needed");
    auto location = place->getObject("geographicLocation");
    if (!location) throw BadRequest(where + ".service.place.geographicLocation: missing");
    auto geometry = location->getArray("geometry");
    if (!geometry || geometry->size() != 1 || !geometry->getObject(0))
        throw BadRequest(where + ".service.place.geographicLocation.geometry: one point {x, y} is needed");
    const std::string at = where + ".service.place.geographicLocation.geometry[0]";
    out.lng = coordinate(geometry->getObject(0), "x", 180, at);
    out.lat = coordinate(geometry->getObject(0), "y", 90, at);
}

void characteristic(JsonWriter& w, const char* name, const char* type, const std::string& value) {
    w.begin_object().field("name", name).field("valueType", type).field("value", value).end_object();
}

const char* reason_label(NonViableReason reason) {
    switch (reason) {
    case NonViableReason::Draft:
        return "the box is a draft: its ports are not sellable";
    case NonViableReason::Full:
        return "every port of the box is taken";
    case NonViableReason::OnlyBlocked:
        return "the box's free ports are blocked";
    case NonViableReason::NoDropSplitter:
        return "the box has no drop splitter";
    }
    return reason_name(reason);
}

void resource(JsonWriter& w, const Box& box) {
    w.key("resourceSpecification")
        .begin_object()
        .field("id", box.id)
        .key("cellName")
        .null()
        .field("type", "box")
        .field("name", box.name)
        .field("feedingHeadend", "")
        .field("project", box.project)
        .end_object();
    w.key("resourceLocation")
        .begin_object()
        .field("type", "box")
        .field("labelType", "coordinates")
        .field("name", box.name)
        .key("description")
        .null()
        .field("parentLocation", box.project)
        .key("address")
        .begin_object()
        .field("type", "GeographicLocation")
        .key("geographicLocation")
        .begin_object()
        .field("name", box.name)
        .field("type", "Point")
        .key("geometry")
        .begin_array()
        .begin_object()
        .field("x", box.lng)
        .field("y", box.lat)
        .key("z")
        .null()
        .end_object()
        .end_array()
        .end_object()
        .end_object()
        .end_object();
}

void viable_entity(JsonWriter& w, const ViableBox& v) {
    w.begin_object().field("@type", "Box").field("qualificationResult", "qualified");
    w.key("characteristic").begin_array();
    characteristic(w, "freePorts", "number", std::to_string(v.free_count()));
    characteristic(w, "distance", "number", format_double(round_distance(v.distance_m)));
    std::string splitters;
    for (const auto& f : v.free) {
        splitters += (splitters.empty() ? "" : "; ") + f.name + ":";
        for (size_t i = 0; i < f.ports.size(); ++i)
            splitters += (i ? "," : "") + std::to_string(f.ports[i]);
    }
    characteristic(w, "freePortsBySplitter", "string", splitters);
    w.end_array();
    resource(w, v.box);
    w.key("eligibilityUnavailabilityReason").begin_array().end_array().end_object();
}

void unqualified_entity(JsonWriter& w, const NonViableBox& n) {
    w.begin_object().field("@type", "Box").field("qualificationResult", "unqualified");
    w.key("characteristic").begin_array();
    characteristic(w, "freePorts", "number", "0");
    characteristic(w, "distance", "number", format_double(round_distance(n.distance_m)));
    w.end_array();
    resource(w, n.box);
    w.key("eligibilityUnavailabilityReason").begin_array();
    w.begin_object().field("code", reason_name(n.reason)).field("label", reason_label(n.reason)).end_object();
    w.end_array().end_object();
}

} // namespace

QualificationRequest parse_qualification(const std::string& body) {
    Poco::JSON::Object::Ptr root;
    try {
        root = Poco::JSON::Parser().parse(body).extract<Poco::JSON::Object::Ptr>();
    } catch (const std::exception&) {
        throw BadRequest("body: a JSON object (checkServiceQualification) is needed");
    }
    QualificationRequest out;
    if (root->has("provideUnavailabilityReason")) {
        if (!root->get("provideUnavailabilityReason").isBoolean())
            throw BadRequest("provideUnavailabilityReason: true or false");
        out.provide_unavailability_reason = root->getValue<bool>("provideUnavailabilityReason");
    }
    auto items = root->getArray("serviceQualificationItem");
    if (!items || items->size() == 0)
        throw BadRequest("serviceQualificationItem: at least one item is needed");
    if (items->size() > kMaxItems) throw BadRequest("serviceQualificationItem: at most 20 items");
    for (size_t i = 0; i < items->size(); ++i) {
        const std::string where = "serviceQualificationItem[" + std::to_string(i) + "]";
        auto item = items->getObject(static_cast<unsigned>(i));
        if (!item) throw BadRequest(where + ": an object is needed");
        QualificationItem q;
        read_place(item, q, where);
        q.code_order = optional_text(item, "codeOrder", where);
        q.client_name = optional_text(item, "clientName", where);
        out.items.push_back(std::move(q));
    }
    return out;
}

std::string qualification_json(const QualificationRequest& request,
                               const std::vector<std::vector<OperatorAnswer>>& answers) {
    std::string out;
    JsonWriter w(out);
    w.begin_object().field("provideUnavailabilityReason", request.provide_unavailability_reason);
    w.key("serviceQualificationItem").begin_array();
    for (size_t i = 0; i < request.items.size(); ++i) {
        const QualificationItem& item = request.items[i];
        for (const OperatorAnswer& op : answers.at(i)) {
            const bool qualified = op.answer && !op.answer->viable.empty();
            w.begin_object().field("qualificationResult", qualified ? "qualified" : "unqualified");
            w.field("codeOrder", item.code_order).field("clientName", item.client_name);
            w.key("service").begin_object().key("serviceCharacteristic").begin_array();
            characteristic(w, "operator", "string", op.operator_name);
            characteristic(w, "latitude", "number", format_double(item.lat));
            characteristic(w, "longitude", "number", format_double(item.lng));
            if (op.answer) characteristic(w, "radius", "number", format_double(op.answer->radius_m));
            w.end_array().key("relatedEntity").begin_array();
            if (op.answer) {
                for (const auto& v : op.answer->viable)
                    viable_entity(w, v);
                if (request.provide_unavailability_reason)
                    for (const auto& n : op.answer->non_viable)
                        unqualified_entity(w, n);
            }
            w.end_array().end_object();
            w.key("eligibilityUnavailabilityReason").begin_array();
            if (!op.answer)
                w.begin_object()
                    .field("code", "noSnapshot")
                    .field("label", "the operator's network has not been read yet")
                    .end_object();
            else if (!qualified)
                w.begin_object()
                    .field("code", "noFreePort")
                    .field("label",
                           "no box with a free port within " + format_double(op.answer->radius_m) + " m")
                    .end_object();
            w.end_array().end_object();
        }
    }
    w.end_array().end_object();
    return out;
}

} // namespace oznsync::serve
