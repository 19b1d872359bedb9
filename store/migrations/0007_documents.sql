-- Documents (文书): the latest draft and every finalized version.
CREATE TABLE documents (
    id               TEXT PRIMARY KEY,
    case_id          TEXT NOT NULL REFERENCES cases (id),
    template         TEXT NOT NULL,
    template_version INTEGER NOT NULL,
    draft            TEXT,             -- fields of the latest draft (JSON), NULL once finalized after it
    finalized        INTEGER NOT NULL DEFAULT 0,
    last_hash        TEXT NOT NULL DEFAULT '',
    updated_at       TEXT NOT NULL
);
CREATE TABLE document_versions (
    doc          TEXT    NOT NULL REFERENCES documents (id),
    version      INTEGER NOT NULL,
    content      TEXT    NOT NULL,      -- casework.DocumentContent as JSON
    content_hash TEXT    NOT NULL,
    corrects     TEXT    NOT NULL DEFAULT '',
    seq          INTEGER NOT NULL,
    signed_by    TEXT    NOT NULL,
    at           TEXT    NOT NULL,
    PRIMARY KEY (doc, version)
);
