//! The SQLite backend (the default: one file beside the config, or in memory).
//!
//! Bulk statements pass their rows as one JSON array (`json_each`), blobs as hex (`unhex`): one
//! prepared statement per table, whatever the batch size.

use crate::backend::{Blind, Read, Rows, SealedRow, Write, WriteSet};
use crate::schema::{Step, MIGRATIONS};
use crate::StoreError;
use serde_json::{json, Value};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, Sqlite, SqlitePool, Transaction};
use std::str::FromStr;
use std::time::Duration;

pub(crate) async fn connect(url: &str) -> Result<SqlitePool, StoreError> {
    let memory = url == "sqlite::memory:" || url == ":memory:";
    let opts = if memory {
        SqliteConnectOptions::from_str("sqlite::memory:")?
    } else if let Some(path) = url.strip_prefix("sqlite:") {
        SqliteConnectOptions::new()
            .filename(path.trim_start_matches("//"))
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a batch is on disk (the WAL is synced) before anyone hears of it.
            .synchronous(SqliteSynchronous::Full)
            // The writer does not checkpoint after its commits; a background task does (see
            // `checkpointer`), this is only the cap if it falls behind.
            .pragma("wal_autocheckpoint", "16384")
    } else {
        return Err(StoreError::Url(url.to_string()));
    };
    let opts = opts
        .foreign_keys(true)
        // Freed pages are zeroed: a re-sealed or dropped value leaves no trace in the file.
        .pragma("secure_delete", "on")
        // 64 MiB of page cache per connection: the index pages a probe touches stay in memory.
        .pragma("cache_size", "-65536")
        .busy_timeout(Duration::from_secs(30));
    Ok(SqlitePoolOptions::new()
        // An in-memory database lives in one connection.
        .max_connections(if memory { 1 } else { 4 })
        .connect_with(opts)
        .await?)
}

/// Copies the WAL back into the database file every quarter second (a PASSIVE checkpoint runs
/// beside readers and the writer), so that commits stay short. Stops when `stop` is set.
pub(crate) fn checkpointer(pool: SqlitePool, stop: std::sync::Arc<std::sync::atomic::AtomicBool>) {
    tokio::spawn(async move {
        while !stop.load(std::sync::atomic::Ordering::Relaxed) {
            tokio::time::sleep(Duration::from_millis(250)).await;
            let _ = sqlx::raw_sql("PRAGMA wal_checkpoint(PASSIVE)")
                .execute(&pool)
                .await;
        }
    });
}

pub(crate) struct SqliteTx(pub Transaction<'static, Sqlite>);

/// A write transaction. IMMEDIATE takes the write lock up front, so that two writers (two
/// processes on one file) never deadlock on an upgrade.
pub(crate) async fn begin(pool: &SqlitePool) -> Result<SqliteTx, StoreError> {
    Ok(SqliteTx(pool.begin_with("BEGIN IMMEDIATE").await?))
}

/// A read snapshot (WAL readers never block the writer).
pub(crate) async fn read(pool: &SqlitePool) -> Result<SqliteTx, StoreError> {
    Ok(SqliteTx(pool.begin().await?))
}

fn sealed_row(r: &sqlx::sqlite::SqliteRow, at: usize) -> SealedRow {
    SealedRow {
        seq: r.get(at),
        project: r.get(at + 1),
        key_id: r.get::<i64, _>(at + 2) as u32,
        body: r.get(at + 3),
    }
}

impl Read for SqliteTx {
    async fn project_state(&mut self, project: &str) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT state FROM projects WHERE name = ?")
                .bind(project)
                .fetch_optional(&mut *self.0)
                .await?,
        )
    }

    async fn customers_by_keys(
        &mut self,
        project: &str,
        keys: &[Blind],
    ) -> Result<Vec<(Blind, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT key, customer FROM customer_keys \
             WHERE project = ? AND key IN (SELECT value FROM json_each(?))",
        )
        .bind(project)
        .bind(json!(keys).to_string())
        .fetch_all(&mut *self.0)
        .await?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    async fn events_of(&mut self, customers: &[i64]) -> Result<Vec<(i64, SealedRow)>, StoreError> {
        let rows = sqlx::query(
            "SELECT c.customer, e.seq, e.project, e.key_id, e.body \
             FROM event_customers c JOIN events e ON e.seq = c.seq \
             WHERE c.customer IN (SELECT value FROM json_each(?)) ORDER BY c.customer, e.seq",
        )
        .bind(json!(customers).to_string())
        .fetch_all(&mut *self.0)
        .await?;
        Ok(rows.iter().map(|r| (r.get(0), sealed_row(r, 1))).collect())
    }

    async fn held_by(&mut self, project: &str, holder: &str) -> Result<Vec<i64>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT id FROM customers WHERE project = ? AND holder = ?")
                .bind(project)
                .bind(holder)
                .fetch_all(&mut *self.0)
                .await?,
        )
    }
}

