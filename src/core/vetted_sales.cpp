#include "core/vetted_sales.hpp"

#include "core/ownership.hpp"
#include "core/reconcile.hpp"

#include <set>

namespace oznsync {

Change change_of_sale(const Sale& s) {
    Change c;
    c.sale_id = s.id;
    c.code = s.code_order;
    c.partner = s.partner_name;
    c.project = s.project;
    c.target = PortRef{s.box, s.splitter, s.port};
    c.implanted = s.wants_implanted();
    c.address = s.address; // the premises, for people reading the report
    return c;
}

Change invalid_sale(const Sale& s, const std::string& reason) {
    Change c = change_of_sale(s);
    c.action = Action::Invalid;
    c.reason = reason;
    return c;
}

std::vector<const Sale*> reject_duplicates(const std::vector<const Sale*>& sales,
                                           std::vector<Change>& findings) {
    HashMap<PortAt, int, PortAtHash> live_ports;
    HashMap<std::string_view, int> live_codes;
    live_ports.reserve(sales.size());
    live_codes.reserve(sales.size());
    for (const Sale* s : sales) {
        if (!s->wants_present()) continue;
        ++live_ports[PortAt{s->splitter, s->port}];
        ++live_codes[s->code_order];
    }
    std::vector<const Sale*> valid;
    valid.reserve(sales.size());
    for (const Sale* p : sales) {
        const Sale& s = *p;
        if (s.wants_present()) {
            if (live_ports[PortAt{s.splitter, s.port}] > 1) {
                findings.push_back(invalid_sale(s, "two live sales on splitter " + s.splitter + " port " +
                                                       std::to_string(s.port)));
                continue;
            }
            if (live_codes[s.code_order] > 1) {
                findings.push_back(invalid_sale(s, "two live sales share codeOrder " + s.code_order));
                continue;
            }
        }
        valid.push_back(p);
    }
    return valid;
}

VettedSales vet_sales(const std::vector<Sale>& sales, const std::vector<InvalidRecord>& invalid) {
    VettedSales out;
    out.known.reserve(sales.size() + invalid.size());
    for (const auto& r : invalid) {
        out.findings.push_back(invalid_finding(r));
        out.known.insert(r.id);
    }
    // Two different records with the same id and version: the feed contradicts itself, so neither is
    // used (a finding, not a silent choice). The record id stays known, so its client is no orphan.
    std::set<Id> contradicted;
    for (const Sale* s : contradictions(sales)) {
        out.findings.push_back(invalid_sale(*s, "two different records with id " + s->id + " and version " +
                                                    std::to_string(s->version) + ": neither is used"));
        out.known.insert(s->id);
        contradicted.insert(s->id);
    }
    std::vector<const Sale*> usable;
    usable.reserve(sales.size());
    for (const auto& s : sales)
        if (contradicted.empty() || !contradicted.count(s.id)) usable.push_back(&s);
    const std::vector<const Sale*> latest = latest_versions(usable);
    for (const Sale* s : latest)
        out.known.insert(s->id);
    out.sales = reject_duplicates(latest, out.findings);
    return out;
}

} // namespace oznsync
