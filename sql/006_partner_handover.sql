-- Partner users oznsync created or changed: where each password was handed over (NULL: never; the run
-- reports it until an operator resets the password with `oznsync partners --reset-password <partner id>`),
-- and what oznsync last granted (the approval and its projects), so an operator's own edits of a user's
-- projects are not reverted every night.
CREATE TABLE partner_users (
    username    TEXT PRIMARY KEY,
    partner_id  TEXT NOT NULL,
    user_id     TEXT,
    created_run TEXT NOT NULL,
    handed_over TEXT,
    approved_at TEXT,
    projects    TEXT
) WITHOUT ROWID;
