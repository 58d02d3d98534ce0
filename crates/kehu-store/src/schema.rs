//! The schema's versions, embedded: SQL per backend, with a Rust step where SQL alone cannot do
//! the work (sealing existing entries needs the key). `kehu migrate` and every start apply what a
//! database lacks, one version per transaction; `kehu_schema` records what was applied.

use crate::backend::Blind;
use crate::batch::{event_aad, keys_of};
use crate::keys::Keys;
use crate::{corrupt, StoreError};
use kehu_core::state::Event;

/// What runs between a migration's two SQL parts.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Step {
    None,
    /// v2: seal every plaintext entry and rebuild the (now blind) index keys.
    Seal,
    /// v3: add the index keys of every entry that a version before did not write (names).
    Reindex,
    /// Fill a projection kept from entries alone (`kept.rs`, named by its table) from every
    /// existing entry (v12: the report counters).
    Fill(&'static str),
}

pub(crate) struct Migration {
    pub version: i64,
    pub name: &'static str,
    /// SQLite: before and after the step.
    pub sqlite: (&'static str, &'static str),
    /// PostgreSQL: before and after the step.
    pub postgres: (&'static str, &'static str),
    pub step: Step,
}

impl Migration {
    /// The SHA-256 of this version's SQL for one backend (both parts), recorded when it is
    /// applied and compared at every start: an embedded migration edited after it shipped is
    /// found, not silently skipped.
    pub(crate) fn checksum(&self, postgres: bool) -> String {
        use sha2::{Digest, Sha256};
        let (a, b) = if postgres { self.postgres } else { self.sqlite };
        let mut h = Sha256::new();
        h.update(a.as_bytes());
        h.update([0u8]);
        h.update(b.as_bytes());
        h.finalize().iter().map(|x| format!("{x:02x}")).collect()
    }
}

/// Compares the recorded checksums (version, name, checksum or none) with this build's; a row
/// recorded before checksums existed is returned to be filled in.
pub(crate) fn check_recorded(
    rows: &[(i64, Option<String>)],
    postgres: bool,
) -> Result<Vec<(i64, String)>, StoreError> {
    let mut fill = Vec::new();
    for (version, sum) in rows {
        let Some(m) = MIGRATIONS.iter().find(|m| m.version == *version) else {
            continue;
        };
        let ours = m.checksum(postgres);
        match sum {
            Some(s) if *s != ours => {
                return Err(StoreError::MigrationChanged {
                    version: *version,
                    name: m.name.to_string(),
                })
            }
            Some(_) => {}
            None => fill.push((*version, ours)),
        }
    }
    Ok(fill)
}

