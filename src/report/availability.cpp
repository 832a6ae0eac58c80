#include "report/availability.hpp"

#include "util/json_writer.hpp"
#include "util/strings.hpp"

namespace oznsync {

std::optional<AvailableBox> available(const BoxPorts& b) {
    AvailableBox a{b.box, {}};
    for (const auto& s : b.splitters)
        for (size_t i = 0; i < s.ports.size(); ++i)
            if (sellable(b.box, s.ports[i])) a.free_ports.push_back(s.id + ":" + std::to_string(i + 1));
    if (a.free_ports.empty()) return std::nullopt;
    return a;
}

namespace {
void ports_array(JsonWriter& w, const AvailableBox& b) {
    w.key("free_ports").begin_array();
    for (const auto& p : b.free_ports)
        w.value(p);
    w.end_array();
}
} // namespace

AvailabilityWriter::AvailabilityWriter(OutputFormat format, int64_t snapshot_id, Sink sink)
    : m_format(format), m_sink(std::move(sink)), m_json(m_buffer) {
    if (m_format == OutputFormat::Csv) {
        m_buffer = "box_id,name,project,lat,lng,free_port_count,free_ports\r\n";
    } else if (m_format == OutputFormat::Geojson) {
        m_json.begin_object().field("type", "FeatureCollection").key("features").begin_array();
    } else {
        m_json.begin_object().field("format_version", 1).field("snapshot_id", snapshot_id).key("boxes");
        m_json.begin_array();
    }
}

void AvailabilityWriter::add(const AvailableBox& b) {
    ++m_boxes;
    if (m_format == OutputFormat::Csv) {
        append_csv_field(m_buffer, b.box.id);
        m_buffer += ',';
        append_csv_field(m_buffer, b.box.name); // an OZmap user's text: never a formula in a spreadsheet
        m_buffer += ',';
        append_csv_field(m_buffer, b.box.project);
        m_buffer += "," + format_double(b.box.lat) + "," + format_double(b.box.lng) + "," +
                    std::to_string(b.free_ports.size()) + ",";
        append_csv_field(m_buffer, join(b.free_ports, ";"));
        m_buffer += "\r\n";
    } else if (m_format == OutputFormat::Geojson) {
        JsonWriter& w = m_json;
        w.begin_object().field("type", "Feature").key("geometry").begin_object().field("type", "Point");
        w.key("coordinates").begin_array().value(b.box.lng).value(b.box.lat).end_array().end_object();
        w.key("properties").begin_object().field("id", b.box.id).field("name", b.box.name);
        w.field("project", b.box.project).field("free_port_count", static_cast<int64_t>(b.free_ports.size()));
        ports_array(w, b);
        w.end_object().end_object();
    } else {
        JsonWriter& w = m_json;
        w.begin_object().field("id", b.box.id).field("name", b.box.name).field("project", b.box.project);
        w.field("lat", b.box.lat).field("lng", b.box.lng);
        w.field("free_port_count", static_cast<int64_t>(b.free_ports.size()));
        ports_array(w, b);
        w.end_object();
    }
    if (m_buffer.size() >= kChunkBytes) flush();
}

void AvailabilityWriter::add(const BoxPorts& b) {
    std::optional<AvailableBox> a = available(b);
    if (a) add(*a);
}

void AvailabilityWriter::finish() {
    if (m_format != OutputFormat::Csv) {
        m_json.end_array().end_object();
        m_buffer += '\n';
    }
    flush();
}

void AvailabilityWriter::flush() {
    if (m_buffer.empty()) return;
    m_sink(m_buffer);
    m_buffer.clear(); // the writer only appends: its place in the document is its own state
}

} // namespace oznsync
