-- The read model's cases and what happens in them (readmodel.go): cases
-- and phases, steps and the footage linked to them, the footage the
-- agency's recorders made, decision documents, reviews, publications, and
-- the agency configuration each agency published. Applied
-- in the transaction that accepts each event, rebuilt by `lawtrail-hub
-- rebuild`, compared by `check`. Keyed by the hub's agency
-- (terminals.agency). Times are the events' own (the terminal's clock),
-- RFC 3339 in UTC; days are YYYY-MM-DD in Asia/Shanghai.
CREATE TABLE rm_cases (
    hub_agency TEXT NOT NULL,
    case_id    TEXT NOT NULL,
    agency     TEXT NOT NULL,              -- case.opened's agency id
    number     TEXT NOT NULL,
    title      TEXT NOT NULL,
    act_type   TEXT NOT NULL,
    phase      TEXT NOT NULL,
    opened_at  TEXT NOT NULL,
    closed_at  TEXT NOT NULL DEFAULT '',   -- when it reached 送达执行 (execution)
    decision   TEXT NOT NULL DEFAULT '',   -- the latest proposed decision (casework.Decision JSON)
    terminal   TEXT NOT NULL,
    log_index  BIGINT NOT NULL,           -- case.opened's leaf
    PRIMARY KEY (hub_agency, case_id)
);
CREATE INDEX rm_cases_id ON rm_cases (case_id);

-- Every event of a case, for its timeline: the case's own, its steps',
-- documents', reviews' and publications'.
CREATE TABLE rm_case_events (
    hub_agency TEXT NOT NULL,
    case_id    TEXT NOT NULL,
    log_index  BIGINT NOT NULL,
    PRIMARY KEY (hub_agency, case_id, log_index)
);

CREATE TABLE rm_steps (
    hub_agency TEXT NOT NULL,
    step       TEXT NOT NULL,
    case_id    TEXT NOT NULL,
    kind       TEXT NOT NULL,
    start_at   TEXT NOT NULL,
    end_at     TEXT NOT NULL,
    officers   TEXT NOT NULL,              -- JSON array of officer ids
    text_only  TEXT NOT NULL DEFAULT '',   -- step.text_only's reason
    PRIMARY KEY (hub_agency, step)
);
CREATE INDEX rm_steps_case ON rm_steps (hub_agency, case_id);

CREATE TABLE rm_step_footage (
    hub_agency TEXT NOT NULL,
    step       TEXT NOT NULL,
    digest     TEXT NOT NULL,
    PRIMARY KEY (hub_agency, step, digest)
);

-- footage.ingested: the recorder (device serial) and the span on the
-- terminal's clock (recorder times less the clock offset taken at docking;
-- '' when the file's times are unknown).
CREATE TABLE rm_footage (
    hub_agency  TEXT NOT NULL,
    digest      TEXT NOT NULL,
    recorder    TEXT NOT NULL,
    officer     TEXT NOT NULL,
    start_at    TEXT NOT NULL,
    end_at      TEXT NOT NULL,
    ingested_at TEXT NOT NULL,
    PRIMARY KEY (hub_agency, digest)
);

-- Decision documents (a template with a field of type decision): the latest
-- finalized version, and when the first one was.
CREATE TABLE rm_documents (
    hub_agency         TEXT NOT NULL,
    doc                TEXT NOT NULL,
    case_id            TEXT NOT NULL,
    template           TEXT NOT NULL,
    version            BIGINT NOT NULL,
    act                TEXT NOT NULL,
    party_kind         TEXT NOT NULL,
    decision           TEXT NOT NULL,      -- casework.Decision JSON
    decided            TEXT NOT NULL,      -- YYYY-MM-DD
    due                TEXT NOT NULL,      -- YYYY-MM-DD: the last day to publish it
    first_finalized_at TEXT NOT NULL,
    finalized_at       TEXT NOT NULL,
    log_index          BIGINT NOT NULL,   -- the latest finalized version's doc.finalized leaf
    PRIMARY KEY (hub_agency, doc)
);
CREATE INDEX rm_documents_case ON rm_documents (hub_agency, case_id);

