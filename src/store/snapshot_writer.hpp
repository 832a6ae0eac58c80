#pragma once
// Streams pulled rows into one snapshot with reused prepared statements; callers group rows into
// transactions (one per page) so a page is either fully in or not at all.
#include "core/model.hpp"
#include "store/store.hpp"

#include <cstdint>

namespace oznsync {

/// A splitter's ports as the `port_states` column keeps them: one character per port, in number order,
/// '.' free, 'b' blocked, 'o' occupied (a number no port has reads as free, as the port rows do).
std::string port_states(const std::vector<Port>& ports);

class SnapshotWriter {
public:
    /// Insert: a row that comes twice is a constraint error (the pull takes it as paging that shifted).
    /// Replace: a row with a known id replaces it (an incremental pull refreshing the current snapshot;
    /// a splitter's ports are rewritten, a box keeps its spatial key).
    enum class Mode { Insert, Replace };
    SnapshotWriter(Store& store, int64_t snapshot_id, Mode mode = Mode::Insert);

    void add(const Project& p);
    void add(const Box& b);
    /// Writes the splitter and its ports.
    void add(const Splitter& s);
    void add(const Property& p);
    /// A client read by code (the same client may come from two batches: kept once).
    void add(const Client& c);
    /// Drops the drop splitters (and their ports) whose box is not in the snapshot; returns how many.
    long long drop_splitters_without_box();
    /// Removes what a collection of one project wrote so far (before re-pulling it).
    void clear(const std::string& collection, const std::string& project);

    struct ProjectCounts {
        long long boxes = 0, splitters = 0, ports = 0, properties = 0;
    };
    /// What the snapshot holds of one project so far.
    ProjectCounts counts(const std::string& project);
    /// Properties with a client.
    long long clients();

private:
    SnapshotWriter(sql::Database& db, int64_t snapshot_id, Mode mode);
    sql::Database& m_db;
    int64_t m_snapshot;
    Mode m_mode;
    sql::Statement m_project, m_box, m_box_key, m_box_rtree, m_splitter, m_port, m_property, m_client;
};

} // namespace oznsync
