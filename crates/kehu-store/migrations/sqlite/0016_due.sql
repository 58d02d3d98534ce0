-- Version 16: the index of due instants (G-CLOCK, POOL-RETURN): each record's next effect that
-- falls due without an act (a warning, a return to the pool), found by its instant.
CREATE TABLE due (
    customer INTEGER PRIMARY KEY,
    project TEXT NOT NULL,
    kind TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    until_ms INTEGER NOT NULL
);
CREATE INDEX due_at ON due (at_ms, customer);
CREATE INDEX due_project_until ON due (project, until_ms);
