//! kehu-store: the event ledger and its projections, on SQLite (default) or PostgreSQL.
//!
//! [`Store::execute`] is the one write path: in one transaction it loads the history of the
//! customers an act concerns (found by phone index probes, never a scan), asks the pure engine for
//! a decision, appends the event and updates the projections. [`Store::check`] rebuilds every
//! projection from the events and reports differences. The orchestration is written once over the
//! backend trait in `backend.rs`; `sqlite.rs` and `postgres.rs` hold the SQL.

mod backend;
mod postgres;
mod sqlite;

use backend::{CustomerRow, DisputeRow, Tx, ViolationRow};
use kehu_core::engine::{self, Context, Decision, Target};
use kehu_core::model::{Act, Command, CustomerId, Directory, Party};
use kehu_core::phone::Phone;
use kehu_core::policy::Rulebook;
use kehu_core::state::{Effect, Event, ProjectState, View};
use kehu_core::time::Instant;
use kehu_core::verdict::Verdict;
use sqlx::{PgPool, SqlitePool};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("ledger entry {seq} cannot be read: {detail}")]
    Corrupt { seq: i64, detail: String },
    #[error("engine: {0}")]
    Engine(#[from] engine::EngineError),
    #[error(
        "unsupported database URL {0:?}: expected sqlite:PATH, sqlite::memory: or postgres://…"
    )]
    Url(String),
    #[error("backup: {0}")]
    Backup(String),
}

/// The result of one act: its verdict and the ledger sequence number (none for a read).
#[derive(Debug, Clone)]
pub struct Outcome {
    pub verdict: Verdict,
    pub seq: Option<i64>,
}

/// A difference found by the ledger check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    pub table: &'static str,
    pub key: String,
    pub detail: String,
}

