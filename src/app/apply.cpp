#include "app/apply.hpp"

#include "core/ownership.hpp"
#include "util/error.hpp"
#include "util/hash_map.hpp"
#include "util/interrupt.hpp"
#include "util/log.hpp"
#include "util/parallel.hpp"
#include "util/strings.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <numeric>
#include <set>

namespace oznsync {

namespace {

class Applier {
public:
    Applier(OzmapGateway& gw, RunStore* journal, std::string run_id, Progress& progress)
        : m_gw(gw), m_sends(gw.sends()), m_journal(journal, std::move(run_id), m_sends),
          m_progress(progress) {}

    ApplyOutcome out; // counters under m_mutex while lanes run

    /// Room for the codes of `creates` creates, made once (a first night's 500k, not grown in steps).
    void expect_creates(size_t creates) { m_codes_tried.reserve(creates); }

    void mark(JournalEntry& e, EntryState state, const std::string& result = "",
              const std::string& error = "") {
        m_journal.mark(e, state, result, error);
    }

    void count(int ApplyOutcome::*counter) {
        std::lock_guard lock(m_mutex);
        ++(out.*counter);
    }

    /// Sends one request; an unreachable or refusing OZmap ends the run (rethrown after journaling).
    WriteResult send(const WriteRequest& r) { return m_gw.write(r); }

    /// Runs `changes` in lanes (lanes_of), `threads` lanes at a time; one thread runs them in plan order. A
    /// failure that ends the run (OZmap unreachable, the journal broken) stops every lane before its next
    /// change.
    void run_lanes(int threads, const std::vector<JournalEntry*>& changes,
                   const std::function<void(JournalEntry&)>& change) {
        const auto lanes =
            threads == 1 ? std::vector<std::vector<JournalEntry*>>{changes} : lanes_of(changes);
        parallel_for(threads, lanes.size(), [&](size_t i) {
            for (JournalEntry* e : lanes[i]) {
                if (m_stopped) return;
                try {
                    stop_if_interrupted("before a write: the writes sent were answered, the rest not sent");
                    change(*e);
                } catch (...) {
                    m_stopped = true;
                    throw;
                }
            }
        });
    }

    void finish(JournalEntry& e, const WriteResult& r, const std::string& ok_result) {
        if (r.ok()) {
            mark(e, m_sends ? EntryState::Done : EntryState::Planned,
                 m_sends ? ok_result : Journal::kNotSent);
            if (m_sends) count(&ApplyOutcome::done);
            // A real write is logged for the audit trail; a dry run's changes are in its report (and at -v:
            // its line and fields are not even made otherwise, 500k of them on a first night).
            if (m_sends || spdlog::should_log(spdlog::level::debug)) {
                const ScopedLogFields fields(change_fields(e.change));
                if (m_sends)
                    spdlog::info("{}: {}", change_text(e.change, ChangeTense::Done), ok_result);
                else
                    spdlog::debug("{}", change_text(e.change, ChangeTense::Would));
            }
        } else {
            mark(e, EntryState::Failed, "", r.message);
            count(&ApplyOutcome::failed);
            remember_failure(e.change);
            const ScopedLogFields fields(change_fields(e.change));
            spdlog::warn("{} failed: {}", change_text(e.change, ChangeTense::Plain), r.message);
        }
        m_progress.advance();
    }

    /// The properties OZmap holds for the codes of a chunk of creates, read in one look-up before them.
    void look_up(const std::vector<JournalEntry*>& chunk) {
        stop_if_interrupted("before a write: the writes sent were answered, the rest not sent");
        std::vector<std::string> codes;
        for (const auto* e : chunk)
            codes.push_back(e->change.code);
        m_known = m_gw.find_by_codes(codes);
        if (!m_known)
            spdlog::warn("the look-up of {} client codes was not whole; each is looked up alone",
                         codes.size());
    }

