//! The PostgreSQL backend (scale-out: a `postgres://` URL in the config or `KEHU_DATABASE_URL`).
//! The SQL mirrors `sqlite.rs` statement by statement; bulk rows travel as typed arrays
//! (`unnest`) instead of JSON.

use crate::backend::{Blind, Read, Rows, SealedRow, Start, Write, WriteSet};
use crate::keyindex::KeyIndex;
use crate::schema::{Step, MIGRATIONS};
use crate::StoreError;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Postgres, Row, Transaction};
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Connects to `url`, optionally inside `schema` (created if missing).
pub(crate) async fn connect(url: &str, schema: Option<&str>) -> Result<PgPool, StoreError> {
    let mut opts = PgConnectOptions::from_str(url)?;
    if let Some(s) = schema {
        if !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(StoreError::Url(format!(
                "schema name {s:?}: letters, digits and _ only"
            )));
        }
        let admin = PgPoolOptions::new()
            .max_connections(1)
            .connect_with(opts.clone())
            .await?;
        sqlx::query(&format!("CREATE SCHEMA IF NOT EXISTS {s}"))
            .execute(&admin)
            .await?;
        admin.close().await;
        opts = opts.options([("search_path", s)]);
    }
    // Every query of kehu touches a handful of rows through an index: a parallel plan only adds
    // worker start-up (milliseconds) when the statistics are stale, as after a bulk import.
    opts = opts.options([("max_parallel_workers_per_gather", "0")]);
    // Each statement is prepared once per connection. With a parameter in a range (`id > $1`)
    // the server's generic plan looks costly on paper, so by default it plans every execution
    // anew (custom plans), a fraction of a millisecond each; the generic plans are the same
    // index scans.
    opts = opts.options([("plan_cache_mode", "force_generic_plan")]);
    Ok(PgPoolOptions::new()
        .max_connections(16)
        // sqlx pings a connection at every acquire by default: a round trip before every
        // transaction. Only a connection idle for a while is pinged (a server restart or a
        // dropped link shows there); one in steady use shows a fault at its next query.
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for < PING_AFTER_IDLE {
                    return Ok(true);
                }
                sqlx::Connection::ping(conn).await?;
                Ok(true)
            })
        })
        .acquire_timeout(Duration::from_secs(30))
        .connect_with(opts)
        .await?)
}

/// How long a pooled connection may sit idle before it is pinged when next acquired.
const PING_AFTER_IDLE: Duration = Duration::from_secs(10);

/// A PostgreSQL database as this process sees it: the pool, and the in-memory index of the
/// customer-key log (see [`catch_up`]).
#[derive(Clone)]
pub(crate) struct Pg {
    pub pool: PgPool,
    pub index: SharedIndex,
}

impl std::ops::Deref for Pg {
    type Target = PgPool;
    fn deref(&self) -> &PgPool {
        &self.pool
    }
}

/// The customer-key index of one database, shared by the writer and the readers of a process.
pub(crate) type SharedIndex = Arc<Mutex<KeyIndex>>;

fn poisoned() -> StoreError {
    StoreError::Batch("the key index was left unusable by a panic".into())
}

fn lock(index: &SharedIndex) -> Result<std::sync::MutexGuard<'_, KeyIndex>, StoreError> {
    index.lock().map_err(|_| poisoned())
}

