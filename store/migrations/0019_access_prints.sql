-- Accesses of review papers and of the ledger (docs/EVENTS.md "Access"):
-- access.review_printed names a review, its round and the paper printed
-- (opinion or discussion); access.ledger_exported the file's format and how
-- many cases' rows it held. Older programs wrote neither, so no row needs
-- filling in.
ALTER TABLE accesses ADD COLUMN review       TEXT    NOT NULL DEFAULT '';
ALTER TABLE accesses ADD COLUMN review_round INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accesses ADD COLUMN kind         TEXT    NOT NULL DEFAULT ''; -- a review paper: opinion or discussion
ALTER TABLE accesses ADD COLUMN format       TEXT    NOT NULL DEFAULT ''; -- the ledger: xlsx or csv
ALTER TABLE accesses ADD COLUMN ledger_rows  INTEGER NOT NULL DEFAULT -1; -- the ledger: cases written; -1 for other accesses
