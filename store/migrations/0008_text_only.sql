-- R3c: a step recorded in text only, with the reason.
ALTER TABLE steps ADD COLUMN text_only_reason TEXT NOT NULL DEFAULT '';
