#pragma once
// `oznsync serve`: a request target read and checked, before anything touches the database. Pure: no
// HTTP, no SQLite; fuzzed (tests/fuzz/fuzz_serve_query.cpp).
#include "core/output_format.hpp"
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace oznsync::serve {

/// A request the server refuses with 400: `what` names the parameter (or the part) that is wrong.
struct BadRequest : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// The path and the decoded query parameters of a request target ("/v1/feasibility?lat=-27.5&lng=...").
struct Target {
    std::string path;
    std::vector<std::pair<std::string, std::string>> params;
    /// The value of `name`, or empty when it is absent.
    const std::string* find(std::string_view name) const;
};

constexpr size_t kMaxTargetBytes = 2048;

/// Splits and percent-decodes a target. Throws BadRequest for a target longer than kMaxTargetBytes, bad
/// percent-encoding, a control character, an empty or repeated parameter name.
Target parse_target(std::string_view target);

/// Every parameter must be one of `known`: the first other one is named in a BadRequest.
void only(const Target& t, std::initializer_list<std::string_view> known);

struct FeasibilityQuery {
    double lat = 0, lng = 0, radius_m = 150;
    int limit = 0;             // 0: every viable box in the radius
    std::string operator_name; // `operator`: one operator's boxes only ("": every operator's)
};
/// `lat` and `lng` (degrees) required; `radius` (metres, 0 to 100000, default 150) and `limit` (0 to
/// 1000, default 0 = all) optional: the CLI's rules; `operator` (a name: letters, digits, '-', '_').
FeasibilityQuery feasibility_query(const Target& t);

/// Nothing the client accepts can be given (406).
struct NotAcceptable : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// `format=json|csv|geojson` (BadRequest otherwise), else the `Accept` header's most preferred of
/// application/json, application/geo+json, text/csv by q-value (`*/*` and `application/*` mean json,
/// `text/*` csv; q=0 refuses; no header: json). NotAcceptable when it accepts none of them.
OutputFormat availability_format(const Target& t, std::string_view accept);

/// Whether `Accept-Encoding` takes gzip (`gzip` or `*` with a q-value above 0).
bool accepts_gzip(std::string_view accept_encoding);

/// Whether an `If-None-Match` header names `etag` (a quoted entity tag, weak or strong) or is `*`.
bool none_match(std::string_view if_none_match, std::string_view etag);

/// The token of an `Authorization` header whose scheme is Bearer (in any case, RFC 7235), without the
/// spaces around it; empty when it is another scheme or none.
std::string_view bearer_token(std::string_view authorization);

/// `limit` of /v1/runs: 1 to 1000, default 50.
int runs_limit(const Target& t);

/// An operator's name as a path segment or parameter value (`what` names it in the BadRequest).
std::string operator_segment(std::string_view segment, const char* what = "operator");

/// A run id as a path segment: letters, digits, '.', '_', '-' (1 to 64); BadRequest otherwise.
std::string run_id_segment(std::string_view segment);

} // namespace oznsync::serve
