//! The audit log (SEC-AUDIT): an append-only, hash-chained list of every read of a customer,
//! every change and every export. Each entry's link is a keyed digest (HMAC under the key file's
//! index key) of the previous link and the entry's fields, so `kehu audit verify` finds a changed,
//! removed, inserted or reordered entry, and nobody holding only the database can forge a chain.

use crate::keys::Keys;
use crate::{Backend, Store, StoreError, Val};
use rusqlite::OptionalExtension;

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

/// One statement of a change: SQL (`$1`, `$2`, … in order of appearance) and its values.
pub type Statement = (String, Vec<Val>);

/// When an audited change is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// Always (with its audit entry).
    Always,
    /// Only if its first statement changes a row (a conditional update: a request still
    /// waiting, a token still live); otherwise nothing is written, no entry either.
    IfFirstChanges,
}

impl Store {
    /// A change outside the ledger (an account, a session, a project, an approval) and its audit
    /// entry, committed together in one transaction, under the writers' lock so that the chain
    /// grows in order with the acts' entries. Returns the rows each statement changed; on any
    /// error nothing is written.
    pub async fn change_audited(
        &self,
        statements: Vec<Statement>,
        entry: AuditEntry,
        written: Written,
    ) -> Result<Vec<usize>, StoreError> {
        let unchanged = move |counts: &[usize]| {
            written == Written::IfFirstChanges && counts.first().is_some_and(|n| *n == 0)
        };
        let keys = self.keys.clone();
        match &self.backend {
            Backend::Sqlite(db) => {
                db.run(move |c| {
                    // BEGIN IMMEDIATE takes the write lock the writer's batches take.
                    c.execute_batch("BEGIN IMMEDIATE")?;
                    let done = (|| {
                        let mut counts = Vec::with_capacity(statements.len());
                        for (sql, params) in &statements {
                            counts.push(crate::sql::sqlite_rows(c, sql, params)?.1);
                            if unchanged(&counts) {
                                return Err(StoreError::Unchanged);
                            }
                        }
                        let last: Option<(i64, String)> = c
                            .query_row(LAST, [], |r| Ok((r.get(0)?, r.get(1)?)))
                            .optional()?;
                        let rows = chain(&keys, last, std::slice::from_ref(&entry));
                        let mut st = c.prepare_cached(INSERT)?;
                        for r in &rows {
                            let e = &r.entry;
                            st.execute(rusqlite::params![
                                r.seq, e.at_ms, e.actor, e.action, e.subject, e.detail, r.hash
                            ])?;
                        }
                        Ok::<_, StoreError>(counts)
                    })();
                    match done {
                        Ok(counts) => {
                            c.execute_batch("COMMIT")?;
                            Ok(counts)
                        }
                        Err(StoreError::Unchanged) => {
                            c.execute_batch("ROLLBACK")?;
                            Ok(vec![0])
                        }
                        Err(e) => {
                            let _ = c.execute_batch("ROLLBACK");
                            Err(e)
                        }
                    }
                })
                .await
            }
            Backend::Postgres(pg) => {
                let mut tx = crate::postgres::begin(&pg.pool).await?;
                let mut counts = Vec::with_capacity(statements.len());
                for (sql, params) in &statements {
                    let r = crate::sql::pg_bind(sql, params).execute(&mut *tx).await?;
                    counts.push(r.rows_affected() as usize);
                    if unchanged(&counts) {
                        tx.rollback().await?;
                        return Ok(vec![0]);
                    }
                }
                let last: Option<(i64, String)> =
                    sqlx::query_as(LAST).fetch_optional(&mut *tx).await?;
                let rows = chain(&keys, last, std::slice::from_ref(&entry));
                crate::postgres::insert_audit(&mut tx, &rows).await?;
                tx.commit().await?;
                Ok(counts)
            }
        }
    }

