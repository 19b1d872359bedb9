-- Footage items and their custody trail. Rebuilt from events.
CREATE TABLE footage (
    digest          TEXT PRIMARY KEY,
    size            INTEGER NOT NULL,
    device_serial   TEXT NOT NULL,
    device_model    TEXT NOT NULL,
    original_path   TEXT NOT NULL,
    officer         TEXT NOT NULL,
    clerk           TEXT NOT NULL,
    station         TEXT NOT NULL,
    start_time      TEXT NOT NULL,
    end_time        TEXT NOT NULL,
    clock_offset_ns INTEGER NOT NULL,
    ingested_seq    INTEGER NOT NULL
);
CREATE INDEX footage_officer ON footage (officer, start_time);
-- Every event that names a blob, in order: the blob's chain of custody.
CREATE TABLE custody (
    digest   TEXT    NOT NULL,
    terminal TEXT    NOT NULL,
    seq      INTEGER NOT NULL,
    type     TEXT    NOT NULL,
    actor    TEXT    NOT NULL,
    time     TEXT    NOT NULL,
    PRIMARY KEY (digest, terminal, seq)
);
