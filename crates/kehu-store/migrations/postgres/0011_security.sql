-- Failed sign-ins per login, shared by every server on the database: an attempt is counted before
-- its password is checked, so concurrent guesses cannot pass the limit (see kehu-server auth.rs).
CREATE TABLE login_attempts (
    login    TEXT    PRIMARY KEY,
    failures BIGINT  NOT NULL,
    until_ms BIGINT  NOT NULL  -- the counter (and a lock, at the limit) lasts until then
);

-- A token may be narrowed to reading (GET) only.
ALTER TABLE api_tokens ADD COLUMN read_only BIGINT NOT NULL DEFAULT 0;