    /// An insert that returns its new row's id (`RETURNING id`) and the audit entry made from
    /// that id, committed together under the writers' lock; the id.
    pub async fn insert_audited(
        &self,
        insert: Statement,
        entry_of: impl FnOnce(i64) -> AuditEntry + Send + 'static,
    ) -> Result<i64, StoreError> {
        let keys = self.keys.clone();
        let no_id = || StoreError::BadRow("the insert returned no id".into());
        match &self.backend {
            Backend::Sqlite(db) => {
                db.run(move |c| {
                    c.execute_batch("BEGIN IMMEDIATE")?;
                    let done = (|| {
                        let (rows, _) = crate::sql::sqlite_rows(c, &insert.0, &insert.1)?;
                        let id = crate::scalar(&rows).and_then(Val::int).ok_or_else(no_id)?;
                        let last: Option<(i64, String)> = c
                            .query_row(LAST, [], |r| Ok((r.get(0)?, r.get(1)?)))
                            .optional()?;
                        let rows = chain(&keys, last, &[entry_of(id)]);
                        let mut st = c.prepare_cached(INSERT)?;
                        for r in &rows {
                            let e = &r.entry;
                            st.execute(rusqlite::params![
                                r.seq, e.at_ms, e.actor, e.action, e.subject, e.detail, r.hash
                            ])?;
                        }
                        Ok::<_, StoreError>(id)
                    })();
                    match done {
                        Ok(id) => {
                            c.execute_batch("COMMIT")?;
                            Ok(id)
                        }
                        Err(e) => {
                            let _ = c.execute_batch("ROLLBACK");
                            Err(e)
                        }
                    }
                })
                .await
            }
            Backend::Postgres(pg) => {
                use sqlx::Row;
                let mut tx = crate::postgres::begin(&pg.pool).await?;
                let row = crate::sql::pg_bind(&insert.0, &insert.1)
                    .fetch_one(&mut *tx)
                    .await?;
                let id: i64 = row.try_get(0)?;
                let last: Option<(i64, String)> =
                    sqlx::query_as(LAST).fetch_optional(&mut *tx).await?;
                let rows = chain(&keys, last, &[entry_of(id)]);
                crate::postgres::insert_audit(&mut tx, &rows).await?;
                tx.commit().await?;
                Ok(id)
            }
        }
    }

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

/// A checkpoint of the chain's head kept outside the database (SEC-AUDIT): entry `seq` had link
/// `hash`, signed with the key file's key so that whoever holds only the database can neither
/// forge nor move it. A chain that no longer holds a checkpoint's entry was cut (or rewritten)
/// after it was taken: `audit verify` reports it, where the chain alone would look intact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor {
    pub seq: i64,
    pub hash: String,
    pub at_ms: i64,
}

