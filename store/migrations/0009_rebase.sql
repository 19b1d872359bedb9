-- `lawtrailctl sync recover`: a restored or copied data folder whose chain
-- diverged from the hub's is re-based onto the hub's chain. Every re-base is
-- recorded here, and the local events it set aside are kept verbatim in
-- events_quarantine: nothing is ever deleted without a copy kept here.
CREATE TABLE rebases (
    id              INTEGER PRIMARY KEY,
    at              TEXT    NOT NULL,
    terminal        TEXT    NOT NULL,
    fork_seq        INTEGER NOT NULL,  -- the last seq both chains held alike
    local_head_seq  INTEGER NOT NULL,  -- this folder's head before the re-base
    local_head_hash BLOB    NOT NULL,
    hub_seq         INTEGER NOT NULL,  -- the hub's head re-based onto
    hub_hash        BLOB    NOT NULL,
    fetched         INTEGER NOT NULL,  -- the hub's events taken in
    quarantined     INTEGER NOT NULL,  -- local events set aside
    rebased         INTEGER NOT NULL,  -- event.rebased events recorded
    conflicts       INTEGER NOT NULL   -- of which without effect (conflict)
);
CREATE TABLE events_quarantine (
    id       INTEGER PRIMARY KEY,
    rebase   INTEGER NOT NULL REFERENCES rebases (id),
    terminal TEXT    NOT NULL,
    seq      INTEGER NOT NULL,
    hash     BLOB    NOT NULL UNIQUE,
    type     TEXT    NOT NULL,
    body     BLOB    NOT NULL,
    sig      BLOB    NOT NULL,
    cosigs   TEXT    NOT NULL
);
CREATE TRIGGER rebases_no_update BEFORE UPDATE ON rebases
BEGIN SELECT RAISE(ABORT, 'the re-base record is append-only'); END;
CREATE TRIGGER rebases_no_delete BEFORE DELETE ON rebases
BEGIN SELECT RAISE(ABORT, 'the re-base record is append-only'); END;
CREATE TRIGGER quarantine_no_update BEFORE UPDATE ON events_quarantine
BEGIN SELECT RAISE(ABORT, 'quarantined events are append-only'); END;
CREATE TRIGGER quarantine_no_delete BEFORE DELETE ON events_quarantine
BEGIN SELECT RAISE(ABORT, 'quarantined events are append-only'); END;
-- Set when a sync pass found this folder's chain diverging from the hub's.
ALTER TABLE sync_status ADD COLUMN diverged TEXT NOT NULL DEFAULT '';
