-- Spatial index of boxes for feasibility: R*Tree keyed by an integer per (snapshot, box).
CREATE TABLE box_keys (
    rid         INTEGER PRIMARY KEY,
    snapshot_id INTEGER NOT NULL,
    box         TEXT NOT NULL,
    UNIQUE (snapshot_id, box)
);
CREATE VIRTUAL TABLE box_rtree USING rtree (rid, min_lat, max_lat, min_lng, max_lng);
CREATE INDEX splitters_by_box ON splitters (snapshot_id, box);
