-- Version 10: a new record's index keys go in its own row. `customer_keys` took a row for each
-- key of each new record, four to five a registration: statements, foreign-key checks and a
-- page of the log at every commit. A record's keys when it is created are now the `keys` column
-- of its row in customers (the 64-bit blind values, eight bytes each, little-endian), written
-- with the row; customer_keys takes only the keys an existing record gains later (a household
-- member's phone, a second form of a number). The in-memory key index reads the records above
-- the last one it holds, then the log rows above the last one it holds (see src/keyindex.rs);
-- the keys older versions logged stay in the log.
ALTER TABLE customers ADD COLUMN keys BLOB;
