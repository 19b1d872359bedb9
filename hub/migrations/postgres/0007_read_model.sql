-- The hub's read model: what accepted events say about agencies, officers
-- and terminals, applied in the transaction that accepts them (readmodel.go)
-- and rebuilt from the events by `lawtrail-hub rebuild`. Keyed by the hub's
-- agency (terminals.agency): officer ids are unique within an agency.
CREATE TABLE rm_agencies (
    hub_agency TEXT NOT NULL,
    agency     TEXT NOT NULL,   -- agency.registered's id
    name       TEXT NOT NULL,
    PRIMARY KEY (hub_agency, agency)
);
CREATE TABLE rm_officers (
    hub_agency    TEXT NOT NULL,
    officer       TEXT NOT NULL,
    agency        TEXT NOT NULL,
    name          TEXT NOT NULL,
    credential_no TEXT NOT NULL,   -- 执法证号; '' for staff who hold none
    valid_until   TEXT NOT NULL,   -- YYYY-MM-DD; '' for no end
    roles         TEXT NOT NULL,   -- JSON array
    revoked       BIGINT NOT NULL DEFAULT 0,
    revoke_reason TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (hub_agency, officer)
);
CREATE TABLE rm_terminals (
    terminal TEXT PRIMARY KEY,
    name     TEXT NOT NULL,
    agency   TEXT NOT NULL         -- terminal.initialized's agency id
);
-- One row once the read model has been built from the events; a hub
-- upgraded from before it builds it at its first open.
CREATE TABLE rm_state (
    id    BIGINT PRIMARY KEY CHECK (id = 1),
    built TEXT NOT NULL
);
