#include "store/snapshot_stats.hpp"

#include "store/store_access.hpp"

namespace oznsync {

std::vector<ProjectOccupancy> occupancy(Store& store, int64_t snapshot) {
    std::vector<ProjectOccupancy> out;
    auto st = db_of(store).prepare(
        "SELECT s.project, coalesce(pj.name, ''), "
        "sum(p.fiber IS NULL AND p.blocked = 0), "
        "sum(p.fiber IS NOT NULL AND coalesce(pr.client_implanted, 1) = 0), "
        "sum(p.fiber IS NOT NULL AND coalesce(pr.client_implanted, 1) = 1), "
        "sum(p.fiber IS NULL AND p.blocked = 1) "
        "FROM ports p JOIN splitters s ON s.snapshot_id = p.snapshot_id AND s.id = p.splitter "
        "LEFT JOIN projects pj ON pj.snapshot_id = s.snapshot_id AND pj.id = s.project "
        "LEFT JOIN properties pr ON pr.snapshot_id = p.snapshot_id AND pr.splitter = p.splitter AND pr.port "
        "= p.number "
        "WHERE p.snapshot_id = ? GROUP BY s.project ORDER BY s.project");
    st.bind(1, snapshot);
    while (st.step())
        out.push_back({st.text(0), st.text(1), st.int64(2), st.int64(3), st.int64(4), st.int64(5)});
    return out;
}

} // namespace oznsync
