#pragma once
// The boxes of one operator's current snapshot in memory, in a spatial index (Boost.Geometry's R*-tree
// over longitude/latitude), so feasibility is answered without SQLite. An index is immutable: a new
// snapshot (or a new revision of it) builds a new one, and `LiveIndex` swaps it in whole, so a request
// sees the old boxes or the new, never a mix.
#include "core/feasibility.hpp"
#include "store/store.hpp"

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace oznsync::serve {

class BoxIndex {
public:
    /// Every box of `snapshot` (read through `store`), indexed by position.
    BoxIndex(Store& store, int64_t snapshot, std::string revision);
    ~BoxIndex();
    /// The same answer as the CLI's `feasibility` over the same snapshot.
    FeasibilityAnswer query(double lat, double lng, double radius_m, int limit) const;
    int64_t snapshot() const { return m_snapshot; }
    const std::string& revision() const { return m_revision; }
    size_t size() const { return m_boxes.size(); }

private:
    struct Tree;
    int64_t m_snapshot = 0;
    std::string m_revision;
    std::vector<BoxPorts> m_boxes;
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
    /// Reads the database now (also done at construction).
    void refresh();

private:
    void loop();
    const std::string m_path, m_operator;
    const int m_poll_ms;
    mutable std::mutex m_mutex;
    std::shared_ptr<const BoxIndex> m_current;
    std::mutex m_stop_mutex;
    std::condition_variable m_stop_cv;
    bool m_stop = false;
    std::thread m_thread;
};

} // namespace oznsync::serve
