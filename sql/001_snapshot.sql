-- Inventory snapshots. Every pull writes a new snapshot under its own id; `state.current_snapshot`
-- points at the last complete one and is switched in one transaction when a pull finishes.
CREATE TABLE snapshots (
    id          INTEGER PRIMARY KEY,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    status      TEXT NOT NULL CHECK (status IN ('building', 'complete', 'superseded', 'failed')),
    source      TEXT NOT NULL,           -- OZmap origin
    projects    TEXT NOT NULL,           -- comma-separated project ids pulled
    counts      TEXT                     -- JSON: rows per collection
);

CREATE TABLE state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE projects (
    snapshot_id INTEGER NOT NULL,
    id          TEXT NOT NULL,
    name        TEXT NOT NULL,
    identifier  TEXT NOT NULL,
    PRIMARY KEY (snapshot_id, id)
) WITHOUT ROWID;

CREATE TABLE boxes (
    snapshot_id INTEGER NOT NULL,
    id          TEXT NOT NULL,
    project     TEXT NOT NULL,
    name        TEXT NOT NULL,
    lat         REAL NOT NULL,
    lng         REAL NOT NULL,
    draft       INTEGER NOT NULL,
    implanted   INTEGER NOT NULL,
    PRIMARY KEY (snapshot_id, id)
) WITHOUT ROWID;

-- Drop splitters only: the only ones whose ports can be sold.
CREATE TABLE splitters (
    snapshot_id INTEGER NOT NULL,
    id          TEXT NOT NULL,
    box         TEXT NOT NULL,
    project     TEXT NOT NULL,
    name        TEXT NOT NULL,
    implanted   INTEGER NOT NULL,
    port_count  INTEGER NOT NULL,
    PRIMARY KEY (snapshot_id, id)
) WITHOUT ROWID;

-- number is 1-based (port N = connectables.output[N-1]); fiber NULL = free.
CREATE TABLE ports (
    snapshot_id INTEGER NOT NULL,
    splitter    TEXT NOT NULL,
    number      INTEGER NOT NULL,
    blocked     INTEGER NOT NULL,
    fiber       TEXT,
    PRIMARY KEY (snapshot_id, splitter, number)
) WITHOUT ROWID;

-- A property with its FTTH client flattened in (client_* NULL when it has none).
CREATE TABLE properties (
    snapshot_id        INTEGER NOT NULL,
    id                 TEXT NOT NULL,
    project            TEXT NOT NULL,
    box                TEXT,
    splitter           TEXT,
    port               INTEGER,
    lat                REAL,
    lng                REAL,
    address            TEXT NOT NULL,
    external_id        TEXT,
    client_id          TEXT,
    client_code        TEXT,
    client_name        TEXT,
    client_implanted   INTEGER,
    client_external_id TEXT,
    updated_at         TEXT,
    PRIMARY KEY (snapshot_id, id)
) WITHOUT ROWID;
