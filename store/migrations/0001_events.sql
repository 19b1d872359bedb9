-- The append-only event log. body is the signed JSON, stored verbatim.
CREATE TABLE events (
    id       INTEGER PRIMARY KEY,          -- local arrival order
    terminal TEXT    NOT NULL,
    seq      INTEGER NOT NULL CHECK (seq > 0),
    hash     BLOB    NOT NULL,             -- SHA-256 of body
    type     TEXT    NOT NULL,
    body     BLOB    NOT NULL,
    sig      BLOB    NOT NULL,
    cosigs   TEXT    NOT NULL DEFAULT '[]', -- JSON list of officer co-signatures
    UNIQUE (terminal, seq)
);
CREATE INDEX events_type ON events (type);

-- Nothing in the log is ever updated or deleted.
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
