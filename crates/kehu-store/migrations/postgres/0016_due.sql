-- Version 16: the index of due instants (G-CLOCK, POOL-RETURN): each record's next effect that
-- falls due without an act (a warning, a return to the pool), found by its instant.
CREATE TABLE due (
    customer BIGINT PRIMARY KEY,
    project TEXT NOT NULL,
    kind TEXT NOT NULL,
    at_ms BIGINT NOT NULL,
    until_ms BIGINT NOT NULL
);
CREATE INDEX due_at ON due (at_ms, customer);
CREATE INDEX due_project_until ON due (project, until_ms);
