//! kehu-store: the event ledger and its projections.
//!
//! [`Store::execute`] is the one write path: in one transaction it loads the history of the
//! customers an act concerns (found by phone index probes, never a scan), asks the pure engine for
//! a decision, appends the event and updates the projections. [`Store::check`] rebuilds every
//! projection from the events and reports differences.

use kehu_core::engine::{self, Context, Decision, Target};
use kehu_core::model::{Act, Command, CustomerId, Directory, Party};
use kehu_core::phone::Phone;
use kehu_core::policy::Rulebook;
use kehu_core::state::{Effect, Event, ProjectState, View};
use kehu_core::time::Instant;
use kehu_core::verdict::Verdict;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};
use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;
use std::time::Duration;

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
    #[error("unsupported database URL {0:?}: expected sqlite:PATH or sqlite::memory:")]
    Url(String),
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

/// The ledger and its projections on SQLite.
pub struct Store {
    pool: SqlitePool,
    /// One writer at a time: SQLite serialises writes anyway; this keeps read-decide-append atomic.
    write: tokio::sync::Mutex<()>,
}

fn ms(t: Instant) -> i64 {
    t.as_millisecond()
}

fn party_key(p: &Party) -> String {
    p.to_string()
}

impl Store {
    /// Opens (creating if needed) the database at `url` (`sqlite:PATH` or `sqlite::memory:`) and
    /// applies the migrations.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
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
        Ok(Store {
            pool,
            write: tokio::sync::Mutex::new(()),
        })
    }

    /// A fresh in-memory store (scenarios, tests).
    pub async fn memory() -> Result<Store, StoreError> {
        Store::open("sqlite::memory:").await
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
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
        let mut tx = self.pool.begin().await?;
        let project: ProjectState = match sqlx::query("SELECT state FROM projects WHERE name = ?")
            .bind(&cmd.project)
            .fetch_optional(&mut *tx)
            .await?
        {
            Some(row) => {
                serde_json::from_str(row.get::<&str, _>(0)).map_err(|e| StoreError::Corrupt {
                    seq: 0,
                    detail: format!("project {}: {e}", cmd.project),
                })?
            }
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
                        if let Some(Ok(h)) = e
                            .act
                            .customer()
                            .and_then(|x| x.household_of.as_deref())
                            .map(Phone::parse)
                        {
                            if !hh.contains(&h) {
                                hh.push(h);
                            }
                        }
                    }
                }
                let mut household: Vec<View> = Vec::new();
                for h in &hh {
                    for v in load_views(&mut tx, &cmd.project, h).await? {
                        let phones = engine::record_phones(&v);
                        if phones.iter().any(|p| p.matches(h))
                            && !household.iter().any(|x| x.ids == v.ids)
                        {
                            household.push(v);
                        }
                    }
                }
                // Records that name this customer as their household member.
                for v in
                    load_views_by_keys(&mut tx, &cmd.project, &household_probes(&phone)).await?
                {
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
            let ids: Vec<i64> =
                sqlx::query_scalar("SELECT id FROM customers WHERE project = ? AND holder = ?")
                    .bind(&cmd.project)
                    .bind(&holder)
                    .fetch_all(&mut *tx)
                    .await?;
            for id in ids {
                ctx.held_by
                    .push(load_view(&mut tx, &[CustomerId(id)]).await?);
            }
        }
        let decision = engine::decide(&ctx, cmd, now)?;
        let seq = self.append(&mut tx, cmd, &decision).await?;
        tx.commit().await?;
        Ok(Outcome {
            verdict: decision.verdict,
            seq,
        })
    }

    async fn append(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
        cmd: &Command,
        d: &Decision,
    ) -> Result<Option<i64>, StoreError> {
        if matches!(cmd.act, Act::Query { .. }) {
            return Ok(None);
        }
        let seq: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) + 1 FROM events")
            .fetch_one(&mut **tx)
            .await?;
        let customers: Vec<CustomerId> = match &d.target {
            Target::None => Vec::new(),
            Target::Records(ids) => ids.clone(),
            Target::New => {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO customers (project, last_seq) VALUES (?, ?) RETURNING id",
                )
                .bind(&cmd.project)
                .bind(seq)
                .fetch_one(&mut **tx)
                .await?;
                vec![CustomerId(id)]
            }
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
        let body = serde_json::to_string(&event).map_err(|e| StoreError::Corrupt {
            seq,
            detail: e.to_string(),
        })?;
        sqlx::query("INSERT INTO events (seq, project, at_ms, act, body) VALUES (?, ?, ?, ?, ?)")
            .bind(seq)
            .bind(&cmd.project)
            .bind(ms(cmd.at))
            .bind(cmd.act.name())
            .bind(&body)
            .execute(&mut **tx)
            .await?;
        for c in &customers {
            sqlx::query("INSERT INTO event_customers (customer, seq) VALUES (?, ?)")
                .bind(c.0)
                .bind(seq)
                .execute(&mut **tx)
                .await?;
        }
        project_event(tx, &event).await?;
        Ok(Some(seq))
    }

    /// Every event, in order.
    pub async fn events(&self) -> Result<Vec<Event>, StoreError> {
        let rows = sqlx::query("SELECT seq, body FROM events ORDER BY seq")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(decode).collect()
    }

    /// Rebuilds the projections from the events into a scratch copy and compares them with the
    /// stored ones (`kehu ledger check`).
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
        let actual = Projections::read(&self.pool).await?;
        expected.compare(&actual, &mut diffs);
        Ok(diffs)
    }
}