pub(crate) const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "ledger",
        sqlite: (include_str!("../migrations/sqlite/0001_ledger.sql"), ""),
        postgres: (include_str!("../migrations/postgres/0001_ledger.sql"), ""),
        step: Step::None,
    },
    Migration {
        version: 2,
        name: "sealed",
        sqlite: (
            include_str!("../migrations/sqlite/0002_sealed.sql"),
            include_str!("../migrations/sqlite/0002_sealed_after.sql"),
        ),
        postgres: (
            include_str!("../migrations/postgres/0002_sealed.sql"),
            include_str!("../migrations/postgres/0002_sealed_after.sql"),
        ),
        step: Step::Seal,
    },
    Migration {
        version: 3,
        name: "accounts",
        sqlite: (include_str!("../migrations/sqlite/0003_accounts.sql"), ""),
        postgres: (include_str!("../migrations/postgres/0003_accounts.sql"), ""),
        step: Step::Reindex,
    },
    Migration {
        version: 4,
        name: "reports",
        sqlite: (include_str!("../migrations/sqlite/0004_reports.sql"), ""),
        postgres: (include_str!("../migrations/postgres/0004_reports.sql"), ""),
        step: Step::None,
    },
    Migration {
        version: 5,
        name: "key log",
        sqlite: (include_str!("../migrations/sqlite/0005_key_log.sql"), ""),
        postgres: (include_str!("../migrations/postgres/0005_key_log.sql"), ""),
        step: Step::None,
    },
    Migration {
        version: 6,
        name: "lean projections",
        sqlite: (include_str!("../migrations/sqlite/0006_lean_keys.sql"), ""),
        postgres: (
            include_str!("../migrations/postgres/0006_lean_keys.sql"),
            "",
        ),
        step: Step::None,
    },
    Migration {
        version: 7,
        name: "lean links",
        sqlite: (include_str!("../migrations/sqlite/0007_lean_links.sql"), ""),
        postgres: (
            include_str!("../migrations/postgres/0007_lean_links.sql"),
            "",
        ),
        step: Step::None,
    },
    Migration {
        version: 8,
        name: "key log",
        sqlite: (include_str!("../migrations/sqlite/0008_key_log.sql"), ""),
        postgres: (include_str!("../migrations/postgres/0008_key_log.sql"), ""),
        step: Step::None,
    },
    Migration {
        version: 9,
        name: "lean records",
        sqlite: (
            include_str!("../migrations/sqlite/0009_lean_records.sql"),
            "",
        ),
        postgres: (
            include_str!("../migrations/postgres/0009_lean_records.sql"),
            "",
        ),
        step: Step::None,
    },
    Migration {
        version: 10,
        name: "record keys",
        sqlite: (
            include_str!("../migrations/sqlite/0010_record_keys.sql"),
            "",
        ),
        postgres: (
            include_str!("../migrations/postgres/0010_record_keys.sql"),
            "",
        ),
        step: Step::None,
    },
    Migration {
        version: 11,
        name: "security",
        sqlite: (include_str!("../migrations/sqlite/0011_security.sql"), ""),
        postgres: (include_str!("../migrations/postgres/0011_security.sql"), ""),
        step: Step::None,
    },
    Migration {
        version: 12,
        name: "report_counts",
        sqlite: (
            include_str!("../migrations/sqlite/0012_report_counts.sql"),
            "",
        ),
        postgres: (
            include_str!("../migrations/postgres/0012_report_counts.sql"),
            "",
        ),
        step: Step::Fill("report_counts"),
    },
    Migration {
        version: 13,
        name: "act keys",
        sqlite: (include_str!("../migrations/sqlite/0013_act_keys.sql"), ""),
        postgres: (include_str!("../migrations/postgres/0013_act_keys.sql"), ""),
        step: Step::None,
    },
    Migration {
        version: 14,
        name: "inbox",
        sqlite: (include_str!("../migrations/sqlite/0014_inbox.sql"), ""),
        postgres: (include_str!("../migrations/postgres/0014_inbox.sql"), ""),
        step: Step::None,
    },
    Migration {
        version: 15,
        name: "project titles",
        sqlite: (
            include_str!("../migrations/sqlite/0015_project_titles.sql"),
            "",
        ),
        postgres: (
            include_str!("../migrations/postgres/0015_project_titles.sql"),
            "",
        ),
        step: Step::None,
    },
    Migration {
        version: 16,
        name: "due instants",
        sqlite: (include_str!("../migrations/sqlite/0016_due.sql"), ""),
        postgres: (include_str!("../migrations/postgres/0016_due.sql"), ""),
        step: Step::None,
    },
];

/// The rows of a projection kept from entries alone for every existing entry.
pub(crate) fn fill(
    keys: &Keys,
    k: &dyn crate::kept::Kept,
    rows: &[crate::backend::SealedRow],
) -> Result<Vec<Vec<crate::sql::Val>>, StoreError> {
    let events = (rows.iter())
        .map(|row| crate::batch::decode(keys, row))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(crate::kept::rows_of_all(k, &events))
}

/// The newest schema version this build knows.
pub const LATEST: i64 = MIGRATIONS[MIGRATIONS.len() - 1].version;

/// Sealed rows `(seq, key id, body)` and blind index rows `(project, key, customer)` for v1's
/// plaintext entries `(seq, project, body)`.
#[allow(clippy::type_complexity)]
pub(crate) fn seal_v1(
    keys: &Keys,
    plain: &[(i64, String, String)],
) -> Result<(Vec<(i64, i64, Vec<u8>)>, Vec<(String, Blind, i64)>), StoreError> {
    let mut sealed = Vec::with_capacity(plain.len());
    let mut index = Vec::new();
    for (seq, project, body) in plain {
        let e: Event = serde_json::from_str(body).map_err(|err| corrupt(*seq, err))?;
        if e.seq != *seq || &e.project != project {
            return Err(corrupt(*seq, format!("body says seq {}", e.seq)));
        }
        let (k, s) = keys.seal(&event_aad(*seq, project), body.as_bytes());
        sealed.push((*seq, k as i64, s));
        for key in keys_of(&e) {
            for c in &e.customers {
                index.push((project.clone(), keys.blind(&key), c.0));
            }
        }
    }
    Ok((sealed, index))
}

/// Blind index rows `(project, key, customer)` of sealed entries (every key an entry has today;
/// the caller inserts them with ON CONFLICT DO NOTHING).
pub(crate) fn reindex(
    keys: &Keys,
    rows: &[crate::backend::SealedRow],
) -> Result<Vec<(String, Blind, i64)>, StoreError> {
    let mut index = Vec::new();
    for row in rows {
        let e = crate::batch::decode(keys, row)?;
        for key in keys_of(&e) {
            for c in &e.customers {
                index.push((row.project.clone(), keys.blind(&key), c.0));
            }
        }
    }
    Ok(index)
}
