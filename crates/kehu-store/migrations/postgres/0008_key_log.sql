-- Version 8: PostgreSQL's customer_keys becomes an append log, as SQLite's did in version 5. The
-- lookups go to an index each kehu process holds in memory, filled from this table in id order
-- and caught up under the writers' lock before every batch (see src/postgres.rs, `catch_up`).
-- As a B-tree on (project, key, customer), every new key went to a random leaf: past a few
-- hundred thousand customers the index outgrew the server's shared buffers, and the probes and
-- inserts of each batch read and dirtied pages all over it.
ALTER TABLE customer_keys DROP CONSTRAINT IF EXISTS customer_keys_pkey;
ALTER TABLE customer_keys ADD COLUMN id BIGSERIAL PRIMARY KEY;
CREATE FUNCTION kehu_key_log_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'customer_keys is an append log'; END $$;
CREATE TRIGGER customer_keys_no_update BEFORE UPDATE OR DELETE ON customer_keys
FOR EACH ROW EXECUTE FUNCTION kehu_key_log_only();
