#include "store/box_ports.hpp"
#include "store/store_access.hpp"

#include <algorithm>
#include <functional>
#include <optional>

namespace oznsync {

namespace {

// A box and its drop splitters (LEFT JOIN: a box without any still answers), then either each port's row
// or the splitter's `port_states`.
const char* kBoxSplitter =
    "SELECT b.id, b.project, b.name, b.lat, b.lng, b.draft, b.implanted, s.id, s.name, ";
const char* kJoins =
    " CROSS JOIN boxes b ON b.snapshot_id = ?1 AND b.id = k.box "
    "LEFT JOIN splitters s INDEXED BY splitters_by_box ON s.snapshot_id = ?1 AND s.box = b.id ";
const char* kPortRows = " LEFT JOIN ports p ON p.snapshot_id = ?1 AND p.splitter = s.id ";
// CROSS JOIN pins the order: the R*Tree first, then only its hits.
const char* kInRect = "box_rtree r CROSS JOIN box_keys k ON k.rid = r.rid AND k.snapshot_id = ?1";
const char* kRectWhere = "WHERE r.min_lat <= ?3 AND r.max_lat >= ?2 AND r.min_lng <= ?5 AND r.max_lng >= ?4 ";

/// Starts a new BoxPorts when the row's box (columns 0-6) differs from the last one.
void add_box(const sql::Statement& st, std::vector<BoxPorts>& out) {
    std::string box_id = st.text(0);
    if (out.empty() || out.back().box.id != box_id)
        out.push_back(
            {Box{box_id, st.text(1), st.text(2), st.real(3), st.real(4), st.int64(5) != 0, st.int64(6) != 0},
             {}});
}

/// Folds the next row of box, splitter, port (ordered so) into `out`; false when there is none.
bool collect_port_row(sql::Statement& st, std::vector<BoxPorts>& out) {
    if (!st.step()) return false;
    add_box(st, out);
    if (st.is_null(7)) return true;
    auto& splitters = out.back().splitters;
    std::string sid = st.text(7);
    if (splitters.empty() || splitters.back().id != sid) splitters.push_back({sid, st.text(8), {}});
    if (st.is_null(9)) return true;
    auto& ports = splitters.back().ports;
    size_t n = static_cast<size_t>(st.int64(9));
    if (ports.size() < n) ports.resize(n);
    ports[n - 1] = PortState{st.int64(10) != 0, st.opt_text(11)};
    return true;
}

void collect_port_rows(sql::Statement& st, std::vector<BoxPorts>& out) {
    while (collect_port_row(st, out)) {
    }
}

/// Folds the next row of box, splitter, port_states into `out`; false when there is none. Throws
/// `NoPortStates` at a splitter without them.
struct NoPortStates {};
bool collect_port_states_row(sql::Statement& st, std::vector<BoxPorts>& out) {
    if (!st.step()) return false;
    add_box(st, out);
    if (st.is_null(7)) return true;
    if (st.is_null(9)) throw NoPortStates{};
    BoxPorts::SplitterPorts sp{st.text(7), st.text(8), {}};
    for (char c : st.text(9))
        sp.ports.push_back(PortState{c == 'b', c == 'o' ? std::optional<std::string>("") : std::nullopt});
    out.back().splitters.push_back(std::move(sp));
    return true;
}

/// Folds rows of box, splitter, port_states into BoxPorts; false at a splitter without port_states (a
/// snapshot pulled before the column existed).
bool collect_port_states(sql::Statement& st, std::vector<BoxPorts>& out) {
    try {
        while (collect_port_states_row(st, out)) {
        }
    } catch (const NoPortStates&) {
        return false;
    }
    return true;
}

/// The boxes in the rectangles, their splitters and ports: one row per splitter (port_states) when the
/// snapshot has them, else one row per port.
std::vector<BoxPorts> boxes_by_rect(Store& store, int64_t snapshot, const std::vector<LatLngRect>& rects,
                                    bool port_states) {
    std::vector<BoxPorts> out;
    auto st =
        db_of(store).prepare(std::string(kBoxSplitter) +
                             (port_states ? "s.port_states FROM " : "p.number, p.blocked, p.fiber FROM ") +
                             kInRect + kJoins + (port_states ? "" : kPortRows) + kRectWhere +
                             (port_states ? "ORDER BY b.id, s.id" : "ORDER BY b.id, s.id, p.number"));
    for (const auto& r : rects) {
        st.bind(1, snapshot).bind(2, r.min_lat).bind(3, r.max_lat).bind(4, r.min_lng).bind(5, r.max_lng);
        if (!port_states)
            collect_port_rows(st, out);
        else if (!collect_port_states(st, out))
            return boxes_by_rect(store, snapshot, rects, false);
        st.reset();
    }
    return out;
}

} // namespace

std::vector<BoxPorts> boxes_in_rects(Store& store, int64_t snapshot, const std::vector<LatLngRect>& rects) {
    std::vector<BoxPorts> out = boxes_by_rect(store, snapshot, rects, true);
    if (rects.size() > 1) { // a box exactly on the antimeridian can fall in both halves
        std::sort(out.begin(), out.end(),
                  [](const BoxPorts& a, const BoxPorts& b) { return a.box.id < b.box.id; });
        out.erase(std::unique(out.begin(), out.end(),
                              [](const BoxPorts& a, const BoxPorts& b) { return a.box.id == b.box.id; }),
                  out.end());
    }
    return out;
}

void each_box(Store& store, int64_t snapshot, const std::function<void(BoxPorts&&)>& each) {
    // One row per splitter (its port_states) unless a splitter of the snapshot lacks them (a snapshot
    // pulled before the column existed): then one row per port.
    auto missing = db_of(store).prepare(
        "SELECT EXISTS(SELECT 1 FROM splitters WHERE snapshot_id = ?1 AND port_states IS NULL)");
    missing.bind(1, snapshot);
    const bool port_states = missing.step() && missing.int64(0) == 0;
    auto st = db_of(store).prepare(
        std::string(kBoxSplitter) +
        (port_states ? "s.port_states FROM box_keys k" : "p.number, p.blocked, p.fiber FROM box_keys k") +
        kJoins + (port_states ? "" : kPortRows) + "WHERE k.snapshot_id = ?1 ORDER BY b.project, b.id, s.id" +
        (port_states ? "" : ", p.number"));
    st.bind(1, snapshot);
    // The rows come box by box: a box is complete when the next one starts.
    std::vector<BoxPorts> one;
    auto flush = [&](size_t keep) {
        while (one.size() > keep) {
            each(std::move(one.front()));
            one.erase(one.begin());
        }
    };
    while (true) {
        const size_t before = one.size();
        const bool more = port_states ? collect_port_states_row(st, one) : collect_port_row(st, one);
        if (!more) break;
        if (one.size() > before && one.size() > 1) flush(1);
    }
    flush(0);
}

std::map<std::string, long long> free_ports_by_project(Store& store, int64_t snapshot) {
    std::map<std::string, long long> out;
    // One row per splitter (its port_states string); a snapshot pulled before that column reads the ports.
    auto st = db_of(store).prepare(
        "SELECT s.project, sum(CASE WHEN s.port_states IS NOT NULL THEN "
        "length(s.port_states) - length(replace(s.port_states, '.', '')) ELSE "
        "(SELECT count(*) FROM ports p WHERE p.snapshot_id = s.snapshot_id AND p.splitter = s.id AND "
        "p.fiber IS NULL AND p.blocked = 0) END) FROM splitters s JOIN boxes b ON b.snapshot_id = "
        "s.snapshot_id AND b.id = s.box WHERE s.snapshot_id = ? AND b.draft = 0 GROUP BY s.project");
    st.bind(1, snapshot);
    while (st.step())
        out[st.text(0)] = st.int64(1);
    return out;
}

} // namespace oznsync