fn decode(row: &sqlx::sqlite::SqliteRow) -> Result<Event, StoreError> {
    let seq: i64 = row.get(0);
    let body: &str = row.get(1);
    let e: Event = serde_json::from_str(body).map_err(|err| StoreError::Corrupt {
        seq,
        detail: err.to_string(),
    })?;
    if e.seq != seq {
        return Err(StoreError::Corrupt {
            seq,
            detail: format!("body says seq {}", e.seq),
        });
    }
    Ok(e)
}

fn household_probes(p: &Phone) -> Vec<String> {
    p.probe_keys()
        .into_iter()
        .map(|k| format!("h{k}"))
        .collect()
}

async fn load_view(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    ids: &[CustomerId],
) -> Result<View, StoreError> {
    let mut events = Vec::new();
    for id in ids {
        let rows = sqlx::query(
            "SELECT e.seq, e.body FROM event_customers c JOIN events e ON e.seq = c.seq WHERE c.customer = ? ORDER BY e.seq",
        )
        .bind(id.0)
        .fetch_all(&mut **tx)
        .await?;
        for r in &rows {
            events.push(decode(r)?);
        }
    }
    Ok(View::new(ids.to_vec(), events))
}

/// The records of the project whose phones may match `phone` (index probes), one view each,
/// filtered by the exact G-MATCH phone test.
async fn load_views(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    project: &str,
    phone: &Phone,
) -> Result<Vec<View>, StoreError> {
    let views = load_views_by_keys(tx, project, &phone.probe_keys()).await?;
    Ok(views
        .into_iter()
        .filter(|v| engine::record_phones(v).iter().any(|p| p.matches(phone)))
        .collect())
}

