-- RFC 3161 timestamps of hub checkpoints this terminal holds: the TSA's
-- token (DER), checked against the checkpoint's signed note before it was
-- kept. timestamps_after is how far the hub's list was read.
CREATE TABLE sync_timestamps (
    size     INTEGER PRIMARY KEY REFERENCES sync_checkpoints (size),
    token    BLOB NOT NULL,
    gen_time TEXT NOT NULL,
    tsa      TEXT NOT NULL
);
ALTER TABLE sync_status ADD COLUMN timestamps_after INTEGER NOT NULL DEFAULT 0;
