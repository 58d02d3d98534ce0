-- Version 7: event_customers loses its foreign key to events on PostgreSQL. The links are a
-- projection of the ledger (each event names its records), written only by the writer in the same
-- statement as the events they point to, and `kehu ledger check` compares them row for row with
-- the links the ledger gives. The constraint made PostgreSQL run a referential-integrity query,
-- and lock an events row, for every link of every batch: about 50 µs a registration, on the
-- writers' critical path.
ALTER TABLE event_customers DROP CONSTRAINT IF EXISTS event_customers_seq_fkey;
