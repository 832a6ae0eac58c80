#include "store/snapshot_delta.hpp"

#include "core/ownership.hpp"
#include "store/sale_records.hpp"
#include "store/snapshot_writer.hpp"
#include "store/store_access.hpp"

namespace oznsync {

namespace {

/// What a property row holds that a plan's scope follows: its port's splitter, its proof, its code.
void note_property(DeltaScope& scope, const std::string& splitter, const std::string& external_id,
                   const std::string& code) {
    if (!splitter.empty()) scope.splitters.insert(splitter);
    if (std::string sale = sale_of_external_id(external_id); !sale.empty()) scope.sale_ids.insert(sale);
    if (!code.empty()) scope.codes.insert(code);
}

} // namespace

std::set<std::string> splitters_of_properties(Store& store, int64_t snapshot,
                                              const std::set<std::string>& property_ids) {
    std::set<std::string> out;
    if (property_ids.empty()) return out;
    auto st = db_of(store).prepare(
        "SELECT DISTINCT splitter FROM properties WHERE snapshot_id = ? AND splitter IS NOT NULL AND id IN "
        "(SELECT value FROM json_each(?))");
    st.bind(1, snapshot).bind(2, json_array_of(property_ids));
    while (st.step())
        out.insert(st.text(0));
    return out;
}

DeltaScope apply_delta(Store& store, int64_t snapshot, const InventoryDelta& delta, const std::string& now) {
    auto& db = db_of(store);
    DeltaScope scope;
    SnapshotWriter writer(store, snapshot, SnapshotWriter::Mode::Replace);
    for (const auto& b : delta.boxes)
        writer.add(b);
    if (!delta.boxes.empty()) {
        std::set<std::string> boxes;
        for (const auto& b : delta.boxes)
            boxes.insert(b.id);
        auto st = db.prepare("SELECT id FROM splitters WHERE snapshot_id = ? AND box IN "
                             "(SELECT value FROM json_each(?))");
        st.bind(1, snapshot).bind(2, json_array_of(boxes));
        while (st.step())
            scope.splitters.insert(st.text(0));
    }
    for (const auto& s : delta.splitters) {
        writer.add(s);
        scope.splitters.insert(s.id);
    }
    auto before =
        db.prepare("SELECT coalesce(splitter,''), coalesce(external_id,''), coalesce(client_code,'') "
                   "FROM properties WHERE snapshot_id = ? AND id = ?");
    for (const auto& p : delta.properties) {
        before.bind(1, snapshot).bind(2, p.id);
        if (before.step()) note_property(scope, before.text(0), before.text(1), before.text(2));
        before.reset();
        writer.add(p);
        note_property(scope, p.splitter.str(), p.external_id, p.client_code);
    }
    // A changed client: its fields on the properties that hold it, and in the clients read by code.
    auto holders =
        db.prepare("SELECT coalesce(splitter,''), coalesce(external_id,''), coalesce(client_code,'') "
                   "FROM properties WHERE snapshot_id = ? AND client_id = ?");
    auto on_property = db.prepare("UPDATE properties SET client_code = ?, client_implanted = ?, "
                                  "client_external_id = ? WHERE snapshot_id = ? AND client_id = ?");
    auto lone = db.prepare("UPDATE clients SET code = ?, implanted = ?, external_id = ?, updated_at = ? "
                           "WHERE snapshot_id = ? AND id = ?");
    for (const auto& c : delta.clients) {
        holders.bind(1, snapshot).bind(2, c.id);
        while (holders.step())
            note_property(scope, holders.text(0), holders.text(1), holders.text(2));
        holders.reset();
        on_property.bind(1, c.code).bind(2, c.implanted).bind_text_or_null(3, c.external_id);
        on_property.bind(4, snapshot).bind(5, c.id).exec();
        lone.bind(1, c.code).bind(2, c.implanted).bind_text_or_null(3, c.external_id);
        lone.bind_text_or_null(4, c.updated_at).bind(5, snapshot).bind(6, c.id).exec();
        scope.client_ids.insert(c.id);
        scope.codes.insert(c.code);
    }
    db.prepare("UPDATE snapshots SET finished_at = ? WHERE id = ?").bind(1, now).bind(2, snapshot).exec();
    // Only a delta that changed rows is a new revision: an incremental pull that found nothing leaves a
    // saved plan of this snapshot applicable (its refresh time still moves).
    if (delta.rows() > 0) store.new_revision(snapshot);
    return scope;
}

} // namespace oznsync
