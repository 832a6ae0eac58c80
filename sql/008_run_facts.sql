-- A run's facts as columns, so nothing has to parse summary.json to learn them (saved plans, `runs`,
-- `report show`). Runs recorded before this migration get theirs from the summary they kept.
ALTER TABLE runs ADD COLUMN ozmap_url TEXT;
ALTER TABLE runs ADD COLUMN sales_source TEXT;
ALTER TABLE runs ADD COLUMN sales_records INTEGER;
ALTER TABLE runs ADD COLUMN sales_valid INTEGER;
ALTER TABLE runs ADD COLUMN sales_invalid INTEGER;
ALTER TABLE runs ADD COLUMN snapshot_finished_at TEXT;
ALTER TABLE runs ADD COLUMN insecure_tls INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN owned_clients INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN in_sync INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN cap_reason TEXT;
ALTER TABLE runs ADD COLUMN guard_reason TEXT;
ALTER TABLE runs ADD COLUMN abort_reason TEXT;
ALTER TABLE runs ADD COLUMN handover_file TEXT;

UPDATE runs
SET ozmap_url            = json_extract(summary, '$.inputs.ozmap_url'),
    sales_source         = json_extract(summary, '$.inputs.sales_source'),
    sales_records        = json_extract(summary, '$.inputs.sales_records'),
    sales_valid          = json_extract(summary, '$.inputs.sales_valid'),
    sales_invalid        = json_extract(summary, '$.inputs.sales_invalid'),
    snapshot_finished_at = json_extract(summary, '$.inputs.snapshot_finished_at'),
    insecure_tls         = coalesce(json_extract(summary, '$.inputs.insecure_tls'), 0),
    owned_clients        = coalesce(json_extract(summary, '$.counts.owned_clients'), 0),
    in_sync              = coalesce(json_extract(summary, '$.counts.in_sync'), 0),
    cap_reason           = json_extract(summary, '$.safety_cap'),
    guard_reason         = json_extract(summary, '$.feed_guard'),
    abort_reason         = json_extract(summary, '$.aborted'),
    handover_file        = json_extract(summary, '$.partner_handover_file')
WHERE summary IS NOT NULL AND json_valid(summary);
