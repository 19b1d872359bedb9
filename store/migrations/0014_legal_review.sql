-- Legal review (法制审核, docs/EVENTS.md "Legal review"): the proposed
-- decision of each case, each review and every round of it. Projections:
-- rebuilt from events.
ALTER TABLE documents ADD COLUMN draft_content TEXT; -- the latest draft as casework.DocumentContent JSON, NULL once finalized
CREATE TABLE case_decisions (
    case_id  TEXT PRIMARY KEY,
    decision TEXT NOT NULL,   -- casework.Decision, canonical JSON
    source   TEXT NOT NULL,   -- 'case' (case.decision_proposed) or the id of the decision document
    actor    TEXT NOT NULL,
    at       TEXT NOT NULL
);
CREATE TABLE reviews (
    id      TEXT    PRIMARY KEY,
    case_id TEXT    NOT NULL UNIQUE,
    round   INTEGER NOT NULL     -- the latest round
);
CREATE TABLE review_rounds (
    review          TEXT    NOT NULL,
    round           INTEGER NOT NULL,
    case_id         TEXT    NOT NULL,
    decision        TEXT    NOT NULL,              -- casework.Decision as submitted
    major           TEXT    NOT NULL,              -- matched criteria ids, comma-separated
    doc             TEXT    NOT NULL DEFAULT '',
    doc_hash        TEXT    NOT NULL DEFAULT '',
    material        TEXT    NOT NULL DEFAULT '[]', -- []casework.Material as JSON
    due             TEXT    NOT NULL,              -- YYYY-MM-DD
    approved_by     TEXT    NOT NULL DEFAULT '',
    note            TEXT    NOT NULL DEFAULT '',
    submitted_by    TEXT    NOT NULL,
    submitted_at    TEXT    NOT NULL,
    submit_terminal TEXT    NOT NULL,
    submit_seq      INTEGER NOT NULL,
    reviewer        TEXT    NOT NULL DEFAULT '',
    assigned_by     TEXT    NOT NULL DEFAULT '',
    assigned_at     TEXT    NOT NULL DEFAULT '',
    extended_reason TEXT    NOT NULL DEFAULT '',
    outcome         TEXT    NOT NULL DEFAULT '',   -- '' pending, agree, problems
    checklist       TEXT    NOT NULL DEFAULT '[]', -- []casework.ChecklistEntry as JSON
    problems        TEXT    NOT NULL DEFAULT '',
    changes         TEXT    NOT NULL DEFAULT '',
    opinion_by      TEXT    NOT NULL DEFAULT '',
    opinion_at      TEXT    NOT NULL DEFAULT '',
    opinion_terminal TEXT   NOT NULL DEFAULT '',
    opinion_seq     INTEGER NOT NULL DEFAULT 0,
    dispute_reason  TEXT    NOT NULL DEFAULT '',
    disputed_by     TEXT    NOT NULL DEFAULT '',
    disputed_at     TEXT    NOT NULL DEFAULT '',
    resolution      TEXT    NOT NULL DEFAULT '',   -- '', proceed, uphold
    resolution_text TEXT    NOT NULL DEFAULT '',
    collective      TEXT    NOT NULL DEFAULT '',   -- casework.Collective as JSON, '' when none
    resolved_by     TEXT    NOT NULL DEFAULT '',
    resolved_at     TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (review, round)
);
CREATE INDEX review_rounds_case ON review_rounds (case_id);
