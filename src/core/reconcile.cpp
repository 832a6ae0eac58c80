#include "core/reconcile.hpp"

#include <algorithm>
#include <tuple>
#include <unordered_map>

namespace oznsync {

namespace {

constexpr const char* kExternalPrefix = "ozneutral:";

std::string implanted_text(bool implanted) {
    return implanted ? "implanted" : "not implanted";
}

PortRef where(const Property& p) {
    return PortRef{p.box, p.splitter, p.port};
}

std::string record_of(const Property& p) {
    for (const std::string* ext : {&p.external_id, &p.client_external_id})
        if (ext->rfind(kExternalPrefix, 0) == 0)
            return ext->substr(std::char_traits<char>::length(kExternalPrefix));
    return "";
}

class Reconciler {
public:
    Reconciler(const Inventory& inv, const ReconcileOptions& opt,
               const std::map<std::string, OwnedState>& baseline)
        : m_inv(inv), m_opt(opt), m_baseline(baseline) {
        for (size_t i = 0; i < inv.properties.size(); ++i) {
            const Property& p = inv.properties[i];
            if (!p.client_code.empty()) m_by_code.emplace(p.client_code, i);
            std::string rec = record_of(p);
            if (!rec.empty()) m_by_record.emplace(rec, i);
            if (!p.splitter.empty() && p.port > 0) m_by_port[p.splitter + "#" + std::to_string(p.port)] = i;
        }
    }

    bool in_scope(const std::string& project) const {
        return m_opt.only_projects.empty() || m_opt.only_projects.count(project);
    }

    ChangeSet run(const std::vector<Sale>& raw_sales, const std::vector<InvalidRecord>& invalid_records) {
        for (const auto& r : invalid_records) {
            Change c;
            c.action = Action::Invalid;
            c.sale_id = r.id;
            c.code = r.code;
            c.reason = r.reason;
            m_out.findings.push_back(c);
            m_known_records.insert(r.id);
        }
        std::vector<Sale> sales = latest_versions(raw_sales);
        for (const auto& s : sales)
            m_known_records.insert(s.id);
        std::vector<const Sale*> valid = reject_duplicates(sales);

        std::set<size_t> owned_props;
        for (const Sale* s : valid) {
            if (!in_scope(s->project)) continue;
            ++m_out.sales_in_scope;
            const Property* owned = find_owned(*s);
            if (owned) {
                owned_props.insert(static_cast<size_t>(owned - m_inv.properties.data()));
                m_out.owned[s->id] = OwnedState{owned->id, where(*owned), owned->client_implanted};
                m_out.owned_codes[s->id] = s->code_order;
            }
            decide(*s, owned);
        }
        // Orphans: clients carrying our external id whose record the feed no longer has.
        for (size_t i = 0; i < m_inv.properties.size(); ++i) {
            const Property& p = m_inv.properties[i];
            std::string rec = record_of(p);
            if (rec.empty() || !in_scope(p.project)) continue;
            ++m_out.owned_clients;
            if (m_known_records.count(rec) || owned_props.count(i)) continue;
            Change c = base_for(p);
            c.sale_id = rec;
            c.action = Action::Orphan;
            c.reason = "owned by oznsync (external_id ozneutral:" + rec + ") but no sale record has this id";
            m_out.findings.push_back(c);
            if (m_opt.prune_orphans && m_opt.remove) {
                c.action = Action::Remove;
                c.reason = "orphan pruned (--prune-orphans)";
                c.before = "present, " + implanted_text(p.client_implanted);
                c.after = "absent";
                m_out.writes.push_back(c);
            }
        }
        // Owned clients matched by code only also count as owned.
        for (size_t i : owned_props)
            if (record_of(m_inv.properties[i]).empty()) ++m_out.owned_clients;
        order();
        return std::move(m_out);
    }

private:
    std::vector<const Sale*> reject_duplicates(const std::vector<Sale>& sales) {
        std::unordered_map<std::string, int> live_ports, live_codes;
        for (const auto& s : sales) {
            if (!s.wants_present()) continue;
            ++live_ports[s.splitter + "#" + std::to_string(s.port)];
            ++live_codes[s.code_order];
        }
        std::vector<const Sale*> valid;
        for (const auto& s : sales) {
            if (s.wants_present()) {
                if (live_ports[s.splitter + "#" + std::to_string(s.port)] > 1) {
                    invalid(s,
                            "two live sales on splitter " + s.splitter + " port " + std::to_string(s.port));
                    continue;
                }
                if (live_codes[s.code_order] > 1) {
                    invalid(s, "two live sales share codeOrder " + s.code_order);
                    continue;
                }
            }
            valid.push_back(&s);
        }
        return valid;
    }

    void invalid(const Sale& s, const std::string& reason) {
        Change c = base_for(s);
        c.action = Action::Invalid;
        c.reason = reason;
        m_out.findings.push_back(c);
    }

