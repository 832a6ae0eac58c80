-- A snapshot's revision: a fresh random token each time its content changes (a pull completes it, an
-- incremental run's delta or an apply's patch writes into it). A saved plan records the revision it was
-- made from and is stale when the current one differs: an identity, never a clock reading (two changes
-- within one second of each other were once the same "finished_at").
ALTER TABLE snapshots ADD COLUMN revision TEXT;
ALTER TABLE runs ADD COLUMN snapshot_revision TEXT;