impl Write for SqliteTx {
    async fn next_ids(&mut self) -> Result<(i64, i64), StoreError> {
        let r = sqlx::query(
            "SELECT (SELECT COALESCE(MAX(seq), 0) + 1 FROM events), \
                    (SELECT COALESCE(MAX(id), 0) + 1 FROM customers)",
        )
        .fetch_one(&mut *self.0)
        .await?;
        Ok((r.get(0), r.get(1)))
    }

    async fn flush(&mut self, w: &WriteSet) -> Result<(), StoreError> {
        let c = &mut *self.0;
        let run = |sql: &'static str, rows: Vec<Value>| (sql, Value::Array(rows).to_string());
        // Sealed bodies are bound as blobs, 32 rows a statement.
        for chunk in w.events.chunks(32) {
            let mut sql =
                String::from("INSERT INTO events (seq, project, at_ms, act, key_id, body) VALUES ");
            for i in 0..chunk.len() {
                sql.push_str(if i == 0 {
                    "(?,?,?,?,?,?)"
                } else {
                    ",(?,?,?,?,?,?)"
                });
            }
            let mut q = sqlx::query(&sql);
            for (s, p, at, a, k, b) in chunk {
                q = q.bind(s).bind(p).bind(at).bind(a).bind(*k as i64).bind(b);
            }
            q.execute(&mut *c).await?;
        }
        let statements = [
            run(
                "INSERT INTO customers (id, project, holder, holder_rule, last_seq) \
                 SELECT value->>0, value->>1, value->>2, value->>3, value->>4 FROM json_each(?)",
                w.new_customers
                    .iter()
                    .map(|(id, (p, h, r, s))| json!([id, p, h, r, s]))
                    .collect(),
            ),
            run(
                "INSERT INTO event_customers (customer, seq) \
                 SELECT value->>0, value->>1 FROM json_each(?)",
                w.links.iter().map(|(c, s)| json!([c, s])).collect(),
            ),
            run(
                "UPDATE customers SET last_seq = COALESCE(j.value->>1, last_seq), \
                   holder = COALESCE(j.value->>2, holder), \
                   holder_rule = COALESCE(j.value->>3, holder_rule) \
                 FROM json_each(?) AS j WHERE customers.id = j.value->>0",
                w.customer_updates
                    .iter()
                    .map(|(id, (s, h, r))| json!([id, s, h, r]))
                    .collect(),
            ),
            run(
                "INSERT INTO customer_keys (project, key, customer) \
                 SELECT value->>0, value->>1, value->>2 FROM json_each(?) WHERE true \
                 ON CONFLICT DO NOTHING",
                w.keys.iter().map(|(p, k, c)| json!([p, k, c])).collect(),
            ),
            run(
                "INSERT INTO projects (name, state) \
                 SELECT value->>0, value->>1 FROM json_each(?) WHERE true \
                 ON CONFLICT (name) DO UPDATE SET state = excluded.state",
                w.projects.iter().map(|(p, s)| json!([p, s])).collect(),
            ),
            run(
                "UPDATE disputes SET closed_seq = j.value->>1 FROM json_each(?) AS j \
                 WHERE disputes.customer = j.value->>0 AND disputes.closed_seq IS NULL \
                   AND disputes.seq < j.value->>1",
                w.closes.iter().map(|(c, s)| json!([c, s])).collect(),
            ),
            run(
                "INSERT INTO disputes (seq, project, customer, rule, deadline_ms, closed_seq) \
                 SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5 \
                 FROM json_each(?)",
                w.disputes
                    .iter()
                    .map(|(s, (p, c, r, d, x))| json!([s, p, c, r, d, x]))
                    .collect(),
            ),
            run(
                "INSERT INTO violations (seq, idx, project, party, rule, amount, note) \
                 SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, \
                        value->>6 FROM json_each(?)",
                w.violations
                    .iter()
                    .map(|(s, i, p, q, r, a, n)| json!([s, i, p, q, r, a, n]))
                    .collect(),
            ),
            run(
                "INSERT INTO notifications (seq, idx, project, party) \
                 SELECT value->>0, value->>1, value->>2, value->>3 FROM json_each(?)",
                w.notifications
                    .iter()
                    .map(|(s, i, p, q)| json!([s, i, p, q]))
                    .collect(),
            ),
        ];
        for (sql, rows) in statements {
            if rows != "[]" {
                sqlx::query(sql).bind(rows).execute(&mut *c).await?;
            }
        }
        Ok(())
    }

