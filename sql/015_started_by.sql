-- Who started a run, for the auditor: a timer ("timer oznsync@acme.timer", from TRIGGER_UNIT, which systemd
-- sets for a service a timer started), a unit ("unit oznsync@acme.service") or a person ("user ana"), and
-- the reason given with --reason ('' when none).
ALTER TABLE runs ADD COLUMN started_by TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN reason TEXT NOT NULL DEFAULT '';
