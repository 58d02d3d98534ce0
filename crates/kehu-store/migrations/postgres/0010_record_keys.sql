-- Version 10 moves a new SQLite record's index keys into its row (see that dialect's file).
-- PostgreSQL writes a batch's keys in the batch's one statement, where they cost no round trip:
-- nothing changes in this dialect.
SELECT 1;
