//! The audit log (SEC-AUDIT): an append-only, hash-chained list of every read of a customer,
//! every change and every export. Each entry's link is a keyed digest (HMAC under the key file's
//! index key) of the previous link and the entry's fields, so `kehu audit verify` finds a changed,
//! removed, inserted or reordered entry, and nobody holding only the database can forge a chain.

use crate::keys::Keys;
use crate::{Store, StoreError};

/// What is recorded: who did what to which record, when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub at_ms: i64,
    /// The acting login (or `system`).
    pub actor: String,
    /// e.g. `customer.read`, `customer.unmask`, `act.register`, `export`, `user.add`.
    pub action: String,
    /// The record concerned, e.g. `project/customer-phone-mask` or a login.
    pub subject: String,
    pub detail: String,
}

/// An entry as stored, with its sequence number and link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRow {
    pub seq: i64,
    pub entry: AuditEntry,
    pub hash: String,
}

/// Where the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditBreak {
    pub seq: i64,
    pub detail: String,
}

const GENESIS: &str = "kehu-audit-genesis";

/// The link of entry `seq` after `prev`: every field length-prefixed, so no two different entries
/// encode alike.
pub fn link(keys: &Keys, prev: &str, seq: i64, e: &AuditEntry) -> String {
    let mut data = Vec::new();
    for part in [
        prev.as_bytes(),
        &seq.to_le_bytes(),
        &e.at_ms.to_le_bytes(),
        e.actor.as_bytes(),
        e.action.as_bytes(),
        e.subject.as_bytes(),
        e.detail.as_bytes(),
    ] {
        data.extend_from_slice(&(part.len() as u64).to_le_bytes());
        data.extend_from_slice(part);
    }
    keys.mac("audit", &data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Checks a chain read in `seq` order: sequence numbers run 1, 2, 3, … with no gap and every link
/// recomputes. Returns the number of entries.
pub fn verify_chain(keys: &Keys, rows: &[AuditRow]) -> Result<usize, AuditBreak> {
    let mut prev = GENESIS.to_string();
    for (i, r) in rows.iter().enumerate() {
        let want_seq = i as i64 + 1;
        if r.seq != want_seq {
            return Err(AuditBreak {
                seq: r.seq,
                detail: format!("expected entry {want_seq}: an entry was removed or reordered"),
            });
        }
        let h = link(keys, &prev, r.seq, &r.entry);
        if h != r.hash {
            return Err(AuditBreak {
                seq: r.seq,
                detail: "the entry or the one before it was changed".into(),
            });
        }
        prev = h;
    }
    Ok(rows.len())
}

pub(crate) fn chain(
    keys: &Keys,
    last: Option<(i64, String)>,
    entries: &[AuditEntry],
) -> Vec<AuditRow> {
    let (mut seq, mut prev) = last.unwrap_or((0, GENESIS.to_string()));
    entries
        .iter()
        .map(|e| {
            seq += 1;
            let hash = link(keys, &prev, seq, e);
            prev = hash.clone();
            AuditRow {
                seq,
                entry: e.clone(),
                hash,
            }
        })
        .collect()
}

pub(crate) const INSERT: &str =
    "INSERT INTO audit (seq, at_ms, actor, action, subject, detail, hash) \
                                 VALUES ($1, $2, $3, $4, $5, $6, $7)";
pub(crate) const LAST: &str = "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1";
const ALL: &str = "SELECT seq, at_ms, actor, action, subject, detail, hash FROM audit ORDER BY seq";

impl Store {
    /// Appends entries to the chain (through the writer, in its next transaction); returns once
    /// they are committed.
    pub async fn audit(&self, entries: Vec<AuditEntry>) -> Result<(), StoreError> {
        if entries.is_empty() {
            return Ok(());
        }
        self.enqueue_with(Vec::new(), entries.into_iter().map(|e| (None, e)).collect())?
            .wait()
            .await?;
        Ok(())
    }
}

impl Store {
    /// The whole chain in order.
    pub async fn audit_rows(&self) -> Result<Vec<AuditRow>, StoreError> {
        let rows = self.query(ALL, vec![]).await?;
        rows.into_iter()
            .map(|r| {
                let t = |i: usize| r.get(i).and_then(|v| v.text()).unwrap_or("").to_string();
                let n = |i: usize| r.get(i).and_then(|v| v.int()).unwrap_or(-1);
                Ok(AuditRow {
                    seq: n(0),
                    entry: AuditEntry {
                        at_ms: n(1),
                        actor: t(2),
                        action: t(3),
                        subject: t(4),
                        detail: t(5),
                    },
                    hash: t(6),
                })
            })
            .collect()
    }

    /// Verifies the chain with this store's key.
    pub async fn audit_verify(&self) -> Result<Result<usize, AuditBreak>, StoreError> {
        let rows = self.audit_rows().await?;
        Ok(verify_chain(&self.keys, &rows))
    }
}