    const Property* find_owned(const Sale& s) const {
        // A client is ours when its code is the sale's codeOrder or it carries ozneutral:<record id>.
        auto rec = m_by_record.find(s.id);
        if (rec != m_by_record.end()) return &m_inv.properties[rec->second];
        auto code = m_by_code.find(s.code_order);
        if (code != m_by_code.end()) return &m_inv.properties[code->second];
        return nullptr;
    }

    Change base_for(const Sale& s) const {
        Change c;
        c.sale_id = s.id;
        c.code = s.code_order;
        c.partner = s.partner_name;
        c.project = s.project;
        c.target = PortRef{s.box, s.splitter, s.port};
        c.implanted = s.wants_implanted();
        return c;
    }

    /// A change of the sale's client as it stands in OZmap.
    Change base_for(const Sale& s, const Property& owned) const {
        Change c = base_for(s);
        c.property_id = owned.id;
        c.client_id = owned.client_id;
        c.implanted = owned.client_implanted;
        return c;
    }

    Change base_for(const Property& p) const {
        Change c;
        c.code = p.client_code;
        c.project = p.project;
        c.target = where(p);
        c.property_id = p.id;
        c.client_id = p.client_id;
        c.implanted = p.client_implanted;
        return c;
    }

    /// Why the sale's port cannot take this client; empty when it can.
    std::string target_problem(const Sale& s, const Property* owned) const {
        const Box& box = m_inv.boxes.at(s.box);
        if (box.draft) return "box " + s.box + " is a draft (in project): its ports are not sellable";
        const PortState& port = m_inv.splitters.at(s.splitter).ports[static_cast<size_t>(s.port - 1)];
        auto occupant = m_by_port.find(s.splitter + "#" + std::to_string(s.port));
        if (occupant != m_by_port.end()) {
            const Property& p = m_inv.properties[occupant->second];
            if (owned && &p == owned) return "";
            if (!record_of(p).empty())
                return "port taken by the client of sale " + record_of(p) + " (" + p.client_code + ")";
            if (!p.client_code.empty()) return "port taken by the operator's client " + p.client_code;
            return "port taken by property " + p.id;
        }
        if (port.fiber) return "port occupied by fiber " + *port.fiber;
        if (port.blocked) return "port " + std::to_string(s.port) + " is blocked";
        return "";
    }

    std::string target_invalid(const Sale& s) const {
        if (!m_inv.has_project(s.project))
            return "project " + s.project + " is outside the selected projects";
        auto box = m_inv.boxes.find(s.box);
        if (box == m_inv.boxes.end()) return "box " + s.box + " is not in the snapshot";
        if (box->second.project != s.project) return "box " + s.box + " is not in project " + s.project;
        auto spl = m_inv.splitters.find(s.splitter);
        if (spl == m_inv.splitters.end())
            return "splitter " + s.splitter + " is not a drop splitter in the snapshot";
        if (spl->second.box != s.box) return "splitter " + s.splitter + " is not in box " + s.box;
        if (s.port < 1 || s.port > static_cast<int>(spl->second.ports.size()))
            return "port " + std::to_string(s.port) + " does not exist (splitter has " +
                   std::to_string(spl->second.ports.size()) + ")";
        return "";
    }

    void check_drift(const Sale& s, const Property& p) {
        auto it = m_baseline.find(s.id);
        if (it == m_baseline.end()) return;
        const OwnedState& was = it->second;
        std::vector<std::string> what;
        if (was.implanted != p.client_implanted)
            what.push_back(implanted_text(was.implanted) + " -> " + implanted_text(p.client_implanted));
        if (!(was.port == where(p))) what.push_back(was.port.text() + " -> " + where(p).text());
        if (what.empty()) return;
        Change c = base_for(p);
        c.sale_id = s.id;
        c.partner = s.partner_name;
        c.action = Action::Drift;
        c.before = was.port.text() + ", " + implanted_text(was.implanted);
        c.after = where(p).text() + ", " + implanted_text(p.client_implanted);
        c.reason = "changed in OZmap since the last run: ";
        for (size_t i = 0; i < what.size(); ++i)
            c.reason += (i ? "; " : "") + what[i];
        m_out.findings.push_back(c);
    }

