#pragma once
// Publishing an operator's availability to the shared store (publish.url, PostgreSQL + PostGIS): after a
// run that changed what OZneutral may see, and by `oznsync publish`. The local database remembers what
// was last published (state `publish.*`), so a run that changed nothing asks nothing of PostgreSQL.
#include "config/config.hpp"
#include "store/shared_store.hpp"
#include "store/store.hpp"

namespace oznsync {

/// How sure a publish must be that the store already holds the snapshot before it skips.
enum class PublishCheck {
    Local, // the database's record of the last publish is enough (incremental runs, every minute)
    Store, // ask the store itself (full runs, `oznsync publish`): a store rebuilt or emptied is filled again
    Force, // publish whatever either says (`oznsync publish --force`)
};

/// Publishes the current snapshot when it is not what the store holds. Throws what the store throws
/// (UnavailableError when it is unreachable, ConfigError naming the key for a refused password).
PublishResult publish_snapshot(Store& store, const Config& cfg, PublishCheck check);

/// The same after a run: a failure is returned (and recorded for the metrics), never thrown — the sync
/// itself succeeded, and the next run publishes again.
PublishResult publish_after_run(Store& store, const Config& cfg, PublishCheck check);

/// What the metrics say of publishing (`oznsync_publish_*`), from the database's record.
struct PublishState {
    bool configured = false;
    double last_success = 0, last_attempt = 0; // seconds since the epoch; 0: never
    long long failures = 0;                    // in a row, since the last success
    long long boxes = 0;
    double seconds = 0;
};
PublishState publish_state(Store& store);

} // namespace oznsync
