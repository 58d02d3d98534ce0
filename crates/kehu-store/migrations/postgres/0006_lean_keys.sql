-- Version 6: customer_keys loses its foreign key to customers on PostgreSQL. The table is a
-- projection of the ledger, written only by the writer in the same statement as the customers it
-- names, and `kehu ledger check` compares it row for row with the keys the ledger gives. The
-- constraint made PostgreSQL run a referential-integrity query and lock a customers row (a WAL
-- record and a dirty page) for each of the four or five keys of every registration: about a fifth
-- of the write path's time on the server.
ALTER TABLE customer_keys DROP CONSTRAINT IF EXISTS customer_keys_customer_fkey;
