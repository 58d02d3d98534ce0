-- Version 5 turns SQLite's customer_keys into an append log with the lookups held in memory.
-- PostgreSQL keeps its B-tree index on (project, key, customer): several kehu servers may share
-- one database there, and its lookups run on the server. Nothing changes in this dialect.
SELECT 1;
