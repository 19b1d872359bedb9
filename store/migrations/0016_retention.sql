-- Retention and legal hold (docs/EVENTS.md "Retention and legal hold"):
-- every hold, released or not, and the footage each terminal freed its copy
-- of. Projections: rebuilt from events.
CREATE TABLE footage_holds (
    id              TEXT    PRIMARY KEY,
    digest          TEXT    NOT NULL,
    reason          TEXT    NOT NULL,
    held_by         TEXT    NOT NULL,
    held_at         TEXT    NOT NULL,
    hold_terminal   TEXT    NOT NULL,
    hold_seq        INTEGER NOT NULL,
    released_reason TEXT    NOT NULL DEFAULT '',
    released_by     TEXT    NOT NULL DEFAULT '',
    released_at     TEXT    NOT NULL DEFAULT ''  -- '' while in force
);
CREATE INDEX footage_holds_digest ON footage_holds (digest);
-- A terminal's freed copies: the custody record and the hub's receipt stay.
CREATE TABLE footage_freed (
    digest    TEXT    NOT NULL,
    terminal  TEXT    NOT NULL,
    seq       INTEGER NOT NULL,
    cause     TEXT    NOT NULL,
    freed_by  TEXT    NOT NULL,
    freed_at  TEXT    NOT NULL,
    PRIMARY KEY (digest, terminal)
);
