#include "report/availability.hpp"

#include "util/json_writer.hpp"
#include "util/strings.hpp"

namespace oznsync {

std::vector<AvailableBox> available_boxes(const std::vector<BoxPorts>& boxes) {
    std::vector<AvailableBox> out;
    for (const auto& b : boxes) {
        AvailableBox a{b.box, {}};
        for (const auto& s : b.splitters)
            for (size_t i = 0; i < s.ports.size(); ++i)
                if (sellable(b.box, s.ports[i])) a.free_ports.push_back(s.id + ":" + std::to_string(i + 1));
        if (!a.free_ports.empty()) out.push_back(std::move(a));
    }
    return out;
}

namespace {
void ports_array(JsonWriter& w, const AvailableBox& b) {
    w.key("free_ports").begin_array();
    for (const auto& p : b.free_ports)
        w.value(p);
    w.end_array();
}
} // namespace

std::string render_availability(const std::vector<AvailableBox>& boxes, const std::string& format,
                                int64_t snapshot_id) {
    std::string out;
    if (format == "csv") {
        out = "box_id,name,project,lat,lng,free_port_count,free_ports\r\n";
        for (const auto& b : boxes) {
            append_csv_field(out, b.box.id);
            out += ',';
            append_csv_field(out, b.box.name); // an OZmap user's text: never a formula in a spreadsheet
            out += ',';
            append_csv_field(out, b.box.project);
            out += "," + format_double(b.box.lat) + "," + format_double(b.box.lng) + "," +
                   std::to_string(b.free_ports.size()) + ",";
            append_csv_field(out, join(b.free_ports, ";"));
            out += "\r\n";
        }
        return out;
    }
    JsonWriter w(out);
    if (format == "geojson") {
        w.begin_object().field("type", "FeatureCollection").key("features").begin_array();
        for (const auto& b : boxes) {
            w.begin_object().field("type", "Feature").key("geometry").begin_object().field("type", "Point");
            w.key("coordinates").begin_array().value(b.box.lng).value(b.box.lat).end_array().end_object();
            w.key("properties").begin_object().field("id", b.box.id).field("name", b.box.name);
            w.field("project", b.box.project)
                .field("free_port_count", static_cast<int64_t>(b.free_ports.size()));
            ports_array(w, b);
            w.end_object().end_object();
        }
        w.end_array().end_object();
        out += '\n';
        return out;
    }
    w.begin_object().field("format_version", 1).field("snapshot_id", snapshot_id).key("boxes").begin_array();
    for (const auto& b : boxes) {
        w.begin_object().field("id", b.box.id).field("name", b.box.name).field("project", b.box.project);
        w.field("lat", b.box.lat).field("lng", b.box.lng);
        w.field("free_port_count", static_cast<int64_t>(b.free_ports.size()));
        ports_array(w, b);
        w.end_object();
    }
    w.end_array().end_object();
    out += '\n';
    return out;
}

} // namespace oznsync
