#include "serve/shared_index.hpp"

#include "util/error.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <set>

namespace oznsync::serve {

namespace {
constexpr int kWaitMs = 500;       // between looks at the connection for NOTIFYs
constexpr double kKeepAliveS = 5;  // a question to the store at least this often: a silent loss shows
constexpr int kReconnectMs = 1000; // between attempts while the store is down
} // namespace

SharedIndex::SharedIndex(pg::Target target) : m_target(std::move(target)) {
    connect_and_catch_up(); // the first time, errors reach the caller: a replica that never loaded says why
    m_thread = std::thread([this] { loop(); });
}

SharedIndex::~SharedIndex() {
    m_stop.stop();
    if (m_thread.joinable()) m_thread.join();
}

std::map<std::string, std::shared_ptr<const Published>> SharedIndex::operators() const {
    std::lock_guard lock(m_mutex);
    return m_operators;
}

SharedIndex::Health SharedIndex::health() const {
    std::lock_guard lock(m_mutex);
    return {m_store != nullptr && m_problem.empty(), monotonic_seconds() - m_contact, m_problem, m_loads};
}

/// A new connection: LISTEN first (nothing published after it is missed), then every operator whose
/// published snapshot is not the one held is loaded; operators no longer in the store are dropped.
void SharedIndex::connect_and_catch_up() {
    auto store = std::make_unique<SharedStore>(m_target);
    store->listen();
    std::vector<PublishedHead> heads;
    if (store->schema_version() > 0) heads = store->heads(); // before the first publish: nothing yet
    {
        std::lock_guard lock(m_mutex);
        m_store = std::move(store);
        m_contact = monotonic_seconds();
        m_problem.clear();
    }
    std::set<std::string> present;
    for (const auto& h : heads) {
        present.insert(h.operator_name);
        const auto held = operators();
        const auto it = held.find(h.operator_name);
        if (it == held.end() || it->second->head.snapshot_id != h.snapshot_id ||
            it->second->head.revision != h.revision || it->second->head.published_at != h.published_at)
            load(h.operator_name);
    }
    std::lock_guard lock(m_mutex);
    for (auto it = m_operators.begin(); it != m_operators.end();)
        if (present.count(it->first)) {
            ++it;
        } else {
            it = m_operators.erase(it);
            ++m_generation;
        }
}

void SharedIndex::load(const std::string& operator_name) {
    const double t0 = monotonic_seconds();
    std::optional<PublishedHead> head;
    auto boxes = std::make_shared<BoxIndex>(
        [&](const auto& each) { head = m_store->load(operator_name, each); }, 0, "");
    std::lock_guard lock(m_mutex);
    m_contact = monotonic_seconds();
    if (!head) { // gone from the store (or never there): not answered for any more
        if (m_operators.erase(operator_name)) ++m_generation;
        return;
    }
    boxes->identify(head->snapshot_id, head->revision); // read in the same transaction as the boxes
    m_operators[operator_name] = std::make_shared<const Published>(Published{*head, std::move(boxes)});
    ++m_generation;
    ++m_loads;
    spdlog::info("{}: snapshot {} from the shared store in memory ({} boxes, {:.2f} s)", operator_name,
                 head->snapshot_id, head->boxes, monotonic_seconds() - t0);
}

void SharedIndex::loop() {
    double last_question = monotonic_seconds();
    while (true) {
        if (m_stop.stopped()) return;
        try {
            if (!m_store) connect_and_catch_up();
            const std::vector<std::string> names = m_store->wait_for_publishes(kWaitMs);
            const std::set<std::string> unique(names.begin(), names.end());
            for (const auto& name : unique)
                load(name);
            if (monotonic_seconds() - last_question > kKeepAliveS) {
                m_store->schema_version(); // any answer will do: the store is there
                last_question = monotonic_seconds();
                std::lock_guard lock(m_mutex);
                m_contact = last_question;
            }
        } catch (const std::exception& e) {
            // Answers go on from what is held; the age in /healthz and the metrics says how old it is.
            {
                std::lock_guard lock(m_mutex);
                m_problem = clean_message(e.what(), 200);
                if (m_store)
                    spdlog::warn("shared store: {}; answering from memory and reconnecting", m_problem);
                m_store.reset();
            }
            if (m_stop.wait_for(std::chrono::milliseconds(kReconnectMs))) return;
        }
    }
}

} // namespace oznsync::serve
