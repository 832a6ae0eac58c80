#include "serve/box_index.hpp"

#include "core/geo.hpp"
#include "store/box_ports.hpp"
#include "util/fs.hpp"

#include <boost/geometry.hpp>
#include <boost/geometry/index/rtree.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

namespace oznsync::serve {

namespace bg = boost::geometry;
namespace bgi = boost::geometry::index;
using Point = bg::model::point<double, 2, bg::cs::cartesian>; // (lng, lat) in degrees
using Rect = bg::model::box<Point>;
using Entry = std::pair<Point, uint32_t>; // a box's position and its place in m_boxes

struct BoxIndex::Tree {
    bgi::rtree<Entry, bgi::rstar<16>> rtree;
};

BoxIndex::BoxIndex(Store& store, int64_t snapshot, std::string revision)
    : m_snapshot(snapshot), m_revision(std::move(revision)), m_boxes(all_boxes(store, snapshot)),
      m_tree(std::make_unique<Tree>()) {
    std::vector<Entry> entries;
    entries.reserve(m_boxes.size());
    for (size_t i = 0; i < m_boxes.size(); ++i)
        entries.emplace_back(Point(m_boxes[i].box.lng, m_boxes[i].box.lat), static_cast<uint32_t>(i));
    m_tree->rtree = bgi::rtree<Entry, bgi::rstar<16>>(entries); // bulk loading: packed, fast to query
}

BoxIndex::~BoxIndex() = default;

FeasibilityAnswer BoxIndex::query(double lat, double lng, double radius_m, int limit) const {
    std::vector<const BoxPorts*> candidates;
    const auto rects = covering_rects(lat, lng, radius_m);
    for (const LatLngRect& r : rects) {
        const Rect rect(Point(r.min_lng, r.min_lat), Point(r.max_lng, r.max_lat));
        for (auto it = m_tree->rtree.qbegin(bgi::covered_by(rect)); it != m_tree->rtree.qend(); ++it)
            candidates.push_back(&m_boxes[it->second]);
    }
    if (rects.size() > 1) { // rectangles that meet (antimeridian, poles) may both hold a box
        std::sort(candidates.begin(), candidates.end());
        candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
    }
    return evaluate_feasibility(lat, lng, radius_m, candidates, limit);
}

LiveIndex::LiveIndex(std::string db_path, std::string operator_name, int poll_ms)
    : m_path(std::move(db_path)), m_operator(std::move(operator_name)), m_poll_ms(poll_ms) {
    refresh();
    m_thread = std::thread([this] { loop(); });
}

LiveIndex::~LiveIndex() {
    {
        std::lock_guard lock(m_stop_mutex);
        m_stop = true;
    }
    m_stop_cv.notify_all();
    if (m_thread.joinable()) m_thread.join();
}

std::shared_ptr<const BoxIndex> LiveIndex::current() const {
    std::lock_guard lock(m_mutex);
    return m_current;
}

void LiveIndex::refresh() {
    try {
        if (!file_exists(m_path)) return;
        Store store(m_path, Access::ReadOnly, m_operator);
        const auto id = store.current_snapshot();
        if (!id) return;
        const auto info = store.snapshot(*id);
        const std::string revision = info ? info->revision : "";
        const auto now = current();
        if (now && now->snapshot() == *id && now->revision() == revision) return;
        auto next = std::make_shared<const BoxIndex>(store, *id, revision);
        spdlog::info("{}: snapshot {} in memory ({} boxes)", m_operator, *id, next->size());
        std::lock_guard lock(m_mutex);
        m_current = std::move(next);
    } catch (const std::exception& e) {
        // The last index stays: answers go on from what was read, and the next look tries again.
        spdlog::warn("{}: the snapshot could not be read: {}", m_operator, e.what());
    }
}

void LiveIndex::loop() {
    std::unique_lock lock(m_stop_mutex);
    while (!m_stop_cv.wait_for(lock, std::chrono::milliseconds(m_poll_ms), [this] { return m_stop; })) {
        lock.unlock();
        refresh();
        lock.lock();
    }
}

} // namespace oznsync::serve
