-- Officers are agency-wide people: their standing (credential end, revocation)
-- and one key per terminal they are enrolled on. Rebuilt from events.
ALTER TABLE officers ADD COLUMN valid_until TEXT NOT NULL DEFAULT '';
ALTER TABLE officers ADD COLUMN revoked_at TEXT;
ALTER TABLE officers ADD COLUMN revoke_reason TEXT NOT NULL DEFAULT '';
CREATE TABLE officer_keys (
    officer     TEXT NOT NULL,
    terminal    TEXT NOT NULL,
    public_key  BLOB NOT NULL,
    enrolled_by TEXT NOT NULL,
    enrolled_at TEXT NOT NULL,
    PRIMARY KEY (officer, terminal)
);
-- Wrong PINs in a row per officer, and the lock they caused: local state of
-- this terminal (not an event, not a projection; survives restarts).
CREATE TABLE pin_guard (
    officer      TEXT PRIMARY KEY,
    failures     INTEGER NOT NULL,
    locked_until TEXT NOT NULL
);
