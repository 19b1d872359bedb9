-- Each recorder file taken in, keyed as it was when copied, so docking the
-- same recorder again skips what is done and the clear policy knows what
-- may go. Several files may carry the same content (one footage item).
CREATE TABLE footage_sources (
    device_serial TEXT    NOT NULL,
    path          BLOB    NOT NULL,   -- original bytes, not necessarily UTF-8
    display_path  TEXT    NOT NULL,
    size          INTEGER NOT NULL,
    mtime_ns      INTEGER NOT NULL,
    digest        TEXT    NOT NULL,
    ingested_seq  INTEGER NOT NULL,
    ingested_at   TEXT    NOT NULL,
    cleared_seq   INTEGER,
    PRIMARY KEY (device_serial, path, size, mtime_ns)
);
CREATE INDEX footage_sources_digest ON footage_sources (digest);
ALTER TABLE footage ADD COLUMN important INTEGER NOT NULL DEFAULT 0;
ALTER TABLE footage ADD COLUMN profile TEXT NOT NULL DEFAULT '';
ALTER TABLE footage ADD COLUMN ingested_at TEXT NOT NULL DEFAULT '';
