-- The read model's legal holds and deletions (readmodel.go, retention.go;
-- docs/EVENTS.md "footage.deleted"). rm_holds: every footage.held of a
-- terminal of the hub agency, released when a footage.released names it.
-- rm_deletions: every footage.deleted, with what the hub's own re-check at
-- accepting it found: refused '' when the hub removed (or will remove) the
-- bytes, else why it kept them ("held: h-…", "linked: step …"). Applied in
-- the transaction that accepts each event, rebuilt by `lawtrail-hub
-- rebuild`, compared by `check`.
CREATE TABLE rm_holds (
    hub_agency TEXT NOT NULL,
    hold       TEXT NOT NULL,
    digest     TEXT NOT NULL,
    released   BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (hub_agency, hold)
);
CREATE INDEX rm_holds_digest ON rm_holds (hub_agency, digest);
CREATE TABLE rm_deletions (
    hub_agency     TEXT    NOT NULL,
    log_index      BIGINT NOT NULL,
    digest         TEXT    NOT NULL,
    terminal       TEXT    NOT NULL,
    officer        TEXT    NOT NULL,
    reason         TEXT    NOT NULL,
    policy_version BIGINT NOT NULL DEFAULT 0,
    order_no       TEXT    NOT NULL DEFAULT '',
    authority      TEXT    NOT NULL,
    at             TEXT    NOT NULL,
    refused        TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (hub_agency, log_index)
);
CREATE INDEX rm_deletions_digest ON rm_deletions (digest);

-- A hub that built its read model before these tables builds it again at
-- its next open.
DELETE FROM rm_state;