async fn load_views_by_keys(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    project: &str,
    keys: &[String],
) -> Result<Vec<View>, StoreError> {
    let mut ids: BTreeSet<i64> = BTreeSet::new();
    for k in keys {
        let found: Vec<i64> =
            sqlx::query_scalar("SELECT customer FROM customer_keys WHERE project = ? AND key = ?")
                .bind(project)
                .bind(k)
                .fetch_all(&mut **tx)
                .await?;
        ids.extend(found);
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

/// Applies one event to the projections (the same function the rebuild uses, via [`Projections`]).
async fn project_event(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    e: &Event,
) -> Result<(), StoreError> {
    let keys = if e.verdict.outcome == kehu_core::verdict::Outcome::Invalid {
        Vec::new()
    } else {
        keys_of(e)
    };
    for c in &e.customers {
        for k in &keys {
            sqlx::query(
                "INSERT OR IGNORE INTO customer_keys (project, key, customer) VALUES (?, ?, ?)",
            )
            .bind(&e.project)
            .bind(k)
            .bind(c.0)
            .execute(&mut **tx)
            .await?;
        }
        sqlx::query("UPDATE customers SET last_seq = ? WHERE id = ?")
            .bind(e.seq)
            .bind(c.0)
            .execute(&mut **tx)
            .await?;
    }
    for eff in &e.effects {
        match eff {
            Effect::Holder { party, rule } => {
                for c in &e.customers {
                    sqlx::query("UPDATE customers SET holder = ?, holder_rule = ? WHERE id = ?")
                        .bind(party_key(party))
                        .bind(rule)
                        .bind(c.0)
                        .execute(&mut **tx)
                        .await?;
                }
            }
            Effect::Reassigned { customer, party } => {
                sqlx::query("UPDATE customers SET holder = ?, holder_rule = ? WHERE id = ?")
                    .bind(party_key(party))
                    .bind(&e.verdict.rule)
                    .bind(customer.0)
                    .execute(&mut **tx)
                    .await?;
            }
            Effect::DisputeClosed => {
                for c in &e.customers {
                    sqlx::query("UPDATE disputes SET closed_seq = ? WHERE customer = ? AND closed_seq IS NULL")
                        .bind(e.seq)
                        .bind(c.0)
                        .execute(&mut **tx)
                        .await?;
                }
            }
            Effect::Project(state) => {
                let json = serde_json::to_string(state).map_err(|err| StoreError::Corrupt {
                    seq: e.seq,
                    detail: err.to_string(),
                })?;
                sqlx::query("INSERT INTO projects (name, state) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET state = excluded.state")
                    .bind(&e.project)
                    .bind(json)
                    .execute(&mut **tx)
                    .await?;
            }
        }
    }
    if let Some(d) = &e.verdict.dispute {
        if let Some(c) = e.customers.first() {
            sqlx::query("INSERT INTO disputes (seq, project, customer, rule, deadline_ms) VALUES (?, ?, ?, ?, ?)")
                .bind(e.seq)
                .bind(&e.project)
                .bind(c.0)
                .bind(&d.rule)
                .bind(ms(d.deadline))
                .execute(&mut **tx)
                .await?;
        }
    }
    for (i, v) in e.verdict.violations.iter().enumerate() {
        sqlx::query("INSERT INTO violations (seq, idx, project, party, rule, amount, note) VALUES (?, ?, ?, ?, ?, ?, ?)")
            .bind(e.seq)
            .bind(i as i64)
            .bind(&e.project)
            .bind(party_key(&v.staff))
            .bind(&v.rule)
            .bind(v.amount)
            .bind(&v.note)
            .execute(&mut **tx)
            .await?;
    }
    for (i, p) in e.verdict.notify.iter().enumerate() {
        sqlx::query("INSERT INTO notifications (seq, idx, project, party) VALUES (?, ?, ?, ?)")
            .bind(e.seq)
            .bind(i as i64)
            .bind(&e.project)
            .bind(party_key(p))
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// A violation row: seq, index, project, party, rule, amount, note.
type ViolationRow = (i64, i64, String, String, String, Option<i64>, String);
/// A customer row: project, holder, holder rule, last seq.
type CustomerRow = (String, Option<String>, Option<String>, i64);
/// A dispute row: project, customer, rule, deadline, closing seq.
type DisputeRow = (String, i64, String, i64, Option<i64>);

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

    async fn read(pool: &SqlitePool) -> Result<Projections, StoreError> {
        let mut p = Projections::default();
        for r in sqlx::query("SELECT id, project, holder, holder_rule, last_seq FROM customers")
            .fetch_all(pool)
            .await?
        {
            p.customers
                .insert(r.get(0), (r.get(1), r.get(2), r.get(3), r.get(4)));
        }
        for r in sqlx::query("SELECT project, key, customer FROM customer_keys")
            .fetch_all(pool)
            .await?
        {
            p.keys.insert((r.get(0), r.get(1), r.get(2)));
        }
        for r in sqlx::query("SELECT name, state FROM projects")
            .fetch_all(pool)
            .await?
        {
            let name: String = r.get(0);
            let state: ProjectState =
                serde_json::from_str(r.get::<&str, _>(1)).map_err(|e| StoreError::Corrupt {
                    seq: 0,
                    detail: format!("project {name}: {e}"),
                })?;
            p.projects.insert(name, state);
        }
        for r in sqlx::query(
            "SELECT seq, project, customer, rule, deadline_ms, closed_seq FROM disputes",
        )
        .fetch_all(pool)
        .await?
        {
            p.disputes
                .insert(r.get(0), (r.get(1), r.get(2), r.get(3), r.get(4), r.get(5)));
        }
        for r in sqlx::query("SELECT seq, idx, project, party, rule, amount, note FROM violations")
            .fetch_all(pool)
            .await?
        {
            p.violations.insert((
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
            p.notifications
                .insert((r.get(0), r.get(1), r.get(2), r.get(3)));
        }
        Ok(p)
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
