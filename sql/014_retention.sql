-- A year of operation in bounded space (journal.keep_days, runs.keep_days, reports.keep_days).
-- `change_counts`: a run's journal counted by action ({"create": 3, "conflict": 1}), written when its change
-- rows are removed by journal.keep_days, so the run's counts outlive its rows.
ALTER TABLE runs ADD COLUMN change_counts TEXT;
-- Runs older than runs.keep_days that wrote no report folder (the minute timer's "nothing to do" runs)
-- are folded into one row per UTC day, mode and exit code, then removed. Runs that wrote a folder keep
-- their row: the folder's hashes (report_chain) and the run's counts are the audit trail.
CREATE TABLE run_days (
    day       TEXT NOT NULL,    -- YYYY-MM-DD (UTC) the runs began
    mode      TEXT NOT NULL,
    exit_code INTEGER NOT NULL, -- -1: the run never finished
    runs      INTEGER NOT NULL,
    PRIMARY KEY (day, mode, exit_code)
) WITHOUT ROWID;
-- When a folder was written (the run's clock): reports.keep_days removes folders by it, not by the
-- file system's modification times.
ALTER TABLE report_chain ADD COLUMN written_at TEXT;
UPDATE report_chain SET written_at = (SELECT started_at FROM runs WHERE runs.id = report_chain.run_id);
CREATE INDEX runs_by_start ON runs (started_at);