    async fn commit(self) -> Result<(), StoreError> {
        Ok(self.0.commit().await?)
    }
}

pub(crate) async fn all_events(pool: &SqlitePool) -> Result<Vec<SealedRow>, StoreError> {
    let rows = sqlx::query("SELECT seq, project, key_id, body FROM events ORDER BY seq")
        .fetch_all(pool)
        .await?;
    Ok(rows.iter().map(|r| sealed_row(r, 0)).collect())
}

/// Events `seq > after` sealed with another key than `key_id`, at most `limit`.
pub(crate) async fn events_to_reseal(
    pool: &SqlitePool,
    key_id: u32,
    after: i64,
    limit: i64,
) -> Result<Vec<SealedRow>, StoreError> {
    let rows = sqlx::query(
        "SELECT seq, project, key_id, body FROM events WHERE seq > ? AND key_id <> ? \
         ORDER BY seq LIMIT ?",
    )
    .bind(after)
    .bind(key_id)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows.iter().map(|r| sealed_row(r, 0)).collect())
}

/// Re-seals entries: `(seq, key id, body)`.
pub(crate) async fn reseal(
    pool: &SqlitePool,
    rows: &[(i64, u32, Vec<u8>)],
) -> Result<(), StoreError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    for (seq, k, body) in rows {
        sqlx::query("UPDATE events SET key_id = ?, body = ? WHERE seq = ?")
            .bind(k)
            .bind(body)
            .bind(seq)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn rows(pool: &SqlitePool) -> Result<Rows, StoreError> {
    let mut out = Rows::default();
    for r in sqlx::query("SELECT id, project, holder, holder_rule, last_seq FROM customers")
        .fetch_all(pool)
        .await?
    {
        out.customers
            .push((r.get(0), (r.get(1), r.get(2), r.get(3), r.get(4))));
    }
    for r in sqlx::query("SELECT project, key, customer FROM customer_keys")
        .fetch_all(pool)
        .await?
    {
        out.keys.push((r.get(0), r.get(1), r.get(2)));
    }
    for r in sqlx::query("SELECT name, state FROM projects")
        .fetch_all(pool)
        .await?
    {
        out.projects.push((r.get(0), r.get(1)));
    }
    for r in
        sqlx::query("SELECT seq, project, customer, rule, deadline_ms, closed_seq FROM disputes")
            .fetch_all(pool)
            .await?
    {
        out.disputes
            .push((r.get(0), (r.get(1), r.get(2), r.get(3), r.get(4), r.get(5))));
    }
    for r in sqlx::query("SELECT seq, idx, project, party, rule, amount, note FROM violations")
        .fetch_all(pool)
        .await?
    {
        out.violations.push((
            r.get(0),
            r.get(1),
            r.get(2),
            r.get(3),
            r.get(4),
            r.get(5),
            r.get(6),
        ));
    }
    for r in sqlx::query("SELECT seq, idx, project, party FROM notifications")
        .fetch_all(pool)
        .await?
    {
        out.notifications
            .push((r.get(0), r.get(1), r.get(2), r.get(3)));
    }
    Ok(out)
}

// ---- Migrations ----------------------------------------------------------------------------

async fn table_exists(
    tx: &mut Transaction<'static, Sqlite>,
    name: &str,
) -> Result<bool, StoreError> {
    Ok(sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?",
    )
    .bind(name)
    .fetch_one(&mut **tx)
    .await?
        > 0)
}

