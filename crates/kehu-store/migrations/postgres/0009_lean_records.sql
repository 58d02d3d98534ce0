-- Version 9: a customer record's row changes only when its holder does. `last_seq` (the
-- record's last ledger entry) was rewritten by every entry that named the record, so a
-- registration colliding with an old record updated that record's row: a random heap page and a
-- dead tuple for vacuum. The last entry is the largest seq of the record's links in
-- event_customers, whose primary key (customer, seq) finds it in one probe; the export reads it
-- there.
ALTER TABLE customers DROP COLUMN last_seq;