/// A transaction with the key index; a write batch also keeps the keys it appended to the log,
/// which go into the index once it has committed.
pub(crate) struct PgTx(pub Transaction<'static, Postgres>, Appended);

pub(crate) struct Appended {
    index: SharedIndex,
    rows: Vec<(String, Blind, i64)>,
    last: i64,
}

impl Appended {
    fn new(index: &SharedIndex) -> Appended {
        Appended {
            index: index.clone(),
            rows: Vec::new(),
            last: 0,
        }
    }
}

/// Rows of the key log read in one query when the index catches up.
const CATCH_UP_PAGE: i64 = 65_536;

/// Reads the key log's rows above the index's mark into the index, from `c`'s snapshot.
///
/// The log is written only under the writers' lock, so its ids grow in commit order: a snapshot
/// holds every row up to its last id, and the rows above the mark are all that is new. The index
/// may be ahead of a reader's snapshot (it holds what the writer committed since); a record found
/// through it whose history the snapshot lacks has no events there and matches nothing.
pub(crate) async fn catch_up(
    c: &mut sqlx::PgConnection,
    index: &SharedIndex,
) -> Result<(), StoreError> {
    loop {
        let mark = lock(index)?.last_row();
        let rows = sqlx::query(
            "SELECT id, project, key, customer FROM customer_keys WHERE id > $1 ORDER BY id LIMIT $2",
        )
        .bind(mark)
        .bind(CATCH_UP_PAGE)
        .fetch_all(&mut *c)
        .await?;
        let mut ix = lock(index)?;
        for r in &rows {
            ix.take(r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?)?;
        }
        if (rows.len() as i64) < CATCH_UP_PAGE {
            return Ok(());
        }
    }
}

/// The advisory lock that serialises writers (the counterpart of SQLite's single writer): a batch
/// sees every act committed before it, also when several processes share the database.
const WRITE_LOCK: i64 = 0x6b65_6875;

/// `BEGIN` and the writers' lock in one round trip (a simple query of two statements).
fn begin_locked() -> String {
    format!("BEGIN; SELECT pg_advisory_xact_lock({WRITE_LOCK})")
}

/// Appends chained audit rows in a transaction.
pub(crate) async fn insert_audit(
    tx: &mut Transaction<'static, Postgres>,
    a: &[crate::audit::AuditRow],
) -> Result<(), StoreError> {
    if a.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO audit (seq, at_ms, actor, action, subject, detail, hash) \
         SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], \
                              $5::text[], $6::text[], $7::text[])",
    )
    .bind(col(a, |r| r.seq))
    .bind(col(a, |r| r.entry.at_ms))
    .bind(col(a, |r| r.entry.actor.clone()))
    .bind(col(a, |r| r.entry.action.clone()))
    .bind(col(a, |r| r.entry.subject.clone()))
    .bind(col(a, |r| r.entry.detail.clone()))
    .bind(col(a, |r| r.hash.clone()))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub(crate) async fn begin(pool: &PgPool) -> Result<Transaction<'static, Postgres>, StoreError> {
    Ok(pool.begin_with(begin_locked()).await?)
}

/// A writer's batch: [`begin`] with `synchronous_commit = off`, so that the commit does not wait
/// for the WAL to reach the disk; the batch is acknowledged only after [`flush_wal`] (see the
/// store's `pg_writer`).
pub(crate) async fn begin_batch(pg: &Pg) -> Result<PgTx, StoreError> {
    let sql = format!(
        "{}; SELECT set_config('synchronous_commit', 'off', true)",
        begin_locked()
    );
    Ok(PgTx(pg.begin_with(sql).await?, Appended::new(&pg.index)))
}

