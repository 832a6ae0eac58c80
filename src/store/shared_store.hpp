#pragma once
// The shared store (PostgreSQL + PostGIS, schema `oznsync`, migrations from sql/postgres/): what each
// operator's runs publish for OZneutral — the boxes with a free, sellable port and their free ports per
// splitter, nothing about clients — and what `serve --store` replicas load into memory. An operator's
// rows are replaced whole in one transaction and announced by NOTIFY, so a reader sees the old set or
// the new, never a mix.
#include "core/feasibility.hpp"
#include "store/pg.hpp"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace oznsync {

/// What an operator last published: the snapshot its boxes come from.
struct PublishedHead {
    std::string operator_name;
    int64_t snapshot_id = 0;
    std::string revision;             // the snapshot's revision (it changes with the snapshot's content)
    std::string snapshot_finished_at; // ISO 8601 UTC
    std::string published_at;         // ISO 8601 UTC, the server's clock
    int64_t boxes = 0;
};

/// What a run's publish did (the report's "Shared store" line, summary.json's `publish`).
struct PublishResult {
    enum class Status { Off, Unchanged, Published, Failed };
    Status status = Status::Off;
    int64_t snapshot_id = 0, boxes = 0;
    double seconds = 0;
    std::string error; // Failed: why (the store keeps the boxes published before; the next run tries again)
};
const char* status_name(PublishResult::Status s);
std::optional<PublishResult::Status> status_of(std::string_view name);
/// "published 1,234 boxes of snapshot 7 in 0.4 s", "unchanged", "FAILED: ... (...)"; "" when off.
std::string publish_text(const PublishResult& r);

/// Where the free ports of a box come from: every box of a snapshot, one at a time.
using BoxFeed = std::function<void(const std::function<void(const BoxPorts&)>&)>;

class SharedStore {
public:
    static constexpr const char* kChannel = "oznsync_published";

    explicit SharedStore(const pg::Target& target);
    /// Applies the migrations of sql/postgres/ it has not yet (one publisher at a time: an advisory lock).
    void migrate();
    /// The schema's version (0: none yet; a replica waits for the first publish, it never creates it).
    int schema_version();
    /// PostGIS's version in the database; empty when the extension is not there yet.
    std::string postgis_version();
    std::optional<PublishedHead> head(const std::string& operator_name);
    std::vector<PublishedHead> heads();
    /// Replaces the operator's rows with the boxes of `feed` that have a free, sellable port, in one
    /// transaction that ends by notifying kChannel with the operator's name. Returns the boxes written.
    int64_t publish(PublishedHead head, const BoxFeed& feed);
    /// The operator's published boxes (as BoxPorts whose only sellable ports are the published ones) and
    /// the head they belong to, read in one snapshot of the database; nullopt when it has published none.
    std::optional<PublishedHead> load(const std::string& operator_name,
                                      const std::function<void(BoxPorts&&)>& each);
    /// From now on, publishes are announced to this connection.
    void listen();
    /// The operators announced within `timeout_ms` (none when it passed).
    std::vector<std::string> wait_for_publishes(int timeout_ms);
    bool connected() const { return m_conn.ok(); }
    std::string describe() const { return m_conn.describe(); }

private:
    pg::Connection m_conn;
};

/// The splitters column: [{"id","name","free_ports":[...]}] of the box's sellable ports; empty when none.
std::string published_splitters(const BoxPorts& box, int64_t& free_ports);

} // namespace oznsync
