-- Projections of the organisation and of cases. Rebuilt from events.
CREATE TABLE terminals (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    agency     TEXT NOT NULL,
    public_key BLOB NOT NULL,
    since_seq  INTEGER NOT NULL
);
CREATE TABLE agencies (
    id   TEXT PRIMARY KEY,
    name TEXT NOT NULL
);
CREATE TABLE officers (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    credential_no TEXT NOT NULL,
    agency        TEXT NOT NULL,
    roles         TEXT NOT NULL,      -- comma-separated
    public_key    BLOB NOT NULL,
    enrolled_by   TEXT NOT NULL,
    enrolled_at   TEXT NOT NULL
);
CREATE TABLE cases (
    id         TEXT PRIMARY KEY,
    number     TEXT NOT NULL,
    title      TEXT NOT NULL,
    act_type   TEXT NOT NULL,
    agency     TEXT NOT NULL,
    phase      TEXT NOT NULL,
    opened_by  TEXT NOT NULL,
    opened_at  TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE steps (
    id          TEXT PRIMARY KEY,
    case_id     TEXT NOT NULL REFERENCES cases (id),
    kind        TEXT NOT NULL,
    phase       TEXT NOT NULL,
    start_time  TEXT NOT NULL,
    end_time    TEXT NOT NULL,
    officers    TEXT NOT NULL,        -- comma-separated officer ids
    note        TEXT NOT NULL,
    recorded_by TEXT NOT NULL
);
CREATE INDEX steps_case ON steps (case_id);
