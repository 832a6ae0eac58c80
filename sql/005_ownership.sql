-- Ownership needs proof (issue 8): the property's drop cable (removal can disconnect it and keep the
-- property), and the clients oznsync believes it owns, read by code, so a client whose property is gone
-- is still seen.
ALTER TABLE properties ADD COLUMN drop_id TEXT;
CREATE TABLE clients (
    snapshot_id INTEGER NOT NULL,
    id          TEXT NOT NULL,
    code        TEXT NOT NULL,
    external_id TEXT,
    implanted   INTEGER NOT NULL,
    updated_at  TEXT,
    PRIMARY KEY (snapshot_id, id)
) WITHOUT ROWID;
