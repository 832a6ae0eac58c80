-- A saved plan's base-line updates (what its reconcile learnt about owned clients before any write: rows
-- to upsert into `owned`, sales to forget), kept with it so `oznsync apply --plan` applies the saved
-- changes without reconciling again. runs.plan_baseline = 1 says they were kept (no rows then means no
-- update); a plan saved before this migration has 0 and is reconciled again for them.
CREATE TABLE plan_baseline (
    run_id      TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    sale_id     TEXT NOT NULL,
    forget      INTEGER NOT NULL,
    code        TEXT,
    property_id TEXT,
    client_id   TEXT,
    box         TEXT,
    splitter    TEXT,
    port        INTEGER,
    implanted   INTEGER,
    PRIMARY KEY (run_id, sale_id)
) WITHOUT ROWID;
ALTER TABLE runs ADD COLUMN plan_baseline INTEGER NOT NULL DEFAULT 0;
