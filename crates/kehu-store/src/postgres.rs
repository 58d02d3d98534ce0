//! The PostgreSQL backend (scale-out: a `postgres://` URL in the config or `KEHU_DATABASE_URL`).
//! The SQL mirrors `sqlite.rs` statement by statement; only placeholders and connection set-up differ.

use crate::backend::{Rows, Tx};
use crate::StoreError;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Postgres, Row, Transaction};
use std::str::FromStr;
use std::time::Duration;

/// Connects to `url`, optionally inside `schema` (created if missing), and applies the migrations.
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
    let pool = PgPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(Duration::from_secs(30))
        .connect_with(opts)
        .await?;
    sqlx::migrate!("./migrations/postgres").run(&pool).await?;
    Ok(pool)
}

pub(crate) struct PgTx(pub Transaction<'static, Postgres>);

/// The advisory lock that serialises writers (the counterpart of SQLite's single writer): the
/// read-decide-append of one act sees every act committed before it.
const WRITE_LOCK: i64 = 0x6b65_6875;

pub(crate) async fn begin(pool: &PgPool) -> Result<PgTx, StoreError> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(WRITE_LOCK)
        .execute(&mut *tx)
        .await?;
    Ok(PgTx(tx))
}

impl Tx for PgTx {
    async fn project_state(&mut self, project: &str) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT state FROM projects WHERE name = $1")
                .bind(project)
                .fetch_optional(&mut *self.0)
                .await?,
        )
    }

    async fn customers_by_key(&mut self, project: &str, key: &str) -> Result<Vec<i64>, StoreError> {
        Ok(
            sqlx::query_scalar(
                "SELECT customer FROM customer_keys WHERE project = $1 AND key = $2",
            )
            .bind(project)
            .bind(key)
            .fetch_all(&mut *self.0)
            .await?,
        )
    }

    async fn events_of(&mut self, customer: i64) -> Result<Vec<(i64, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT e.seq, e.body FROM event_customers c JOIN events e ON e.seq = c.seq WHERE c.customer = $1 ORDER BY e.seq",
        )
        .bind(customer)
        .fetch_all(&mut *self.0)
        .await?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
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

    async fn next_seq(&mut self) -> Result<i64, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) + 1 FROM events")
                .fetch_one(&mut *self.0)
                .await?,
        )
    }

    async fn new_customer(&mut self, project: &str, seq: i64) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "INSERT INTO customers (project, last_seq) VALUES ($1, $2) RETURNING id",
        )
        .bind(project)
        .bind(seq)
        .fetch_one(&mut *self.0)
        .await?)
    }

    async fn insert_event(
        &mut self,
        seq: i64,
        project: &str,
        at_ms: i64,
        act: &str,
        body: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO events (seq, project, at_ms, act, body) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(seq)
        .bind(project)
        .bind(at_ms)
        .bind(act)
        .bind(body)
        .execute(&mut *self.0)
        .await?;
        Ok(())
    }

    async fn link(&mut self, customer: i64, seq: i64) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO event_customers (customer, seq) VALUES ($1, $2)")
            .bind(customer)
            .bind(seq)
            .execute(&mut *self.0)
            .await?;
        Ok(())
    }

    async fn add_key(&mut self, project: &str, key: &str, customer: i64) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO customer_keys (project, key, customer) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
            .bind(project)
            .bind(key)
            .bind(customer)
            .execute(&mut *self.0)
            .await?;
        Ok(())
    }

    async fn touch_customer(&mut self, customer: i64, seq: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE customers SET last_seq = $1 WHERE id = $2")
            .bind(seq)
            .bind(customer)
            .execute(&mut *self.0)
            .await?;
        Ok(())
    }

    async fn set_holder(
        &mut self,
        customer: i64,
        holder: &str,
        rule: &str,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE customers SET holder = $1, holder_rule = $2 WHERE id = $3")
            .bind(holder)
            .bind(rule)
            .bind(customer)
            .execute(&mut *self.0)
            .await?;
        Ok(())
    }

    async fn close_disputes(&mut self, customer: i64, seq: i64) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE disputes SET closed_seq = $1 WHERE customer = $2 AND closed_seq IS NULL",
        )
        .bind(seq)
        .bind(customer)
        .execute(&mut *self.0)
        .await?;
        Ok(())
    }

    async fn put_project(&mut self, project: &str, state: &str) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO projects (name, state) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET state = excluded.state")
            .bind(project)
            .bind(state)
            .execute(&mut *self.0)
            .await?;
        Ok(())
    }

    async fn add_dispute(
        &mut self,
        seq: i64,
        project: &str,
        customer: i64,
        rule: &str,
        deadline_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO disputes (seq, project, customer, rule, deadline_ms) VALUES ($1, $2, $3, $4, $5)")
            .bind(seq)
            .bind(project)
            .bind(customer)
            .bind(rule)
            .bind(deadline_ms)
            .execute(&mut *self.0)
            .await?;
        Ok(())
    }

    async fn add_violation(
        &mut self,
        seq: i64,
        idx: i64,
        project: &str,
        party: &str,
        rule: &str,
        amount: Option<i64>,
        note: &str,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO violations (seq, idx, project, party, rule, amount, note) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(seq)
            .bind(idx)
            .bind(project)
            .bind(party)
            .bind(rule)
            .bind(amount)
            .bind(note)
            .execute(&mut *self.0)
            .await?;
        Ok(())
    }

    async fn add_notification(
        &mut self,
        seq: i64,
        idx: i64,
        project: &str,
        party: &str,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO notifications (seq, idx, project, party) VALUES ($1, $2, $3, $4)")
            .bind(seq)
            .bind(idx)
            .bind(project)
            .bind(party)
            .execute(&mut *self.0)
            .await?;
        Ok(())
    }

    async fn commit(self) -> Result<(), StoreError> {
        Ok(self.0.commit().await?)
    }
}

pub(crate) async fn all_events(pool: &PgPool) -> Result<Vec<(i64, String)>, StoreError> {
    let rows = sqlx::query("SELECT seq, body FROM events ORDER BY seq")
        .fetch_all(pool)
        .await?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

pub(crate) async fn rows(pool: &PgPool) -> Result<Rows, StoreError> {
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
