// libFuzzer: the sale feed parser (JSON, {"items"}, CSV) must never crash, whatever the bytes.
#include "neutral/sale_parser.hpp"
#include "util/error.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string text(reinterpret_cast<const char*>(data), size);
    try {
        oznsync::SaleFeed feed = oznsync::parse_sale_feed(text, "fuzz");
        if (feed.sales.size() + feed.invalid.size() != static_cast<size_t>(feed.records)) __builtin_trap();
    } catch (const oznsync::InputError&) {
    }
    return 0;
}
