// libFuzzer: OZmap list pages of every collection; a bad body may only ever be a TransportError.
#include "http/http_client.hpp"
#include "ozmap/page_parser.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string input(reinterpret_cast<const char*>(data), size);
    auto attempt = [&](auto parse) {
        std::string body = input;
        try {
            parse(body);
        } catch (const oznsync::TransportError&) {
        }
    };
    attempt(oznsync::parse_projects_page);
    attempt(oznsync::parse_boxes_page);
    attempt(oznsync::parse_splitters_page);
    attempt(oznsync::parse_properties_page);
    attempt(oznsync::parse_property_array);
    return 0;
}
