-- The supervision console's accounts (webusers.go): people of the
-- district's 司法局 (supervisor) and agency heads (head) who sign in on the
-- hub's web. Not part of the record: no event makes them, `lawtrail-hub
-- user` does. A head always has one agency; agency '' is the district.
CREATE TABLE web_users (
    name     TEXT    PRIMARY KEY,
    role     TEXT    NOT NULL CHECK (role IN ('supervisor', 'head')),
    agency   TEXT    NOT NULL,            -- the hub agency (terminals.agency); '' = every agency
    password TEXT    NOT NULL,            -- argon2id, PHC string: $argon2id$v=19$m=…,t=…,p=…$salt$hash
    disabled INTEGER NOT NULL DEFAULT 0,
    created  TEXT    NOT NULL,            -- UTC, fixed width (sorts as text)
    CHECK (role = 'supervisor' OR agency <> '')
);
-- Signed-in sessions: the SHA-256 of the random id the cookie carries,
-- never the id itself. Idle and absolute expiry are checked against
-- last_seen and created.
CREATE TABLE web_sessions (
    id_hash   BLOB PRIMARY KEY,
    name      TEXT NOT NULL REFERENCES web_users (name),
    created   TEXT NOT NULL,
    last_seen TEXT NOT NULL
);
CREATE INDEX web_sessions_by_user ON web_sessions (name);
-- Every console page a person viewed or exported: who, when, what, in
-- which scope. Append-only, as the record is.
CREATE TABLE web_views (
    id    INTEGER PRIMARY KEY,
    at    TEXT NOT NULL,
    name  TEXT NOT NULL,
    role  TEXT NOT NULL,
    scope TEXT NOT NULL,               -- the agency viewed; '' = the district
    path  TEXT NOT NULL                -- the request's path and query, at most 1024 bytes
);
CREATE INDEX web_views_by_scope ON web_views (scope, id);
CREATE TRIGGER web_views_no_update BEFORE UPDATE ON web_views BEGIN SELECT RAISE(ABORT, 'web views are append-only'); END;
CREATE TRIGGER web_views_no_delete BEFORE DELETE ON web_views BEGIN SELECT RAISE(ABORT, 'web views are append-only'); END;
