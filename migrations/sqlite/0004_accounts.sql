-- Accounts that can be switched off and whose sessions follow their current state: a login's
-- credential_version grows whenever its password changes or it is disabled, and a web session
-- remembers the version it was opened with.
ALTER TABLE users ADD COLUMN disabled_at TEXT;
ALTER TABLE users ADD COLUMN credential_version INTEGER NOT NULL DEFAULT 1;