/// Waits until every commit made before the call is on the disk: a transaction that writes and
/// commits with `synchronous_commit = on` flushes the WAL up to its own commit record, and the WAL
/// is flushed in order, so every earlier commit record is flushed with it.
pub(crate) async fn flush_wal(pool: &PgPool) -> Result<(), StoreError> {
    sqlx::raw_sql(
        "BEGIN; SET LOCAL synchronous_commit = on; \
         UPDATE wal_flush SET n = n + 1 WHERE id = 1; COMMIT",
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// A read snapshot (REPEATABLE READ: every query of one decision sees the same commits).
pub(crate) async fn read(pg: &Pg) -> Result<PgTx, StoreError> {
    Ok(PgTx(
        pg.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .await?,
        Appended::new(&pg.index),
    ))
}

/// A sealed row from the four columns `seq, project, key_id, body` of `r`, from column `at` on.
fn sealed_row(r: &sqlx::postgres::PgRow, at: usize) -> Result<SealedRow, StoreError> {
    pg_sealed(r, at, at + 1, at + 2, at + 3)
}

/// A sealed row from the columns `seq`, `project`, `key_id` and `body` of `r`.
fn pg_sealed(
    r: &sqlx::postgres::PgRow,
    seq: usize,
    project: usize,
    key_id: usize,
    body: usize,
) -> Result<SealedRow, StoreError> {
    Ok(SealedRow {
        seq: r.try_get(seq)?,
        project: r.try_get(project)?,
        key_id: r.try_get::<i32, _>(key_id)? as u32,
        body: r.try_get(body)?,
    })
}

impl Read for PgTx {
    async fn project_state(&mut self, project: &str) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT state FROM projects WHERE name = $1")
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
        catch_up(&mut self.0, &self.1.index).await?;
        Ok(lock(&self.1.index)?.lookup(project, keys))
    }

    async fn events_of(&mut self, customers: &[i64]) -> Result<Vec<(i64, SealedRow)>, StoreError> {
        let rows = sqlx::query(
            "SELECT c.customer, e.seq, e.project, e.key_id, e.body \
             FROM event_customers c JOIN events e ON e.seq = c.seq \
             WHERE c.customer = ANY($1) ORDER BY c.customer, e.seq",
        )
        .bind(customers)
        .fetch_all(&mut *self.0)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, sealed_row(r, 1)?)))
            .collect()
    }

    async fn held_by(&mut self, project: &str, holder: &str) -> Result<Vec<i64>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT id FROM customers WHERE project = $1 AND holder = $2")
                .bind(project)
                .bind(holder)
                .fetch_all(&mut *self.0)
                .await?,
        )
    }
}

fn col<T, U>(rows: &[T], f: impl Fn(&T) -> U) -> Vec<U> {
    rows.iter().map(f).collect()
}

impl Write for PgTx {
    async fn next_ids(&mut self) -> Result<(i64, i64), StoreError> {
        let r = sqlx::query(
            "SELECT (SELECT COALESCE(MAX(seq), 0) + 1 FROM events), \
                    (SELECT COALESCE(MAX(id), 0) + 1 FROM customers)",
        )
        .fetch_one(&mut *self.0)
        .await?;
        Ok((r.get(0), r.get(1)))
    }