    void decide(const Sale& s, const Property* owned) {
        if (owned) check_drift(s, *owned);
        if (!s.wants_present()) {
            if (!owned) {
                ++m_out.in_sync;
                return;
            }
            Change c = base_for(s, *owned);
            c.action = Action::Remove;
            c.target = where(*owned);
            c.before = "present, " + implanted_text(owned->client_implanted);
            c.after = "absent";
            c.reason = s.state + "/" + s.substate;
            if (m_opt.remove) m_out.writes.push_back(c);
            return;
        }
        if (std::string why = target_invalid(s); !why.empty()) {
            invalid(s, why);
            return;
        }
        const PortRef target{s.box, s.splitter, s.port};
        if (owned && where(*owned) == target) {
            if (owned->client_implanted == s.wants_implanted()) {
                ++m_out.in_sync;
                return;
            }
            flip(s, *owned);
            return;
        }
        if (std::string why = target_problem(s, owned); !why.empty()) {
            Change c = owned ? base_for(s, *owned) : base_for(s);
            c.action = Action::Conflict;
            c.reason = why;
            if (owned) c.from = where(*owned);
            m_out.findings.push_back(c);
            return;
        }
        if (!owned) {
            Change c = base_for(s);
            c.action = Action::Create;
            c.client_name = s.client_name.empty() ? s.code_order : s.client_name;
            c.address = s.address;
            const Box& box = m_inv.boxes.at(s.box);
            c.lat = s.lat.value_or(box.lat);
            c.lng = s.lng.value_or(box.lng);
            c.before = "absent";
            c.after = "present, " + implanted_text(s.wants_implanted());
            c.reason = s.state + "/" + s.substate;
            if (m_opt.create) m_out.writes.push_back(c);
            return;
        }
        Change c = base_for(s, *owned);
        c.action = Action::Move;
        c.from = where(*owned);
        // Within one box the box id (in its own column) would only repeat.
        c.before = c.from.box == target.box
                       ? "splitter " + c.from.splitter + " port " + std::to_string(c.from.port)
                       : c.from.text();
        c.after = c.from.box == target.box
                      ? "splitter " + target.splitter + " port " + std::to_string(target.port)
                      : target.text();
        c.reason = s.port_replace_reason.empty() ? "port changed in OZneutral"
                                                 : "portReplaceReason: " + s.port_replace_reason;
        if (m_opt.move) m_out.writes.push_back(c);
        if (owned->client_implanted != s.wants_implanted()) flip(s, *owned);
    }

    void flip(const Sale& s, const Property& owned) {
        Change c = base_for(s, owned);
        c.action = s.wants_implanted() ? Action::Promote : Action::Demote;
        c.implanted = s.wants_implanted();
        c.before = implanted_text(owned.client_implanted);
        c.after = implanted_text(s.wants_implanted());
        c.reason = s.state + "/" + s.substate;
        if (s.wants_implanted() ? m_opt.promote : m_opt.demote) m_out.writes.push_back(c);
    }

    /// Sorts by (action, project, box, splitter, port, sale, code, property). Indices are sorted, not the
    /// changes themselves: a change is large, and a plan can hold hundreds of thousands.
    static void order(std::vector<Change>& changes) {
        auto key = [](const Change& c) {
            return std::tie(c.action, c.project, c.target.box, c.target.splitter, c.target.port, c.sale_id,
                            c.code, c.property_id);
        };
        std::vector<size_t> idx(changes.size());
        for (size_t i = 0; i < idx.size(); ++i)
            idx[i] = i;
        std::stable_sort(idx.begin(), idx.end(),
                         [&](size_t a, size_t b) { return key(changes[a]) < key(changes[b]); });
        std::vector<Change> sorted;
        sorted.reserve(changes.size());
        for (size_t i : idx)
            sorted.push_back(std::move(changes[i]));
        changes.swap(sorted);
    }

    void order() {
        order(m_out.writes);
        order(m_out.findings);
    }

    const Inventory& m_inv;
    const ReconcileOptions& m_opt;
    const std::map<std::string, OwnedState>& m_baseline;
    std::unordered_multimap<std::string, size_t> m_by_code, m_by_record;
    std::unordered_map<std::string, size_t> m_by_port;
    std::set<std::string> m_known_records;
    ChangeSet m_out;
};

} // namespace

std::vector<Sale> latest_versions(const std::vector<Sale>& sales) {
    std::unordered_map<std::string, size_t> best;
    for (size_t i = 0; i < sales.size(); ++i) {
        auto [it, fresh] = best.emplace(sales[i].id, i);
        if (fresh) continue;
        const Sale& cur = sales[it->second];
        if (std::tie(sales[i].version, sales[i].updated_at) > std::tie(cur.version, cur.updated_at))
            it->second = i;
    }
    std::vector<Sale> out;
    out.reserve(best.size());
    for (size_t i = 0; i < sales.size(); ++i)
        if (best[sales[i].id] == i) out.push_back(sales[i]);
    return out;
}

ChangeSet reconcile(const Inventory& inventory, const std::vector<Sale>& sales,
                    const std::vector<InvalidRecord>& invalid_records,
                    const std::map<std::string, OwnedState>& baseline, const ReconcileOptions& options) {
    return Reconciler(inventory, options, baseline).run(sales, invalid_records);
}

} // namespace oznsync
