// libFuzzer: config files; anything wrong must be a ConfigError (exit 78), never a crash.
#include "config/config.hpp"
#include "util/error.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string text(reinterpret_cast<const char*>(data), size);
    try {
        oznsync::parse_config(text, "fuzz.ini", {});
    } catch (const oznsync::ConfigError&) {
    }
    return 0;
}
