#include "store/shared_store.hpp"

#include "core/enum_names.hpp"
#include "store/embedded_migration.hpp"
#include "util/json_writer.hpp"
#include "util/strings.hpp"

#include <simdjson.h>
#include <spdlog/spdlog.h>

#include <iterator>

namespace oznsync {

namespace {
#include "pg_migrations.inc"

constexpr const char* kIsoUtc = "YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"";

PublishedHead head_of(const pg::Row& row) {
    return {std::string(row.text(0)), row.int64(1), std::string(row.text(2)), std::string(row.text(3)),
            std::string(row.text(4)), row.int64(5)};
}

const std::string kHeadColumns = std::string("operator, snapshot_id, revision, snapshot_finished_at, "
                                             "to_char(published_at AT TIME ZONE 'UTC', '") +
                                 kIsoUtc + "'), boxes FROM oznsync.operators";

/// A published box as a BoxPorts: its published ports free, the ports before them taken (so the same
/// rules that chose them from the snapshot choose them again, and nothing more).
BoxPorts box_of(const pg::Row& row, simdjson::dom::parser& parser) {
    BoxPorts b;
    b.box.id = row.text(0);
    b.box.project = row.text(1);
    b.box.name = row.text(2);
    b.box.lat = row.real(3);
    b.box.lng = row.real(4);
    b.box.implanted = row.boolean(5);
    const std::string_view json = row.text(6);
    simdjson::dom::element splitters = parser.parse(json.data(), json.size());
    for (simdjson::dom::object s : splitters.get_array()) {
        BoxPorts::SplitterPorts sp;
        sp.id = std::string_view(s["id"]);
        sp.name = std::string_view(s["name"]);
        for (int64_t port : s["free_ports"].get_array()) {
            if (port < 1 || port > 4096) continue; // not a port number: never offered
            if (sp.ports.size() < static_cast<size_t>(port))
                sp.ports.resize(static_cast<size_t>(port), {false, ""});
            sp.ports[static_cast<size_t>(port - 1)].fiber.reset();
        }
        b.splitters.push_back(std::move(sp));
    }
    return b;
}
} // namespace

namespace {
constexpr Named<PublishResult::Status> kStatuses[] = {{PublishResult::Status::Off, "off"},
                                                      {PublishResult::Status::Unchanged, "unchanged"},
                                                      {PublishResult::Status::Published, "published"},
                                                      {PublishResult::Status::Failed, "failed"}};
} // namespace

const char* status_name(PublishResult::Status s) {
    return name_of(kStatuses, s);
}

std::optional<PublishResult::Status> status_of(std::string_view name) {
    return value_of(kStatuses, name);
}

std::string publish_text(const PublishResult& r) {
    switch (r.status) {
    case PublishResult::Status::Off:
        return "";
    case PublishResult::Status::Unchanged:
        return "unchanged: snapshot " + std::to_string(r.snapshot_id) + " is what the shared store holds";
    case PublishResult::Status::Published:
        return "published " + std::to_string(r.boxes) + " boxes of snapshot " +
               std::to_string(r.snapshot_id) + " in " +
               format_double(static_cast<double>(static_cast<long long>(r.seconds * 100)) / 100) + " s";
    case PublishResult::Status::Failed:
        return "FAILED: " + r.error +
               " (the shared store keeps the boxes published before; the next run publishes again)";
    }
    return "";
}

std::string published_splitters(const BoxPorts& box, int64_t& free_ports) {
    std::string out;
    JsonWriter w(out);
    w.begin_array();
    free_ports = 0;
    for (const auto& s : box.splitters) {
        bool opened = false;
        for (size_t i = 0; i < s.ports.size(); ++i) {
            if (!sellable(box.box, s.ports[i])) continue;
            if (!opened)
                w.begin_object().field("id", s.id).field("name", s.name).key("free_ports").begin_array();
            opened = true;
            w.value(static_cast<int64_t>(i + 1));
            ++free_ports;
        }
        if (opened) w.end_array().end_object();
    }
    w.end_array();
    return out;
}

SharedStore::SharedStore(const pg::Target& target) : m_conn(target) {}

int SharedStore::schema_version() {
    // Asked apart: a statement naming a table that does not exist fails as a whole, whatever its WHERE.
    bool exists = false;
    m_conn.exec("SELECT to_regclass('oznsync.schema_migrations') IS NOT NULL", {},
                [&](const pg::Row& r) { exists = r.boolean(0); });
    if (!exists) return 0; // before the first publish: a replica waits, `check` says so
    int version = 0;
    m_conn.exec("SELECT coalesce(max(version), 0) FROM oznsync.schema_migrations", {},
                [&](const pg::Row& r) { version = static_cast<int>(r.int64(0)); });
    return version;
}

void SharedStore::migrate() {
    pg::Transaction tx(m_conn);
    // Two operators' first publishes at once: one migrates, the other waits and finds it done.
    m_conn.exec("SELECT pg_advisory_xact_lock(hashtext('oznsync.migrate'))");
    m_conn.exec("CREATE SCHEMA IF NOT EXISTS oznsync");
    m_conn.exec(
        "CREATE TABLE IF NOT EXISTS oznsync.schema_migrations (version integer PRIMARY KEY, name text "
        "NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
    const int current = schema_version();
    int n = 0;
    for (const auto& m : kPgMigrations) {
        ++n;
        if (std::string_view(m.name).substr(0, 4) != (n < 10    ? "00"
                                                      : n < 100 ? "0"
                                                                : "") +
                                                         std::to_string(n) + "_")
            throw std::logic_error(std::string("sql/postgres: migration out of sequence: ") + m.name);
        if (n <= current) continue;
        m_conn.exec_script(m.sql);
        m_conn.exec("INSERT INTO oznsync.schema_migrations (version, name) VALUES ($1, $2)",
                    {std::to_string(n), std::string(m.name)});
    }
    if (current > n)
        throw ConfigError("the shared store's schema is version " + std::to_string(current) +
                          ", newer than this oznsync knows (" + std::to_string(n) + ")");
    tx.commit();
}

std::string SharedStore::postgis_version() {
    std::string version;
    m_conn.exec("SELECT extversion FROM pg_extension WHERE extname = 'postgis'", {},
                [&](const pg::Row& r) { version = r.text(0); });
    return version;
}

std::optional<PublishedHead> SharedStore::head(const std::string& operator_name) {
    std::optional<PublishedHead> out;
    m_conn.exec("SELECT " + kHeadColumns + " WHERE operator = $1", {operator_name},
                [&](const pg::Row& r) { out = head_of(r); });
    return out;
}

std::vector<PublishedHead> SharedStore::heads() {
    std::vector<PublishedHead> out;
    m_conn.exec("SELECT " + kHeadColumns + " ORDER BY operator", {},
                [&](const pg::Row& r) { out.push_back(head_of(r)); });
    return out;
}

int64_t SharedStore::publish(PublishedHead head, const BoxFeed& feed) {
    pg::Transaction tx(m_conn);
    // The operator's row first: it locks out another publish of the same operator until this one ends.
    m_conn.exec(
        "INSERT INTO oznsync.operators (operator, snapshot_id, revision, snapshot_finished_at, boxes) "
        "VALUES ($1, $2, $3, $4, 0) ON CONFLICT (operator) DO UPDATE SET snapshot_id = excluded.snapshot_id, "
        "revision = excluded.revision, snapshot_finished_at = excluded.snapshot_finished_at, "
        "published_at = now()",
        {head.operator_name, std::to_string(head.snapshot_id), head.revision, head.snapshot_finished_at});
    m_conn.exec("DELETE FROM oznsync.available_boxes WHERE operator = $1", {head.operator_name});
    int64_t boxes = 0;
    m_conn.copy_in("COPY oznsync.available_boxes (operator, box_id, project, name, lat, lng, implanted, "
                   "free_port_count, splitters) FROM STDIN",
                   [&](std::string& buffer, const std::function<void()>& flush) {
                       feed([&](const BoxPorts& b) {
                           int64_t free_ports = 0;
                           const std::string splitters = published_splitters(b, free_ports);
                           if (free_ports == 0) return; // only what availability exports
                           pg::CopyRow(buffer)
                               .field(head.operator_name)
                               .field(b.box.id)
                               .field(b.box.project)
                               .field(b.box.name)
                               .field(b.box.lat)
                               .field(b.box.lng)
                               .field(b.box.implanted)
                               .field(free_ports)
                               .field(splitters)
                               .end();
                           ++boxes;
                           flush();
                       });
                   });
    m_conn.exec("UPDATE oznsync.operators SET boxes = $2 WHERE operator = $1",
                {head.operator_name, std::to_string(boxes)});
    m_conn.exec("SELECT pg_notify($1, $2)", {std::string(kChannel), head.operator_name});
    tx.commit();
    return boxes;
}

std::optional<PublishedHead> SharedStore::load(const std::string& operator_name,
                                               const std::function<void(BoxPorts&&)>& each) {
    pg::Transaction tx(m_conn);
    m_conn.exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
    std::optional<PublishedHead> out = head(operator_name);
    if (!out) return out;
    simdjson::dom::parser parser;
    long long unreadable = 0;
    m_conn.exec("SELECT box_id, project, name, lat, lng, implanted, splitters FROM oznsync.available_boxes "
                "WHERE operator = $1 ORDER BY project COLLATE \"C\", box_id COLLATE \"C\"",
                {operator_name}, [&](const pg::Row& r) {
                    try {
                        each(box_of(r, parser));
                    } catch (const simdjson::simdjson_error&) { // a row edited by hand: not offered
                        ++unreadable;
                    }
                });
    if (unreadable)
        spdlog::warn("shared store: {} box(es) of {} have unreadable free ports and are not offered",
                     unreadable, operator_name);
    tx.commit();
    return out;
}

void SharedStore::listen() {
    m_conn.exec(std::string("LISTEN ") + kChannel);
}

std::vector<std::string> SharedStore::wait_for_publishes(int timeout_ms) {
    std::vector<std::string> out;
    const auto take = [&] {
        for (auto& [channel, payload] : m_conn.notifications())
            if (channel == kChannel) out.push_back(std::move(payload));
    };
    take(); // already read with an earlier answer
    if (out.empty()) {
        m_conn.wait_readable(timeout_ms);
        take();
    }
    return out;
}

} // namespace oznsync
