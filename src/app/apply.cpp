#include "app/apply.hpp"

#include "core/ownership.hpp"
#include "util/error.hpp"
#include "util/strings.hpp"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <spdlog/spdlog.h>

#include <set>

namespace oznsync {

void Journal::mark(JournalEntry& e, const std::string& state, const std::string& result,
                   const std::string& error) {
    e.state = state;
    e.result = result;
    e.error = error;
    // A dry run journals its outcome ("planned: dry run: not sent") but no intent: nothing is in flight.
    if (!m_store || m_broken || (!m_sends && state == "intent")) return;
    try {
        m_store->set_state(m_run, e.seq, state, result, error);
    } catch (const std::exception& ex) {
        // Without a journal a write could be neither recovered nor audited: no further write is sent. The
        // states stay in memory, so the report still lists what reached OZmap.
        m_broken = true;
        throw IoError(std::string("the journal could not be written (") + ex.what() +
                      "); stopped before the next write");
    }
}

namespace {

class Applier {
public:
    Applier(OzmapGateway& gw, RunStore* journal, std::string run_id, Progress& progress)
        : m_gw(gw), m_journal(journal, std::move(run_id), gw.sends()), m_progress(progress) {}

    ApplyOutcome out;

    void mark(JournalEntry& e, const std::string& state, const std::string& result = "",
              const std::string& error = "") {
        m_journal.mark(e, state, result, error);
    }

    /// Sends one request; an unreachable or refusing OZmap ends the run (rethrown after journaling).
    WriteResult send(const WriteRequest& r) {
        out.requests.push_back(r);
        return m_gw.write(r);
    }

    static std::string describe(const WriteResult& r) {
        std::string msg = "HTTP " + std::to_string(r.status);
        try {
            auto o = Poco::JSON::Parser().parse(r.body).extract<Poco::JSON::Object::Ptr>();
            if (o && o->has("message")) msg += ": " + clean_message(o->getValue<std::string>("message"));
        } catch (...) {
            if (!r.body.empty()) msg += ": " + clean_message(r.body, 200);
        }
        return msg;
    }

    void finish(JournalEntry& e, const WriteResult& r, const std::string& ok_result) {
        if (r.ok()) {
            mark(e, m_gw.sends() ? "done" : "planned", m_gw.sends() ? ok_result : "dry run: not sent");
            if (m_gw.sends()) ++out.done;
            spdlog::info("{} {} {} sale {}: {}", m_gw.sends() ? "applied" : "would apply",
                         action_name(e.change.action), e.change.code, e.change.sale_id, ok_result);
        } else {
            mark(e, "failed", "", describe(r));
            ++out.failed;
            remember_failure(e.change);
            spdlog::warn("{} {} sale {} failed: {}", action_name(e.change.action), e.change.code,
                         e.change.sale_id, describe(r));
        }
        m_progress.advance();
    }

    void create(JournalEntry& e) {
        const Change& c = e.change;
        mark(e, "intent");
        // A create that ran before (a killed run, a lost answer) must not run twice; a client with this
        // code that oznsync cannot prove is its own is never taken over.
        for (const auto& p : m_gw.find_by_code(c.code)) {
            if (sale_of_external_id(p.external_id) == c.sale_id && p.splitter == c.target.splitter &&
                p.port == c.target.port) {
                mark(e, "done", "already present (property " + p.id + "): not created again");
                e.change.property_id = p.id;
                e.change.client_id = p.client_id;
                ++out.done;
                m_progress.advance();
                return;
            }
            mark(e, "skipped", "",
                 "code " + c.code + " is already taken in OZmap (property " + p.id +
                     (sale_of_external_id(p.external_id) == c.sale_id ? ", on another port"
                                                                      : ", not proven oznsync's") +
                     "): not created");
            ++out.skipped;
            m_failed_keys.insert(c.code);
            m_progress.advance();
            return;
        }
        WriteResult r = send(create_request(c));
        if (r.ok() && m_gw.sends()) {
            try {
                auto o = Poco::JSON::Parser().parse(r.body).extract<Poco::JSON::Object::Ptr>();
                e.change.property_id = o->optValue<std::string>("id", "");
                auto client = o->get("client");
                e.change.client_id = client.isString() ? client.convert<std::string>() : "";
            } catch (...) {
            }
        }
        finish(e, r, "created property " + e.change.property_id);
    }

    void move(JournalEntry& e) {
        mark(e, "intent");
        finish(e, send(move_request(e.change)), "moved to " + e.change.target.text());
    }

    void flip(std::vector<JournalEntry*>& group, bool implanted) {
        for (size_t i = 0; i < group.size(); i += kBatchChunk) {
            std::vector<JournalEntry*> chunk(group.begin() + static_cast<long>(i),
                                             group.begin() +
                                                 static_cast<long>(std::min(group.size(), i + kBatchChunk)));
            std::vector<std::string> ids;
            for (auto* e : chunk) {
                ids.push_back(e->change.client_id);
                mark(*e, "intent");
            }
            WriteResult r = chunk.size() == 1 ? send(implanted_request(ids[0], implanted))
                                              : send(batch_implanted_request(ids, implanted));
            for (auto* e : chunk)
                finish(*e, r, implanted ? "implanted" : "not implanted");
        }
    }

    void adopt(JournalEntry& e) {
        mark(e, "intent");
        finish(e, send(adopt_request(e.change)), "external_id set: owned by oznsync");
    }

