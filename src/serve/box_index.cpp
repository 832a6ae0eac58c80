#include "serve/box_index.hpp"

#include "core/geo.hpp"
#include "store/box_ports.hpp"
#include "util/fs.hpp"

#include <boost/geometry.hpp>
#include <boost/geometry/index/rtree.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include <sys/stat.h>

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
    : BoxIndex([&](const auto& each) { oznsync::each_box(store, snapshot, each); }, snapshot,
               std::move(revision)) {}

BoxIndex::BoxIndex(const Feed& feed, int64_t snapshot, std::string revision)
    : m_snapshot(snapshot), m_revision(std::move(revision)), m_tree(std::make_unique<Tree>()) {
    std::string last_project;
    Text project;
    feed([&](BoxPorts&& b) {
        PackedBox p;
        p.lat = b.box.lat;
        p.lng = b.box.lng;
        p.id = keep(b.box.id);
        if (m_boxes.empty() || b.box.project != last_project) { // boxes come by project: its id once
            last_project = b.box.project;
            project = keep(b.box.project);
        }
        p.project = project;
        p.name = keep(b.box.name);
        p.draft = b.box.draft;
        p.implanted = b.box.implanted;
        p.first_splitter = static_cast<uint32_t>(m_splitters.size());
        p.splitters = static_cast<uint32_t>(b.splitters.size());
        for (const auto& sp : b.splitters) {
            m_splitters.push_back({keep(sp.id), keep(sp.name), static_cast<uint32_t>(m_ports.size()),
                                   static_cast<uint32_t>(sp.ports.size())});
            for (const PortState& port : sp.ports)
                m_ports.push_back(
                    static_cast<uint8_t>((port.blocked ? kBlocked : 0) | (port.fiber ? kOccupied : 0)));
        }
        m_boxes.push_back(p);
    });
    m_boxes.shrink_to_fit();
    m_splitters.shrink_to_fit();
    m_ports.shrink_to_fit();
    m_text.shrink_to_fit();
    std::vector<Entry> entries;
    entries.reserve(m_boxes.size());
    for (size_t i = 0; i < m_boxes.size(); ++i)
        entries.emplace_back(Point(m_boxes[i].lng, m_boxes[i].lat), static_cast<uint32_t>(i));
    m_tree->rtree = bgi::rtree<Entry, bgi::rstar<16>>(entries); // bulk loading: packed, fast to query
}

BoxIndex::~BoxIndex() = default;

BoxIndex::Text BoxIndex::keep(const std::string& text) {
    Text t{static_cast<uint32_t>(m_text.size()), static_cast<uint32_t>(text.size())};
    m_text += text;
    return t;
}

BoxPorts BoxIndex::unpack(const PackedBox& p) const {
    BoxPorts b{Box{std::string(text(p.id)), std::string(text(p.project)), std::string(text(p.name)), p.lat,
                   p.lng, p.draft, p.implanted},
               {}};
    b.splitters.reserve(p.splitters);
    for (uint32_t s = p.first_splitter; s < p.first_splitter + p.splitters; ++s) {
        const PackedSplitter& sp = m_splitters[s];
        BoxPorts::SplitterPorts out{std::string(text(sp.id)), std::string(text(sp.name)), {}};
        out.ports.reserve(sp.ports);
        for (uint32_t i = sp.first_port; i < sp.first_port + sp.ports; ++i)
            out.ports.push_back(PortState{(m_ports[i] & kBlocked) != 0, (m_ports[i] & kOccupied)
                                                                            ? std::optional<std::string>("")
                                                                            : std::nullopt});
        b.splitters.push_back(std::move(out));
    }
    return b;
}

