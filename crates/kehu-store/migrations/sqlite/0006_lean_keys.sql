-- Version 6, SQLite: the holder index moves into memory (see src/holders.rs). Every new customer
-- went into its holder's part of the B-tree on customers(project, holder), a random page per
-- registration; instead every change of holder is appended to holder_log, read in order into a
-- map in the process. The holder column of customers stays, and the ledger check compares the
-- two. (PostgreSQL's part of version 6 is in its own file.)
DROP INDEX customers_holder;
CREATE TABLE holder_log (
    id       INTEGER PRIMARY KEY,
    customer INTEGER NOT NULL REFERENCES customers(id),
    project  TEXT    NOT NULL,
    holder   TEXT
);
INSERT INTO holder_log (customer, project, holder)
    SELECT id, project, holder FROM customers WHERE holder IS NOT NULL ORDER BY id;
CREATE TRIGGER holder_log_no_update BEFORE UPDATE ON holder_log
BEGIN SELECT RAISE(ABORT, 'holder_log is an append log'); END;
CREATE TRIGGER holder_log_no_delete BEFORE DELETE ON holder_log
BEGIN SELECT RAISE(ABORT, 'holder_log is an append log'); END;
