-- Footage deleted from the agency's record (docs/EVENTS.md "footage.deleted"):
-- one row per footage.deleted, by whichever terminal of the agency signed it.
-- The custody record, digests and the hub's receipts stay; the bytes go.
-- A projection: rebuilt from events.
CREATE TABLE footage_deleted (
    digest         TEXT    NOT NULL,
    terminal       TEXT    NOT NULL,
    seq            INTEGER NOT NULL,
    reason         TEXT    NOT NULL,              -- expired or ordered
    policy_version INTEGER NOT NULL DEFAULT 0,
    order_no       TEXT    NOT NULL DEFAULT '',
    authority      TEXT    NOT NULL,
    note           TEXT    NOT NULL DEFAULT '',
    deleted_by     TEXT    NOT NULL,
    deleted_at     TEXT    NOT NULL,
    PRIMARY KEY (terminal, seq)
);
CREATE INDEX footage_deleted_digest ON footage_deleted (digest);
