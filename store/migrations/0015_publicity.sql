-- Publicity (事后公开, docs/EVENTS.md "Publicity"): every publication of a
-- finalized decision, withdrawn or not. A projection: rebuilt from events.
CREATE TABLE publications (
    id               TEXT    PRIMARY KEY,
    case_id          TEXT    NOT NULL,
    doc              TEXT    NOT NULL,
    doc_version      INTEGER NOT NULL,
    doc_hash         TEXT    NOT NULL,
    act              TEXT    NOT NULL,
    party_kind       TEXT    NOT NULL,
    decided          TEXT    NOT NULL,              -- YYYY-MM-DD
    due              TEXT    NOT NULL,              -- YYYY-MM-DD, the last day to publish
    text             TEXT    NOT NULL,              -- casework.PublicText as JSON (masked)
    note             TEXT    NOT NULL DEFAULT '',
    published_by     TEXT    NOT NULL,
    published_at     TEXT    NOT NULL,
    publish_terminal TEXT    NOT NULL,
    publish_seq      INTEGER NOT NULL,
    withdrawn_code   TEXT    NOT NULL DEFAULT '',   -- '' in force; revoked, confirmed_unlawful, redo, other
    withdraw_reason  TEXT    NOT NULL DEFAULT '',
    withdrawn_by     TEXT    NOT NULL DEFAULT '',
    withdrawn_at     TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX publications_case ON publications (case_id);
