//! Projections kept from ledger entries alone: each is a table whose rows one entry determines
//! (the violation list, the notifications, the report counters). A projection is declared once
//! here, as an implementation of [`Kept`] registered in [`ALL`]; from that one declaration the
//! writer adds its rows with every batch (both backends), the ledger check refolds and compares
//! it, and a migration step can fill it from the entries already written ([`rows_of_all`]).
//!
//! The ledger's own projections (records and their holders, the blind key index, event links,
//! disputes and each project's state) are not here: they are what a decision reads, kept with
//! the in-memory indexes by `batch.rs` and the backends.

use crate::counters;
use crate::sql::Val;
use crate::StoreError;
use kehu_core::state::Event;
use std::collections::BTreeMap;

/// A column's type (every column may be null).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ty {
    Int,
    Text,
}

/// How rows are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Keep {
    /// Each row is inserted as it is.
    Append,
    /// The last column is a count: a row adds it to the stored row of the same other columns
    /// (the table's primary key), or is inserted.
    Add,
}

/// A projection kept from entries alone.
pub(crate) trait Kept: Sync {
    /// Its table.
    fn table(&self) -> &'static str;
    /// Its columns, in the order of [`Kept::rows`].
    fn columns(&self) -> &'static [(&'static str, Ty)];
    fn keep(&self) -> Keep;
    /// The rows one committed entry adds.
    fn rows(&self, e: &Event) -> Vec<Vec<Val>>;
}

/// Every projection kept from entries alone. Adding one: a table (a migration), an
/// implementation here, and its place in this list.
pub(crate) static ALL: &[&dyn Kept] = &[&Violations, &Notifications, &ReportCounts];

/// The rows of each projection of [`ALL`], in its order, as one batch adds them.
#[derive(Debug, Default)]
pub(crate) struct KeptRows(pub Vec<Vec<Vec<Val>>>);

impl KeptRows {
    /// Adds one committed entry's rows.
    pub(crate) fn add(&mut self, e: &Event) {
        if self.0.len() < ALL.len() {
            self.0.resize_with(ALL.len(), Vec::new);
        }
        for (k, rows) in ALL.iter().zip(self.0.iter_mut()) {
            rows.extend(k.rows(e));
        }
    }

    /// Each projection with its rows ready to write: the counts of one key summed (one row per
    /// key, as an upsert of many rows needs).
    pub(crate) fn ready(&self) -> Vec<(&'static dyn Kept, Vec<Vec<Val>>)> {
        ALL.iter()
            .zip(self.0.iter())
            .filter(|(_, rows)| !rows.is_empty())
            .map(|(k, rows)| (*k, settle(*k, rows.iter().cloned())))
            .collect()
    }
}

/// Rows as kept: unchanged for [`Keep::Append`], summed by key for [`Keep::Add`].
pub(crate) fn settle(k: &dyn Kept, rows: impl Iterator<Item = Vec<Val>>) -> Vec<Vec<Val>> {
    match k.keep() {
        Keep::Append => rows.collect(),
        Keep::Add => {
            let mut sums: BTreeMap<Vec<Val>, i64> = BTreeMap::new();
            for mut r in rows {
                let n = r.pop().and_then(|v| v.int()).unwrap_or(0);
                let s = sums.entry(r).or_insert(0);
                *s = s.saturating_add(n);
            }
            sums.into_iter()
                .map(|(mut r, n)| {
                    r.push(Val::Int(n));
                    r
                })
                .collect()
        }
    }
}

/// The rows of one projection for every entry of `events`, settled (a migration's fill, the
/// check's refold).
pub(crate) fn rows_of_all(k: &dyn Kept, events: &[Event]) -> Vec<Vec<Val>> {
    settle(k, events.iter().flat_map(|e| k.rows(e)))
}

/// The statement that keeps one row, with parameters `$1…$n` (both backends).
pub(crate) fn insert_sql(k: &dyn Kept) -> String {
    let cols: Vec<&str> = k.columns().iter().map(|(c, _)| *c).collect();
    let params: Vec<String> = (1..=cols.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "INSERT INTO {} ({}) VALUES ({})",
        k.table(),
        cols.join(", "),
        params.join(", ")
    );
    sql + &on_conflict(k)
}

/// The statement that keeps many rows at once from one array per column (PostgreSQL).
pub(crate) fn insert_unnest_sql(k: &dyn Kept) -> String {
    let cols: Vec<&str> = k.columns().iter().map(|(c, _)| *c).collect();
    let arrays: Vec<String> = (k.columns().iter().enumerate())
        .map(|(i, (_, ty))| {
            let t = match ty {
                Ty::Int => "bigint",
                Ty::Text => "text",
            };
            format!("${}::{t}[]", i + 1)
        })
        .collect();
    let sql = format!(
        "INSERT INTO {} ({}) SELECT * FROM unnest({})",
        k.table(),
        cols.join(", "),
        arrays.join(", ")
    );
    sql + &on_conflict(k)
}

