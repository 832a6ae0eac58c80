// The read API's request headers, read as HTTP says: Accept and Accept-Encoding with q-values, entity tags,
// the Authorization scheme in any case.
#include "serve/request.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace oznsync::serve;

TEST_SUITE("serve_request") {
    TEST_CASE("availability's format: format= first, then the Accept header's most preferred") {
        const Target none = parse_target("/v1/availability");
        CHECK(std::string(format_name(availability_format(none, ""))) == "json");
        CHECK(std::string(format_name(availability_format(none, "application/json"))) == "json");
        CHECK(std::string(format_name(availability_format(none, "*/*"))) == "json");
        CHECK(std::string(format_name(availability_format(none, "text/csv"))) == "csv");
        CHECK(std::string(format_name(availability_format(none, "TEXT/CSV"))) == "csv");
        CHECK(std::string(format_name(availability_format(none, "text/*"))) == "csv");
        CHECK(std::string(format_name(availability_format(none, "application/geo+json"))) == "geojson");
        CHECK(std::string(format_name(
                  availability_format(none, "text/csv;q=0.5, application/geo+json;q=0.9"))) == "geojson");
        CHECK(std::string(format_name(availability_format(none, "*/*;q=0.1, text/csv"))) == "csv");
        CHECK(std::string(format_name(availability_format(none, "application/json;q=0, */*"))) == "geojson");
        CHECK(std::string(format_name(availability_format(none, "text/html, text/csv ; q=0.2"))) == "csv");
        CHECK_THROWS_AS(availability_format(none, "image/png"), NotAcceptable);
        CHECK_THROWS_AS(availability_format(none, "text/csv;q=0"), NotAcceptable);
        CHECK_THROWS_AS(availability_format(none, "*/*;q=0"), NotAcceptable);
        CHECK_THROWS_AS(availability_format(none, "text/csv;q=2"), NotAcceptable); // not a q-value
        CHECK(std::string(format_name(
                  availability_format(parse_target("/v1/availability?format=csv"), "image/png"))) == "csv");
        CHECK_THROWS_AS(availability_format(parse_target("/v1/availability?format=xml"), ""), BadRequest);
    }

    TEST_CASE("gzip when Accept-Encoding takes it") {
        CHECK(accepts_gzip("gzip"));
        CHECK(accepts_gzip("deflate, GZIP;q=0.5"));
        CHECK(accepts_gzip("*"));
        CHECK_FALSE(accepts_gzip(""));
        CHECK_FALSE(accepts_gzip("identity"));
        CHECK_FALSE(accepts_gzip("gzip;q=0"));
        CHECK_FALSE(accepts_gzip("gzip;q=0, *"));
        CHECK_FALSE(accepts_gzip("*;q=0"));
    }

    TEST_CASE("If-None-Match: the tag, weak or strong, in a list, or *") {
        CHECK(none_match("\"abc\"", "\"abc\""));
        CHECK(none_match("\"x\", W/\"abc\"", "\"abc\""));
        CHECK(none_match("*", "\"abc\""));
        CHECK_FALSE(none_match("", "\"abc\""));
        CHECK_FALSE(none_match("\"abcd\"", "\"abc\""));
        CHECK_FALSE(none_match("abc", "\"abc\""));
    }

    TEST_CASE("Authorization: the Bearer scheme in any case, the token without its spaces") {
        CHECK(bearer_token("Bearer t0k") == "t0k");
        CHECK(bearer_token("bearer t0k") == "t0k");
        CHECK(bearer_token("BEARER   t0k  ") == "t0k");
        CHECK(bearer_token("Bearer\tt0k") == "t0k");
        CHECK(bearer_token("Basic dXNlcjpwdw==").empty());
        CHECK(bearer_token("Bearer").empty());
        CHECK(bearer_token("Bearer ").empty());
        CHECK(bearer_token("Bearert0k").empty());
        CHECK(bearer_token("").empty());
    }
}
