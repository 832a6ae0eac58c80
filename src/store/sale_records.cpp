#include "store/sale_records.hpp"

#include "store/store_access.hpp"
#include "util/json_writer.hpp"
#include "util/strings.hpp"

#include <unordered_set>

namespace oznsync {

namespace {

constexpr const char* kColumns =
    "id, version, updated_at, state, substate, code, client_name, address, lat, lng, partner_id, "
    "partner_name, partnership_id, project, box, splitter, port, port_replace_reason";

Sale sale_from(const sql::Statement& st) {
    Sale s;
    s.id = st.text(0);
    s.version = st.int64(1);
    s.updated_at = st.text(2);
    s.state = sale_state_from_name(st.text(3)).value_or(SaleState::Reserved);
    s.substate = st.text(4);
    s.code_order = st.text(5);
    s.client_name = st.text(6);
    s.address = st.text(7);
    if (!st.is_null(8)) s.lat = st.real(8);
    if (!st.is_null(9)) s.lng = st.real(9);
    s.partner_id = st.text(10);
    s.partner_name = st.text(11);
    s.partnership_id = st.text(12);
    s.project = st.text(13);
    s.box = st.text(14);
    s.splitter = st.text(15);
    s.port = st.integer(16);
    s.port_replace_reason = st.text(17);
    return s;
}

std::set<std::string> ids_where(Store& store, const std::string& where, const std::string& values) {
    auto st = db_of(store).prepare("SELECT id FROM sale_records WHERE " + where);
    if (!values.empty()) st.bind(1, values);
    std::set<std::string> out;
    while (st.step())
        out.insert(st.text(0));
    return out;
}

} // namespace

std::string json_array_of(const std::set<std::string>& values) {
    std::string out;
    JsonWriter w(out);
    w.begin_array();
    for (const auto& v : values)
        w.value(v);
    w.end_array();
    return out;
}

RecordedVersions SaleRecords::versions() {
    RecordedVersions out;
    auto st = db_of(m_store).prepare("SELECT id, version, settled FROM sale_records");
    while (st.step())
        out.emplace(Id(st.text_view(0)), RecordedVersion{st.int64(1), st.int64(2) != 0});
    return out;
}

ReconciledVersions SaleRecords::reconciled_versions() {
    ReconciledVersions out;
    auto n = db_of(m_store).prepare("SELECT count(*) FROM sale_records");
    n.step();
    out.reserve(static_cast<size_t>(n.int64(0))); // 500k ids after a large operator's first night
    auto st = db_of(m_store).prepare("SELECT id, version FROM sale_records");
    while (st.step())
        out.emplace(Id(st.text_view(0)), st.int64(1));
    return out;
}

RecordedVersions SaleRecords::versions_of(const std::set<std::string>& ids) {
    RecordedVersions out;
    if (ids.empty()) return out;
    auto st = db_of(m_store).prepare(
        "SELECT id, version, settled FROM sale_records WHERE id IN (SELECT value FROM json_each(?))");
    st.bind(1, json_array_of(ids));
    while (st.step())
        out.emplace(Id(st.text_view(0)), RecordedVersion{st.int64(1), st.int64(2) != 0});
    return out;
}

void SaleRecords::record(const std::vector<const Sale*>& sales, const std::set<Id>& unsettled) {
    // A record never replaces a newer version of itself: the version kept is the highest reconciled, the
    // one a stale record is measured against.
    std::string update;
    for (const auto& column : split(std::string(kColumns) + ", settled", ','))
        if (std::string c = trim(column); c != "id")
            update += (update.empty() ? "" : ", ") + c + " = excluded." + c;
    auto st = db_of(m_store).prepare(std::string("INSERT INTO sale_records (") + kColumns +
                                     ", settled) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
                                     "ON CONFLICT(id) DO UPDATE SET " +
                                     update + " WHERE excluded.version >= sale_records.version");
    for (const Sale* s : sales) {
        st.bind(1, s->id).bind(2, s->version).bind(3, s->updated_at).bind(4, sale_state_name(s->state));
        st.bind(5, s->substate).bind(6, s->code_order).bind(7, s->client_name).bind(8, s->address);
        if (s->lat)
            st.bind(9, *s->lat);
        else
            st.bind_null(9);
        if (s->lng)
            st.bind(10, *s->lng);
        else
            st.bind_null(10);
        st.bind(11, s->partner_id).bind(12, s->partner_name).bind(13, s->partnership_id);
        st.bind(14, s->project).bind(15, s->box).bind(16, s->splitter).bind(17, s->port);
        st.bind(18, s->port_replace_reason).bind(19, !unsettled.count(s->id));
        st.exec();
    }
}

void SaleRecords::keep_only(const std::vector<const Sale*>& keep, const RecordedVersions& recorded) {
    std::unordered_set<Id, IdHash> wanted;
    wanted.reserve(keep.size());
    for (const Sale* s : keep)
        wanted.insert(s->id);
    std::vector<Id> gone;
    for (const auto& [id, v] : recorded)
        if (!wanted.count(id)) gone.push_back(id);
    auto st = db_of(m_store).prepare("DELETE FROM sale_records WHERE id = ?");
    for (const auto& id : gone)
        st.bind(1, id).exec();
}

std::set<std::string> SaleRecords::unsettled() {
    return ids_where(m_store, "settled = 0", "");
}

std::set<std::string> SaleRecords::on_splitters(const std::set<std::string>& splitters) {
    if (splitters.empty()) return {};
    return ids_where(m_store, "splitter IN (SELECT value FROM json_each(?))", json_array_of(splitters));
}

std::set<std::string> SaleRecords::with_codes(const std::set<std::string>& codes) {
    if (codes.empty()) return {};
    return ids_where(m_store, "code IN (SELECT value FROM json_each(?))", json_array_of(codes));
}

std::vector<Sale> SaleRecords::get(const std::set<std::string>& ids) {
    std::vector<Sale> out;
    if (ids.empty()) return out;
    auto st = db_of(m_store).prepare(std::string("SELECT ") + kColumns +
                                     " FROM sale_records WHERE id IN (SELECT value FROM json_each(?)) "
                                     "ORDER BY id");
    st.bind(1, json_array_of(ids));
    while (st.step())
        out.push_back(sale_from(st));
    return out;
}

} // namespace oznsync
