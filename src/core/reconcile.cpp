#include "core/reconcile.hpp"

#include "core/ownership.hpp"
#include "core/reconcile_index.hpp"
#include "core/vetted_sales.hpp"

#include <algorithm>
#include <string_view>
#include <tuple>

namespace oznsync {

namespace {

using namespace reconcile_detail;

class Reconciler {
public:
    Reconciler(const Inventory& inv, const InventoryIndex& index, const ReconcileOptions& opt,
               const Baseline& baseline, const ReconciledVersions& reconciled)
        : m_inv(inv), m_ix(index), m_opt(opt), m_baseline(baseline), m_reconciled(reconciled) {}

    bool in_scope(const Id& project) const {
        return m_opt.only_projects.empty() || m_opt.only_projects.count(project);
    }

    ChangeSet run(const VettedSales& feed) {
        m_known_records = &feed.known;
        m_out.writes.reserve(feed.sales.size()); // a first night: one create per sale
        m_out.findings = feed.findings;
        for (const Sale* s : feed.sales) {
            if (!in_scope(s->project) || is_stale(*s)) continue;
            ++m_out.sales_in_scope;
            decide(*s);
        }
        if (m_opt.find_orphans) orphans();
        refuse_unsafe_ids(m_out.writes, m_out.findings);
        order();
        return std::move(m_out);
    }

private:
    /// A record older than the version a run already reconciled (the feed went back in time: a replica
    /// behind, a replayed export) is reported and never applied: applying it would undo a newer state.
    bool is_stale(const Sale& s) {
        auto it = m_reconciled.find(s.id);
        if (it == m_reconciled.end() || s.version >= it->second) return false;
        invalid(s, "stale record: version " + std::to_string(s.version) + " is older than version " +
                       std::to_string(it->second) + ", already reconciled; not applied");
        return true;
    }

    /// Orphans: proven-owned clients whose record the feed no longer has.
    void orphans() {
        for (const Property& p : m_inv.properties) {
            std::string sale = sale_of_external_id(p.external_id);
            if (sale.empty() || p.client_id.empty() || !in_scope(p.project)) continue;
            if (m_known_records && m_known_records->count(sale)) continue;
            ++m_out.owned_clients;
            Change c = base_for(p);
            c.sale_id = sale;
            c.action = Action::Orphan;
            c.reason = "owned by oznsync (external_id " + p.external_id + ") but no sale record has this id";
            m_out.findings.push_back(c);
            if (m_opt.prune_orphans && m_opt.remove) {
                c.action = Action::Remove;
                c.reason = FixedNote::OrphanPruned;
                c.before = ChangeNote::present(p.client_implanted);
                c.after = ChangeNote::absent();
                fill_removal(c, &p);
                m_out.writes.push_back(std::move(c));
            }
        }
    }

    void invalid(const Sale& s, const std::string& reason) {
        m_out.findings.push_back(invalid_sale(s, reason));
    }

    void finding(const Sale& s, Action action, const std::string& reason, const Owned* owned = nullptr) {
        Change c = owned ? base_for(s, *owned) : base_for(s);
        c.action = action;
        c.reason = reason;
        m_out.findings.push_back(std::move(c));
    }

    Change base_for(const Sale& s) const { return change_of_sale(s); }

