-- The shared store OZneutral reads (publish.url): per operator, what `oznsync availability` exports and
-- nothing more -- the boxes with a free, sellable port, their free ports per splitter, and which snapshot
-- they come from. No client codes, names or addresses. Replaced whole per operator, in one transaction.
CREATE EXTENSION IF NOT EXISTS postgis;
CREATE SCHEMA IF NOT EXISTS oznsync;

-- One row per operator that has published: the snapshot its boxes come from.
CREATE TABLE oznsync.operators (
    operator             text PRIMARY KEY,
    snapshot_id          bigint NOT NULL,
    revision             text NOT NULL,   -- changes whenever the snapshot's content does
    snapshot_finished_at text NOT NULL,   -- ISO 8601 UTC, as the operator's database says it
    published_at         timestamptz NOT NULL DEFAULT now(),
    boxes                integer NOT NULL
);

CREATE TABLE oznsync.available_boxes (
    operator        text NOT NULL REFERENCES oznsync.operators (operator) ON DELETE CASCADE,
    box_id          text NOT NULL,
    project         text NOT NULL,
    name            text NOT NULL,
    lat             double precision NOT NULL,
    lng             double precision NOT NULL,
    implanted       boolean NOT NULL,
    -- For PostGIS questions (ST_DWithin on geography: metres on the spheroid).
    location        geography(Point, 4326)
                    GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(lng, lat), 4326)::geography) STORED,
    free_port_count integer NOT NULL,
    -- [{"id": splitter id, "name": splitter name, "free_ports": [1-based port numbers]}]
    splitters       jsonb NOT NULL,
    PRIMARY KEY (operator, box_id)
);
CREATE INDEX available_boxes_location ON oznsync.available_boxes USING gist (location);
