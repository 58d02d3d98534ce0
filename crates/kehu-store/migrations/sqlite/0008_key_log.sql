-- Version 8 makes PostgreSQL's customer_keys an append log (see its file). SQLite's has been one
-- since version 5: nothing changes in this dialect.
SELECT 1;
