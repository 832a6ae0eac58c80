#pragma once
// The operators a server answers for: from their own databases (SQLite: boxes in memory, runs, health,
// monitoring) or as the shared store published them (serve --store).
#include "app/queries.hpp"
#include "config/config.hpp"
#include "report/views.hpp"
#include "serve/box_index.hpp"
#include "serve/shared_index.hpp"
#include "store/store.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/json_writer.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace oznsync::serve {

/// Read-only connections to one operator's database, lent to a request and given back: at most as many
/// as answer at once (serve.workers), each with a small page cache, so a fleet of operators holds a few
/// connections each, not one per server thread. SQLite in WAL mode shows each statement the last
/// committed snapshot, so a run that completes is seen by the next request, without a restart.
class StorePool {
public:
    static constexpr int kCacheKib = 1024;
    explicit StorePool(std::string path, std::string operator_name)
        : m_path(std::move(path)), m_operator(std::move(operator_name)) {}

    class Lease {
    public:
        Lease(StorePool& pool, std::unique_ptr<Store> store) : m_pool(pool), m_store(std::move(store)) {}
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;
        ~Lease() { m_pool.give_back(std::move(m_store)); }
        Store& operator*() const { return *m_store; }
        operator Store&() const { return *m_store; }

    private:
        StorePool& m_pool;
        std::unique_ptr<Store> m_store;
    };

    Lease lease() {
        {
            std::lock_guard lock(m_mutex);
            if (!m_idle.empty()) {
                auto store = std::move(m_idle.back());
                m_idle.pop_back();
                return Lease(*this, std::move(store));
            }
        }
        if (!file_exists(m_path)) // before the first run: not yet, not broken (503)
            throw UsageError("no snapshot yet: " + m_operator + "'s first run has not completed");
        auto store = std::make_unique<Store>(m_path, Access::ReadOnly, m_operator);
        store->limit_cache(kCacheKib);
        return Lease(*this, std::move(store));
    }

private:
    void give_back(std::unique_ptr<Store> store) {
        std::lock_guard lock(m_mutex);
        m_idle.push_back(std::move(store));
    }
    const std::string m_path, m_operator;
    std::mutex m_mutex;
    std::vector<std::unique_ptr<Store>> m_idle;
};

/// One operator the server answers for: its boxes in memory, its health and (from its own database)
/// its runs and monitoring.
class OperatorView {
public:
    virtual ~OperatorView() = default;
    virtual const std::string& name() const = 0;
    /// The boxes feasibility is answered from (null: no snapshot yet).
    virtual std::shared_ptr<const BoxIndex> boxes() const = 0;
    /// The boxes as last committed, for availability (a database is looked at again first).
    virtual std::shared_ptr<const BoxIndex> latest_boxes() { return boxes(); }
    /// Its health as one JSON object; true when it is ok.
    virtual bool write_health(JsonWriter& w) = 0;
    /// What the monitoring families say of it (none when only the shared store is known).
    virtual std::optional<MonitoringStatus> monitoring() { return std::nullopt; }
    /// Its database's connections, for its runs (none from the shared store).
    virtual StorePool* stores() { return nullptr; }
    /// Seconds since its boxes were published to the shared store (-1: not from there).
    virtual double published_age_s() const { return -1; }
};

/// An operator served from its own database (SQLite): its config, its boxes in memory and the connections
/// to its database.
class DatabaseOperator : public OperatorView {
public:
    explicit DatabaseOperator(Config c)
        : m_config(std::move(c)), m_index(m_config.snapshot_path, m_config.operator_name),
          m_stores(m_config.snapshot_path, m_config.operator_name) {}
    const std::string& name() const override { return m_config.operator_name; }
    std::shared_ptr<const BoxIndex> boxes() const override { return m_index.current(); }
    std::shared_ptr<const BoxIndex> latest_boxes() override {
        if (!file_exists(m_config.snapshot_path)) return nullptr;
        m_index.refresh();
        return m_index.current();
    }
    std::optional<MonitoringStatus> monitoring() override {
        return monitoring_status(m_stores.lease(), name());
    }
    StorePool* stores() override { return &m_stores; }

    /// Its snapshot and its last run.
    bool write_health(JsonWriter& w) override {
        std::optional<ServiceStatus> s;
        std::string problem;
        try {
            s = service_status(m_stores.lease(), false);
        } catch (const std::exception& e) {
            problem = e.what();
        }
        const auto held = boxes();
        return oznsync::write_health(w, name(), s, problem,
                                     held ? std::optional<int64_t>(held->snapshot()) : std::nullopt);
    }

private:
    Config m_config;
    LiveIndex m_index; // feasibility and availability are answered from here, never from SQLite
    StorePool m_stores;
};

/// An operator as the shared store published it (serve --store): immutable, a publish makes a new one.
class PublishedOperator : public OperatorView {
public:
    explicit PublishedOperator(std::shared_ptr<const Published> p) : m_published(std::move(p)) {}
    const std::string& name() const override { return m_published->head.operator_name; }
    std::shared_ptr<const BoxIndex> boxes() const override { return m_published->boxes; }
    double published_age_s() const override { return seconds_since(m_published->head.published_at); }
    bool write_health(JsonWriter& w) override {
        write_published_health(w, m_published->head, m_published->boxes->snapshot());
        return true;
    }

private:
    std::shared_ptr<const Published> m_published;
};

} // namespace oznsync::serve
