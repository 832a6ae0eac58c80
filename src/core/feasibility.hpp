#pragma once
// Which boxes near a point can take a new client: the same rules OZmap's /ftth-viability/radius
// applies, answered from a snapshot (oznsync) or from live state (ozmap-sim). Pure.
#include "core/inventory.hpp"

#include <string>
#include <vector>

namespace oznsync {

/// A box with its drop splitters, as a candidate for feasibility.
struct BoxPorts {
    Box box;
    struct SplitterPorts {
        std::string id, name;
        std::vector<PortState> ports;
    };
    std::vector<SplitterPorts> splitters;
};

struct ViableBox {
    std::string operator_name; // whose box, in an answer across operators ("" for one operator's)
    Box box;
    double distance_m = 0;
    struct Free {
        std::string splitter, name;
        std::vector<int> ports; // 1-based
    };
    std::vector<Free> free;
    int free_count() const;
};

/// Why a box in range cannot take a client.
enum class NonViableReason { Draft, Full, OnlyBlocked, NoDropSplitter };
/// draft | full | only_blocked | no_drop_splitter: the names every answer uses.
const char* reason_name(NonViableReason r);

struct NonViableBox {
    std::string operator_name;
    Box box;
    double distance_m = 0;
    NonViableReason reason = NonViableReason::Full;
};

struct FeasibilityAnswer {
    double lat = 0, lng = 0, radius_m = 0;
    std::vector<ViableBox> viable;        // nearest first, ties by box id
    std::vector<NonViableBox> non_viable; // likewise
};

/// A port is sellable when its box is not a draft, it is on a drop splitter, and it is neither blocked
/// nor occupied.
bool sellable(const Box& box, const PortState& port);

/// Evaluates the candidates (any superset of the boxes in the circle). `limit` caps the viable list
/// (0 = no cap).
FeasibilityAnswer evaluate_feasibility(double lat, double lng, double radius_m,
                                       const std::vector<BoxPorts>& candidates, int limit);
/// The same over candidates held elsewhere (an in-memory index).
FeasibilityAnswer evaluate_feasibility(double lat, double lng, double radius_m,
                                       const std::vector<const BoxPorts*>& candidates, int limit);

/// One answer from several operators' answers to the same question: each box named with its operator,
/// nearest first (ties by operator, then box id), the viable list capped at `limit` (0: no cap).
FeasibilityAnswer merge_feasibility(std::vector<std::pair<std::string, FeasibilityAnswer>> answers,
                                    int limit);

/// One decimal of a metre: how distances are shown, everywhere.
double round_distance(double metres);

} // namespace oznsync
