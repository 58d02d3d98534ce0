-- Version 13: idempotency keys of acts (a form's one-time key, an API's Idempotency-Key). A key
-- names the first act its caller sent with it; the same key again answers that act's verdict and
-- records nothing. Written in the act's own batch, so the act and its key commit together.
CREATE TABLE act_keys (
    account     TEXT    NOT NULL,
    key         TEXT    NOT NULL,
    fingerprint TEXT    NOT NULL,
    seq         INTEGER NOT NULL,
    at_ms       INTEGER NOT NULL,
    PRIMARY KEY (account, key)
) WITHOUT ROWID;