    void create(JournalEntry& e) {
        const Change& c = e.change;
        mark(e, EntryState::Intent);
        // A create that ran before (a killed run, a lost answer) must not run twice; a client with this
        // code that oznsync cannot prove is its own is never taken over. The chunk's look-up answers,
        // unless it was not whole or this run already sent a create with this code (then: ask now).
        bool fresh;
        {
            std::lock_guard lock(m_mutex);
            fresh = m_codes_tried.insert(c.code).second;
        }
        std::vector<Property> existing;
        if (fresh && m_known) {
            if (auto it = m_known->find(c.code); it != m_known->end()) existing = it->second;
        } else {
            existing = m_gw.find_by_code(c.code);
        }
        for (const auto& p : existing) {
            if (sale_of_external_id(p.external_id) == c.sale_id && p.splitter == c.target.splitter &&
                p.port == c.target.port) {
                mark(e, EntryState::Done, "already present (property " + p.id + "): not created again");
                e.change.property_id = p.id;
                e.change.client_id = p.client_id;
                count(&ApplyOutcome::done);
                m_progress.advance();
                return;
            }
            mark(e, EntryState::Skipped, "",
                 "code " + c.code + " is already taken in OZmap (property " + p.id +
                     (sale_of_external_id(p.external_id) == c.sale_id ? ", on another port"
                                                                      : ", not proven oznsync's") +
                     "): not created");
            count(&ApplyOutcome::skipped);
            {
                std::lock_guard lock(m_mutex);
                m_failed_keys.insert(c.code);
            }
            m_progress.advance();
            return;
        }
        WriteResult r = send(create_request(c));
        if (r.ok() && m_sends) {
            e.change.property_id = r.property_id;
            e.change.client_id = r.client_id;
        }
        finish(e, r, "created property " + e.change.property_id);
    }

    void move(JournalEntry& e) {
        mark(e, EntryState::Intent);
        finish(e, send(move_request(e.change)), "moved to " + e.change.after.text());
    }

    /// One batch request per chunk of clients (each client is in one chunk: chunks go side by side).
    void flip(const std::vector<JournalEntry*>& chunk, bool implanted) {
        if (m_stopped) return;
        stop_if_interrupted("before a write: the writes sent were answered, the rest not sent");
        std::vector<std::string> ids;
        for (auto* e : chunk) {
            ids.push_back(e->change.client_id.str());
            mark(*e, EntryState::Intent);
        }
        WriteResult r = chunk.size() == 1 ? send(implanted_request(ids[0], implanted))
                                          : send(batch_implanted_request(ids, implanted));
        for (auto* e : chunk)
            finish(*e, r, implanted ? "implanted" : "not implanted");
    }

    void adopt(JournalEntry& e) {
        mark(e, EntryState::Intent);
        WriteResult r = send(adopt_request(e.change));
        // The proof must be in OZmap, not in our answer: the SDK's property update drops external_id, and
        // an OZmap that does the same answers the PATCH with success all the same. Read it back.
        if (r.ok() && m_sends && !kept_external_id(e.change)) {
            mark(e, EntryState::Failed, "",
                 "OZmap accepted the external_id but does not store it on update (read back: absent): the "
                 "client is not recorded as oznsync's");
            count(&ApplyOutcome::failed);
            remember_failure(e.change);
            m_progress.advance();
            return;
        }
        finish(e, r, "external_id set: owned by oznsync");
    }

    bool kept_external_id(const Change& c) {
        for (const auto& p : m_gw.find_by_code(c.code))
            if (p.id == c.property_id) return p.external_id == external_id_for(IdText(c.sale_id));
        return false;
    }

    /// A removal waits only for failures that touched its own port or code.
    std::string blocked_by_failure(const Change& c) {
        std::lock_guard lock(m_mutex);
        for (const std::string& key : {c.code, port_key(IdText(c.target.splitter), c.target.port)})
            if (m_failed_keys.count(key)) return key;
        return "";
    }

    void remember_failure(const Change& c) {
        std::lock_guard lock(m_mutex);
        m_failed_keys.insert(c.code);
        for (const PortRef* p : {&c.target, &*c.from})
            if (!p->empty()) m_failed_keys.insert(port_key(IdText(p->splitter), p->port));
    }

