-- Live view (hub/live, liverecord.go): the sessions terminals streamed
-- through this hub and who watched or talked back when. Not part of the
-- signed record (the terminal records the footage and its custody); the
-- hub's own account of who saw what, as web_views is.
-- One row per session id a terminal chose; ended is set when the session
-- ends and cleared if the same terminal publishes it again later.
CREATE TABLE live_sessions (
    id           TEXT PRIMARY KEY,     -- the terminal's session id
    terminal     TEXT NOT NULL,
    agency       TEXT NOT NULL,
    officer      TEXT NOT NULL,
    officer_name TEXT NOT NULL,
    case_id      TEXT NOT NULL,        -- '' when not linked to a case
    step_id      TEXT NOT NULL,
    source       TEXT NOT NULL,        -- camera, rtsp, file, pattern
    started      TEXT NOT NULL,        -- UTC, fixed width (sorts as text), the hub's clock
    ended        TEXT                  -- NULL while live
);
CREATE INDEX live_sessions_by_agency ON live_sessions (agency, started);
-- Who watched (kind 'watch': from the viewer's connection to its end) and
-- who talked back (kind 'talk': push-to-talk held) in a session. Rows are
-- added when a view starts and get their end once; nothing else changes.
CREATE TABLE live_views (
    id       INTEGER PRIMARY KEY,
    session  TEXT NOT NULL REFERENCES live_sessions (id),
    viewer   TEXT NOT NULL,            -- the hub's id of one viewer connection
    kind     TEXT NOT NULL CHECK (kind IN ('watch', 'talk')),
    account  TEXT NOT NULL,            -- the console account
    role     TEXT NOT NULL,
    started  TEXT NOT NULL,
    ended    TEXT
);
CREATE INDEX live_views_by_session ON live_views (session, id);
CREATE TRIGGER live_views_no_delete BEFORE DELETE ON live_views BEGIN SELECT RAISE(ABORT, 'live views are append-only'); END;
