-- Agency configuration (docs/EVENTS.md, config.published): the latest
-- published version of each kind, from this terminal's events and the agency
-- feed's alike. A projection: rebuilt from events.
CREATE TABLE agency_config (
    kind     TEXT    PRIMARY KEY,   -- templates, av_matters, holidays, recorder_profiles
    version  INTEGER NOT NULL,
    content  BLOB    NOT NULL,      -- the published file, byte for byte
    note     TEXT    NOT NULL,
    actor    TEXT    NOT NULL,      -- the admin who published it
    terminal TEXT    NOT NULL,      -- the terminal that recorded it
    seq      INTEGER NOT NULL,
    at       TEXT    NOT NULL
);
