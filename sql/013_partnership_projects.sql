-- Partnerships in the ozn-sdk's shape carry no projects: the first sending run that sees one accepted
-- fixes its projects to that run's effective selection, here; later runs grant exactly these (never
-- widened when the selection grows; a project no longer selected is a finding, not a grant).
CREATE TABLE partnership_projects (
    partnership_id TEXT PRIMARY KEY,
    projects       TEXT NOT NULL,
    fixed_run      TEXT NOT NULL,
    fixed_at       TEXT NOT NULL
) WITHOUT ROWID;
