-- The read model's accesses (调阅监督, readmodel.go applyAccess): one row
-- per access.footage_played, access.footage_exported,
-- access.document_viewed, case.exported and footage.fetched a terminal of
-- the hub agency signed — who (the officer id; their name is read from
-- rm_officers when shown), what (the footage digest, or the document and
-- version and how it was viewed), the case it names, the reason typed
-- (given only off the case), the event's time (RFC 3339 in UTC, fixed
-- width) and where it is in the log. Applied in the transaction that
-- accepts each event, rebuilt by `lawtrail-hub rebuild`, compared by
-- `check`.
CREATE TABLE rm_accesses (
    hub_agency  TEXT NOT NULL,
    log_index   BIGINT NOT NULL,
    officer     TEXT NOT NULL,
    type        TEXT NOT NULL,             -- the event's type
    digest      TEXT NOT NULL DEFAULT '',  -- footage: its digest; case.exported: its SHA256SUMS digest
    doc         TEXT NOT NULL DEFAULT '',
    doc_version BIGINT NOT NULL DEFAULT 0,
    how         TEXT NOT NULL DEFAULT '',  -- document: shown or pdf; case.exported: with_footage or ''
    case_id     TEXT NOT NULL DEFAULT '',
    reason      TEXT NOT NULL DEFAULT '',
    at          TEXT NOT NULL,
    terminal    TEXT NOT NULL,
    PRIMARY KEY (hub_agency, log_index)
);
CREATE INDEX rm_accesses_officer ON rm_accesses (hub_agency, officer, at);
CREATE INDEX rm_accesses_at ON rm_accesses (hub_agency, at);

-- A hub that built its read model before this table builds it again at
-- its next open.
DELETE FROM rm_state;
