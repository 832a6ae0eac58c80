#include "store/snapshot_patch.hpp"

#include "core/ownership.hpp"
#include "store/store_access.hpp"

namespace oznsync {

void patch_snapshot(Store& store, int64_t snapshot, const std::vector<JournalEntry>& entries) {
    auto& db = db_of(store);
    auto occupy =
        db.prepare("UPDATE ports SET fiber = ? WHERE snapshot_id = ? AND splitter = ? AND number = ?");
    auto release =
        db.prepare("UPDATE ports SET fiber = NULL WHERE snapshot_id = ? AND splitter = ? AND number = ?");
    auto add = db.prepare(
        "INSERT OR REPLACE INTO properties(snapshot_id, id, project, box, splitter, port, lat, lng, "
        "address, external_id, client_id, client_code, client_name, client_implanted) "
        "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    auto move =
        db.prepare("UPDATE properties SET box = ?, splitter = ?, port = ? WHERE snapshot_id = ? AND id = ?");
    auto implant = db.prepare("UPDATE properties SET client_implanted = ? WHERE snapshot_id = ? AND id = ?");
    auto drop = db.prepare("DELETE FROM properties WHERE snapshot_id = ? AND id = ?");
    auto disconnect = db.prepare(
        "UPDATE properties SET splitter = NULL, port = NULL, client_id = NULL, client_code = NULL, "
        "client_name = NULL, client_implanted = NULL, client_external_id = NULL WHERE snapshot_id = ? AND id "
        "= ?");
    auto forget_client = db.prepare("DELETE FROM clients WHERE snapshot_id = ? AND id = ?");
    auto adopt = db.prepare("UPDATE properties SET external_id = ? WHERE snapshot_id = ? AND id = ?");
    sql::Transaction tx(db);
    for (const auto& e : entries) {
        if (e.state != EntryState::Done) continue;
        const Change& c = e.change;
        switch (c.action) {
        case Action::Create:
            occupy.bind(1, "oznsync:" + c.property_id)
                .bind(2, snapshot)
                .bind(3, c.target.splitter)
                .bind(4, c.target.port)
                .exec();
            add.bind(1, snapshot)
                .bind(2, c.property_id)
                .bind(3, c.project)
                .bind(4, c.target.box)
                .bind(5, c.target.splitter);
            add.bind(6, c.target.port)
                .bind(7, c.lat)
                .bind(8, c.lng)
                .bind(9, c.address)
                .bind(10, external_id_for(IdText(c.sale_id)));
            add.bind(11, c.client_id).bind(12, c.code).bind(13, c.client_name).bind(14, c.implanted).exec();
            break;
        case Action::Move:
            release.bind(1, snapshot).bind(2, c.from->splitter).bind(3, c.from->port).exec();
            occupy.bind(1, "oznsync:" + c.property_id)
                .bind(2, snapshot)
                .bind(3, c.target.splitter)
                .bind(4, c.target.port)
                .exec();
            move.bind(1, c.target.box)
                .bind(2, c.target.splitter)
                .bind(3, c.target.port)
                .bind(4, snapshot)
                .bind(5, c.property_id)
                .exec();
            break;
        case Action::Promote:
        case Action::Demote:
            implant.bind(1, c.action == Action::Promote).bind(2, snapshot).bind(3, c.property_id).exec();
            break;
        case Action::Remove:
            if (!c.property_id.empty()) {
                // Only a property frees a port: a client without one sits on none.
                release.bind(1, snapshot).bind(2, c.target.splitter).bind(3, c.target.port).exec();
                if (c.keep_property)
                    disconnect.bind(1, snapshot).bind(2, c.property_id).exec();
                else
                    drop.bind(1, snapshot).bind(2, c.property_id).exec();
            }
            if (!c.client_id.empty()) forget_client.bind(1, snapshot).bind(2, c.client_id).exec();
            break;
        case Action::Adopt:
            adopt.bind(1, external_id_for(IdText(c.sale_id))).bind(2, snapshot).bind(3, c.property_id).exec();
            break;
        default:
            break;
        }
    }
    store.new_revision(snapshot);
    tx.commit();
}

} // namespace oznsync
