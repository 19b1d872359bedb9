-- Sync bookkeeping (not projections: what this terminal knows of the hub).
CREATE TABLE sync_hub (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    url         TEXT NOT NULL,
    fingerprint TEXT NOT NULL,   -- SHA-256 of the hub certificate, pinned
    hub_key     BLOB NOT NULL,   -- signs checkpoints and receipts
    agency      TEXT NOT NULL,
    joined_at   TEXT NOT NULL
);
-- Checkpoints of the hub log this terminal verified, each consistent with the one before.
CREATE TABLE sync_checkpoints (
    size INTEGER PRIMARY KEY,
    body TEXT NOT NULL
);
-- The hub's acknowledgment of each event: its log index and inclusion proof.
CREATE TABLE sync_acks (
    seq             INTEGER PRIMARY KEY,
    log_index       INTEGER NOT NULL,
    checkpoint_size INTEGER NOT NULL,
    proof           TEXT NOT NULL
);
-- Uploads in progress: the tus URL and the offset the hub confirmed.
CREATE TABLE sync_uploads (
    digest     TEXT PRIMARY KEY,
    url        TEXT NOT NULL,
    size       INTEGER NOT NULL,
    offset     INTEGER NOT NULL,
    updated_at TEXT NOT NULL
);
-- Signed receipts: the hub holds the blob, verified.
CREATE TABLE sync_receipts (
    digest  TEXT PRIMARY KEY,
    receipt TEXT NOT NULL
);
CREATE TABLE sync_status (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    last_success  TEXT NOT NULL DEFAULT '',
    last_error    TEXT NOT NULL DEFAULT '',
    last_error_at TEXT NOT NULL DEFAULT '',
    hub_last_seq  INTEGER NOT NULL DEFAULT 0,
    feed_cursor   INTEGER NOT NULL DEFAULT 0
);
INSERT INTO sync_status (id) VALUES (1);
-- Items of the hub's feed, as received (signature checked), in cursor order.
CREATE TABLE sync_feed (
    cursor INTEGER PRIMARY KEY,
    item   TEXT NOT NULL
);
