-- The agency feed (GET /v1/agency/events) reads events in log order, by
-- agency, and one writer's events from a log index on: both by index.
CREATE INDEX events_log_index ON events (log_index);
CREATE INDEX events_terminal_log_index ON events (terminal, log_index);
CREATE INDEX terminals_agency ON terminals (agency);