    void remove(JournalEntry& e) {
        mark(e, EntryState::Intent);
        WriteResult last;
        last.status = 204; // nothing to remove: the goal holds
        for (const auto& r : remove_requests(e.change)) {
            last = send(r);
            if (last.status == 404) last = WriteResult{204, {}, {}, {}, {}}; // already gone: the goal holds
            if (!last.ok()) break;
        }
        finish(e, last, "removed");
    }

private:
    OzmapGateway& m_gw;
    const bool m_sends; // false: a dry run (the gateway records)
    Journal m_journal;
    Progress& m_progress;
    std::mutex m_mutex;
    std::set<std::string> m_failed_keys; // codes and ports of the changes that failed
    // Codes of the creates this run has begun (500k on a first night): views of the entries' codes, which
    // stay where they are while the changes are applied.
    HashSet<std::string_view> m_codes_tried;
    std::optional<std::map<std::string, std::vector<Property>>> m_known; // the current chunk's look-up
    std::atomic<bool> m_stopped{false};
};

/// `v` in chunks of kBatchChunk.
std::vector<std::vector<JournalEntry*>> chunks_of(const std::vector<JournalEntry*>& v) {
    std::vector<std::vector<JournalEntry*>> out;
    for (size_t i = 0; i < v.size(); i += kBatchChunk)
        out.emplace_back(v.begin() + static_cast<long>(i),
                         v.begin() + static_cast<long>(std::min(v.size(), i + kBatchChunk)));
    return out;
}

} // namespace

std::vector<std::vector<JournalEntry*>> lanes_of(const std::vector<JournalEntry*>& changes) {
    // Union-find over the changes, joined through the keys (code, ports) they share.
    std::vector<size_t> parent(changes.size());
    std::iota(parent.begin(), parent.end(), 0);
    std::function<size_t(size_t)> root = [&](size_t i) {
        return parent[i] == i ? i : parent[i] = root(parent[i]);
    };
    std::map<std::string, size_t> first_with;
    for (size_t i = 0; i < changes.size(); ++i) {
        const Change& c = changes[i]->change;
        std::vector<std::string> keys{"code " + c.code};
        for (const PortRef* p : {&c.target, &*c.from})
            if (!p->empty()) keys.push_back("port " + port_key(IdText(p->splitter), p->port));
        for (const auto& k : keys) {
            auto [it, fresh] = first_with.emplace(k, i);
            if (!fresh) parent[root(i)] = root(it->second);
        }
    }
    std::vector<std::vector<JournalEntry*>> lanes;
    std::map<size_t, size_t> lane_of_root;
    for (size_t i = 0; i < changes.size(); ++i) {
        auto [it, fresh] = lane_of_root.emplace(root(i), lanes.size());
        if (fresh) lanes.emplace_back();
        lanes[it->second].push_back(changes[i]);
    }
    return lanes;
}

ApplyOutcome apply_changes(OzmapGateway& gateway, RunStore* journal, const std::string& run_id,
                           std::vector<JournalEntry>& entries, long long owned_clients,
                           const SafetyLimits& limits, int concurrency, Progress& progress) {
    Applier a(gateway, journal, run_id, progress);
    // A dry run is one at a time: nothing waits on the network, and its log reads in plan order.
    const int threads = gateway.sends() ? std::max(1, concurrency) : 1;
    std::vector<JournalEntry*> adopts, creates, moves, promotes, demotes, removes;
    for (auto& e : entries) {
        if (e.state != EntryState::Planned) continue;
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
    a.expect_creates(creates.size());
    progress.add_total(static_cast<long long>(adopts.size() + creates.size() + moves.size() +
                                              promotes.size() + demotes.size() + removes.size()));
    if (auto why = removal_cap(static_cast<long long>(removes.size()), owned_clients, limits)) {
        a.out.cap_reason = *why;
        spdlog::warn("safety cap: {}; no removal is made", *why);
    }
    auto pending = [&](std::vector<JournalEntry*>& v) {
        for (auto* e : v)
            if (e->state == EntryState::Planned) ++a.out.not_attempted;
    };
    try {
        a.run_lanes(threads, adopts, [&](JournalEntry& e) { a.adopt(e); });
        for (const auto& chunk : chunks_of(creates)) { // one look-up of the chunk's codes, then its creates
            a.look_up(chunk);
            a.run_lanes(threads, chunk, [&](JournalEntry& e) { a.create(e); });
        }
        a.run_lanes(threads, moves, [&](JournalEntry& e) { a.move(e); });
        for (bool implanted : {true, false}) {
            auto chunks = chunks_of(implanted ? promotes : demotes);
            parallel_for(threads, chunks.size(), [&](size_t i) { a.flip(chunks[i], implanted); });
        }
        a.run_lanes(threads, removes, [&](JournalEntry& e) {
            if (!a.out.cap_reason.empty()) {
                a.mark(e, EntryState::Skipped, "", "safety cap: " + a.out.cap_reason);
                a.count(&ApplyOutcome::skipped);
            } else if (std::string key = a.blocked_by_failure(e.change); !key.empty()) {
                a.mark(e, EntryState::Skipped, "",
                       "skipped: an earlier change of the same code or port (" + key + ") failed");
                a.count(&ApplyOutcome::skipped);
            } else {
                a.remove(e);
            }
        });
    } catch (const std::exception& ex) {
        // OZmap unreachable or refusing, the journal broken, or a bug: the change in flight failed; the
        // rest were not attempted. The entries keep their states for the report.
        const auto* known = dynamic_cast<const Error*>(&ex);
        const Error err = known ? *known : Error(kExitInternal, std::string("internal error: ") + ex.what());
        for (auto& e : entries)
            if (e.state == EntryState::Intent) {
                a.mark(e, EntryState::Failed, "", err.what());
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

} // namespace oznsync