    /// One statement, so one snapshot (taken after the writers' lock, which an earlier
    /// statement took) and one round trip: the next ids, the projects' states, the key log's new
    /// rows, and the histories of the records the index finds before it takes those rows. The
    /// log's new rows are only other processes' (this process adds its own as it commits): when
    /// they name a record the first probe missed, its history takes a second query.
    /// Rows are told apart by their first column: 0 the next ids, 2 an event, 3 a project's
    /// state, 4 a row of the key log. The log's rows come a page at most, in id order (the
    /// rest, if any, page by page after it), so that a batch never carries an unbounded
    /// catch-up in one reply.
    async fn start(&mut self, probes: &[(&str, Vec<Blind>)]) -> Result<Start, StoreError> {
        let index = self.1.index.clone();
        let probe = |ix: &KeyIndex| {
            let mut hits = Vec::new();
            for (project, keys) in probes {
                for (k, c) in ix.lookup(project, keys) {
                    hits.push((project.to_string(), k, c));
                }
            }
            hits
        };
        let (mark, guessed) = {
            let ix = lock(&index)?;
            let hits = probe(&ix);
            let mut ids: Vec<i64> = hits.iter().map(|h| h.2).collect();
            ids.sort_unstable();
            ids.dedup();
            (ix.last_row(), ids)
        };
        let projects: Vec<String> = probes.iter().map(|(p, _)| p.to_string()).collect();
        let rows = sqlx::query(
            "SELECT 0 AS kind, (SELECT COALESCE(MAX(seq), 0) + 1 FROM events) AS a, \
                    (SELECT COALESCE(MAX(id), 0) + 1 FROM customers) AS b, NULL::bigint AS c, \
                    NULL::text AS s, NULL::text AS t, NULL::int AS i, NULL::bytea AS body \
             UNION ALL SELECT 2, ec.customer, e.seq, NULL, e.project, NULL, e.key_id, e.body \
               FROM event_customers ec JOIN events e ON e.seq = ec.seq \
               WHERE ec.customer = ANY($1::bigint[]) \
             UNION ALL SELECT 3, NULL, NULL, NULL, name, state, NULL, NULL \
               FROM projects WHERE name = ANY($2::text[]) \
             UNION ALL (SELECT 4, id, key, customer, project, NULL, NULL, NULL \
               FROM customer_keys WHERE id > $3 ORDER BY id LIMIT $4)",
        )
        .bind(&guessed)
        .bind(projects)
        .bind(mark)
        .bind(CATCH_UP_PAGE)
        .fetch_all(&mut *self.0)
        .await?;
        let mut start = Start::default();
        let mut log = Vec::new();
        for r in &rows {
            match r.try_get::<i32, _>(0)? {
                0 => (start.next_seq, start.next_customer) = (r.try_get(1)?, r.try_get(2)?),
                2 => start
                    .events
                    .push((r.try_get(1)?, pg_sealed(r, 2, 4, 6, 7)?)),
                3 => start.projects.push((r.try_get(4)?, r.try_get(5)?)),
                _ => log.push((
                    r.try_get::<i64, _>(1)?,
                    r.try_get::<String, _>(4)?,
                    r.try_get::<i64, _>(2)?,
                    r.try_get::<i64, _>(3)?,
                )),
            }
        }
        log.sort_unstable_by_key(|l| l.0);
        {
            let mut ix = lock(&index)?;
            for (id, project, key, customer) in &log {
                ix.take(*id, project, *key, *customer)?;
            }
        }
        if log.len() as i64 == CATCH_UP_PAGE {
            // Other processes wrote a page or more since: the rest, page by page (the lock is
            // held, so nothing is added meanwhile).
            catch_up(&mut self.0, &index).await?;
        }
        let missed: Vec<i64> = {
            let ix = lock(&index)?;
            start.hits = probe(&ix);
            let mut ids: Vec<i64> = start.hits.iter().map(|h| h.2).collect();
            ids.sort_unstable();
            ids.dedup();
            ids.retain(|c| guessed.binary_search(c).is_err());
            ids
        };
        if !missed.is_empty() {
            start.events.extend(self.events_of(&missed).await?);
        }
        start.events.sort_by_key(|(c, row)| (*c, row.seq));
        Ok(start)
    }

    async fn once(
        &mut self,
        account: &str,
        key: &str,
    ) -> Result<Option<(i64, String)>, StoreError> {
        Ok(sqlx::query_as(crate::batch::ONCE)
            .bind(account)
            .bind(key)
            .fetch_optional(&mut *self.0)
            .await?)
    }

    async fn audit_last(&mut self) -> Result<Option<(i64, String)>, StoreError> {
        Ok(sqlx::query_as(crate::audit::LAST)
            .fetch_optional(&mut *self.0)
            .await?)
    }

