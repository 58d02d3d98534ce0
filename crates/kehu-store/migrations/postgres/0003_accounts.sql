-- Accounts (SEC-ROLES): the people who sign in. The login is the staff handle the engine uses.
CREATE TABLE users (
    id         BIGSERIAL PRIMARY KEY,
    login      TEXT   NOT NULL UNIQUE,
    name       TEXT   NOT NULL,
    role       TEXT   NOT NULL,
    team       TEXT,
    agency     TEXT,
    region     TEXT,
    password   TEXT   NOT NULL,  -- argon2id, PHC string
    active     BIGINT NOT NULL,  -- 0 once the person has left (SEC-LEAVE)
    created_ms BIGINT NOT NULL
);

-- Signed-in browsers: only a hash of the cookie's token is kept.
CREATE TABLE sessions (
    token_hash TEXT   PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users(id),
    created_ms BIGINT NOT NULL,
    expires_ms BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

-- API tokens for agencies and integrations: hashed at rest, revocable.
CREATE TABLE api_tokens (
    id         BIGSERIAL PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users(id),
    name       TEXT   NOT NULL,
    token_hash TEXT   NOT NULL UNIQUE,
    created_ms BIGINT NOT NULL,
    revoked_ms BIGINT NOT NULL  -- 0 while valid
);

-- Each project's rulebook: a preset of RULES.md §3 and its documented overrides (TOML).
CREATE TABLE project_rulebooks (
    name       TEXT   PRIMARY KEY,
    preset     TEXT   NOT NULL,
    overrides  TEXT   NOT NULL,
    created_ms BIGINT NOT NULL
);

-- Server settings, e.g. the hash of the one-time setup token.
CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- The audit log (SEC-AUDIT): every read of a customer, every change and every export. Each entry's
-- hash covers the previous entry's hash, so a changed, removed or reordered entry breaks the chain.
CREATE TABLE audit (
    seq     BIGINT PRIMARY KEY,
    at_ms   BIGINT NOT NULL,
    actor   TEXT   NOT NULL,
    action  TEXT   NOT NULL,
    subject TEXT   NOT NULL,
    detail  TEXT   NOT NULL,
    hash    TEXT   NOT NULL
);
CREATE FUNCTION kehu_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END $$;
CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit
FOR EACH ROW EXECUTE FUNCTION kehu_audit_append_only();

-- One row the writer's syncer updates with synchronous_commit = on: its commit flushes the WAL
-- over every batch committed before it (batches commit with synchronous_commit = off and are
-- acknowledged only after that flush). SQLite syncs its WAL file directly and has no such table.
CREATE TABLE wal_flush (
    id INTEGER PRIMARY KEY,
    n  BIGINT  NOT NULL
);
INSERT INTO wal_flush (id, n) VALUES (1, 0);

-- Requests to read an archive outside one's scope (SEC-APPROVE, 查阅档案审批表): the department
-- manager approves, then the VP; the approval is valid until valid_until_ms (0 until approved).
CREATE TABLE approvals (
    id             BIGSERIAL PRIMARY KEY,
    requester      TEXT    NOT NULL,
    project        TEXT    NOT NULL,
    subject        BIGINT  NOT NULL,  -- blind value of the customer's phone (no phone is stored)
    shown          TEXT    NOT NULL,  -- the masked phone, for the approvers
    reason         TEXT    NOT NULL,
    state          TEXT    NOT NULL,  -- pending, manager_approved, approved, rejected
    manager        TEXT,
    vp             TEXT,
    created_ms     BIGINT  NOT NULL,
    valid_until_ms BIGINT  NOT NULL
);
CREATE INDEX approvals_requester ON approvals(requester, project, subject);
