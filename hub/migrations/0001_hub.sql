-- Enrolled terminals; a revoked terminal is refused at the handshake.
CREATE TABLE terminals (
    id          TEXT PRIMARY KEY,
    public_key  BLOB NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    agency      TEXT NOT NULL,
    enrolled_at TEXT NOT NULL,
    revoked_at  TEXT
);
-- One-time enrollment codes, kept only as SHA-256.
CREATE TABLE enroll_codes (
    code_hash  BLOB PRIMARY KEY,
    agency     TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT,
    terminal   TEXT
);
-- Every accepted event, verbatim, with its place in the log.
CREATE TABLE events (
    terminal    TEXT    NOT NULL,
    seq         INTEGER NOT NULL,
    hash        BLOB    NOT NULL,
    body        BLOB    NOT NULL,
    sig         BLOB    NOT NULL,
    cosigs      TEXT    NOT NULL,
    received_at TEXT    NOT NULL,
    log_index   INTEGER NOT NULL,
    PRIMARY KEY (terminal, seq)
);
-- Blobs an accepted event names: what the hub waits for.
CREATE TABLE named_blobs (
    terminal TEXT NOT NULL,
    digest   TEXT NOT NULL,
    seq      INTEGER NOT NULL,
    PRIMARY KEY (terminal, digest)
);
-- Blobs received and verified, with the signed receipt.
CREATE TABLE blobs (
    digest      TEXT PRIMARY KEY,
    size        INTEGER NOT NULL,
    terminal    TEXT NOT NULL,
    received_at TEXT NOT NULL,
    log_index   INTEGER NOT NULL
);
CREATE TABLE receipts (
    terminal TEXT NOT NULL,
    digest   TEXT NOT NULL,
    receipt  TEXT NOT NULL,   -- protocol.Receipt as JSON
    PRIMARY KEY (terminal, digest)
);
-- A second body under a known sequence number: kept apart, never applied.
CREATE TABLE forks (
    terminal    TEXT    NOT NULL,
    seq         INTEGER NOT NULL,
    hash        BLOB    NOT NULL,
    body        BLOB    NOT NULL,
    sig         BLOB    NOT NULL,
    received_at TEXT    NOT NULL,
    PRIMARY KEY (terminal, seq, hash)
);
-- The transparency log (RFC 6962 hashing): leaves and every complete node.
CREATE TABLE log_leaves (
    idx       INTEGER PRIMARY KEY,
    leaf_hash BLOB NOT NULL,
    kind      TEXT NOT NULL,   -- event | receipt
    ref       TEXT NOT NULL
);
CREATE TABLE log_nodes (
    level INTEGER NOT NULL,
    idx   INTEGER NOT NULL,
    hash  BLOB    NOT NULL,
    PRIMARY KEY (level, idx)
);
CREATE TABLE checkpoints (
    size INTEGER PRIMARY KEY,
    body TEXT NOT NULL          -- protocol.Checkpoint as JSON
);
-- Hub-originated events for terminals, in cursor order.
CREATE TABLE feed (
    cursor   INTEGER PRIMARY KEY,
    terminal TEXT NOT NULL,     -- '*' for every terminal
    item     TEXT NOT NULL      -- protocol.FeedItem as JSON
);
CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER leaves_no_update BEFORE UPDATE ON log_leaves BEGIN SELECT RAISE(ABORT, 'the log is append-only'); END;
CREATE TRIGGER leaves_no_delete BEFORE DELETE ON log_leaves BEGIN SELECT RAISE(ABORT, 'the log is append-only'); END;
