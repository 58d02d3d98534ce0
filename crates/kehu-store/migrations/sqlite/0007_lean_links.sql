-- Version 7 drops a foreign key of PostgreSQL's event_customers (see its file). SQLite checks its
-- foreign keys in the writer's process, without a query per row or a row lock: it keeps them, and
-- nothing changes in this dialect.
SELECT 1;
