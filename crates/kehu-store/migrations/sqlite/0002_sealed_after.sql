ALTER TABLE events DROP COLUMN body;
ALTER TABLE events RENAME COLUMN sealed TO body;
CREATE TRIGGER events_sealed BEFORE INSERT ON events
WHEN NEW.key_id IS NULL OR typeof(NEW.body) <> 'blob'
BEGIN SELECT RAISE(ABORT, 'ledger entries are stored sealed'); END;
-- Append-only, with one exception: `kehu key rotate` re-seals an entry under a new key id.
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
WHEN NEW.seq IS NOT OLD.seq OR NEW.project IS NOT OLD.project OR NEW.at_ms IS NOT OLD.at_ms
  OR NEW.act IS NOT OLD.act OR NEW.key_id IS OLD.key_id OR typeof(NEW.body) <> 'blob'
BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: corrections are new events'); END;
