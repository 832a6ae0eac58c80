-- Incremental runs (`run --incremental`). `sale_records` is the sale feed as the last run that sent
-- writes reconciled it: the latest version of every record, and whether all of its writes went through
-- (settled = 0: one failed, was skipped or never ran, so the next incremental run plans it again). An
-- incremental run compares the records it reads with it, and finds the sales on a port OZmap changed in
-- it. The `state` table keeps the marks: `ozmap.pulled_at` (our clock when the current snapshot's last
-- pull, full or incremental, began), `sales.read_at` and `sales.recorded_by` (the run that last recorded
-- the whole feed).
CREATE TABLE sale_records (
    id                  TEXT PRIMARY KEY,
    version             INTEGER NOT NULL,
    updated_at          TEXT NOT NULL,
    state               TEXT NOT NULL,
    substate            TEXT NOT NULL,
    code                TEXT NOT NULL,
    client_name         TEXT NOT NULL,
    address             TEXT NOT NULL,
    lat                 REAL,
    lng                 REAL,
    partner_id          TEXT NOT NULL,
    partner_name        TEXT NOT NULL,
    partnership_id      TEXT NOT NULL,
    project             TEXT NOT NULL,
    box                 TEXT NOT NULL,
    splitter            TEXT NOT NULL,
    port                INTEGER NOT NULL,
    port_replace_reason TEXT NOT NULL,
    settled             INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sale_records_by_splitter ON sale_records (splitter);
CREATE INDEX sale_records_by_code ON sale_records (code);
CREATE INDEX sale_records_unsettled ON sale_records (settled) WHERE settled = 0;

-- The owned clients of a set of sales, read without a scan: by the property's proof and by code.
CREATE INDEX properties_by_external_id ON properties (snapshot_id, external_id)
    WHERE external_id IS NOT NULL;
CREATE INDEX properties_by_client_code ON properties (snapshot_id, client_code)
    WHERE client_code IS NOT NULL;
CREATE INDEX properties_by_client_id ON properties (snapshot_id, client_id)
    WHERE client_id IS NOT NULL;

-- The sales whose recorded client an increment touched (by client id, or on a changed splitter).
CREATE INDEX owned_by_client ON owned (client_id) WHERE client_id IS NOT NULL;
CREATE INDEX owned_by_splitter ON owned (splitter) WHERE splitter IS NOT NULL;
