-- The journal as an ordinary (rowid) table. A change row carries its payload (about 1 KB), and SQLite
-- keeps such rows poorly in a WITHOUT ROWID table (the whole row lives in the primary-key b-tree); a
-- first-night plan writes 500k of them. Rows now append in insertion order; (run_id, seq) stays unique
-- through its own small index. Only in-flight rows ('intent', what a dead run leaves) are looked up by
-- state, so only they are indexed by it.
CREATE TABLE changes_new (
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
    UNIQUE (run_id, seq)
);
INSERT INTO changes_new SELECT run_id, seq, ulid, ts, action, sale_id, code, partner, project, box, splitter, port,
    before, after, reason, payload, state, result, error FROM changes ORDER BY run_id, seq;
DROP TABLE changes;
ALTER TABLE changes_new RENAME TO changes;
CREATE INDEX changes_in_flight ON changes (state) WHERE state = 'intent';