impl Anchor {
    fn mac(keys: &Keys, seq: i64, hash: &str, at_ms: i64) -> String {
        let data = format!("{seq} {hash} {at_ms}");
        keys.mac("audit-anchor", data.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// The anchor's line in the anchor file: `seq hash at_ms mac`.
    pub fn line(&self, keys: &Keys) -> String {
        let mac = Anchor::mac(keys, self.seq, &self.hash, self.at_ms);
        format!("{} {} {} {mac}", self.seq, self.hash, self.at_ms)
    }

    /// Reads an anchor file's lines; a line whose signature fails is an error (the file was
    /// edited by someone without the key).
    pub fn parse_all(keys: &Keys, text: &str) -> Result<Vec<Anchor>, String> {
        let mut out = Vec::new();
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let parts: Vec<&str> = line.split_whitespace().collect();
            let bad = || format!("anchor line {} is malformed", n + 1);
            let [seq, hash, at, mac] = parts[..] else {
                return Err(bad());
            };
            let seq: i64 = seq.parse().map_err(|_| bad())?;
            let at_ms: i64 = at.parse().map_err(|_| bad())?;
            if Anchor::mac(keys, seq, hash, at_ms) != mac {
                return Err(format!(
                    "anchor line {} does not carry the key's signature",
                    n + 1
                ));
            }
            out.push(Anchor {
                seq,
                hash: hash.to_string(),
                at_ms,
            });
        }
        Ok(out)
    }

    /// Whether the chain `rows` (verified, in order) still holds this checkpoint.
    pub fn held_by(&self, rows: &[AuditRow]) -> Result<(), AuditBreak> {
        if self.seq == 0 {
            return Ok(());
        }
        match rows.get((self.seq - 1) as usize) {
            Some(r) if r.seq == self.seq && r.hash == self.hash => Ok(()),
            Some(_) => Err(AuditBreak {
                seq: self.seq,
                detail: format!(
                    "entry {} differs from the checkpoint taken at {}: the log was rewritten",
                    self.seq,
                    kehu_core::time::format_local(jiff::Timestamp::from_millisecond(self.at_ms).unwrap_or_default())
                ),
            }),
            None => Err(AuditBreak {
                seq: rows.len() as i64 + 1,
                detail: format!(
                    "the log ends at entry {}, but a checkpoint taken at {} saw entry {}: its end was cut",
                    rows.len(),
                    kehu_core::time::format_local(jiff::Timestamp::from_millisecond(self.at_ms).unwrap_or_default()),
                    self.seq
                ),
            }),
        }
    }
}

/// The chain's head now, as an anchor to keep.
pub fn head(rows: &[AuditRow], at_ms: i64) -> Anchor {
    match rows.last() {
        Some(r) => Anchor {
            seq: r.seq,
            hash: r.hash.clone(),
            at_ms,
        },
        None => Anchor {
            seq: 0,
            hash: GENESIS.to_string(),
            at_ms,
        },
    }
}

impl Store {
    /// Verifies the chain and that it still holds every checkpoint in `anchors`; the entries'
    /// count and the head to keep.
    pub async fn audit_verify_anchored(
        &self,
        anchors: &[Anchor],
        now_ms: i64,
    ) -> Result<Result<(usize, Anchor), AuditBreak>, StoreError> {
        let rows = self.audit_rows().await?;
        if let Err(b) = verify_chain(&self.keys, &rows) {
            return Ok(Err(b));
        }
        for a in anchors {
            if let Err(b) = a.held_by(&rows) {
                return Ok(Err(b));
            }
        }
        Ok(Ok((rows.len(), head(&rows, now_ms))))
    }
}

#[cfg(test)]
mod anchor_tests {
    use super::*;

    fn rows(keys: &Keys, n: usize) -> Vec<AuditRow> {
        let entries: Vec<AuditEntry> = (0..n)
            .map(|i| AuditEntry {
                at_ms: i as i64,
                actor: "a".into(),
                action: "customer.read".into(),
                subject: "p".into(),
                detail: String::new(),
            })
            .collect();
        chain(keys, None, &entries)
    }

    #[test]
    fn a_cut_end_is_found_by_an_anchor() {
        let keys = Keys::generate();
        let full = rows(&keys, 10);
        let anchor = head(&full, 1_000);
        assert!(anchor.held_by(&full).is_ok());
        // The last three entries deleted: the chain alone is intact, the anchor is not held.
        let cut = &full[..7];
        assert_eq!(verify_chain(&keys, cut), Ok(7));
        let b = anchor.held_by(cut).unwrap_err();
        assert!(b.detail.contains("cut"), "{}", b.detail);
        // New entries chained on after the cut: entry 10 is there again, with another link.
        let mut regrown = cut.to_vec();
        let more = chain(
            &keys,
            Some((7, cut[6].hash.clone())),
            &[
                full[7].entry.clone(),
                full[8].entry.clone(),
                AuditEntry {
                    detail: "other".into(),
                    ..full[9].entry.clone()
                },
            ],
        );
        regrown.extend(more);
        assert_eq!(verify_chain(&keys, &regrown), Ok(10));
        assert!(anchor
            .held_by(&regrown)
            .unwrap_err()
            .detail
            .contains("rewritten"));
    }

    #[test]
    fn anchor_lines_are_signed() {
        let keys = Keys::generate();
        let a = head(&rows(&keys, 3), 42);
        let line = a.line(&keys);
        assert_eq!(Anchor::parse_all(&keys, &line), Ok(vec![a.clone()]));
        let forged = line.replacen("3 ", "2 ", 1);
        assert!(Anchor::parse_all(&keys, &forged).is_err());
        assert!(Anchor::parse_all(&Keys::generate(), &line).is_err());
    }
}
