-- Partner users oznsync created, and where each password was handed over (NULL: never; the run reports
-- it until an operator resets the password with `oznsync partners --reset-password <partner id>`).
CREATE TABLE partner_users (
    username    TEXT PRIMARY KEY,
    partner_id  TEXT NOT NULL,
    user_id     TEXT,
    created_run TEXT NOT NULL,
    handed_over TEXT
) WITHOUT ROWID;