    async fn flush(&mut self, w: &WriteSet) -> Result<(), StoreError> {
        insert_audit(&mut self.0, &w.audit).await?;
        let c = &mut *self.0;
        // The key log takes a row only for a key its record does not have yet. The index holds
        // the whole log (the batch's start caught it up under the writers' lock), and a record
        // this batch creates (ids from the first new one up) has no key in it yet.
        let first_new = w.new_customers.first().map_or(i64::MAX, |n| n.0);
        let mut added: Vec<(String, Blind, i64)> = {
            let ix = lock(&self.1.index)?;
            let mut added = Vec::new();
            for (p, k, cu) in &w.keys {
                crate::keyindex::check_id(*cu)?;
                if *cu >= first_new || !ix.holds(p, *k, *cu) {
                    added.push((p.clone(), *k, *cu));
                }
            }
            added
        };
        added.sort_unstable();
        added.dedup();
        // The rows every batch writes, in one statement (one round trip; the batch holds the
        // writers' lock, so round trips are the writer's time). Foreign keys are checked at the
        // end of the statement, when all of them are in.
        let (e, n) = (&w.events, &w.new_customers);
        let last: i64 = sqlx::query(
            "WITH e AS (INSERT INTO events (seq, project, at_ms, act, key_id, body) \
               SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], \
                                    $5::int[], $6::bytea[])), \
             c AS (INSERT INTO customers (id, project, holder, holder_rule) \
               SELECT * FROM unnest($7::bigint[], $8::text[], $9::text[], $10::text[])), \
             l AS (INSERT INTO event_customers (customer, seq) \
               SELECT * FROM unnest($11::bigint[], $12::bigint[])), \
             k AS (INSERT INTO customer_keys (project, key, customer) \
               SELECT * FROM unnest($13::text[], $14::bigint[], $15::bigint[]) RETURNING id), \
             p AS (INSERT INTO projects (name, state) \
               SELECT * FROM unnest($16::text[], $17::text[]) \
               ON CONFLICT (name) DO UPDATE SET state = excluded.state) \
             SELECT COALESCE(MAX(id), 0) FROM k",
        )
        .bind(col(e, |r| r.0))
        .bind(col(e, |r| r.1.clone()))
        .bind(col(e, |r| r.2))
        .bind(col(e, |r| r.3.clone()))
        .bind(col(e, |r| r.4 as i32))
        .bind(col(e, |r| r.5.clone()))
        .bind(col(n, |r| r.0))
        .bind(col(n, |r| r.1 .0.clone()))
        .bind(col(n, |r| r.1 .1.clone()))
        .bind(col(n, |r| r.1 .2.clone()))
        .bind(col(&w.links, |r| r.0))
        .bind(col(&w.links, |r| r.1))
        .bind(col(&added, |r| r.0.clone()))
        .bind(col(&added, |r| r.1))
        .bind(col(&added, |r| r.2))
        .bind(col(&w.projects, |r| r.0.clone()))
        .bind(col(&w.projects, |r| r.1.clone()))
        .fetch_one(&mut *c)
        .await?
        .try_get(0)?;
        if !added.is_empty() {
            self.1.rows.extend(added);
            self.1.last = self.1.last.max(last);
        }
        if !w.customer_updates.is_empty() {
            let u = &w.customer_updates;
            sqlx::query(
                "UPDATE customers c SET holder = j.holder, holder_rule = j.rule \
                 FROM unnest($1::bigint[], $2::text[], $3::text[]) \
                   AS j(id, holder, rule) WHERE c.id = j.id",
            )
            .bind(col(u, |r| r.0))
            .bind(col(u, |r| r.1 .0.clone()))
            .bind(col(u, |r| r.1 .1.clone()))
            .execute(&mut *c)
            .await?;
        }
        if !w.closes.is_empty() {
            sqlx::query(
                "UPDATE disputes d SET closed_seq = j.seq \
                 FROM unnest($1::bigint[], $2::bigint[]) AS j(customer, seq) \
                 WHERE d.customer = j.customer AND d.closed_seq IS NULL AND d.seq < j.seq",
            )
            .bind(col(&w.closes, |r| r.0))
            .bind(col(&w.closes, |r| r.1))
            .execute(&mut *c)
            .await?;
        }
        if !w.disputes.is_empty() {
            let d = &w.disputes;
            sqlx::query(
                "INSERT INTO disputes (seq, project, customer, rule, deadline_ms, closed_seq) \
                 SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], \
                                      $5::bigint[], $6::bigint[])",
            )
            .bind(col(d, |r| r.0))
            .bind(col(d, |r| r.1 .0.clone()))
            .bind(col(d, |r| r.1 .1))
            .bind(col(d, |r| r.1 .2.clone()))
            .bind(col(d, |r| r.1 .3))
            .bind(col(d, |r| r.1 .4))
            .execute(&mut *c)
            .await?;
        }
        for (k, rows) in w.kept.ready() {
            keep_rows(&mut *c, k, &rows).await?;
        }
        if !w.onces.is_empty() {
            let o = &w.onces;
            sqlx::query(
                "INSERT INTO act_keys (account, key, fingerprint, seq, at_ms) \
                 SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[])",
            )
            .bind(col(o, |r| r.0.clone()))
            .bind(col(o, |r| r.1.clone()))
            .bind(col(o, |r| r.2.clone()))
            .bind(col(o, |r| r.3))
            .bind(col(o, |r| r.4))
            .execute(&mut *c)
            .await?;
        }
        let (set, clear): (Vec<_>, Vec<_>) = w.due.iter().partition(|(_, d)| d.is_some());
        if !clear.is_empty() {
            sqlx::query("DELETE FROM due WHERE customer = ANY($1::bigint[])")
                .bind(clear.iter().map(|(cu, _)| *cu).collect::<Vec<i64>>())
                .execute(&mut *c)
                .await?;
        }
        if !set.is_empty() {
            let rows: Vec<(i64, crate::backend::DueRow)> = set
                .iter()
                .filter_map(|(cu, d)| d.clone().map(|d| (*cu, d)))
                .collect();
            sqlx::query(
                "INSERT INTO due (customer, project, kind, at_ms, until_ms) \
                 SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::bigint[]) \
                 ON CONFLICT (customer) DO UPDATE SET project = excluded.project, kind = excluded.kind, \
                 at_ms = excluded.at_ms, until_ms = excluded.until_ms",
            )
            .bind(col(&rows, |r| r.0))
            .bind(col(&rows, |r| r.1 .0.clone()))
            .bind(col(&rows, |r| r.1 .1.clone()))
            .bind(col(&rows, |r| r.1 .2))
            .bind(col(&rows, |r| r.1 .3))
            .execute(&mut *c)
            .await?;
        }
        Ok(())
    }

