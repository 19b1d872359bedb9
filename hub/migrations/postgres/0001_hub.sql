-- Enrolled terminals; a revoked terminal is refused at the handshake.
CREATE TABLE terminals (
    id          TEXT PRIMARY KEY,
    public_key  BYTEA NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    agency      TEXT NOT NULL,
    enrolled_at TEXT NOT NULL,
    revoked_at  TEXT
);
-- One-time enrollment codes, kept only as SHA-256.
CREATE TABLE enroll_codes (
    code_hash  BYTEA PRIMARY KEY,
    agency     TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT,
    terminal   TEXT
);
-- Every accepted event, verbatim, with its place in the log.
CREATE TABLE events (
    terminal    TEXT    NOT NULL,
    seq         BIGINT NOT NULL,
    hash        BYTEA    NOT NULL,
    body        BYTEA    NOT NULL,
    sig         BYTEA    NOT NULL,
    cosigs      TEXT    NOT NULL,
    received_at TEXT    NOT NULL,
    log_index   BIGINT NOT NULL,
    PRIMARY KEY (terminal, seq)
);
-- Blobs an accepted event names: what the hub waits for.
CREATE TABLE named_blobs (
    terminal TEXT NOT NULL,
    digest   TEXT NOT NULL,
    seq      BIGINT NOT NULL,
    PRIMARY KEY (terminal, digest)
);
-- Blobs received and verified, with the signed receipt.
CREATE TABLE blobs (
    digest      TEXT PRIMARY KEY,
    size        BIGINT NOT NULL,
    terminal    TEXT NOT NULL,
    received_at TEXT NOT NULL,
    log_index   BIGINT NOT NULL
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
    seq         BIGINT NOT NULL,
    hash        BYTEA    NOT NULL,
    body        BYTEA    NOT NULL,
    sig         BYTEA    NOT NULL,
    received_at TEXT    NOT NULL,
    PRIMARY KEY (terminal, seq, hash)
);
-- The transparency log (RFC 6962 hashing): leaves and every complete node.
CREATE TABLE log_leaves (
    idx       BIGINT PRIMARY KEY,
    leaf_hash BYTEA NOT NULL,
    kind      TEXT NOT NULL,   -- event | receipt
    ref       TEXT NOT NULL
);
CREATE TABLE log_nodes (
    level BIGINT NOT NULL,
    idx   BIGINT NOT NULL,
    hash  BYTEA    NOT NULL,
    PRIMARY KEY (level, idx)
);
CREATE TABLE checkpoints (
    size BIGINT PRIMARY KEY,
    body TEXT NOT NULL          -- protocol.Checkpoint as JSON
);
-- Hub-originated events for terminals, in cursor order.
CREATE TABLE feed (
    cursor   BIGINT PRIMARY KEY,
    terminal TEXT NOT NULL,     -- '*' for every terminal
    item     TEXT NOT NULL      -- protocol.FeedItem as JSON
);
-- SQLite's RAISE(ABORT, …) in a trigger: the row change is refused with
-- the trigger's message.
CREATE FUNCTION lawtrail_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER events_no_update BEFORE UPDATE ON events FOR EACH ROW EXECUTE FUNCTION lawtrail_refuse('events are append-only');
CREATE TRIGGER events_no_delete BEFORE DELETE ON events FOR EACH ROW EXECUTE FUNCTION lawtrail_refuse('events are append-only');
CREATE TRIGGER leaves_no_update BEFORE UPDATE ON log_leaves FOR EACH ROW EXECUTE FUNCTION lawtrail_refuse('the log is append-only');
CREATE TRIGGER leaves_no_delete BEFORE DELETE ON log_leaves FOR EACH ROW EXECUTE FUNCTION lawtrail_refuse('the log is append-only');
