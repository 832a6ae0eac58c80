#pragma once
// The per-box available-ports feed OZneutral reads: viable boxes only, their free ports, nothing else
// (no clients, no occupied ports, no draft boxes).
#include "core/feasibility.hpp"

#include <string>
#include <vector>

namespace oznsync {

struct AvailableBox {
    Box box;
    std::vector<std::string> free_ports; // "<splitter id>:<port>"
};

std::vector<AvailableBox> available_boxes(const std::vector<BoxPorts>& boxes);
/// `format`: json | csv | geojson.
std::string render_availability(const std::vector<AvailableBox>& boxes, const std::string& format,
                                int64_t snapshot_id);

} // namespace oznsync
