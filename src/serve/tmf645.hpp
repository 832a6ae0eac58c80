#pragma once
// TMF645 Service Qualification as OZneutral's SDK models it (`@ozmap/ozn-sdk`'s service-qualification
// schemas): the question "which operators have a free port near this point?" asked as
// checkServiceQualification with a geographic point, answered with one serviceQualificationItem per
// operator. The mapping from our feasibility answer is in docs/tmf645-mapping.md. Pure: no HTTP.
#include "core/feasibility.hpp"

#include <string>
#include <utility>
#include <vector>

namespace oznsync::serve {

/// One place to qualify: the item's point, and what the caller wants echoed back.
struct QualificationItem {
    double lat = 0, lng = 0;
    std::string code_order, client_name;
};

struct QualificationRequest {
    bool provide_unavailability_reason = false;
    std::vector<QualificationItem> items; // 1 to 20
};

/// Parses the request body; throws BadRequest naming the field that is missing or wrong.
QualificationRequest parse_qualification(const std::string& body);

/// One operator's answer for one item: its feasibility, or why it has none (no snapshot yet).
struct OperatorAnswer {
    std::string operator_name;
    const FeasibilityAnswer* answer = nullptr; // null: the operator cannot answer now
};

/// The serviceQualificationOutputSchema document: for each item, one serviceQualificationItem per
/// operator (`answers[i]` are item i's).
std::string qualification_json(const QualificationRequest& request,
                               const std::vector<std::vector<OperatorAnswer>>& answers);

} // namespace oznsync::serve
