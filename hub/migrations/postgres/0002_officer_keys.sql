-- Officer keys from accepted officer.enrolled events, so verifying a batch
-- does not scan the terminal's whole history.
CREATE TABLE officer_keys (
    terminal   TEXT NOT NULL,
    officer    TEXT NOT NULL,
    public_key BYTEA NOT NULL,
    PRIMARY KEY (terminal, officer)
);
