-- Occupancy per port (reports, feasibility) joins ports to the property on them.
CREATE INDEX properties_by_port ON properties (snapshot_id, splitter, port);