-- Legal review rounds.
CREATE TABLE rm_reviews (
    hub_agency   TEXT NOT NULL,
    review       TEXT NOT NULL,
    round        BIGINT NOT NULL,
    case_id      TEXT NOT NULL,
    major        BIGINT NOT NULL,         -- the decision matched the list of major decisions
    submitted_at TEXT NOT NULL,
    due          TEXT NOT NULL,
    reviewer     TEXT NOT NULL DEFAULT '',
    opinion_at   TEXT NOT NULL DEFAULT '',
    outcome      TEXT NOT NULL DEFAULT '',
    disputed     BIGINT NOT NULL DEFAULT 0,
    resolution   TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (hub_agency, review, round)
);
CREATE INDEX rm_reviews_case ON rm_reviews (hub_agency, case_id);

-- Publications (事后公开) as the signed publicity.published event says
-- them (already masked), with the events' digests and log leaves for the
-- proof, and the withdrawal.
CREATE TABLE rm_publications (
    hub_agency         TEXT NOT NULL,
    publication        TEXT NOT NULL,
    case_id            TEXT NOT NULL,
    doc                TEXT NOT NULL,
    doc_version        BIGINT NOT NULL,
    act                TEXT NOT NULL,
    party_kind         TEXT NOT NULL,
    decided            TEXT NOT NULL,
    due                TEXT NOT NULL,
    published_at       TEXT NOT NULL,
    published_day      TEXT NOT NULL,
    title              TEXT NOT NULL,      -- casework.PublicText, field by field
    party              TEXT NOT NULL,
    address            TEXT NOT NULL,
    facts              TEXT NOT NULL,
    basis              TEXT NOT NULL,
    outcome            TEXT NOT NULL,
    terminal           TEXT NOT NULL,
    event_digest       TEXT NOT NULL,
    log_index          BIGINT NOT NULL,
    withdrawn_code     TEXT NOT NULL DEFAULT '',
    withdraw_reason    TEXT NOT NULL DEFAULT '',
    withdrawn_at       TEXT NOT NULL DEFAULT '',
    withdraw_digest    TEXT NOT NULL DEFAULT '',
    withdraw_log_index BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (hub_agency, publication)
);
CREATE INDEX rm_publications_id ON rm_publications (publication);
CREATE INDEX rm_publications_case ON rm_publications (hub_agency, case_id);
-- The public list: newest decision first, every agency or one, every act
-- or one; the terminal is in each index so that skipping the publications
-- of revoked terminals needs no row.
CREATE INDEX rm_publications_list ON rm_publications (decided DESC, log_index DESC, terminal);
CREATE INDEX rm_publications_agency ON rm_publications (hub_agency, decided DESC, log_index DESC, terminal);
CREATE INDEX rm_publications_act ON rm_publications (act, decided DESC, log_index DESC, terminal);
-- How many publications each terminal made per agency, act and year of
-- decision: the list's total without counting rows.
CREATE TABLE rm_publication_counts (
    terminal   TEXT NOT NULL,
    hub_agency TEXT NOT NULL,
    act        TEXT NOT NULL,
    year       BIGINT NOT NULL,
    n          BIGINT NOT NULL,
    PRIMARY KEY (terminal, hub_agency, act, year)
);

-- Publications the hub does not show (readmodel.go withheldReason): their
-- text carries personal information the rules mask, or they name content
-- of the decision document other than the finalized version the hub holds.
-- Never on the public pages, not counted; the console lists them with why.
CREATE TABLE rm_withheld_publications (
    hub_agency     TEXT NOT NULL,
    publication    TEXT NOT NULL,
    case_id        TEXT NOT NULL,
    doc            TEXT NOT NULL,
    terminal       TEXT NOT NULL,
    published_at   TEXT NOT NULL,
    reason         TEXT NOT NULL,      -- zh-CN, for the console
    event_digest   TEXT NOT NULL,
    log_index      BIGINT NOT NULL,
    withdrawn_code TEXT NOT NULL DEFAULT '',
    withdrawn_at   TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (hub_agency, publication)
);