FeasibilityAnswer BoxIndex::query(double lat, double lng, double radius_m, int limit) const {
    std::vector<uint32_t> hits;
    const auto rects = covering_rects(lat, lng, radius_m);
    for (const LatLngRect& r : rects) {
        const Rect rect(Point(r.min_lng, r.min_lat), Point(r.max_lng, r.max_lat));
        for (auto it = m_tree->rtree.qbegin(bgi::covered_by(rect)); it != m_tree->rtree.qend(); ++it)
            hits.push_back(it->second);
    }
    if (rects.size() > 1) { // rectangles that meet (antimeridian, poles) may both hold a box
        std::sort(hits.begin(), hits.end());
        hits.erase(std::unique(hits.begin(), hits.end()), hits.end());
    }
    std::vector<BoxPorts> candidates;
    candidates.reserve(hits.size());
    for (uint32_t i : hits)
        if (distance_m(lat, lng, m_boxes[i].lat, m_boxes[i].lng) <= radius_m) // the rest are not answered
            candidates.push_back(unpack(m_boxes[i]));
    return evaluate_feasibility(lat, lng, radius_m, candidates, limit);
}

void BoxIndex::each_box(const std::function<void(const BoxPorts&)>& each) const {
    for (const PackedBox& p : m_boxes)
        each(unpack(p));
}

LiveIndex::LiveIndex(std::string db_path, std::string operator_name, int poll_ms)
    : m_path(std::move(db_path)), m_operator(std::move(operator_name)), m_poll_ms(poll_ms) {
    refresh();
    m_thread = std::thread([this] { loop(); });
}

LiveIndex::~LiveIndex() {
    m_stop.stop();
    if (m_thread.joinable()) m_thread.join();
}

std::shared_ptr<const BoxIndex> LiveIndex::current() const {
    std::lock_guard lock(m_mutex);
    return m_current;
}

namespace {
/// What changes when the database is written: the file and its write-ahead log's identity, size and time.
std::string file_signature(const std::string& path) {
    std::string out;
    for (const std::string& p : {path, path + "-wal"}) {
        struct stat st {};
        if (::stat(p.c_str(), &st) != 0) {
            out += "-;";
            continue;
        }
        out += std::to_string(st.st_ino) + ":" + std::to_string(st.st_size) + ":" +
               std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec) + ";";
    }
    return out;
}
} // namespace

void LiveIndex::refresh() {
    std::lock_guard reading(m_refresh_mutex);
    try {
        if (!file_exists(m_path)) {
            m_store.reset();
            return;
        }
        // One read-only connection kept open: SQLite's data_version says whether another process committed
        // since the last look (a commit in the same clock tick as that look included, which the files' times
        // cannot tell). The files are looked at too: a file replaced (or read as immutable, where
        // data_version never moves) is opened again.
        const std::string signature = file_signature(m_path);
        bool changed = false;
        if (!m_store || signature != m_signature) {
            m_store.reset();
            m_store = std::make_unique<Store>(m_path, Access::ReadOnly, m_operator);
            m_store->limit_cache(1024);
            m_signature = signature;
            changed = true;
        }
        const int64_t version = m_store->data_version();
        if (!changed && version == m_version) return;
        m_version = version;
        const auto id = m_store->current_snapshot();
        if (!id) return;
        const auto info = m_store->snapshot(*id);
        const std::string revision = info ? info->revision : "";
        const auto now = current();
        if (!(now && now->snapshot() == *id && now->revision() == revision)) {
            auto next = std::make_shared<const BoxIndex>(*m_store, *id, revision);
            spdlog::info("{}: snapshot {} in memory ({} boxes)", m_operator, *id, next->size());
            std::lock_guard lock(m_mutex);
            m_current = std::move(next);
        }
    } catch (const std::exception& e) {
        // The last index stays: answers go on from what was read, and the next look opens the database
        // again and tries again.
        m_store.reset();
        m_signature.clear();
        spdlog::warn("{}: the snapshot could not be read: {}", m_operator, e.what());
    }
}

void LiveIndex::loop() {
    while (!m_stop.wait_for(std::chrono::milliseconds(m_poll_ms)))
        refresh();
}

} // namespace oznsync::serve