/// An upsert's clause for [`Keep::Add`]: the count adds to the stored row of the same key.
fn on_conflict(k: &dyn Kept) -> String {
    let cols: Vec<&str> = k.columns().iter().map(|(c, _)| *c).collect();
    match (k.keep(), cols.split_last()) {
        (Keep::Add, Some((n, key))) => format!(
            " ON CONFLICT ({}) DO UPDATE SET {n} = {t}.{n} + excluded.{n}",
            key.join(", "),
            t = k.table()
        ),
        _ => String::new(),
    }
}

/// The statement that reads every row (the check).
pub(crate) fn select_sql(k: &dyn Kept) -> String {
    let cols: Vec<&str> = k.columns().iter().map(|(c, _)| *c).collect();
    format!("SELECT {} FROM {}", cols.join(", "), k.table())
}

/// A projection by its table (a migration's fill step names it).
pub(crate) fn by_table(table: &str) -> Result<&'static dyn Kept, StoreError> {
    ALL.iter()
        .find(|k| k.table() == table)
        .copied()
        .ok_or_else(|| StoreError::BadRow(format!("no kept projection {table}")))
}

fn party(p: &kehu_core::model::Party) -> Val {
    Val::Text(crate::party_key(p))
}

/// The violations an act's verdict records (违规), one row each.
struct Violations;

impl Kept for Violations {
    fn table(&self) -> &'static str {
        "violations"
    }
    fn columns(&self) -> &'static [(&'static str, Ty)] {
        &[
            ("seq", Ty::Int),
            ("idx", Ty::Int),
            ("project", Ty::Text),
            ("party", Ty::Text),
            ("rule", Ty::Text),
            ("amount", Ty::Int),
            ("note", Ty::Text),
        ]
    }
    fn keep(&self) -> Keep {
        Keep::Append
    }
    fn rows(&self, e: &Event) -> Vec<Vec<Val>> {
        (e.verdict.violations.iter().enumerate())
            .map(|(i, v)| {
                vec![
                    Val::Int(e.seq),
                    Val::Int(i as i64),
                    Val::Text(e.project.clone()),
                    party(&v.staff),
                    Val::Text(v.rule.clone()),
                    v.amount.map(Val::Int).unwrap_or(Val::Null),
                    Val::Text(v.note.clone()),
                ]
            })
            .collect()
    }
}

/// The parties a verdict tells (G-NOTIFY), one row each.
struct Notifications;

impl Kept for Notifications {
    fn table(&self) -> &'static str {
        "notifications"
    }
    fn columns(&self) -> &'static [(&'static str, Ty)] {
        &[
            ("seq", Ty::Int),
            ("idx", Ty::Int),
            ("project", Ty::Text),
            ("party", Ty::Text),
        ]
    }
    fn keep(&self) -> Keep {
        Keep::Append
    }
    fn rows(&self, e: &Event) -> Vec<Vec<Val>> {
        (e.verdict.notify.iter().enumerate())
            .map(|(i, p)| {
                vec![
                    Val::Int(e.seq),
                    Val::Int(i as i64),
                    Val::Text(e.project.clone()),
                    party(p),
                ]
            })
            .collect()
    }
}

/// The report counters (see `counters.rs`).
struct ReportCounts;

impl Kept for ReportCounts {
    fn table(&self) -> &'static str {
        "report_counts"
    }
    fn columns(&self) -> &'static [(&'static str, Ty)] {
        &[
            ("project", Ty::Text),
            ("day", Ty::Text),
            ("metric", Ty::Text),
            ("party", Ty::Text),
            ("n", Ty::Int),
        ]
    }
    fn keep(&self) -> Keep {
        Keep::Add
    }
    fn rows(&self, e: &Event) -> Vec<Vec<Val>> {
        (counters::counts_of(&e.project, e.at, &e.act, &e.verdict).into_iter())
            .map(|((project, day, metric, who), n)| {
                vec![
                    Val::Text(project),
                    Val::Text(day),
                    Val::Text(metric.to_string()),
                    Val::Text(who),
                    Val::Int(n),
                ]
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_come_from_the_declaration() {
        assert_eq!(
            insert_sql(&ReportCounts),
            "INSERT INTO report_counts (project, day, metric, party, n) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (project, day, metric, party) DO UPDATE SET n = report_counts.n + excluded.n"
        );
        assert_eq!(
            insert_sql(&Notifications),
            "INSERT INTO notifications (seq, idx, project, party) VALUES ($1, $2, $3, $4)"
        );
        assert!(insert_unnest_sql(&Violations)
            .contains("unnest($1::bigint[], $2::bigint[], $3::text[]"));
    }

    #[test]
    fn counts_of_one_key_are_summed() {
        let row = |n| {
            vec![
                Val::from("p"),
                Val::from("d"),
                Val::from("m"),
                Val::from(""),
                Val::Int(n),
            ]
        };
        let out = settle(&ReportCounts, vec![row(2), row(3)].into_iter());
        assert_eq!(out, vec![row(5)]);
        let out = settle(&Notifications, vec![row(2), row(3)].into_iter());
        assert_eq!(out.len(), 2, "appended rows stay as they are");
    }
}
