// libFuzzer: request targets and the headers `oznsync serve` reads (Accept, Accept-Encoding,
// If-None-Match, Authorization); anything wrong must be a BadRequest (a 400 naming the parameter) or
// NotAcceptable (406), never a crash, and what passes must be within its bounds.
#include "serve/request.hpp"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string input(reinterpret_cast<const char*>(data), size);
    // The first line is the target, the rest the Accept header.
    const size_t nl = input.find('\n');
    const std::string target = input.substr(0, nl),
                      accept = nl == std::string::npos ? "" : input.substr(nl + 1);
    using namespace oznsync::serve;
    try {
        const Target t = parse_target(target);
        try {
            const FeasibilityQuery q = feasibility_query(t);
            if (!(q.lat >= -90 && q.lat <= 90 && q.lng >= -180 && q.lng <= 180 && q.radius_m >= 0 &&
                  q.radius_m <= 100000 && q.limit >= 0 && q.limit <= 1000))
                std::abort();
        } catch (const BadRequest&) {
        }
        try {
            const oznsync::OutputFormat f = availability_format(t, accept);
            if (f != oznsync::OutputFormat::Json && f != oznsync::OutputFormat::Csv &&
                f != oznsync::OutputFormat::Geojson)
                std::abort();
        } catch (const BadRequest&) {
        } catch (const NotAcceptable&) {
        }
        try {
            const int n = runs_limit(t);
            if (n < 1 || n > 1000) std::abort();
        } catch (const BadRequest&) {
        }
        try {
            run_id_segment(t.path.size() > 9 ? std::string_view(t.path).substr(9) : std::string_view());
        } catch (const BadRequest&) {
        }
    } catch (const BadRequest&) {
    }
    // The same text as the other headers the server reads: they never throw, and a token is never empty
    // or padded.
    (void)accepts_gzip(accept);
    (void)none_match(accept, "\"tag\"");
    const std::string_view token = bearer_token(accept);
    if (!token.empty() && (token.front() == ' ' || token.back() == ' ')) std::abort();
    return 0;
}
