-- Footage linked to case steps (step.footage_linked events).
CREATE TABLE step_footage (
    step      TEXT NOT NULL REFERENCES steps (id),
    digest    TEXT NOT NULL,
    linked_by TEXT NOT NULL,
    linked_at TEXT NOT NULL,
    PRIMARY KEY (step, digest)
);
