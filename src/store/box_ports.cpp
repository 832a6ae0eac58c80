#include "store/box_ports.hpp"

#include <algorithm>
#include <optional>

namespace oznsync {

namespace {

const char* kSelect =
    "SELECT b.id, b.project, b.name, b.lat, b.lng, b.draft, b.implanted, s.id, s.name, p.number, "
    "p.blocked, p.fiber FROM ";
const char* kJoins =
    " CROSS JOIN boxes b ON b.snapshot_id = ?1 AND b.id = k.box "
    "LEFT JOIN splitters s INDEXED BY splitters_by_box ON s.snapshot_id = ?1 AND s.box = b.id "
    "LEFT JOIN ports p ON p.snapshot_id = ?1 AND p.splitter = s.id ";

/// Folds the joined rows (ordered by box, splitter, port) into BoxPorts.
void collect(sql::Statement& st, std::vector<BoxPorts>& out) {
    while (st.step()) {
        std::string box_id = st.text(0);
        if (out.empty() || out.back().box.id != box_id) {
            BoxPorts bp;
            bp.box = Box{box_id,     st.text(1),       st.text(2),      st.real(3),
                         st.real(4), st.int64(5) != 0, st.int64(6) != 0};
            out.push_back(std::move(bp));
        }
        if (st.is_null(7)) continue;
        auto& splitters = out.back().splitters;
        std::string sid = st.text(7);
        if (splitters.empty() || splitters.back().id != sid) splitters.push_back({sid, st.text(8), {}});
        if (st.is_null(9)) continue;
        auto& ports = splitters.back().ports;
        size_t n = static_cast<size_t>(st.int64(9));
        if (ports.size() < n) ports.resize(n);
        ports[n - 1] = PortState{st.int64(10) != 0, st.opt_text(11)};
    }
}

} // namespace

namespace {

/// The boxes in the rectangles with their drop splitters, each splitter's ports read from its
/// `port_states` (one row per splitter, not per port). nullopt when a splitter has none (a snapshot
/// pulled before the column existed).
std::optional<std::vector<BoxPorts>> boxes_by_port_states(Store& store, int64_t snapshot,
                                                          const std::vector<LatLngRect>& rects) {
    std::vector<BoxPorts> out;
    auto st = store.db().prepare(
        "SELECT b.id, b.project, b.name, b.lat, b.lng, b.draft, b.implanted, s.id, s.name, s.port_states "
        // CROSS JOIN pins the order: the R*Tree first, then only its hits.
        "FROM box_rtree r CROSS JOIN box_keys k ON k.rid = r.rid AND k.snapshot_id = ?1 "
        "CROSS JOIN boxes b ON b.snapshot_id = ?1 AND b.id = k.box "
        "LEFT JOIN splitters s INDEXED BY splitters_by_box ON s.snapshot_id = ?1 AND s.box = b.id "
        "WHERE r.min_lat <= ?3 AND r.max_lat >= ?2 AND r.min_lng <= ?5 AND r.max_lng >= ?4 ORDER BY b.id, "
        "s.id");
    for (const auto& r : rects) {
        st.bind(1, snapshot).bind(2, r.min_lat).bind(3, r.max_lat).bind(4, r.min_lng).bind(5, r.max_lng);
        while (st.step()) {
            std::string box_id = st.text(0);
            if (out.empty() || out.back().box.id != box_id)
                out.push_back({Box{box_id, st.text(1), st.text(2), st.real(3), st.real(4), st.int64(5) != 0,
                                   st.int64(6) != 0},
                               {}});
            if (st.is_null(7)) continue;
            if (st.is_null(9)) return std::nullopt;
            BoxPorts::SplitterPorts sp{st.text(7), st.text(8), {}};
            for (char c : st.text(9))
                sp.ports.push_back(
                    PortState{c == 'b', c == 'o' ? std::optional<std::string>("") : std::nullopt});
            out.back().splitters.push_back(std::move(sp));
        }
        st.reset();
    }
    return out;
}

std::vector<BoxPorts> boxes_by_port_rows(Store& store, int64_t snapshot,
                                         const std::vector<LatLngRect>& rects) {
    std::vector<BoxPorts> out;
    auto st = store.db().prepare(
        std::string(kSelect) +
        // CROSS JOIN pins the order: the R*Tree first, then only its hits.
        "box_rtree r CROSS JOIN box_keys k ON k.rid = r.rid AND k.snapshot_id = ?1" + kJoins +
        "WHERE r.min_lat <= ?3 AND r.max_lat >= ?2 AND r.min_lng <= ?5 AND r.max_lng >= ?4 "
        "ORDER BY b.id, s.id, p.number");
    for (const auto& r : rects) {
        st.bind(1, snapshot).bind(2, r.min_lat).bind(3, r.max_lat).bind(4, r.min_lng).bind(5, r.max_lng);
        collect(st, out);
        st.reset();
    }
    return out;
}

} // namespace

std::vector<BoxPorts> boxes_in_rects(Store& store, int64_t snapshot, const std::vector<LatLngRect>& rects) {
    std::vector<BoxPorts> out;
    if (auto fast = boxes_by_port_states(store, snapshot, rects))
        out = std::move(*fast);
    else
        out = boxes_by_port_rows(store, snapshot, rects);
    if (rects.size() > 1) { // a box exactly on the antimeridian can fall in both halves
        std::sort(out.begin(), out.end(),
                  [](const BoxPorts& a, const BoxPorts& b) { return a.box.id < b.box.id; });
        out.erase(std::unique(out.begin(), out.end(),
                              [](const BoxPorts& a, const BoxPorts& b) { return a.box.id == b.box.id; }),
                  out.end());
    }
    return out;
}

std::vector<BoxPorts> all_boxes(Store& store, int64_t snapshot) {
    std::vector<BoxPorts> out;
    auto st = store.db().prepare(std::string(kSelect) + "box_keys k" + kJoins +
                                 "WHERE k.snapshot_id = ?1 ORDER BY b.project, b.id, s.id, p.number");
    st.bind(1, snapshot);
    collect(st, out);
    return out;
}

} // namespace oznsync
