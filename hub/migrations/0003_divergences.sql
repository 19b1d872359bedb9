-- Divergences terminals reported (a restored, copied or truncated data
-- folder): what the terminal said and what the hub held. The diverging
-- events themselves are in forks.
CREATE TABLE divergences (
    id          INTEGER PRIMARY KEY,
    terminal    TEXT    NOT NULL,
    kind        TEXT    NOT NULL,   -- forked | behind
    local_seq   INTEGER NOT NULL,
    local_hash  BLOB    NOT NULL,
    hub_seq     INTEGER NOT NULL,
    hub_hash    BLOB    NOT NULL,
    fork_seq    INTEGER NOT NULL,
    quarantined INTEGER NOT NULL,
    reported_at TEXT    NOT NULL,
    UNIQUE (terminal, local_seq, local_hash, hub_seq, hub_hash)
);
CREATE TRIGGER divergences_no_update BEFORE UPDATE ON divergences BEGIN SELECT RAISE(ABORT, 'divergences are append-only'); END;
CREATE TRIGGER divergences_no_delete BEFORE DELETE ON divergences BEGIN SELECT RAISE(ABORT, 'divergences are append-only'); END;
