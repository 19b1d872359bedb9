-- The agency feed (docs/SYNC.md, "The agency feed"): the events of the other
-- terminals of this terminal's agency, verified, are kept in events under
-- their own terminal id and seq — never in this terminal's own chain.

-- Each other terminal whose events the feed brought: its key as the hub
-- pinned it at enrollment, and whether its chain is blocked (an item of it
-- was refused; its later items wait until that one verifies).
CREATE TABLE foreign_terminals (
    id             TEXT PRIMARY KEY,
    public_key     BLOB NOT NULL,
    name           TEXT NOT NULL,
    blocked_at     INTEGER,              -- log index of the refused item
    blocked_reason TEXT NOT NULL DEFAULT ''
);
-- Each foreign event's place in the hub's log and its inclusion proof.
CREATE TABLE foreign_events (
    terminal        TEXT    NOT NULL,
    seq             INTEGER NOT NULL,
    log_index       INTEGER NOT NULL UNIQUE,
    checkpoint_size INTEGER NOT NULL,
    proof           TEXT    NOT NULL,    -- JSON list of base64 hashes, as received
    PRIMARY KEY (terminal, seq)
);
-- The officer keys each foreign writer's own chain enrolled: its key ring.
CREATE TABLE foreign_officer_keys (
    terminal   TEXT NOT NULL,
    officer    TEXT NOT NULL,
    public_key BLOB NOT NULL,
    PRIMARY KEY (terminal, officer)
);
-- Feed items refused (bad signature, broken chain, no or wrong proof):
-- nothing of them is stored but this record.
CREATE TABLE feed_refusals (
    id        INTEGER PRIMARY KEY,
    log_index INTEGER NOT NULL,
    terminal  TEXT    NOT NULL,
    seq       INTEGER NOT NULL,
    hash      TEXT    NOT NULL,
    reason    TEXT    NOT NULL,
    at        TEXT    NOT NULL,
    UNIQUE (log_index, hash, reason)
);
-- Projections (rebuilt): events the rules object to at their place in the
-- log order, kept and shown without effect but custody; and the case each
-- event belongs to, for the timeline and the terminals of a case.
CREATE TABLE event_conflicts (
    terminal TEXT    NOT NULL,
    seq      INTEGER NOT NULL,
    reason   TEXT    NOT NULL,
    PRIMARY KEY (terminal, seq)
);
CREATE TABLE case_events (
    terminal TEXT    NOT NULL,
    seq      INTEGER NOT NULL,
    case_id  TEXT    NOT NULL,
    PRIMARY KEY (terminal, seq)
);
CREATE INDEX case_events_case ON case_events (case_id);
ALTER TABLE sync_status ADD COLUMN agency_cursor INTEGER NOT NULL DEFAULT 0;
-- Set when a page of the feed was stored but the projections are to be
-- rebuilt in the log order (once, when the pull ends, or on the next one).
ALTER TABLE sync_status ADD COLUMN replay_pending INTEGER NOT NULL DEFAULT 0;
