-- customer_keys becomes an append log. Its rows are kept in the order they were written; the
-- lookups go to an index kehu holds in memory, filled from this table (see src/keyindex.rs).
-- Kept as a B-tree on (project, key, customer), every new key dirtied a random page: about four a
-- customer written to the WAL at every commit.
CREATE TABLE customer_keys_log (
    id       INTEGER PRIMARY KEY,
    project  TEXT    NOT NULL,
    key      INTEGER NOT NULL,   -- first 64 bits of the HMAC
    customer INTEGER NOT NULL REFERENCES customers(id)
);
INSERT INTO customer_keys_log (project, key, customer)
    SELECT project, key, customer FROM customer_keys ORDER BY customer, project, key;
DROP TABLE customer_keys;
ALTER TABLE customer_keys_log RENAME TO customer_keys;
CREATE TRIGGER customer_keys_no_update BEFORE UPDATE ON customer_keys
BEGIN SELECT RAISE(ABORT, 'customer_keys is an append log'); END;
CREATE TRIGGER customer_keys_no_delete BEFORE DELETE ON customer_keys
BEGIN SELECT RAISE(ABORT, 'customer_keys is an append log'); END;
