-- Version 14: the inbox (G-NOTIFY): a party's notifications are found by party, newest first.
CREATE INDEX notifications_party ON notifications (party, seq);
