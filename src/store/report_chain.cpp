#include "store/report_chain.hpp"

#include "store/store_access.hpp"
#include "util/json_writer.hpp"
#include "util/time.hpp"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

namespace oznsync {

namespace {

ChainLink link_from(const sql::Statement& st) {
    ChainLink l;
    l.seq = st.int64(0);
    l.run_id = st.text(1);
    l.summary_sha256 = st.text(2);
    auto files = Poco::JSON::Parser().parse(st.text(3)).extract<Poco::JSON::Object::Ptr>();
    for (const auto& [name, hash] : *files)
        l.files[name] = hash.convert<std::string>();
    l.pruned = st.int64(4) != 0;
    return l;
}

constexpr const char* kSelect = "SELECT seq, run_id, summary_sha256, files, pruned FROM report_chain";

} // namespace

std::optional<ChainLink> ReportChain::last() {
    auto st = db_of(m_store).prepare(std::string(kSelect) + " ORDER BY seq DESC LIMIT 1");
    if (!st.step()) return std::nullopt;
    return link_from(st);
}

void ReportChain::append(const ChainLink& link) {
    std::string files;
    JsonWriter w(files);
    w.begin_object();
    for (const auto& [name, hash] : link.files)
        w.field(name, hash);
    w.end_object();
    db_of(m_store)
        .prepare("INSERT INTO report_chain (run_id, summary_sha256, files, written_at) VALUES (?, ?, ?, ?)")
        .bind(1, link.run_id)
        .bind(2, link.summary_sha256)
        .bind(3, files)
        .bind(4, now_iso())
        .exec();
}

std::vector<ChainLink> ReportChain::all() {
    std::vector<ChainLink> out;
    auto st = db_of(m_store).prepare(std::string(kSelect) + " ORDER BY seq");
    while (st.step())
        out.push_back(link_from(st));
    return out;
}

void ReportChain::mark_pruned(const std::vector<std::string>& run_ids) {
    auto st = db_of(m_store).prepare("UPDATE report_chain SET pruned = 1 WHERE run_id = ?");
    for (const auto& id : run_ids)
        st.bind(1, id).exec();
}

std::vector<std::string> ReportChain::written_before(const std::string& cutoff) {
    std::vector<std::string> out;
    auto st = db_of(m_store).prepare(
        "SELECT run_id FROM report_chain WHERE pruned = 0 AND written_at < ? ORDER BY seq");
    st.bind(1, cutoff);
    while (st.step())
        out.push_back(st.text(0));
    return out;
}

} // namespace oznsync
