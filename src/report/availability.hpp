#pragma once
// The per-box available-ports feed OZneutral reads: viable boxes only, their free ports, nothing else
// (no clients, no occupied ports, no draft boxes).
#include "core/feasibility.hpp"
#include "core/output_format.hpp"
#include "util/json_writer.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace oznsync {

struct AvailableBox {
    Box box;
    std::vector<std::string> free_ports; // "<splitter id>:<port>"
};

/// The box's free, sellable ports; nullopt when it has none (it is not in the feed).
std::optional<AvailableBox> available(const BoxPorts& box);

/// The feed written a box at a time, handed to `sink` in chunks of about kChunkBytes (so a server can
/// send the first bytes of 100,000 boxes at once). `format`: json | csv | geojson.
class AvailabilityWriter {
public:
    using Sink = std::function<void(std::string_view)>;
    static constexpr size_t kChunkBytes = 64 * 1024;
    AvailabilityWriter(OutputFormat format, int64_t snapshot_id, Sink sink); // json, csv or geojson
    AvailabilityWriter(const AvailabilityWriter&) = delete;
    AvailabilityWriter& operator=(const AvailabilityWriter&) = delete;
    void add(const AvailableBox& box);
    void add(const BoxPorts& box); // only when it has a free port
    void finish();
    size_t boxes() const { return m_boxes; }

private:
    void flush();
    const OutputFormat m_format;
    Sink m_sink;
    std::string m_buffer;
    JsonWriter m_json;
    size_t m_boxes = 0;
};

} // namespace oznsync
