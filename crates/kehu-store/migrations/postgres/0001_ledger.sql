-- The ledger: append-only. Every act with its verdict and effects, as JSON.
-- Kept line by line beside migrations/sqlite/0001_ledger.sql so that a reviewer can diff them.
CREATE TABLE events (
    seq      BIGINT  PRIMARY KEY,
    project  TEXT    NOT NULL,
    at_ms    BIGINT  NOT NULL,
    act      TEXT    NOT NULL,
    body     TEXT    NOT NULL
);
CREATE FUNCTION kehu_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'the ledger is append-only: corrections are new events'; END $$;
CREATE TRIGGER events_no_update BEFORE UPDATE OR DELETE ON events
FOR EACH ROW EXECUTE FUNCTION kehu_append_only();

-- Which customer records each event concerns (a decision reads only these customers' history).
CREATE TABLE event_customers (
    customer BIGINT  NOT NULL,
    seq      BIGINT  NOT NULL REFERENCES events(seq),
    PRIMARY KEY (customer, seq)
);
CREATE TRIGGER event_customers_no_update BEFORE UPDATE OR DELETE ON event_customers
FOR EACH ROW EXECUTE FUNCTION kehu_append_only();

-- Projections, derived from the events and updated in the same transaction.
CREATE TABLE customers (
    id          BIGSERIAL PRIMARY KEY,
    project     TEXT    NOT NULL,
    holder      TEXT,
    holder_rule TEXT,
    last_seq    BIGINT  NOT NULL
);
CREATE INDEX customers_holder ON customers(project, holder);

-- Index keys of every phone form a record was given (phone::index_keys), and of its household links.
CREATE TABLE customer_keys (
    project  TEXT    NOT NULL,
    key      TEXT    NOT NULL,
    customer BIGINT  NOT NULL REFERENCES customers(id),
    PRIMARY KEY (project, key, customer)
);

CREATE TABLE projects (
    name  TEXT PRIMARY KEY,
    state TEXT NOT NULL
);

CREATE TABLE disputes (
    seq         BIGINT  PRIMARY KEY REFERENCES events(seq),
    project     TEXT    NOT NULL,
    customer    BIGINT  NOT NULL,
    rule        TEXT    NOT NULL,
    deadline_ms BIGINT  NOT NULL,
    closed_seq  BIGINT
);

CREATE TABLE violations (
    seq     BIGINT  NOT NULL REFERENCES events(seq),
    idx     BIGINT  NOT NULL,
    project TEXT    NOT NULL,
    party   TEXT    NOT NULL,
    rule    TEXT    NOT NULL,
    amount  BIGINT,
    note    TEXT    NOT NULL,
    PRIMARY KEY (seq, idx)
);

CREATE TABLE notifications (
    seq     BIGINT  NOT NULL REFERENCES events(seq),
    idx     BIGINT  NOT NULL,
    project TEXT    NOT NULL,
    party   TEXT    NOT NULL,
    PRIMARY KEY (seq, idx)
);