/// The schema version, adopting a database made by the first release (sqlx's migration table).
async fn version(tx: &mut Transaction<'static, Sqlite>) -> Result<i64, StoreError> {
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS kehu_schema (
            version    INTEGER PRIMARY KEY,
            name       TEXT    NOT NULL,
            applied_ms INTEGER NOT NULL)",
    )
    .execute(&mut **tx)
    .await?;
    let v: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM kehu_schema")
        .fetch_one(&mut **tx)
        .await?;
    if v == 0 && table_exists(tx, "_sqlx_migrations").await? {
        let old: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success",
        )
        .fetch_one(&mut **tx)
        .await?;
        for m in MIGRATIONS.iter().filter(|m| m.version <= old) {
            record(tx, m.version, m.name).await?;
        }
        return Ok(old);
    }
    Ok(v)
}

async fn record(
    tx: &mut Transaction<'static, Sqlite>,
    version: i64,
    name: &str,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO kehu_schema (version, name, applied_ms) VALUES (?, ?, ?)")
        .bind(version)
        .bind(name)
        .bind(jiff::Timestamp::now().as_millisecond())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Applies the migrations above the database's version, each in its own transaction, up to
/// `target` (all when None). Returns the versions applied.
pub(crate) async fn migrate(
    pool: &SqlitePool,
    keys: &crate::keys::Keys,
    target: Option<i64>,
) -> Result<Vec<i64>, StoreError> {
    let mut applied = Vec::new();
    let mut sealed_existing = false;
    for m in MIGRATIONS {
        if target.is_some_and(|t| m.version > t) {
            break;
        }
        let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
        if version(&mut tx).await? >= m.version {
            tx.commit().await?;
            continue;
        }
        sqlx::raw_sql(m.sqlite.0).execute(&mut *tx).await?;
        match m.step {
            Step::None => {}
            Step::Seal => {
                let rows = sqlx::query("SELECT seq, project, body FROM events ORDER BY seq")
                    .fetch_all(&mut *tx)
                    .await?;
                let mut plain = Vec::with_capacity(rows.len());
                for r in &rows {
                    plain.push((
                        r.get::<i64, _>(0),
                        r.get::<String, _>(1),
                        r.get::<String, _>(2),
                    ));
                }
                let (sealed, keyrows) = crate::schema::seal_v1(keys, &plain)?;
                sealed_existing = !sealed.is_empty();
                for (seq, k, body) in sealed {
                    sqlx::query("UPDATE events SET key_id = ?, sealed = ? WHERE seq = ?")
                        .bind(k)
                        .bind(body)
                        .bind(seq)
                        .execute(&mut *tx)
                        .await?;
                }
                for (p, k, c) in keyrows {
                    sqlx::query(
                        "INSERT INTO customer_keys (project, key, customer) VALUES (?, ?, ?) \
                         ON CONFLICT DO NOTHING",
                    )
                    .bind(p)
                    .bind(k)
                    .bind(c)
                    .execute(&mut *tx)
                    .await?;
                }
            }
        }
        sqlx::raw_sql(m.sqlite.1).execute(&mut *tx).await?;
        record(&mut tx, m.version, m.name).await?;
        tx.commit().await?;
        applied.push(m.version);
    }
    if sealed_existing {
        // The plaintext pages are free now; rewrite the file so that none survives, then empty
        // the WAL (which held the old pages too).
        sqlx::raw_sql("VACUUM").execute(pool).await?;
        sqlx::raw_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(pool)
            .await?;
    }
    Ok(applied)
}

/// The keyring rows: `(kind, id, fingerprint)`.
pub(crate) async fn keyring(pool: &SqlitePool) -> Result<Vec<(String, i64, Vec<u8>)>, StoreError> {
    let rows = sqlx::query("SELECT kind, id, fingerprint FROM keyring ORDER BY kind, id")
        .fetch_all(pool)
        .await?;
    Ok(rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect())
}

pub(crate) async fn add_keyring(
    pool: &SqlitePool,
    kind: &str,
    id: i64,
    fp: &[u8],
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO keyring (kind, id, fingerprint) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
    )
    .bind(kind)
    .bind(id)
    .bind(fp)
    .execute(pool)
    .await?;
    Ok(())
}
