-- v2: personal data encrypted at rest (AEAD, key id beside the ciphertext) and a blind index.
-- Part one; then kehu seals every existing entry and rebuilds customer_keys (Rust, schema.rs),
-- then 0002_sealed_after.sql. All three run in one transaction.
CREATE TABLE keyring (
    kind        TEXT    NOT NULL,   -- 'index' or 'data'
    id          INTEGER NOT NULL,
    fingerprint BLOB    NOT NULL,   -- identifies the key without revealing it
    PRIMARY KEY (kind, id)
);
DROP TRIGGER events_no_update;
ALTER TABLE events ADD COLUMN key_id INTEGER;
ALTER TABLE events ADD COLUMN sealed BLOB;
-- The index keys become blind (HMAC of the normalised number and of each mask form).
DROP TABLE customer_keys;
CREATE TABLE customer_keys (
    project  TEXT    NOT NULL,
    key      INTEGER NOT NULL,   -- first 64 bits of the HMAC
    customer INTEGER NOT NULL REFERENCES customers(id),
    PRIMARY KEY (project, key, customer)
) WITHOUT ROWID;
