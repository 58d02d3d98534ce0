//! The SQLite backend (the default: one file beside the config, or in memory).

use crate::backend::{Rows, Tx};
use crate::StoreError;
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
            .synchronous(SqliteSynchronous::Normal)
    } else {
        return Err(StoreError::Url(url.to_string()));
    };
    let opts = opts
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10));
    let pool = SqlitePoolOptions::new()
        // An in-memory database lives in one connection.
        .max_connections(if memory { 1 } else { 4 })
        .connect_with(opts)
        .await?;
    sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
    Ok(pool)
}

pub(crate) struct SqliteTx(pub Transaction<'static, Sqlite>);

pub(crate) async fn begin(pool: &SqlitePool) -> Result<SqliteTx, StoreError> {
    // IMMEDIATE: take the write lock up front, so that two writers never deadlock on an upgrade.
    Ok(SqliteTx(pool.begin_with("BEGIN IMMEDIATE").await?))
}

impl Tx for SqliteTx {
    async fn project_state(&mut self, project: &str) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT state FROM projects WHERE name = ?")
                .bind(project)
                .fetch_optional(&mut *self.0)
                .await?,
        )
    }

    async fn customers_by_key(&mut self, project: &str, key: &str) -> Result<Vec<i64>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT customer FROM customer_keys WHERE project = ? AND key = ?")
                .bind(project)
                .bind(key)
                .fetch_all(&mut *self.0)
                .await?,
        )
    }

    async fn events_of(&mut self, customer: i64) -> Result<Vec<(i64, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT e.seq, e.body FROM event_customers c JOIN events e ON e.seq = c.seq WHERE c.customer = ? ORDER BY e.seq",
        )
        .bind(customer)
        .fetch_all(&mut *self.0)
        .await?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
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

    async fn next_seq(&mut self) -> Result<i64, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) + 1 FROM events")
                .fetch_one(&mut *self.0)
                .await?,
        )
    }

    async fn new_customer(&mut self, project: &str, seq: i64) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "INSERT INTO customers (project, last_seq) VALUES (?, ?) RETURNING id",
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
        sqlx::query("INSERT INTO events (seq, project, at_ms, act, body) VALUES (?, ?, ?, ?, ?)")
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
        sqlx::query("INSERT INTO event_customers (customer, seq) VALUES (?, ?)")
            .bind(customer)
            .bind(seq)
            .execute(&mut *self.0)
            .await?;
        Ok(())
    }

    async fn add_key(&mut self, project: &str, key: &str, customer: i64) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO customer_keys (project, key, customer) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")
            .bind(project)
            .bind(key)
            .bind(customer)
            .execute(&mut *self.0)
            .await?;
        Ok(())
    }

    async fn touch_customer(&mut self, customer: i64, seq: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE customers SET last_seq = ? WHERE id = ?")
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
        sqlx::query("UPDATE customers SET holder = ?, holder_rule = ? WHERE id = ?")
            .bind(holder)
            .bind(rule)
            .bind(customer)
            .execute(&mut *self.0)
            .await?;
        Ok(())
    }

    async fn close_disputes(&mut self, customer: i64, seq: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE disputes SET closed_seq = ? WHERE customer = ? AND closed_seq IS NULL")
            .bind(seq)
            .bind(customer)
            .execute(&mut *self.0)
            .await?;
        Ok(())
    }

    async fn put_project(&mut self, project: &str, state: &str) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO projects (name, state) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET state = excluded.state")
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
        sqlx::query("INSERT INTO disputes (seq, project, customer, rule, deadline_ms) VALUES (?, ?, ?, ?, ?)")
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
        sqlx::query("INSERT INTO violations (seq, idx, project, party, rule, amount, note) VALUES (?, ?, ?, ?, ?, ?, ?)")
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
        sqlx::query("INSERT INTO notifications (seq, idx, project, party) VALUES (?, ?, ?, ?)")
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

pub(crate) async fn all_events(pool: &SqlitePool) -> Result<Vec<(i64, String)>, StoreError> {
    let rows = sqlx::query("SELECT seq, body FROM events ORDER BY seq")
        .fetch_all(pool)
        .await?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
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
