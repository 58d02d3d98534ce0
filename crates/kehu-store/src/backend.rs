//! What a backend provides: the primitive reads and writes of one write transaction, and the
//! whole-ledger reads of the check. The orchestration in `lib.rs` is written once over this trait;
//! `sqlite.rs` and `postgres.rs` implement it with SQL kept side by side so they can be diffed.

use crate::StoreError;

/// One write transaction.
pub(crate) trait Tx: Send {
    /// The project's state projection (JSON), if any.
    async fn project_state(&mut self, project: &str) -> Result<Option<String>, StoreError>;
    /// Customer records indexed under `key` in `project`.
    async fn customers_by_key(&mut self, project: &str, key: &str) -> Result<Vec<i64>, StoreError>;
    /// A record's events `(seq, body)`, in order.
    async fn events_of(&mut self, customer: i64) -> Result<Vec<(i64, String)>, StoreError>;
    /// Records whose holder projection is `holder`.
    async fn held_by(&mut self, project: &str, holder: &str) -> Result<Vec<i64>, StoreError>;
    /// The next ledger sequence number.
    async fn next_seq(&mut self) -> Result<i64, StoreError>;
    async fn new_customer(&mut self, project: &str, seq: i64) -> Result<i64, StoreError>;
    async fn insert_event(
        &mut self,
        seq: i64,
        project: &str,
        at_ms: i64,
        act: &str,
        body: &str,
    ) -> Result<(), StoreError>;
    async fn link(&mut self, customer: i64, seq: i64) -> Result<(), StoreError>;
    async fn add_key(&mut self, project: &str, key: &str, customer: i64) -> Result<(), StoreError>;
    async fn touch_customer(&mut self, customer: i64, seq: i64) -> Result<(), StoreError>;
    async fn set_holder(
        &mut self,
        customer: i64,
        holder: &str,
        rule: &str,
    ) -> Result<(), StoreError>;
    async fn close_disputes(&mut self, customer: i64, seq: i64) -> Result<(), StoreError>;
    async fn put_project(&mut self, project: &str, state: &str) -> Result<(), StoreError>;
    async fn add_dispute(
        &mut self,
        seq: i64,
        project: &str,
        customer: i64,
        rule: &str,
        deadline_ms: i64,
    ) -> Result<(), StoreError>;
    #[allow(clippy::too_many_arguments)]
    async fn add_violation(
        &mut self,
        seq: i64,
        idx: i64,
        project: &str,
        party: &str,
        rule: &str,
        amount: Option<i64>,
        note: &str,
    ) -> Result<(), StoreError>;
    async fn add_notification(
        &mut self,
        seq: i64,
        idx: i64,
        project: &str,
        party: &str,
    ) -> Result<(), StoreError>;
    async fn commit(self) -> Result<(), StoreError>;
}

/// A violation row: seq, index, project, party, rule, amount, note.
pub(crate) type ViolationRow = (i64, i64, String, String, String, Option<i64>, String);
/// A customer row: project, holder, holder rule, last seq.
pub(crate) type CustomerRow = (String, Option<String>, Option<String>, i64);
/// A dispute row: project, customer, rule, deadline, closing seq.
pub(crate) type DisputeRow = (String, i64, String, i64, Option<i64>);

/// The projections' rows as plain values (stored ones for the check).
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Rows {
    pub customers: Vec<(i64, CustomerRow)>,
    pub keys: Vec<(String, String, i64)>,
    pub projects: Vec<(String, String)>,
    pub disputes: Vec<(i64, DisputeRow)>,
    pub violations: Vec<ViolationRow>,
    pub notifications: Vec<(i64, i64, String, String)>,
}
