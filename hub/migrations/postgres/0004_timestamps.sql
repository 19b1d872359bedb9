-- RFC 3161 timestamps of checkpoints from the configured time-stamping
-- authority: the token (DER TimeStampToken) whose message imprint is
-- SHA-256 of the checkpoint's signed note, verified before it was kept.
CREATE TABLE timestamps (
    size      BIGINT PRIMARY KEY REFERENCES checkpoints (size),
    token     BYTEA NOT NULL,
    gen_time  TEXT NOT NULL,   -- the TSA's genTime, RFC 3339 UTC
    tsa       TEXT NOT NULL,   -- subject of the TSA certificate
    stored_at TEXT NOT NULL
);
CREATE TRIGGER timestamps_no_update BEFORE UPDATE ON timestamps FOR EACH ROW EXECUTE FUNCTION lawtrail_refuse('timestamps are append-only');
CREATE TRIGGER timestamps_no_delete BEFORE DELETE ON timestamps FOR EACH ROW EXECUTE FUNCTION lawtrail_refuse('timestamps are append-only');