    async fn commit(self) -> Result<(), StoreError> {
        self.0.commit().await?;
        let a = self.1;
        if !a.rows.is_empty() {
            lock(&a.index)?.add(&a.rows, a.last, &[], 0)?;
        }
        Ok(())
    }
}

pub(crate) async fn all_events(pool: &PgPool) -> Result<Vec<SealedRow>, StoreError> {
    let rows = sqlx::query("SELECT seq, project, key_id, body FROM events ORDER BY seq")
        .fetch_all(pool)
        .await?;
    rows.iter().map(|r| sealed_row(r, 0)).collect()
}

/// A project's events in a time range, or one by number (see [`crate::EventRange`]).
pub(crate) async fn events_of(
    pool: &PgPool,
    project: &str,
    range: crate::EventRange,
) -> Result<Vec<SealedRow>, StoreError> {
    let (sql, a, b, limit) = range.sql();
    let rows = sqlx::query(&sql)
        .bind(project)
        .bind(a)
        .bind(b)
        .bind(limit)
        .fetch_all(pool)
        .await?;
    rows.iter().map(|r| sealed_row(r, 0)).collect()
}

/// Events `seq > after` sealed with another key than `key_id`, at most `limit`.
pub(crate) async fn events_to_reseal(
    pool: &PgPool,
    key_id: u32,
    after: i64,
    limit: i64,
) -> Result<Vec<SealedRow>, StoreError> {
    let rows = sqlx::query(
        "SELECT seq, project, key_id, body FROM events WHERE seq > $1 AND key_id <> $2 \
         ORDER BY seq LIMIT $3",
    )
    .bind(after)
    .bind(key_id as i32)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.iter().map(|r| sealed_row(r, 0)).collect()
}