/// The backend a store runs on, chosen once from the URL scheme.
enum Backend {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// The ledger and its projections.
pub struct Store {
    backend: Backend,
    /// One writer at a time in this process. SQLite serialises writers anyway; PostgreSQL also
    /// takes an advisory lock, so that several processes stay exactly-once too.
    write: tokio::sync::Mutex<()>,
}

/// The documented PostgreSQL backup line: a custom-format dump that `pg_restore` reads.
pub fn pg_dump_command(url: &str, file: &str) -> Vec<String> {
    [
        "pg_dump",
        "--format=custom",
        "--no-owner",
        "--file",
        file,
        url,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// The documented PostgreSQL restore line (into an empty database).
pub fn pg_restore_command(url: &str, file: &str) -> Vec<String> {
    [
        "pg_restore",
        "--no-owner",
        "--exit-on-error",
        "--dbname",
        url,
        file,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn ms(t: Instant) -> i64 {
    t.as_millisecond()
}

fn party_key(p: &Party) -> String {
    p.to_string()
}

fn corrupt(seq: i64, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        seq,
        detail: detail.to_string(),
    }
}

fn schema_ok(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl Store {
    /// Opens the database at `url` and applies the migrations: `sqlite:PATH`, `sqlite::memory:`
    /// or `postgres://…`. Any other scheme is an error.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        let backend = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres(postgres::connect(url, None).await?)
        } else if url.starts_with("sqlite:") || url == ":memory:" {
            Backend::Sqlite(sqlite::connect(url).await?)
        } else {
            return Err(StoreError::Url(url.to_string()));
        };
        Ok(Store {
            backend,
            write: tokio::sync::Mutex::new(()),
        })
    }

    /// A PostgreSQL store inside its own schema (created if missing): one per test run.
    pub async fn open_postgres_schema(url: &str, schema: &str) -> Result<Store, StoreError> {
        if !schema_ok(schema) {
            return Err(StoreError::Url(format!(
                "schema {schema:?}: letters, digits and _ only"
            )));
        }
        Ok(Store {
            backend: Backend::Postgres(postgres::connect(url, Some(schema)).await?),
            write: tokio::sync::Mutex::new(()),
        })
    }

    /// Drops a schema made by [`Store::open_postgres_schema`].
    pub async fn drop_postgres_schema(url: &str, schema: &str) -> Result<(), StoreError> {
        if !schema_ok(schema) {
            return Err(StoreError::Url(format!(
                "schema {schema:?}: letters, digits and _ only"
            )));
        }
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(1)
            .connect(url)
            .await?;
        sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
            .execute(&pool)
            .await?;
        pool.close().await;
        Ok(())
    }

    /// A fresh in-memory store (scenarios, tests).
    pub async fn memory() -> Result<Store, StoreError> {
        Store::open("sqlite::memory:").await
    }

    /// The backend's name: `sqlite` or `postgres`.
    pub fn backend_name(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }

    /// The SQLite pool, when on SQLite (tests and maintenance commands).
    pub fn sqlite_pool(&self) -> Option<&SqlitePool> {
        match &self.backend {
            Backend::Sqlite(p) => Some(p),
            Backend::Postgres(_) => None,
        }
    }

    /// The PostgreSQL pool, when on PostgreSQL.
    pub fn postgres_pool(&self) -> Option<&PgPool> {
        match &self.backend {
            Backend::Postgres(p) => Some(p),
            Backend::Sqlite(_) => None,
        }
    }

    /// Decides and records one command at `now` under `rulebook`.
    pub async fn execute(
        &self,
        rulebook: &Rulebook,
        directory: &Directory,
        cmd: &Command,
        now: Instant,
    ) -> Result<Outcome, StoreError> {
        let _guard = self.write.lock().await;
        match &self.backend {
            Backend::Sqlite(p) => run(sqlite::begin(p).await?, rulebook, directory, cmd, now).await,
            Backend::Postgres(p) => {
                run(postgres::begin(p).await?, rulebook, directory, cmd, now).await
            }
        }
    }

    /// Writes a consistent copy of a SQLite database to `path` (`VACUUM INTO`); the file must not
    /// exist. PostgreSQL is backed up with `pg_dump` (see [`pg_dump_command`]).
    pub async fn backup_sqlite(&self, path: &std::path::Path) -> Result<(), StoreError> {
        let Some(pool) = self.sqlite_pool() else {
            return Err(StoreError::Url(
                "backup_sqlite on a PostgreSQL store".into(),
            ));
        };
        if path.exists() {
            return Err(StoreError::Backup(format!(
                "{} already exists",
                path.display()
            )));
        }
        let target = path
            .to_str()
            .ok_or_else(|| StoreError::Backup(format!("{} is not a UTF-8 path", path.display())))?;
        sqlx::query("VACUUM INTO ?")
            .bind(target)
            .execute(pool)
            .await?;
        Ok(())
    }

    /// Every event, in order.
    pub async fn events(&self) -> Result<Vec<Event>, StoreError> {
        let rows = match &self.backend {
            Backend::Sqlite(p) => sqlite::all_events(p).await?,
            Backend::Postgres(p) => postgres::all_events(p).await?,
        };
        rows.iter().map(|(seq, body)| decode(*seq, body)).collect()
    }

    /// Rebuilds the projections from the events and compares them with the stored ones
    /// (`kehu ledger check`).
    pub async fn check(&self) -> Result<Vec<Difference>, StoreError> {
        let events = self.events().await?;
        let mut diffs = Vec::new();
        for (i, e) in events.iter().enumerate() {
            if e.seq != i as i64 + 1 {
                diffs.push(Difference {
                    table: "events",
                    key: e.seq.to_string(),
                    detail: format!("sequence gap: expected {}", i + 1),
                });
                break;
            }
        }
        let expected = Projections::fold(&events);
        let rows = match &self.backend {
            Backend::Sqlite(p) => sqlite::rows(p).await?,
            Backend::Postgres(p) => postgres::rows(p).await?,
        };
        let actual = Projections::from_rows(rows)?;
        expected.compare(&actual, &mut diffs);
        Ok(diffs)
    }
}

/// One command in one transaction: load the context, decide, append, project, commit.
async fn run<T: Tx>(
    mut tx: T,
    rulebook: &Rulebook,
    directory: &Directory,
    cmd: &Command,
    now: Instant,
) -> Result<Outcome, StoreError> {
    let project: ProjectState = match tx.project_state(&cmd.project).await? {
        Some(json) => serde_json::from_str(&json)
            .map_err(|e| corrupt(0, format!("project {}: {e}", cmd.project)))?,
        None => ProjectState::default(),
    };
    let mut ctx = Context {
        directory: Some(directory),
        rulebook: Some(rulebook),
        project,
        ..Context::default()
    };
    if let Some(c) = cmd.act.customer() {
        if let Some(Ok(phone)) = c.parsed_phone() {
            ctx.candidates = load_views(&mut tx, &cmd.project, &phone).await?;
            // Household: the phone the act names, and links recorded on the customer's records.
            let mut hh: Vec<Phone> = Vec::new();
            if let Some(Ok(h)) = c.household_of.as_deref().map(Phone::parse) {
                hh.push(h);
            }
            let selected = engine::select(Some(c), &ctx.candidates);
            if let Some(v) = &selected {
                for e in &v.events {
                    let linked = e.act.customer().and_then(|x| x.household_of.as_deref());
                    if let Some(Ok(h)) = linked.map(Phone::parse) {
                        if !hh.contains(&h) {
                            hh.push(h);
                        }
                    }
                }
            }
            let mut household: Vec<View> = Vec::new();
            for h in &hh {
                for v in load_views(&mut tx, &cmd.project, h).await? {
                    if !household.iter().any(|x| x.ids == v.ids) {
                        household.push(v);
                    }
                }
            }
            // Records that name this customer as their household member.
            for v in load_views_by_keys(&mut tx, &cmd.project, &household_probes(&phone)).await? {
                let named = v.events.iter().any(|e| {
                    e.act
                        .customer()
                        .and_then(|x| x.household_of.as_deref())
                        .and_then(|t| Phone::parse(t).ok())
                        .is_some_and(|h| h.matches(&phone))
                });
                let own = selected
                    .as_ref()
                    .is_some_and(|s| s.ids.iter().any(|i| v.ids.contains(i)));
                if named && !own && !household.iter().any(|x| x.ids == v.ids) {
                    household.push(v);
                }
            }
            ctx.household = household;
        }
    }
    if let Act::Visit {
        referred_by: Some(r),
        ..
    } = &cmd.act
    {
        if let Ok(p) = Phone::parse(r) {
            let views = load_views(&mut tx, &cmd.project, &p).await?;
            ctx.referrer = views
                .into_iter()
                .find(|v| engine::same_customer(&p, None, v));
        }
    }
    if let Act::Reassign { from, .. } = &cmd.act {
        let holder = party_key(&directory.party_of(from));
        for id in tx.held_by(&cmd.project, &holder).await? {
            ctx.held_by
                .push(load_view(&mut tx, &[CustomerId(id)]).await?);
        }
    }
    let decision = engine::decide(&ctx, cmd, now)?;
    let seq = append(&mut tx, cmd, &decision).await?;
    tx.commit().await?;
    Ok(Outcome {
        verdict: decision.verdict,
        seq,
    })
}

async fn append<T: Tx>(tx: &mut T, cmd: &Command, d: &Decision) -> Result<Option<i64>, StoreError> {
    if matches!(cmd.act, Act::Query { .. }) {
        return Ok(None);
    }
    let seq = tx.next_seq().await?;
    let customers: Vec<CustomerId> = match &d.target {
        Target::None => Vec::new(),
        Target::Records(ids) => ids.clone(),
        Target::New => vec![CustomerId(tx.new_customer(&cmd.project, seq).await?)],
    };
    let event = Event {
        seq,
        project: cmd.project.clone(),
        at: cmd.at,
        customers: customers.clone(),
        act: cmd.act.clone(),
        verdict: d.verdict.clone(),
        effects: d.effects.clone(),
    };
    let body = serde_json::to_string(&event).map_err(|e| corrupt(seq, e))?;
    tx.insert_event(seq, &cmd.project, ms(cmd.at), cmd.act.name(), &body)
        .await?;
    for c in &customers {
        tx.link(c.0, seq).await?;
    }
    project_event(tx, &event).await?;
    Ok(Some(seq))
}

fn decode(seq: i64, body: &str) -> Result<Event, StoreError> {
    let e: Event = serde_json::from_str(body).map_err(|err| corrupt(seq, err))?;
    if e.seq != seq {
        return Err(corrupt(seq, format!("body says seq {}", e.seq)));
    }
    Ok(e)
}

fn household_probes(p: &Phone) -> Vec<String> {
    p.probe_keys()
        .into_iter()
        .map(|k| format!("h{k}"))
        .collect()
}

async fn load_view<T: Tx>(tx: &mut T, ids: &[CustomerId]) -> Result<View, StoreError> {
    let mut events = Vec::new();
    for id in ids {
        for (seq, body) in tx.events_of(id.0).await? {
            events.push(decode(seq, &body)?);
        }
    }
    Ok(View::new(ids.to_vec(), events))
}

/// The records of the project whose phones may match `phone` (index probes), one view each,
/// filtered by the exact G-MATCH phone test.
async fn load_views<T: Tx>(
    tx: &mut T,
    project: &str,
    phone: &Phone,
) -> Result<Vec<View>, StoreError> {
    let views = load_views_by_keys(tx, project, &phone.probe_keys()).await?;
    Ok(views
        .into_iter()
        .filter(|v| engine::record_phone(v).is_some_and(|p| p.matches(phone)))
        .collect())
}

async fn load_views_by_keys<T: Tx>(
    tx: &mut T,
    project: &str,
    keys: &[String],
) -> Result<Vec<View>, StoreError> {
    let mut ids: BTreeSet<i64> = BTreeSet::new();
    for k in keys {
        ids.extend(tx.customers_by_key(project, k).await?);
    }
    let mut out = Vec::new();
    for id in ids {
        out.push(load_view(tx, &[CustomerId(id)]).await?);
    }
    Ok(out)
}

/// The keys a record gets from an event: its phone's index keys, `h`-prefixed keys of a household
/// member's phone.
fn keys_of(e: &Event) -> Vec<String> {
    let mut keys = Vec::new();
    if let Some(c) = e.act.customer() {
        if let Some(Ok(p)) = c.parsed_phone() {
            keys.extend(p.index_keys());
        }
        if let Some(Ok(h)) = c.household_of.as_deref().map(Phone::parse) {
            keys.extend(h.index_keys().into_iter().map(|k| format!("h{k}")));
        }
    }
    keys
}

/// Applies one event to the projections (what [`Projections::fold`] rebuilds).
async fn project_event<T: Tx>(tx: &mut T, e: &Event) -> Result<(), StoreError> {
    let keys = if e.verdict.outcome == kehu_core::verdict::Outcome::Invalid {
        Vec::new()
    } else {
        keys_of(e)
    };
    for c in &e.customers {
        for k in &keys {
            tx.add_key(&e.project, k, c.0).await?;
        }
        tx.touch_customer(c.0, e.seq).await?;
    }
    for eff in &e.effects {
        match eff {
            Effect::Holder { party, rule } => {
                for c in &e.customers {
                    tx.set_holder(c.0, &party_key(party), rule).await?;
                }
            }
            Effect::Reassigned { customer, party } => {
                tx.set_holder(customer.0, &party_key(party), &e.verdict.rule)
                    .await?;
            }
            Effect::DisputeClosed => {
                for c in &e.customers {
                    tx.close_disputes(c.0, e.seq).await?;
                }
            }
            Effect::Project(state) => {
                let json = serde_json::to_string(state).map_err(|err| corrupt(e.seq, err))?;
                tx.put_project(&e.project, &json).await?;
            }
        }
    }
    if let (Some(d), Some(c)) = (&e.verdict.dispute, e.customers.first()) {
        tx.add_dispute(e.seq, &e.project, c.0, &d.rule, ms(d.deadline))
            .await?;
    }
    for (i, v) in e.verdict.violations.iter().enumerate() {
        let party = party_key(&v.staff);
        tx.add_violation(
            e.seq, i as i64, &e.project, &party, &v.rule, v.amount, &v.note,
        )
        .await?;
    }
    for (i, p) in e.verdict.notify.iter().enumerate() {
        tx.add_notification(e.seq, i as i64, &e.project, &party_key(p))
            .await?;
    }
    Ok(())
}

/// The projections as plain values, for the ledger check.
#[derive(Debug, Default, PartialEq)]
struct Projections {
    customers: BTreeMap<i64, CustomerRow>,
    keys: BTreeSet<(String, String, i64)>,
    projects: BTreeMap<String, ProjectState>,
    disputes: BTreeMap<i64, DisputeRow>,
    violations: BTreeSet<ViolationRow>,
    notifications: BTreeSet<(i64, i64, String, String)>,
}

impl Projections {
    fn fold(events: &[Event]) -> Projections {
        let mut p = Projections::default();
        for e in events {
            let keys = if e.verdict.outcome == kehu_core::verdict::Outcome::Invalid {
                Vec::new()
            } else {
                keys_of(e)
            };
            for c in &e.customers {
                let entry =
                    p.customers
                        .entry(c.0)
                        .or_insert((e.project.clone(), None, None, e.seq));
                entry.3 = e.seq;
                for k in &keys {
                    p.keys.insert((e.project.clone(), k.clone(), c.0));
                }
            }
            for eff in &e.effects {
                match eff {
                    Effect::Holder { party, rule } => {
                        for c in &e.customers {
                            if let Some(x) = p.customers.get_mut(&c.0) {
                                x.1 = Some(party_key(party));
                                x.2 = Some(rule.clone());
                            }
                        }
                    }
                    Effect::Reassigned { customer, party } => {
                        if let Some(x) = p.customers.get_mut(&customer.0) {
                            x.1 = Some(party_key(party));
                            x.2 = Some(e.verdict.rule.clone());
                        }
                    }
                    Effect::DisputeClosed => {
                        for d in p.disputes.values_mut() {
                            if e.customers.iter().any(|c| c.0 == d.1) && d.4.is_none() {
                                d.4 = Some(e.seq);
                            }
                        }
                    }
                    Effect::Project(s) => {
                        p.projects.insert(e.project.clone(), s.clone());
                    }
                }
            }
            if let (Some(d), Some(c)) = (&e.verdict.dispute, e.customers.first()) {
                p.disputes.insert(
                    e.seq,
                    (e.project.clone(), c.0, d.rule.clone(), ms(d.deadline), None),
                );
            }
            for (i, v) in e.verdict.violations.iter().enumerate() {
                p.violations.insert((
                    e.seq,
                    i as i64,
                    e.project.clone(),
                    party_key(&v.staff),
                    v.rule.clone(),
                    v.amount,
                    v.note.clone(),
                ));
            }
            for (i, n) in e.verdict.notify.iter().enumerate() {
                p.notifications
                    .insert((e.seq, i as i64, e.project.clone(), party_key(n)));
            }
        }
        p
    }

    fn from_rows(r: backend::Rows) -> Result<Projections, StoreError> {
        let mut projects = BTreeMap::new();
        for (name, json) in r.projects {
            let state: ProjectState = serde_json::from_str(&json)
                .map_err(|e| corrupt(0, format!("project {name}: {e}")))?;
            projects.insert(name, state);
        }
        Ok(Projections {
            customers: r.customers.into_iter().collect(),
            keys: r.keys.into_iter().collect(),
            projects,
            disputes: r.disputes.into_iter().collect(),
            violations: r.violations.into_iter().collect(),
            notifications: r.notifications.into_iter().collect(),
        })
    }

    fn compare(&self, actual: &Projections, out: &mut Vec<Difference>) {
        fn cmp_maps<K: Ord + std::fmt::Debug, V: PartialEq + std::fmt::Debug>(
            table: &'static str,
            a: &BTreeMap<K, V>,
            b: &BTreeMap<K, V>,
            out: &mut Vec<Difference>,
        ) {
            for (k, v) in a {
                match b.get(k) {
                    Some(w) if w == v => {}
                    Some(w) => out.push(Difference {
                        table,
                        key: format!("{k:?}"),
                        detail: format!("rebuilt {v:?}, stored {w:?}"),
                    }),
                    None => out.push(Difference {
                        table,
                        key: format!("{k:?}"),
                        detail: "missing from the projection".into(),
                    }),
                }
            }
            for k in b.keys().filter(|k| !a.contains_key(k)) {
                out.push(Difference {
                    table,
                    key: format!("{k:?}"),
                    detail: "in the projection but not derived from any event".into(),
                });
            }
        }
        fn cmp_sets<T: Ord + std::fmt::Debug>(
            table: &'static str,
            a: &BTreeSet<T>,
            b: &BTreeSet<T>,
            out: &mut Vec<Difference>,
        ) {
            for x in a.difference(b) {
                out.push(Difference {
                    table,
                    key: format!("{x:?}"),
                    detail: "missing from the projection".into(),
                });
            }
            for x in b.difference(a) {
                out.push(Difference {
                    table,
                    key: format!("{x:?}"),
                    detail: "in the projection but not derived from any event".into(),
                });
            }
        }
        cmp_maps("customers", &self.customers, &actual.customers, out);
        cmp_sets("customer_keys", &self.keys, &actual.keys, out);
        cmp_maps("projects", &self.projects, &actual.projects, out);
        cmp_maps("disputes", &self.disputes, &actual.disputes, out);
        cmp_sets("violations", &self.violations, &actual.violations, out);
        cmp_sets(
            "notifications",
            &self.notifications,
            &actual.notifications,
            out,
        );
    }
}
