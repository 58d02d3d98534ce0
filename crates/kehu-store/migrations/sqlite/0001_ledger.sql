-- The ledger: append-only. Every act with its verdict and effects, as JSON.
CREATE TABLE events (
    seq      INTEGER PRIMARY KEY,
    project  TEXT    NOT NULL,
    at_ms    INTEGER NOT NULL,
    act      TEXT    NOT NULL,
    body     TEXT    NOT NULL
);
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: corrections are new events'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: corrections are new events'); END;

-- Which customer records each event concerns (a decision reads only these customers' history).
CREATE TABLE event_customers (
    customer INTEGER NOT NULL,
    seq      INTEGER NOT NULL REFERENCES events(seq),
    PRIMARY KEY (customer, seq)
) WITHOUT ROWID;
CREATE TRIGGER event_customers_no_update BEFORE UPDATE ON event_customers
BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
CREATE TRIGGER event_customers_no_delete BEFORE DELETE ON event_customers
BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;

-- Projections, derived from the events and updated in the same transaction.
CREATE TABLE customers (
    id          INTEGER PRIMARY KEY,
    project     TEXT    NOT NULL,
    holder      TEXT,
    holder_rule TEXT,
    last_seq    INTEGER NOT NULL
);
CREATE INDEX customers_holder ON customers(project, holder);

-- Index keys of every phone form a record was given (phone::index_keys), and of its household links.
CREATE TABLE customer_keys (
    project  TEXT    NOT NULL,
    key      TEXT    NOT NULL,
    customer INTEGER NOT NULL REFERENCES customers(id),
    PRIMARY KEY (project, key, customer)
) WITHOUT ROWID;

CREATE TABLE projects (
    name  TEXT PRIMARY KEY,
    state TEXT NOT NULL
);

CREATE TABLE disputes (
    seq         INTEGER PRIMARY KEY REFERENCES events(seq),
    project     TEXT    NOT NULL,
    customer    INTEGER NOT NULL,
    rule        TEXT    NOT NULL,
    deadline_ms INTEGER NOT NULL,
    closed_seq  INTEGER
);

CREATE TABLE violations (
    seq     INTEGER NOT NULL REFERENCES events(seq),
    idx     INTEGER NOT NULL,
    project TEXT    NOT NULL,
    party   TEXT    NOT NULL,
    rule    TEXT    NOT NULL,
    amount  INTEGER,
    note    TEXT    NOT NULL,
    PRIMARY KEY (seq, idx)
);

CREATE TABLE notifications (
    seq     INTEGER NOT NULL REFERENCES events(seq),
    idx     INTEGER NOT NULL,
    project TEXT    NOT NULL,
    party   TEXT    NOT NULL,
    PRIMARY KEY (seq, idx)
);