    /// A removal waits only for failures that touched its own port or code.
    std::string blocked_by_failure(const Change& c) const {
        for (const std::string& key : {c.code, port_key(c.target.splitter, c.target.port)})
            if (m_failed_keys.count(key)) return key;
        return "";
    }

    void remember_failure(const Change& c) {
        m_failed_keys.insert(c.code);
        for (const PortRef* p : {&c.target, &c.from})
            if (!p->empty()) m_failed_keys.insert(port_key(p->splitter, p->port));
    }

    void remove(JournalEntry& e) {
        mark(e, "intent");
        WriteResult last{204, ""};
        for (const auto& r : remove_requests(e.change)) {
            last = send(r);
            if (last.status == 404) last.status = 204; // already gone: the goal holds
            if (!last.ok()) break;
        }
        finish(e, last, "removed");
    }

private:
    OzmapGateway& m_gw;
    Journal m_journal;
    Progress& m_progress;
    std::set<std::string> m_failed_keys; // codes and ports of the changes that failed
};

} // namespace

ApplyOutcome apply_changes(OzmapGateway& gateway, RunStore* journal, const std::string& run_id,
                           std::vector<JournalEntry>& entries, long long owned_clients,
                           const SafetyLimits& limits, Progress& progress) {
    Applier a(gateway, journal, run_id, progress);
    std::vector<JournalEntry*> adopts, creates, moves, promotes, demotes, removes;
    for (auto& e : entries) {
        if (e.state != "planned") continue;
        switch (e.change.action) {
        case Action::Create:
            creates.push_back(&e);
            break;
        case Action::Move:
            moves.push_back(&e);
            break;
        case Action::Promote:
            promotes.push_back(&e);
            break;
        case Action::Demote:
            demotes.push_back(&e);
            break;
        case Action::Remove:
            removes.push_back(&e);
            break;
        case Action::Adopt:
            adopts.push_back(&e);
            break;
        default:
            break;
        }
    }
    progress.add_total(static_cast<long long>(adopts.size() + creates.size() + moves.size() +
                                              promotes.size() + demotes.size() + removes.size()));
    if (auto why = removal_cap(static_cast<long long>(removes.size()), owned_clients, limits)) {
        a.out.cap_reason = *why;
        spdlog::warn("safety cap: {}; no removal is made", *why);
    }
    auto pending = [&](std::vector<JournalEntry*>& v) {
        for (auto* e : v)
            if (e->state == "planned") ++a.out.not_attempted;
    };
    try {
        for (auto* e : adopts)
            a.adopt(*e);
        for (auto* e : creates)
            a.create(*e);
        for (auto* e : moves)
            a.move(*e);
        a.flip(promotes, true);
        a.flip(demotes, false);
        for (auto* e : removes) {
            if (!a.out.cap_reason.empty()) {
                a.mark(*e, "skipped", "", "safety cap: " + a.out.cap_reason);
                ++a.out.skipped;
            } else if (std::string key = a.blocked_by_failure(e->change); !key.empty()) {
                a.mark(*e, "skipped", "",
                       "skipped: an earlier change of the same code or port (" + key + ") failed");
                ++a.out.skipped;
            } else {
                a.remove(*e);
            }
        }
    } catch (const std::exception& ex) {
        // OZmap unreachable or refusing, the journal broken, or a bug: the change in flight failed; the
        // rest were not attempted. The entries keep their states for the report.
        const auto* known = dynamic_cast<const Error*>(&ex);
        const Error err = known ? *known : Error(kExitInternal, std::string("internal error: ") + ex.what());
        for (auto& e : entries)
            if (e.state == "intent") {
                a.mark(e, "failed", "", err.what());
                ++a.out.failed;
            }
        for (auto* v : {&adopts, &creates, &moves, &promotes, &demotes, &removes})
            pending(*v);
        a.out.abort_code = err.exit_code();
        a.out.abort_reason = err.what();
        spdlog::error("apply stopped: {}", err.what());
    }
    return std::move(a.out);
}

void recover_interrupted(OzmapGateway& gateway, std::vector<JournalEntry>& interrupted) {
    for (auto& e : interrupted) {
        if (e.change.action != Action::Remove) {
            e.error = "interrupted; the fresh snapshot shows its outcome and this run re-plans it";
            continue;
        }
        bool ok = true;
        for (const auto& r : remove_requests(e.change)) {
            WriteResult res = gateway.write(r);
            ok = ok && (res.ok() || res.status == 404);
        }
        e.error =
            ok ? "interrupted removal completed on recovery" : "interrupted removal could not be completed";
        spdlog::info("recovered interrupted {} of sale {}: {}", action_name(e.change.action),
                     e.change.sale_id, e.error);
    }
}

BaselineUpdate baseline_after(const ChangeSet& plan, const std::vector<JournalEntry>& entries) {
    BaselineUpdate out{plan.baseline, plan.forget};
    for (const auto& e : entries) {
        if (e.state != "done") continue;
        const Change& c = e.change;
        switch (c.action) {
        case Action::Create:
        case Action::Adopt:
        case Action::Move:
        case Action::Promote:
        case Action::Demote:
            // Each change carries the client's ids, where it now sits and its implanted flag.
            out.upsert[c.sale_id] = OwnedState{c.property_id, c.client_id, c.code, c.target, c.implanted};
            out.forget.erase(c.sale_id);
            break;
        case Action::Remove:
            out.upsert.erase(c.sale_id);
            out.forget.insert(c.sale_id);
            break;
        default:
            break;
        }
    }
    return out;
}

} // namespace oznsync
