-- Version 12: the report counters, a projection of the ledger (RPT-DAILY, RPT-REG). A report
-- reads these instead of decrypting every entry of its period. Filled from the existing entries
-- by the migration's step, then kept by each batch in its own transaction.
CREATE TABLE report_counts (
    project TEXT   NOT NULL,
    day     TEXT   NOT NULL,
    metric  TEXT   NOT NULL,
    party   TEXT   NOT NULL,
    n       BIGINT NOT NULL,
    PRIMARY KEY (project, day, metric, party)
);
