#pragma once
// The one module that parses OZmap list pages (simdjson on-demand: pages are large and many).
// A body that is not a page throws TransportError so the call is retried; a row that cannot be used is
// skipped and named in `problems`.
#include "core/model.hpp"

#include <string>
#include <vector>

namespace oznsync {

template <typename Row> struct Page {
    long long total = -1; // -1: the envelope had no total
    bool has_next = false;
    std::string next_url;
    long long rows_seen = 0; // rows in the page, usable or not
    std::vector<Row> rows;
    std::vector<std::string> problems;
};

/// `body` gets padding appended to its capacity (simdjson needs it); its content is unchanged.
Page<Project> parse_projects_page(std::string& body);
Page<Box> parse_boxes_page(std::string& body);
Page<Splitter> parse_splitters_page(std::string& body);
Page<Property> parse_properties_page(std::string& body);
Page<Client> parse_clients_page(std::string& body);
/// `GET /properties/client/<code>` answers a bare array of properties.
std::vector<Property> parse_property_array(std::string& body);

} // namespace oznsync
