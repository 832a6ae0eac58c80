-- Run history and the change journal. A change row is written as 'planned' by plan, moves to 'intent'
-- right before its OZmap call and to 'done' / 'failed' right after, so a killed run leaves a trace.
CREATE TABLE runs (
    id                 TEXT PRIMARY KEY,
    started_at         TEXT NOT NULL,
    finished_at        TEXT,
    mode               TEXT NOT NULL,       -- plan | apply | run | run-dry | partners
    status             TEXT NOT NULL,       -- running | done | failed
    exit_code          INTEGER,
    snapshot_id        INTEGER,
    sales_fingerprint  TEXT,
    sales_count        INTEGER,
    config_fingerprint TEXT,
    host               TEXT,
    user               TEXT,
    summary            TEXT                 -- JSON, as summary.json
);

CREATE TABLE changes (
    run_id      TEXT NOT NULL REFERENCES runs (id),
    seq         INTEGER NOT NULL,
    ulid        TEXT NOT NULL,
    ts          TEXT NOT NULL,
    action      TEXT NOT NULL,
    sale_id     TEXT,
    code        TEXT,
    partner     TEXT,
    project     TEXT,
    box         TEXT,
    splitter    TEXT,
    port        INTEGER,
    before      TEXT,
    after       TEXT,
    reason      TEXT,
    payload     TEXT NOT NULL,              -- JSON: everything apply needs to execute the change
    state       TEXT NOT NULL,              -- planned | intent | done | failed | skipped | interrupted | finding
    result      TEXT,
    error       TEXT,
    PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;
CREATE INDEX changes_by_state ON changes (state);

-- What oznsync last saw or wrote for each client it owns: the base line for drift detection.
CREATE TABLE owned (
    sale_id     TEXT PRIMARY KEY,
    code        TEXT NOT NULL,
    property_id TEXT,
    client_id   TEXT,
    box         TEXT,
    splitter    TEXT,
    port        INTEGER,
    implanted   INTEGER,
    run_id      TEXT NOT NULL
) WITHOUT ROWID;
