#pragma once
// The boxes of one operator's current snapshot in memory, in a spatial index (Boost.Geometry's R*-tree
// over longitude/latitude), so feasibility is answered without SQLite. An index is immutable: a new
// snapshot (or a new revision of it) builds a new one, and `LiveIndex` swaps it in whole, so a request
// sees the old boxes or the new, never a mix.
#include "core/feasibility.hpp"
#include "store/store.hpp"
#include "util/stop_signal.hpp"

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace oznsync::serve {

class BoxIndex {
public:
    /// Hands every box of a snapshot, one at a time, to the function it is given.
    using Feed = std::function<void(const std::function<void(BoxPorts&&)>&)>;
    /// Every box of `snapshot` (read through `store`), indexed by position.
    BoxIndex(Store& store, int64_t snapshot, std::string revision);
    /// Every box `feed` gives (the shared store's published boxes), indexed by position.
    BoxIndex(const Feed& feed, int64_t snapshot, std::string revision);
    ~BoxIndex();
    /// The same answer as the CLI's `feasibility` over the same snapshot.
    FeasibilityAnswer query(double lat, double lng, double radius_m, int limit) const;
    /// Every box, in the snapshot's order (by project, then id), as `each_box` reads it.
    void each_box(const std::function<void(const BoxPorts&)>& each) const;
    /// The snapshot the boxes are of, when it is known only after they were read (before it is shared).
    void identify(int64_t snapshot, std::string revision) {
        m_snapshot = snapshot;
        m_revision = std::move(revision);
    }
    int64_t snapshot() const { return m_snapshot; }
    const std::string& revision() const { return m_revision; }
    size_t size() const { return m_boxes.size(); }

private:
    // Packed: the boxes of a fleet are held by the million, so a box is a few fixed-size records and its
    // texts live in one buffer (a `BoxPorts` of strings and vectors is ~1.5 KB; this is ~150 bytes).
    struct Text {
        uint32_t at = 0, size = 0; // in m_text
    };
    struct PackedBox {
        double lat = 0, lng = 0;
        Text id, project, name;
        uint32_t first_splitter = 0, splitters = 0;
        bool draft = false, implanted = false;
    };
    struct PackedSplitter {
        Text id, name;
        uint32_t first_port = 0, ports = 0;
    };
    enum PortBits : uint8_t { kBlocked = 1, kOccupied = 2 };
    Text keep(const std::string& text);
    std::string_view text(Text t) const { return {m_text.data() + t.at, t.size}; }
    BoxPorts unpack(const PackedBox& box) const;

    struct Tree;
    int64_t m_snapshot = 0;
    std::string m_revision;
    std::vector<PackedBox> m_boxes;
    std::vector<PackedSplitter> m_splitters;
    std::vector<uint8_t> m_ports; // PortBits per port
    std::string m_text;
    std::unique_ptr<Tree> m_tree;
};

/// One operator's index, kept current: a thread looks at the database's current snapshot and revision
/// every `poll_ms` and builds a new index when either changed (a pull, an incremental run, an apply).
class LiveIndex {
public:
    LiveIndex(std::string db_path, std::string operator_name, int poll_ms = 500);
    ~LiveIndex();
    LiveIndex(const LiveIndex&) = delete;
    LiveIndex& operator=(const LiveIndex&) = delete;
    /// The current index; null before the first snapshot (or while the database cannot be read).
    std::shared_ptr<const BoxIndex> current() const;
    /// Reads the database now if its files changed since the last read (also done at construction; the
    /// server calls it before an availability answer, which must be the last committed snapshot).
    void refresh();

private:
    void loop();
    const std::string m_path, m_operator;
    const int m_poll_ms;
    std::mutex m_refresh_mutex;     // one reader at a time: the polling thread or a request
    std::unique_ptr<Store> m_store; // read-only, kept open between looks
    std::string m_signature;        // of the database's files when it was opened
    int64_t m_version = -1;         // its data_version at the last look
    mutable std::mutex m_mutex;
    std::shared_ptr<const BoxIndex> m_current;
    StopSignal m_stop;
    std::thread m_thread;
};

} // namespace oznsync::serve
