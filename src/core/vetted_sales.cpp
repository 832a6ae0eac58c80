#include "core/vetted_sales.hpp"

#include "core/ownership.hpp"
#include "core/reconcile.hpp"

#include <set>
#include <utility>

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

std::vector<const Sale*> reject_duplicates(std::vector<const Sale*> sales, std::vector<Change>& findings) {
    HashMap<PortAt, int, PortAtHash> live_ports;
    HashMap<std::string_view, int> live_codes;
    live_ports.reserve(sales.size());
    live_codes.reserve(sales.size());
    bool shared = false; // a port or a code of two live sales
    for (const Sale* s : sales) {
        if (!s->wants_present()) continue;
        shared = ++live_ports[PortAt{s->splitter, s->port}] > 1 || shared;
        shared = ++live_codes[s->code_order] > 1 || shared;
    }
    if (!shared) return sales; // the usual feed: nothing to look up again, nothing copied
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
    // The usual feed holds each record once: then no record contradicts another and each is its own
    // latest version, and the one set of ids (`known`) is all this needs.
    bool repeated = false;
    for (const auto& s : sales)
        repeated = !out.known.insert(s.id).second || repeated;
    for (const auto& r : invalid) {
        out.findings.push_back(invalid_finding(r));
        out.known.insert(r.id);
    }
    std::vector<const Sale*> usable;
    usable.reserve(sales.size());
    if (!repeated) {
        for (const auto& s : sales)
            usable.push_back(&s);
        out.sales = reject_duplicates(std::move(usable), out.findings);
        return out;
    }
    // Two different records with the same id and version: the feed contradicts itself, so neither is
    // used (a finding, not a silent choice). The record id stays known, so its client is no orphan.
    std::set<Id> contradicted;
    for (const Sale* s : contradictions(sales)) {
        out.findings.push_back(invalid_sale(*s, "two different records with id " + s->id + " and version " +
                                                    std::to_string(s->version) + ": neither is used"));
        contradicted.insert(s->id);
    }
    for (const auto& s : sales)
        if (contradicted.empty() || !contradicted.count(s.id)) usable.push_back(&s);
    out.sales = reject_duplicates(latest_versions(usable), out.findings);
    return out;
}

} // namespace oznsync
