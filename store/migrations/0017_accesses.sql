-- Accesses (R6, 调阅监督; docs/EVENTS.md "Access"): every access to the
-- record — a clip played, footage exported or fetched, a document shown or
-- made a PDF, a case file exported — one row per event. A projection:
-- rebuilt from events.
CREATE TABLE accesses (
    terminal    TEXT    NOT NULL,
    seq         INTEGER NOT NULL,
    type        TEXT    NOT NULL,              -- the act's event type (access.*, case.exported, footage.fetched)
    actor       TEXT    NOT NULL,              -- the officer who accessed
    time        TEXT    NOT NULL,              -- the event's time as signed
    time_ns     INTEGER NOT NULL,              -- the same instant in Unix nanoseconds, for ranges
    digest      TEXT    NOT NULL DEFAULT '',   -- footage
    doc         TEXT    NOT NULL DEFAULT '',   -- document
    doc_version INTEGER NOT NULL DEFAULT 0,
    how         TEXT    NOT NULL DEFAULT '',   -- a document: shown or pdf
    case_id     TEXT    NOT NULL DEFAULT '',
    reason      TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (terminal, seq)
);
CREATE INDEX accesses_actor ON accesses (actor, time_ns);
CREATE INDEX accesses_time ON accesses (time_ns);
CREATE INDEX accesses_digest ON accesses (digest) WHERE digest != '';
