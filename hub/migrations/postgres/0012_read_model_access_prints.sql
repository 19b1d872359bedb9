-- The read model's accesses gain the papers of legal review printed
-- (access.review_printed: the review, its round, the paper — opinion or
-- discussion) and the ledger exported (access.ledger_exported: the format,
-- xlsx or csv, and how many cases' rows it held; -1 for other accesses).
ALTER TABLE rm_accesses ADD COLUMN review       TEXT    NOT NULL DEFAULT '';
ALTER TABLE rm_accesses ADD COLUMN review_round BIGINT NOT NULL DEFAULT 0;
ALTER TABLE rm_accesses ADD COLUMN kind         TEXT    NOT NULL DEFAULT '';
ALTER TABLE rm_accesses ADD COLUMN format       TEXT    NOT NULL DEFAULT '';
ALTER TABLE rm_accesses ADD COLUMN ledger_rows  BIGINT NOT NULL DEFAULT -1;

-- A hub may hold such events already (stored, not applied, by a program
-- that knew no rule for them): it builds its read model again at its next
-- open.
DELETE FROM rm_state;
