ALTER TABLE events DROP COLUMN body;
ALTER TABLE events RENAME COLUMN sealed TO body;
ALTER TABLE events ALTER COLUMN body SET NOT NULL;
ALTER TABLE events ALTER COLUMN key_id SET NOT NULL;
-- Append-only, with one exception: `kehu key rotate` re-seals an entry under a new key id.
CREATE FUNCTION kehu_reseal_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE'
       OR NEW.seq IS DISTINCT FROM OLD.seq OR NEW.project IS DISTINCT FROM OLD.project
       OR NEW.at_ms IS DISTINCT FROM OLD.at_ms OR NEW.act IS DISTINCT FROM OLD.act
       OR NEW.key_id IS NOT DISTINCT FROM OLD.key_id THEN
        RAISE EXCEPTION 'the ledger is append-only: corrections are new events';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER events_no_update BEFORE UPDATE OR DELETE ON events
FOR EACH ROW EXECUTE FUNCTION kehu_reseal_only();