-- Every published version of the agency's configuration (config.published).
CREATE TABLE rm_config (
    hub_agency   TEXT NOT NULL,
    kind         TEXT NOT NULL,
    version      BIGINT NOT NULL,
    content      BYTEA NOT NULL,
    note         TEXT NOT NULL,
    published_at TEXT NOT NULL,
    PRIMARY KEY (hub_agency, kind, version)
);

-- The publication generation: one number that grows in the transaction of
-- every change to what the public decision pages show — a publication
-- added, withdrawn or removed (rm_publications, rm_publication_counts), an
-- agency's name (rm_agencies), a terminal enrolled, moved or revoked (a
-- revoked terminal's publications are hidden; the list's filter names the
-- agencies terminals were enrolled under) — and at every rebuild
-- (readmodel.go). The web caches rendered pages and tags them for browsers
-- by it (publicread.go PublicationGeneration). It counts writes, not
-- events: no rebuild empties it and check does not compare it.
CREATE TABLE rm_publication_generation (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    n  BIGINT NOT NULL
);
INSERT INTO rm_publication_generation (id, n) VALUES (1, 1);
CREATE FUNCTION lawtrail_bump_publication_generation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE rm_publication_generation SET n = n + 1;
    RETURN NULL;
END $$;
CREATE TRIGGER rm_publications_added AFTER INSERT ON rm_publications FOR EACH ROW
    EXECUTE FUNCTION lawtrail_bump_publication_generation();
CREATE TRIGGER rm_publications_changed AFTER UPDATE ON rm_publications FOR EACH ROW
    EXECUTE FUNCTION lawtrail_bump_publication_generation();
CREATE TRIGGER rm_publications_removed AFTER DELETE ON rm_publications FOR EACH ROW
    EXECUTE FUNCTION lawtrail_bump_publication_generation();
CREATE TRIGGER rm_publication_counts_added AFTER INSERT ON rm_publication_counts FOR EACH ROW
    EXECUTE FUNCTION lawtrail_bump_publication_generation();
CREATE TRIGGER rm_publication_counts_changed AFTER UPDATE ON rm_publication_counts FOR EACH ROW
    EXECUTE FUNCTION lawtrail_bump_publication_generation();
CREATE TRIGGER rm_publication_counts_removed AFTER DELETE ON rm_publication_counts FOR EACH ROW
    EXECUTE FUNCTION lawtrail_bump_publication_generation();
CREATE TRIGGER rm_agencies_added AFTER INSERT ON rm_agencies FOR EACH ROW
    EXECUTE FUNCTION lawtrail_bump_publication_generation();
CREATE TRIGGER rm_agencies_changed AFTER UPDATE ON rm_agencies FOR EACH ROW WHEN (old.name IS DISTINCT FROM new.name OR old.hub_agency IS DISTINCT FROM new.hub_agency OR old.agency IS DISTINCT FROM new.agency)
    EXECUTE FUNCTION lawtrail_bump_publication_generation();
CREATE TRIGGER rm_agencies_removed AFTER DELETE ON rm_agencies FOR EACH ROW
    EXECUTE FUNCTION lawtrail_bump_publication_generation();
CREATE TRIGGER terminals_added AFTER INSERT ON terminals FOR EACH ROW
    EXECUTE FUNCTION lawtrail_bump_publication_generation();
CREATE TRIGGER terminals_changed AFTER UPDATE ON terminals FOR EACH ROW WHEN (old.id IS DISTINCT FROM new.id OR old.agency IS DISTINCT FROM new.agency OR old.revoked_at IS DISTINCT FROM new.revoked_at)
    EXECUTE FUNCTION lawtrail_bump_publication_generation();
CREATE TRIGGER terminals_removed AFTER DELETE ON terminals FOR EACH ROW
    EXECUTE FUNCTION lawtrail_bump_publication_generation();

-- A hub that built its read model before these tables builds it again at
-- its next open.
DELETE FROM rm_state;
