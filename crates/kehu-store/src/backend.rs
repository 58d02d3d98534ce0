//! What a backend provides: the reads a decision needs, the bulk writes of one batch, and the
//! whole-ledger reads of the check. The orchestration (`batch.rs`, `lib.rs`) is written once over
//! these traits; `sqlite.rs` and `postgres.rs` hold the SQL side by side so they can be diffed.
//!
//! Reads are few and bounded: one index probe for a set of blind keys, one history load for a set
//! of customers. Writes are per batch, not per act: every table gets one bulk statement per
//! committed batch (group commit), whatever the number of acts in it.

use crate::StoreError;
use std::collections::BTreeMap;

/// A blind index value (HMAC of an index key).
pub(crate) type Blind = i64;

/// A sealed ledger entry as stored.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SealedRow {
    pub seq: i64,
    pub project: String,
    pub key_id: u32,
    pub body: Vec<u8>,
}

/// The reads of a decision, inside a transaction (a write batch's, or a read-only snapshot).
pub(crate) trait Read {
    /// The project's state projection (JSON), if any.
    async fn project_state(&mut self, project: &str) -> Result<Option<String>, StoreError>;
    /// `(key, customer)` for every record indexed under one of `keys` in `project`.
    async fn customers_by_keys(
        &mut self,
        project: &str,
        keys: &[Blind],
    ) -> Result<Vec<(Blind, i64)>, StoreError>;
    /// The sealed events of each customer, `(customer, row)`, in ledger order per customer.
    async fn events_of(&mut self, customers: &[i64]) -> Result<Vec<(i64, SealedRow)>, StoreError>;
    /// Records whose holder projection is `holder`.
    async fn held_by(&mut self, project: &str, holder: &str) -> Result<Vec<i64>, StoreError>;
}

/// What a write batch reads before its first decision (see [`Write::start`]).
#[derive(Debug, Default)]
pub(crate) struct Start {
    pub next_seq: i64,
    pub next_customer: i64,
    /// `(project, key, customer)` for every record indexed under one of the probed keys.
    pub hits: Vec<(String, Blind, i64)>,
    /// The sealed events of every record hit, `(customer, row)`, in ledger order per customer.
    pub events: Vec<(i64, SealedRow)>,
    /// The state projection (JSON) of each probed project that has one.
    pub projects: Vec<(String, String)>,
}

/// One write transaction: one batch of acts.
pub(crate) trait Write: Read {
    /// The next ledger sequence number and the next customer record id.
    async fn next_ids(&mut self) -> Result<(i64, i64), StoreError>;
    /// The batch's first reads, from one snapshot: [`Write::next_ids`], then for each project
    /// of `probes` its state and the records indexed under its keys, with their histories. A
    /// backend where each read is a round trip to a server answers them all in one.
    async fn start(&mut self, probes: &[(&str, Vec<Blind>)]) -> Result<Start, StoreError> {
        let (next_seq, next_customer) = self.next_ids().await?;
        let mut start = Start {
            next_seq,
            next_customer,
            ..Start::default()
        };
        let mut ids = Vec::new();
        for (project, keys) in probes {
            if let Some(state) = self.project_state(project).await? {
                start.projects.push((project.to_string(), state));
            }
            if keys.is_empty() {
                continue;
            }
            for (key, customer) in self.customers_by_keys(project, keys).await? {
                start.hits.push((project.to_string(), key, customer));
                ids.push(customer);
            }
        }
        ids.sort_unstable();
        ids.dedup();
        if !ids.is_empty() {
            start.events = self.events_of(&ids).await?;
        }
        Ok(start)
    }
    /// The act an idempotency key names: its sequence number and the request's fingerprint.
    async fn once(&mut self, account: &str, key: &str)
        -> Result<Option<(i64, String)>, StoreError>;
    /// The audit chain's last entry: its sequence number and link.
    async fn audit_last(&mut self) -> Result<Option<(i64, String)>, StoreError>;
    /// Writes a batch's rows.
    async fn flush(&mut self, w: &WriteSet) -> Result<(), StoreError>;
    async fn commit(self) -> Result<(), StoreError>;
}

/// A customer row: project, holder, holder rule. (A record's last entry is the largest seq of
/// its links.)
pub(crate) type CustomerRow = (String, Option<String>, Option<String>);
/// A change of holder of an existing record: new holder and holder rule.
pub(crate) type CustomerUpdate = (String, String);
/// A dispute row: project, customer, rule, deadline, closing seq.
pub(crate) type DisputeRow = (String, i64, String, i64, Option<i64>);

/// Everything one batch writes, as plain rows.
#[derive(Debug, Default)]
pub(crate) struct WriteSet {
    /// seq, project, at (ms), act, key id, sealed body.
    pub events: Vec<(i64, String, i64, String, u32, Vec<u8>)>,
    /// customer, seq.
    pub links: Vec<(i64, i64)>,
    /// New records with their final values: id and row.
    pub new_customers: Vec<(i64, CustomerRow)>,
    /// Existing records whose holder changed: id, new holder and rule.
    pub customer_updates: Vec<(i64, CustomerUpdate)>,
    /// project, blind key, customer.
    pub keys: Vec<(String, Blind, i64)>,
    /// project, state JSON.
    pub projects: Vec<(String, String)>,
    /// seq and row.
    pub disputes: Vec<(i64, DisputeRow)>,
    /// Disputes committed before this batch to close: customer, closing seq.
    pub closes: Vec<(i64, i64)>,
    /// Audit entries appended with the batch (SEC-AUDIT): an act and its entry commit together.
    pub audit: Vec<crate::audit::AuditRow>,
    /// Idempotency keys of the batch's recorded acts: account, key, fingerprint, seq, at (ms).
    pub onces: Vec<(String, String, String, i64, i64)>,
    /// The rows of the projections kept from entries alone (`kept.rs`).
    pub kept: crate::kept::KeptRows,
    /// Each touched record's next due effect (G-CLOCK): customer and (project, kind, at, until)
    /// in ms, or none.
    pub due: Vec<(i64, Option<DueRow>)>,
}

/// A due effect's row: project, kind, at (ms), until (ms).
pub(crate) type DueRow = (String, String, i64, i64);

/// The row of a record's next due effect in `project`.
pub(crate) fn due_row(project: &str, d: &kehu_core::engine::due::Due) -> DueRow {
    (
        project.to_string(),
        d.kind.name().to_string(),
        d.at.as_millisecond(),
        d.until.as_millisecond(),
    )
}

/// The projections' rows as plain values (stored ones for the check).
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Rows {
    pub customers: Vec<(i64, CustomerRow)>,
    /// customer, seq (the event links).
    pub links: Vec<(i64, i64)>,
    pub keys: Vec<(String, Blind, i64)>,
    pub projects: Vec<(String, String)>,
    pub disputes: Vec<(i64, DisputeRow)>,
    /// SQLite: each record's holder as the holder log has it (the log the in-memory holder
    /// index is read from), to compare with `customers`.
    pub holder_log: Option<BTreeMap<i64, Option<String>>>,
}