    /// A change of the sale's client as it stands in OZmap.
    Change base_for(const Sale& s, const Owned& owned) const {
        Change c = base_for(s);
        if (owned.property) {
            c.property_id = owned.property->id;
            c.implanted = owned.property->client_implanted;
            if (owned.property->port > 0) c.target = where(*owned.property);
        }
        c.client_id = owned.client_id();
        if (owned.lone_client) c.implanted = owned.lone_client->implanted;
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

    /// Removal: free the port, delete the client, and delete the property or keep it disconnected.
    void fill_removal(Change& c, const Property* p) const {
        c.keep_property = m_opt.keep_property && p;
        if (c.keep_property && !p->splitter.empty()) c.drop = p->drop;
    }

    /// Why the sale's port cannot take this client; empty when it can.
    std::string target_problem(const Sale& s, const Property* owned) const {
        const Box& box = m_inv.boxes.at(s.box);
        if (box.draft) return "box " + s.box + " is a draft (in project): its ports are not sellable";
        const PortState& port = m_inv.splitters.at(s.splitter).ports[static_cast<size_t>(s.port - 1)];
        if (const Property* occupant = m_ix.on_port(PortAt{s.splitter, s.port})) {
            const Property& p = *occupant;
            if (owned && &p == owned) return "";
            if (std::string other = sale_of_external_id(p.external_id); !other.empty())
                return "port taken by the client of sale " + other + " (" + p.client_code + ")";
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

    void decide(const Sale& s) {
        const OwnedState* base = nullptr;
        if (auto it = m_baseline.find(s.id); it != m_baseline.end()) base = &it->second;
        Owned owned{m_ix.owned_property(s.id), nullptr};
        if (!owned.property && base) owned.lone_client = m_ix.lone_client(base->client_id);
        if (owned.has_client()) ++m_out.owned_clients;

        if (!s.wants_present()) {
            remove(s, owned);
            return;
        }
        if (std::string why = target_invalid(s); !why.empty()) {
            invalid(s, why);
            return;
        }
        if (owned.whole()) {
            keep_in_step(s, *owned.property, base);
            return;
        }
        if (owned.exists() || base) {
            // Ours once, but no longer whole in OZmap: an OZmap user deleted part or all of it.
            gone_in_ozmap(s, owned, base);
            return;
        }
        create(s);
    }

    void remove(const Sale& s, const Owned& owned) {
        Change c = base_for(s, owned);
        c.action = Action::Remove;
        fill_removal(c, owned.property);
        // What is left to undo: the client, and the property unless it is kept disconnected.
        bool pending = owned.has_client() || (owned.property && (!c.keep_property || !c.drop.empty()));
        if (!pending) {
            ++m_out.in_sync;
            m_out.forget.insert(s.id);
            return;
        }
        if (c.keep_property && owned.property && !owned.property->splitter.empty() && c.drop.empty()) {
            finding(s, Action::Conflict,
                    "removal.keep_property: OZmap shows no drop cable to disconnect property " +
                        owned.property->id + ": not removed",
                    &owned);
            return;
        }
        c.before = owned.whole()       ? ChangeNote::present(owned.property->client_implanted)
                   : owned.lone_client ? FixedNote::ClientWithoutProperty
                   : owned.property    ? FixedNote::PropertyWithoutClient
                                       : ChangeNote();
        c.after = c.keep_property ? FixedNote::AbsentPropertyKept : ChangeNote::absent();
        c.reason = ChangeNote::sale_status(s);
        if (m_opt.remove) m_out.writes.push_back(std::move(c));
    }

    /// A whole owned client (property + client) of a live sale.
    void keep_in_step(const Sale& s, const Property& p, const OwnedState* base) {
        const PortRef target{s.box, s.splitter, s.port};
        const PortRef now = where(p);
        // Without a base line (a new database) oznsync cannot tell an OZmap edit from an OZneutral change:
        // it assumes it applied what the sale says, so a difference is reported and nothing moves.
        const OwnedState applied =
            base ? *base : OwnedState{p.id, p.client_id, s.code_order, target, s.wants_implanted()};
        OwnedState next = applied;
        next.property_id = p.id;
        next.client_id = p.client_id;
        next.code = p.client_code;

        std::vector<std::string> drift;
        const bool port_drift = now != applied.port && now != target;
        const bool implanted_drift =
            p.client_implanted != applied.implanted && p.client_implanted != s.wants_implanted();
        if (port_drift) drift.push_back("port " + applied.port.text() + " -> " + now.text());
        if (implanted_drift)
            drift.push_back(implanted_text(applied.implanted) + " -> " + implanted_text(p.client_implanted));
        if (!drift.empty()) {
            Change c = base_for(p);
            c.sale_id = s.id;
            c.partner = s.partner_name;
            c.action = Action::Drift;
            c.before = applied.port.text() + ", " + implanted_text(applied.implanted);
            c.after = now.text() + ", " + implanted_text(p.client_implanted);
            c.reason = (base ? "changed in OZmap since oznsync applied it: "
                             : "OZmap differs from the sale and oznsync has no record of what it last "
                               "applied (new database?): ") +
                       join(drift) + (p.updated_at.empty() ? "" : " (OZmap updatedAt " + p.updated_at + ")") +
                       (m_opt.drift == DriftMode::Report ? "; left as it is" : "; reverted");
            m_out.findings.push_back(std::move(c));
            ++m_out.drifted;
        }
        // OZmap already shows what the sale asks: that is the state to keep from now on.
        if (now == target) next.port = target;
        if (p.client_implanted == s.wants_implanted()) next.implanted = s.wants_implanted();
        if (!base || !(next == *base)) m_out.baseline[s.id] = next; // an unchanged row stays as it is

        const bool revert = m_opt.drift == DriftMode::Revert;
        const bool move = now != target && (target != applied.port || revert);
        const bool flip =
            p.client_implanted != s.wants_implanted() && (s.wants_implanted() != applied.implanted || revert);
        if (!move && !flip) {
            if (drift.empty()) ++m_out.in_sync;
            return;
        }
        Owned owned{&p, nullptr};
        if (move) {
            if (std::string why = target_problem(s, &p); !why.empty()) {
                Change c = base_for(s, owned);
                c.action = Action::Conflict;
                c.reason = why;
                c.from.edit() = now;
                c.target = target;
                m_out.findings.push_back(std::move(c));
                return;
            }
            Change c = base_for(s, owned);
            c.action = Action::Move;
            c.from.edit() = now;
            c.target = target;
            c.reason =
                target == applied.port ? FixedNote::RevertingDrift
                : s.port_replace_reason.empty()
                    ? FixedNote::PortChanged
                    : ChangeNote("port changed in OZneutral, portReplaceReason: " + s.port_replace_reason);
            if (m_opt.move) m_out.writes.push_back(std::move(c));
        }
        if (flip) {
            Change c = base_for(s, owned);
            c.action = s.wants_implanted() ? Action::Promote : Action::Demote;
            c.implanted = s.wants_implanted();
            c.before = ChangeNote::implanted(p.client_implanted);
            c.after = ChangeNote::implanted(s.wants_implanted());
            c.reason = s.wants_implanted() == applied.implanted ? FixedNote::RevertingDrift
                                                                : ChangeNote::sale_status(s);
            if (s.wants_implanted() ? m_opt.promote : m_opt.demote) m_out.writes.push_back(std::move(c));
        }
    }

    /// A live sale whose client oznsync made, now missing (in part or whole) in OZmap.
    void gone_in_ozmap(const Sale& s, const Owned& owned, const OwnedState* base) {
        std::string what = owned.lone_client ? "its property was deleted in OZmap (client " +
                                                   owned.lone_client->id + " left without property)"
                           : owned.property ? "its client was deleted in OZmap (property " +
                                                  owned.property->id + " left without client)"
                                            : "it was deleted in OZmap";
        if (!owned.exists() && m_opt.drift == DriftMode::Revert) {
            ++m_out.drifted;
            finding(s, Action::Drift, "the client oznsync created " + what + "; re-created");
            create(s, FixedNote::RevertingDeletion);
            return;
        }
        ++m_out.drifted;
        Change c = base_for(s, owned);
        c.action = Action::Drift;
        c.before = base ? base->port.text() + ", " + implanted_text(base->implanted) : "";
        c.after = owned.exists() ? FixedNote::PartlyDeleted : ChangeNote::absent();
        c.reason = "the client oznsync created " + what + "; left as it is";
        m_out.findings.push_back(std::move(c));
    }

    void create(const Sale& s, const ChangeNote& why = {}) {
        if (std::string holder = m_ix.foreign_code_holder(s.code_order); !holder.empty()) {
            finding(s, Action::Conflict,
                    "code " + s.code_order + " taken by a client oznsync does not own (" + holder +
                        "); see `oznsync adopt`");
            return;
        }
        if (std::string problem = target_problem(s, nullptr); !problem.empty()) {
            finding(s, Action::Conflict, problem);
            return;
        }
        Change c = base_for(s);
        c.action = Action::Create;
        c.client_name = s.client_name.empty() ? s.code_order : s.client_name;
        c.address = s.address;
        const Box& box = m_inv.boxes.at(s.box);
        c.lat = s.lat.value_or(box.lat);
        c.lng = s.lng.value_or(box.lng);
        c.before = ChangeNote::absent();
        c.after = ChangeNote::present(s.wants_implanted());
        c.reason = why.empty() ? ChangeNote::sale_status(s) : why;
        if (m_opt.create) m_out.writes.push_back(std::move(c));
    }

    void order() {
        order_changes(m_out.writes);
        order_changes(m_out.findings);
        name_places(m_out.writes);
        name_places(m_out.findings);
    }

    /// The names OZmap gives the box and splitter of each change's port, beside their ids; a move's before
    /// and after read as names too (its ids stay in `from` and `target`).
    void name_places(std::vector<Change>& changes) const {
        for (auto& c : changes) {
            if (auto b = m_inv.boxes.find(c.target.box); b != m_inv.boxes.end()) c.box_name = b->second.name;
            if (auto s = m_inv.splitters.find(c.target.splitter); s != m_inv.splitters.end())
                c.splitter_name = s->second.name;
            if (c.action == Action::Move && !c.from->empty()) {
                const bool same_box = c.from->box == c.target.box;
                c.before = place_name(*c.from, same_box);
                c.after = place_name(c.target, same_box);
            }
        }
    }

    /// "CTO-000005-S2 port 2" (within one box), else "box CTO-000005 / CTO-000005-S2 port 2"; an id where
    /// the snapshot has no name.
    std::string place_name(const PortRef& p, bool same_box) const {
        auto name = [](const auto& map, const Id& id) {
            auto it = map.find(id);
            return it == map.end() || it->second.name.empty() ? id.str() : it->second.name;
        };
        std::string out = same_box ? "" : "box " + name(m_inv.boxes, p.box) + " / ";
        return out + name(m_inv.splitters, p.splitter) + " port " + std::to_string(p.port);
    }

public:
    ChangeSet adoptions(const std::vector<Sale>& raw_sales) {
        std::vector<const Sale*> all;
        all.reserve(raw_sales.size());
        for (const auto& s : raw_sales)
            all.push_back(&s);
        const std::vector<const Sale*> sales = latest_versions(all);
        for (const Sale* s : reject_duplicates(sales, m_out.findings)) {
            if (!in_scope(s->project) || !s->wants_present() || m_ix.owned_property(s->id)) continue;
            const Property* holder = m_ix.with_code(s->code_order);
            if (!holder) continue;
            const Property& p = *holder;
            const PortRef target{s->box, s->splitter, s->port};
            Owned found{&p, nullptr};
            if (!p.external_id.empty()) {
                finding(*s, Action::Conflict,
                        "client " + s->code_order + " (property " + p.id + ") carries external_id " +
                            p.external_id + ": not adopted, nothing overwritten",
                        &found);
            } else if (where(p) != target) {
                finding(*s, Action::Conflict,
                        "client " + s->code_order + " sits on " + where(p).text() + ", the sale's port is " +
                            target.text() + ": not adopted",
                        &found);
            } else {
                Change c = base_for(*s, found);
                c.action = Action::Adopt;
                c.before = FixedNote::OperatorsClient;
                c.after = "owned by oznsync (external_id " + external_id_for(IdText(s->id)) + ")";
                c.reason = FixedNote::AdoptionProof;
                m_out.writes.push_back(std::move(c));
            }
        }
        refuse_unsafe_ids(m_out.writes, m_out.findings);
        order();
        return std::move(m_out);
    }

private:
    const Inventory& m_inv;
    const InventoryIndex& m_ix;
    const ReconcileOptions& m_opt;
    const Baseline& m_baseline;
    const ReconciledVersions& m_reconciled;
    const HashSet<Id, IdHash>* m_known_records = nullptr; // every record id of the feed
    ChangeSet m_out;
};

} // namespace

ChangeSet reconcile(const Inventory& inventory, const InventoryIndex& index, const VettedSales& feed,
                    const Baseline& baseline, const ReconcileOptions& options,
                    const ReconciledVersions& reconciled) {
    return Reconciler(inventory, index, options, baseline, reconciled).run(feed);
}

ChangeSet plan_adoptions(const Inventory& inventory, const InventoryIndex& index,
                         const std::vector<Sale>& sales, const ReconcileOptions& options) {
    static const Baseline no_baseline;
    static const ReconciledVersions no_versions;
    return Reconciler(inventory, index, options, no_baseline, no_versions).adoptions(sales);
}

} // namespace oznsync
