-- Each drop splitter's ports as one string, one character per port in number order: '.' free, 'b'
-- blocked, 'o' occupied (a fiber). Feasibility reads one row per splitter instead of one per port. The
-- pull writes it; the trigger keeps it true when a port changes (an apply patching the snapshot).
-- Snapshots pulled before this migration keep NULL, and feasibility reads their ports as before.
ALTER TABLE splitters ADD COLUMN port_states TEXT;

CREATE TRIGGER port_states_follow_ports AFTER UPDATE OF fiber, blocked ON ports
BEGIN
    UPDATE splitters
    SET port_states = substr(port_states, 1, NEW.number - 1) ||
                      (CASE WHEN NEW.fiber IS NOT NULL THEN 'o' WHEN NEW.blocked THEN 'b' ELSE '.' END) ||
                      substr(port_states, NEW.number + 1)
    WHERE snapshot_id = NEW.snapshot_id AND id = NEW.splitter AND port_states IS NOT NULL
      AND length(port_states) >= NEW.number;
END;