/// Re-seals entries: `(seq, key id, body)`.
pub(crate) async fn reseal(pool: &PgPool, rows: &[(i64, u32, Vec<u8>)]) -> Result<(), StoreError> {
    let mut tx = begin(pool).await?;
    sqlx::query(
        "UPDATE events e SET key_id = j.key_id, body = j.body \
         FROM unnest($1::bigint[], $2::int[], $3::bytea[]) AS j(seq, key_id, body) \
         WHERE e.seq = j.seq",
    )
    .bind(col(rows, |r| r.0))
    .bind(col(rows, |r| r.1 as i32))
    .bind(col(rows, |r| r.2.clone()))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn rows(pool: &PgPool) -> Result<Rows, StoreError> {
    let mut out = Rows::default();
    for r in sqlx::query("SELECT id, project, holder, holder_rule FROM customers")
        .fetch_all(pool)
        .await?
    {
        out.customers
            .push((r.get(0), (r.get(1), r.get(2), r.get(3))));
    }
    for r in sqlx::query("SELECT customer, seq FROM event_customers")
        .fetch_all(pool)
        .await?
    {
        out.links.push((r.get(0), r.get(1)));
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
    Ok(out)
}

// ---- Migrations ----------------------------------------------------------------------------

/// The schema version, adopting a database made by the first release (sqlx's migration table).
async fn version(tx: &mut Transaction<'static, Postgres>) -> Result<i64, StoreError> {
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS kehu_schema (
            version    BIGINT PRIMARY KEY,
            name       TEXT   NOT NULL,
            applied_ms BIGINT NOT NULL,
            checksum   TEXT);
         ALTER TABLE kehu_schema ADD COLUMN IF NOT EXISTS checksum TEXT",
    )
    .execute(&mut **tx)
    .await?;
    let v: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM kehu_schema")
        .fetch_one(&mut **tx)
        .await?;
    let old_table: bool = sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
        .fetch_one(&mut **tx)
        .await?;
    if v == 0 && old_table {
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
    tx: &mut Transaction<'static, Postgres>,
    version: i64,
    name: &str,
) -> Result<(), StoreError> {
    let sum = MIGRATIONS
        .iter()
        .find(|m| m.version == version)
        .map(|m| m.checksum(true));
    sqlx::query(
        "INSERT INTO kehu_schema (version, name, applied_ms, checksum) VALUES ($1, $2, $3, $4)",
    )
    .bind(version)
    .bind(name)
    .bind(jiff::Timestamp::now().as_millisecond())
    .bind(sum)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The applied versions' checksums against this build's (filling in those recorded before
/// checksums existed).
async fn check_checksums(pool: &PgPool) -> Result<(), StoreError> {
    let mut tx = begin(pool).await?;
    version(&mut tx).await?;
    let rows: Vec<(i64, Option<String>)> =
        sqlx::query_as("SELECT version, checksum FROM kehu_schema ORDER BY version")
            .fetch_all(&mut *tx)
            .await?;
    for (v, sum) in crate::schema::check_recorded(&rows, true)? {
        sqlx::query("UPDATE kehu_schema SET checksum = $1 WHERE version = $2")
            .bind(sum)
            .bind(v)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Applies the migrations above the database's version, each in its own transaction (under the
/// writers' advisory lock, so that two starting processes do not race), up to `target`.
pub(crate) async fn migrate(
    pool: &PgPool,
    keys: &crate::keys::Keys,
    target: Option<i64>,
) -> Result<Vec<i64>, StoreError> {
    let mut applied = Vec::new();
    check_checksums(pool).await?;
    for m in MIGRATIONS {
        if target.is_some_and(|t| m.version > t) {
            break;
        }
        let mut tx = begin(pool).await?;
        if version(&mut tx).await? >= m.version {
            tx.commit().await?;
            continue;
        }
        sqlx::raw_sql(m.postgres.0).execute(&mut *tx).await?;
        match m.step {
            Step::None => {}
            Step::Seal => {
                let rows = sqlx::query("SELECT seq, project, body FROM events ORDER BY seq")
                    .fetch_all(&mut *tx)
                    .await?;
                let plain: Vec<(i64, String, String)> = rows
                    .iter()
                    .map(|r| (r.get(0), r.get(1), r.get(2)))
                    .collect();
                let (sealed, keyrows) = crate::schema::seal_v1(keys, &plain)?;
                if !sealed.is_empty() {
                    sqlx::query(
                        "UPDATE events e SET key_id = j.key_id, sealed = j.body \
                         FROM unnest($1::bigint[], $2::int[], $3::bytea[]) AS j(seq, key_id, body) \
                         WHERE e.seq = j.seq",
                    )
                    .bind(col(&sealed, |r| r.0))
                    .bind(col(&sealed, |r| r.1 as i32))
                    .bind(col(&sealed, |r| r.2.clone()))
                    .execute(&mut *tx)
                    .await?;
                }
                insert_keys(&mut tx, &keyrows).await?;
            }
            Step::Reindex => {
                let rows =
                    sqlx::query("SELECT seq, project, key_id, body FROM events ORDER BY seq")
                        .fetch_all(&mut *tx)
                        .await?;
                let rows = (rows.iter())
                    .map(|r| sealed_row(r, 0))
                    .collect::<Result<Vec<SealedRow>, _>>()?;
                insert_keys(&mut tx, &crate::schema::reindex(keys, &rows)?).await?;
            }
            Step::Fill(table) => {
                let k = crate::kept::by_table(table)?;
                let rows =
                    sqlx::query("SELECT seq, project, key_id, body FROM events ORDER BY seq")
                        .fetch_all(&mut *tx)
                        .await?;
                let rows = (rows.iter())
                    .map(|r| sealed_row(r, 0))
                    .collect::<Result<Vec<SealedRow>, _>>()?;
                keep_rows(&mut tx, k, &crate::schema::fill(keys, k, &rows)?).await?;
            }
        }
        sqlx::raw_sql(m.postgres.1).execute(&mut *tx).await?;
        record(&mut tx, m.version, m.name).await?;
        tx.commit().await?;
        applied.push(m.version);
    }
    Ok(applied)
}

/// Keeps rows of a projection kept from entries alone (`kept.rs`): one statement, one array
/// per column.
async fn keep_rows(
    c: &mut sqlx::PgConnection,
    k: &dyn crate::kept::Kept,
    rows: &[Vec<crate::sql::Val>],
) -> Result<(), StoreError> {
    use crate::kept::Ty;
    if rows.is_empty() {
        return Ok(());
    }
    let sql = crate::kept::insert_unnest_sql(k);
    let mut q = sqlx::query(&sql);
    for (i, (_, ty)) in k.columns().iter().enumerate() {
        let cells = rows.iter().map(|r| r.get(i));
        q = match ty {
            Ty::Int => q.bind(cells.map(|v| v.and_then(|v| v.int())).collect::<Vec<_>>()),
            Ty::Text => q.bind(
                cells
                    .map(|v| v.and_then(|v| v.text()).map(str::to_string))
                    .collect::<Vec<_>>(),
            ),
        };
    }
    q.execute(c).await?;
    Ok(())
}

async fn insert_keys(
    tx: &mut Transaction<'static, Postgres>,
    rows: &[(String, Blind, i64)],
) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO customer_keys (project, key, customer) \
         SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[]) \
         ON CONFLICT DO NOTHING",
    )
    .bind(col(rows, |r| r.0.clone()))
    .bind(col(rows, |r| r.1))
    .bind(col(rows, |r| r.2))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The keyring rows: `(kind, id, fingerprint)`.
pub(crate) async fn keyring(pool: &PgPool) -> Result<Vec<(String, i64, Vec<u8>)>, StoreError> {
    let rows = sqlx::query("SELECT kind, id, fingerprint FROM keyring ORDER BY kind, id")
        .fetch_all(pool)
        .await?;
    Ok(rows
        .iter()
        .map(|r| (r.get(0), r.get::<i32, _>(1) as i64, r.get(2)))
        .collect())
}

pub(crate) async fn add_keyring(
    pool: &PgPool,
    kind: &str,
    id: i64,
    fp: &[u8],
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO keyring (kind, id, fingerprint) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
    )
    .bind(kind)
    .bind(id as i32)
    .bind(fp)
    .execute(pool)
    .await?;
    Ok(())
}
