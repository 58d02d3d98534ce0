//! kehu-store: the event ledger and its projections, on SQLite (default) or PostgreSQL.
//!
//! [`Store::execute`] and [`Store::submit`] are the one write path. Acts queue for a single
//! writer, which takes everything waiting (group commit): in one transaction it decides each act
//! in order, seeing the acts before it, then writes the batch with one bulk statement per table
//! and commits. Callers hear of their act only after the commit, so an acknowledged act is on
//! disk. A read act (a collision check) runs on a snapshot beside the writer.
//!
//! Every ledger entry is sealed (AEAD) with a key from the key file ([`Keys`]); phone lookups go
//! through a blind index (HMAC of the normalised number and of each mask form), so a decision is a
//! bounded set of index probes, never a scan. [`Store::check`] rebuilds every projection from the
//! events and reports differences. The orchestration (`batch.rs`) is written once over the
//! backend traits in `backend.rs`; `sqlite.rs` and `postgres.rs` hold the SQL.

pub mod accounts;
pub mod audit;
mod backend;
mod batch;
pub mod counters;
mod holders;
mod kept;
mod keyindex;
pub mod keys;
mod postgres;
pub mod records;
mod schema;
pub mod sql;
mod sqlite;

pub use accounts::{Account, Group, NewAccountRow, TokenRow};
pub use audit::{Anchor, AuditBreak, AuditEntry, AuditRow, Statement, Written};
use backend::{Blind, CustomerRow, DisputeRow};
pub use batch::Item;
use batch::{decode, keys_of};
use kehu_core::engine;
use kehu_core::model::{Act, Command, Directory, Party};
use kehu_core::policy::Rulebook;
use kehu_core::state::{Effect, Event, ProjectState};
use kehu_core::time::Instant;
use kehu_core::verdict::Verdict;
pub use keys::{KeyError, Keys};
pub use records::{
    ApprovalRow, ApprovalStep, ApprovalsFor, AuditListed, DisputeListed, DueListed, ExportRow,
    NewApproval, ProjectRow, ViolationListed,
};
pub use schema::LATEST as SCHEMA_VERSION;
pub use sql::{scalar, SqlRow, Val};
pub use sqlite::SqliteSync;
use sqlx::PgPool;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
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
    #[error("{0}")]
    Key(#[from] KeyError),
    #[error("the key file does not fit this database: {0}")]
    KeyMismatch(String),
    #[error("the batch was not committed: {0}")]
    Batch(String),
    #[error("the store's writer has stopped")]
    Stopped,
    /// A stored row that cannot be read as what it should be (an account without an id, an
    /// unknown role): an error, never a default.
    #[error("a stored row cannot be read: {0}")]
    BadRow(String),
    /// A conditional change found nothing to change (internal to `change_audited`).
    #[error("nothing to change")]
    Unchanged,
    /// An idempotency key sent again with a different act (`Once`).
    #[error("this key was used for a different request; use a new key for a new act")]
    KeyReused,
    /// The act's key names the act recorded as `seq` (internal to `execute_once`, which answers
    /// that act's verdict).
    #[error("the act was recorded before, as entry {0}")]
    Replayed(i64),
    #[error("schema version {version} ({name}) was applied from different SQL than this build holds: the migration was edited after it shipped, or the database comes from another build")]
    MigrationChanged { version: i64, name: String },
}

/// The result of one act: its verdict and the ledger sequence number (none for a read).
#[derive(Debug, Clone)]
pub struct Outcome {
    pub verdict: Verdict,
    pub seq: Option<i64>,
    /// The act was not decided again: its key named an act already recorded, whose verdict
    /// this is.
    pub replayed: bool,
}

/// An act's idempotency key (a form's one-time key, an API's `Idempotency-Key`): the first act
/// sent with it is recorded; the same key again answers that act's verdict and records nothing.
/// `fingerprint` tells a repeat of the same request from a different request with the same key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Once {
    pub account: String,
    pub key: String,
    pub fingerprint: String,
}

/// A difference found by the ledger check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    pub table: &'static str,
    pub key: String,
    pub detail: String,
}

/// The backend a store runs on, chosen once from the URL scheme.
#[derive(Clone)]
enum Backend {
    Sqlite(sqlite::Db),
    Postgres(postgres::Pg),
}

type Results = Result<Vec<Result<Outcome, StoreError>>, StoreError>;

/// Acts waiting for the writer, with where to send their results.
/// The writer's figures since the process started, for `/metrics` (process-wide: every store
/// of the process adds to them).
pub mod stats {
    use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

    pub(crate) static ENQUEUED: AtomicU64 = AtomicU64::new(0);
    pub(crate) static ANSWERED: AtomicU64 = AtomicU64::new(0);
    pub(crate) static BATCHES: AtomicU64 = AtomicU64::new(0);
    pub(crate) static BATCH_NS: AtomicU64 = AtomicU64::new(0);
    pub(crate) static SYNCS: AtomicU64 = AtomicU64::new(0);
    pub(crate) static SYNC_NS: AtomicU64 = AtomicU64::new(0);

    /// A reading of the writer's figures.
    #[derive(Debug, Clone, Copy, Default)]
    pub struct Snapshot {
        /// Jobs handed to the writer and not yet answered.
        pub queue_depth: u64,
        /// Batches decided and committed, and the seconds they took (without the disk flush).
        pub batches: u64,
        pub batch_seconds: f64,
        /// Disk flushes of the log (SQLite WAL, PostgreSQL WAL) and the seconds they took.
        pub syncs: u64,
        pub sync_seconds: f64,
    }

    pub fn snapshot() -> Snapshot {
        let (e, a) = (ENQUEUED.load(Relaxed), ANSWERED.load(Relaxed));
        Snapshot {
            queue_depth: e.saturating_sub(a),
            batches: BATCHES.load(Relaxed),
            batch_seconds: BATCH_NS.load(Relaxed) as f64 / 1e9,
            syncs: SYNCS.load(Relaxed),
            sync_seconds: SYNC_NS.load(Relaxed) as f64 / 1e9,
        }
    }

    pub(crate) fn timed(count: &AtomicU64, ns: &AtomicU64, since: std::time::Instant) {
        count.fetch_add(1, Relaxed);
        ns.fetch_add(since.elapsed().as_nanos() as u64, Relaxed);
    }
}

struct Job {
    items: Vec<batch::Queued>,
    /// Audit entries to append in the same transaction; `Some(i)`: about item `i` of this job,
    /// completed with its outcome.
    audits: Vec<(Option<usize>, AuditEntry)>,
    reply: oneshot::Sender<Results>,
}

/// Acts handed to the writer, not yet answered.
pub struct Pending(oneshot::Receiver<Results>);

impl Pending {
    /// The outcomes, once the acts are committed (or the batch's error).
    pub async fn wait(self) -> Results {
        self.0.await.map_err(|_| StoreError::Stopped)?
    }
}

/// At most this many acts go into one transaction.
const MAX_BATCH: usize = 1024;

/// Runs a read of `batch` (`$f(&mut snapshot, keys, &args…)`) on a committed snapshot of either
/// backend: SQLite on a reader connection (blocking thread), PostgreSQL in a REPEATABLE READ
/// transaction.
macro_rules! on_snapshot {
    ($store:ident, $f:path, $($arg:ident),*) => {
        match &$store.backend {
            Backend::Sqlite(db) => {
                let keys = $store.keys.clone();
                let index = db.index();
                let helpers = db.clone();
                $(let $arg = $arg.to_owned();)*
                db.run(move |c| {
                    let mut tx =
                        sqlite::SqliteTx::begin(c, false, Some(index))?.with_helpers(&helpers);
                    let out = ready($f(&mut tx, keys, $(&$arg),*))??;
                    tx.finish()?;
                    Ok(out)
                })
                .await
            }
            Backend::Postgres(p) => {
                let mut tx = postgres::read(p).await?;
                let out = $f(&mut tx, $store.keys.clone(), $(&$arg),*).await?;
                tx.0.commit().await?;
                Ok(out)
            }
        }
    };
}

/// The ledger and its projections.
pub struct Store {
    backend: Backend,
    keys: Arc<Keys>,
    jobs: mpsc::UnboundedSender<Job>,
    /// Stops the background tasks other than the writer (which stops with `jobs`).
    stop: Arc<std::sync::atomic::AtomicBool>,
}

impl Drop for Store {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
    }
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

pub(crate) fn ms(t: Instant) -> i64 {
    t.as_millisecond()
}

pub(crate) fn party_key(p: &Party) -> String {
    p.to_string()
}

pub(crate) fn corrupt(seq: i64, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        seq,
        detail: detail.to_string(),
    }
}

fn schema_ok(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// How a store runs, decided by whoever opens it (the binary reads its environment; the library
/// reads none).
#[derive(Debug, Clone, Copy, Default)]
pub struct Config {
    /// How a SQLite commit reaches the disk.
    pub sqlite_sync: SqliteSync,
}

async fn connect(url: &str, schema: Option<&str>, config: Config) -> Result<Backend, StoreError> {
    if let Some(s) = schema {
        if !schema_ok(s) {
            return Err(StoreError::Url(format!(
                "schema {s:?}: letters, digits and _ only"
            )));
        }
    }
    if is_postgres(url) {
        Ok(Backend::Postgres(postgres::Pg {
            pool: postgres::connect(url, schema).await?,
            index: Default::default(),
        }))
    } else if url.starts_with("sqlite:") || url == ":memory:" {
        Ok(Backend::Sqlite(sqlite::connect(url, config.sqlite_sync)?))
    } else {
        Err(StoreError::Url(url.to_string()))
    }
}

async fn migrate_backend(
    b: &Backend,
    keys: &Keys,
    to: Option<i64>,
) -> Result<Vec<i64>, StoreError> {
    match b {
        Backend::Sqlite(db) => {
            let keys = keys.clone();
            db.run(move |c| sqlite::migrate(c, &keys, to)).await
        }
        Backend::Postgres(p) => postgres::migrate(p, keys, to).await,
    }
}

/// Applies the schema migrations a database lacks, up to version `to` (all when None), and
/// returns the versions applied (`kehu migrate`). `schema` places a PostgreSQL store in a schema.
pub async fn migrate(
    url: &str,
    schema: Option<&str>,
    keys: &Keys,
    to: Option<i64>,
) -> Result<Vec<i64>, StoreError> {
    let b = connect(url, schema, Config::default()).await?;
    let applied = migrate_backend(&b, keys, to).await;
    close(b).await;
    applied
}

async fn close(b: Backend) {
    match b {
        Backend::Sqlite(_) => {}
        Backend::Postgres(p) => p.close().await,
    }
}

impl Store {
    /// Opens the database at `url` (`sqlite:PATH`, `sqlite::memory:` or `postgres://…`; any other
    /// scheme is an error), applies the migrations, checks that `keys` are the ones its entries
    /// were sealed with, and starts the writer.
    pub async fn open(url: &str, keys: Keys) -> Result<Store, StoreError> {
        Store::open_with(url, keys, Config::default()).await
    }

    /// [`Store::open`] with a configuration other than the defaults.
    pub async fn open_with(url: &str, keys: Keys, config: Config) -> Result<Store, StoreError> {
        let store = Store::start(connect(url, None, config).await?, keys).await?;
        if let Backend::Sqlite(db) = &store.backend {
            sqlite::checkpointer(db.clone(), store.stop.clone());
        }
        Ok(store)
    }

    /// A PostgreSQL store inside its own schema (created if missing): one per test run.
    pub async fn open_postgres_schema(
        url: &str,
        schema: &str,
        keys: Keys,
    ) -> Result<Store, StoreError> {
        Store::start(connect(url, Some(schema), Config::default()).await?, keys).await
    }

    async fn start(backend: Backend, keys: Keys) -> Result<Store, StoreError> {
        migrate_backend(&backend, &keys, None).await?;
        verify_keyring(&backend, &keys).await?;
        let keys = Arc::new(keys);
        let (jobs, rx) = mpsc::unbounded_channel();
        match &backend {
            Backend::Sqlite(db) => {
                let (db, keys) = (db.clone(), keys.clone());
                std::thread::Builder::new()
                    .name("kehu-writer".into())
                    .spawn(move || sqlite_writer(db, keys, rx))
                    .map_err(|e| StoreError::Batch(format!("cannot start the writer: {e}")))?;
            }
            Backend::Postgres(pg) => {
                // The whole key log into memory now, in pages, rather than in the first batch.
                postgres::catch_up(&mut *pg.acquire().await?, &pg.index).await?;
                tokio::spawn(pg_writer(pg.clone(), keys.clone(), rx));
            }
        }
        Ok(Store {
            backend,
            keys,
            jobs,
            stop: Arc::new(std::sync::atomic::AtomicBool::new(false)),
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

    /// A fresh in-memory store with fresh keys (scenarios, tests).
    pub async fn memory() -> Result<Store, StoreError> {
        Store::open("sqlite::memory:", Keys::generate()).await
    }

    /// The backend's name: `sqlite` or `postgres`.
    pub fn backend_name(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }

    /// The keys this store seals with.
    pub fn keys(&self) -> &Keys {
        &self.keys
    }

    /// The PostgreSQL pool, when on PostgreSQL.
    pub fn postgres_pool(&self) -> Option<&PgPool> {
        match &self.backend {
            Backend::Postgres(p) => Some(&p.pool),
            Backend::Sqlite(_) => None,
        }
    }

    /// Decides and records one command at `now` under `rulebook`; returns once it is committed.
    /// A query (collision check) is decided on a snapshot and records nothing.
    pub async fn execute(
        &self,
        rulebook: &Rulebook,
        directory: &Directory,
        cmd: &Command,
        now: Instant,
    ) -> Result<Outcome, StoreError> {
        let item = Item {
            rulebook: Arc::new(rulebook.clone()),
            directory: Arc::new(directory.clone()),
            command: cmd.clone(),
            now,
        };
        if matches!(cmd.act, Act::Query(_)) {
            return self.read(&item).await;
        }
        let mut r = self.submit(vec![item]).await?;
        r.pop().unwrap_or(Err(StoreError::Stopped))
    }

    /// Decides and records `items` in order (they may share a transaction with other callers'
    /// acts); returns each item's outcome once all are committed.
    pub async fn submit(&self, items: Vec<Item>) -> Results {
        self.enqueue(items)?.wait().await
    }

    /// Whether the writer takes and commits work: an empty batch through it (what `/healthz`
    /// asks, so that a stopped writer is not reported healthy).
    pub async fn writer_alive(&self) -> Result<(), StoreError> {
        self.submit(Vec::new()).await.map(|_| ())
    }

    /// Hands `items` to the writer now, in order after everything enqueued before; the outcomes
    /// come from [`Pending::wait`] once committed. Several batches may be in flight.
    /// [`Store::enqueue`] with an idempotency key per item: an item whose key names an act
    /// already recorded is answered `Err(StoreError::Replayed(seq))` and records nothing (a book
    /// imported twice).
    pub fn enqueue_once(&self, items: Vec<(Item, Option<Once>)>) -> Result<Pending, StoreError> {
        self.enqueue_with(items, Vec::new())
    }

    pub fn enqueue(&self, items: Vec<Item>) -> Result<Pending, StoreError> {
        self.enqueue_with(items.into_iter().map(|i| (i, None)).collect(), Vec::new())
    }

    pub(crate) fn enqueue_with(
        &self,
        items: Vec<(Item, Option<Once>)>,
        audits: Vec<(Option<usize>, AuditEntry)>,
    ) -> Result<Pending, StoreError> {
        let (reply, rx) = oneshot::channel();
        let items = items
            .into_iter()
            .map(|(item, once)| batch::Queued {
                prepared: batch::Prepared::new(&self.keys, &item.command),
                item,
                once,
            })
            .collect();
        self.jobs
            .send(Job {
                items,
                audits,
                reply,
            })
            .map_err(|_| StoreError::Stopped)?;
        stats::ENQUEUED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(Pending(rx))
    }

    /// [`Store::execute`] with an audit entry that commits with the act, completed with its
    /// outcome, deciding rule and sequence number (SEC-AUDIT).
    pub async fn execute_audited(
        &self,
        rulebook: &Rulebook,
        directory: &Directory,
        cmd: &Command,
        now: Instant,
        audit: AuditEntry,
    ) -> Result<Outcome, StoreError> {
        self.execute_once(rulebook, directory, cmd, now, audit, None)
            .await
    }

    /// [`Store::execute_audited`] with an idempotency key: an act sent again with the same key
    /// is answered with the first one's verdict (`replayed`) and records nothing; with another
    /// request's fingerprint it is refused ([`StoreError::KeyReused`]).
    pub async fn execute_once(
        &self,
        rulebook: &Rulebook,
        directory: &Directory,
        cmd: &Command,
        now: Instant,
        audit: AuditEntry,
        once: Option<Once>,
    ) -> Result<Outcome, StoreError> {
        let item = Item {
            rulebook: Arc::new(rulebook.clone()),
            directory: Arc::new(directory.clone()),
            command: cmd.clone(),
            now,
        };
        if matches!(cmd.act, Act::Query(_)) {
            let out = self.read(&item).await?;
            let mut e = audit;
            e.detail = batch::audit_detail(&e.detail, &Ok(out.clone()));
            self.audit(vec![e]).await?;
            return Ok(out);
        }
        let mut r = self
            .enqueue_with(vec![(item, once)], vec![(Some(0), audit)])?
            .wait()
            .await?;
        match r.pop().unwrap_or(Err(StoreError::Stopped)) {
            Err(StoreError::Replayed(seq)) => {
                let first = self
                    .project_events(&cmd.project, EventRange::Seq(seq))
                    .await?
                    .pop()
                    .ok_or_else(|| corrupt(seq, "the act its key names is not in this project"))?;
                Ok(Outcome {
                    verdict: first.verdict,
                    seq: Some(seq),
                    replayed: true,
                })
            }
            other => other,
        }
    }

    /// Decides a read act (a collision check) on a committed snapshot, beside the writer.
    pub async fn read(&self, item: &Item) -> Result<Outcome, StoreError> {
        on_snapshot!(self, batch::run_read, item)
    }

    /// A customer's records: every record in `project` whose phone matches `phone` (a masked
    /// form may match several), each with its events in order. Read on a snapshot.
    pub async fn history(
        &self,
        project: &str,
        phone: &kehu_core::phone::Phone,
    ) -> Result<Vec<kehu_core::state::View>, StoreError> {
        on_snapshot!(self, batch::run_history, project, phone)
    }

    /// One page of the customer records a party holds in `project` (`holder` in its display
    /// form), each with its events, and the number it holds in all. Read on a snapshot.
    pub async fn held(
        &self,
        project: &str,
        holder: &str,
        offset: usize,
        limit: usize,
    ) -> Result<(Vec<kehu_core::state::View>, usize), StoreError> {
        let window = (offset, limit);
        on_snapshot!(self, batch::run_held, project, holder, window)
    }

    /// Records by id, each with its events (the export). Read on a snapshot.
    pub async fn views(&self, ids: Vec<i64>) -> Result<Vec<kehu_core::state::View>, StoreError> {
        on_snapshot!(self, batch::run_views, ids)
    }

    /// The records filed under a customer's name in `project` (客户姓名查询), each with its
    /// events. Read on a snapshot, through the blind name index (never a scan).
    pub async fn by_name(
        &self,
        project: &str,
        name: &str,
    ) -> Result<Vec<kehu_core::state::View>, StoreError> {
        on_snapshot!(self, batch::run_by_name, project, name)
    }

    /// Writes a consistent copy of a SQLite database to `path` (`VACUUM INTO`); the file must not
    /// exist. PostgreSQL is backed up with `pg_dump` (see [`pg_dump_command`]). The copy is
    /// sealed like the database: keep the key file with it, apart.
    pub async fn backup_sqlite(&self, path: &std::path::Path) -> Result<(), StoreError> {
        let Backend::Sqlite(db) = &self.backend else {
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
            .ok_or_else(|| StoreError::Backup(format!("{} is not a UTF-8 path", path.display())))?
            .to_string();
        db.run(move |c| sqlite::vacuum_into(c, &target)).await
    }

    /// Fills the in-memory customer-key index now, rather than at the first probe (a server calls
    /// this before it listens; on PostgreSQL the store did at its start, and this reads what
    /// other processes added since). Returns the keys it holds.
    pub async fn warm(&self) -> Result<usize, StoreError> {
        match &self.backend {
            Backend::Sqlite(db) => {
                let db = db.clone();
                let n = tokio::task::spawn_blocking(move || db.warm())
                    .await
                    .map_err(|e| StoreError::Batch(format!("a SQLite task failed: {e}")))??;
                Ok(n)
            }
            Backend::Postgres(pg) => {
                postgres::catch_up(&mut *pg.acquire().await?, &pg.index).await?;
                let n = pg.index.lock().map(|ix| ix.len()).unwrap_or(0);
                Ok(n)
            }
        }
    }

    /// Refreshes the planner's statistics after a bulk load (PostgreSQL `ANALYZE`; SQLite
    /// `PRAGMA optimize`). Autovacuum does the same on PostgreSQL in time.
    pub async fn analyze(&self) -> Result<(), StoreError> {
        match &self.backend {
            Backend::Sqlite(db) => {
                db.run(|c| {
                    // Statistics from a sample of each index, as SQLite advises for `optimize`:
                    // without a limit, ANALYZE reads every row of every large table.
                    c.execute_batch("PRAGMA analysis_limit = 1000; PRAGMA optimize")?;
                    Ok(())
                })
                .await
            }
            Backend::Postgres(p) => {
                sqlx::raw_sql("ANALYZE").execute(&p.pool).await?;
                Ok(())
            }
        }
    }

    /// The database's size in bytes (SQLite: after a checkpoint; PostgreSQL: every table and
    /// index of the store's schema).
    pub async fn size_bytes(&self) -> Result<i64, StoreError> {
        match &self.backend {
            Backend::Sqlite(db) => db.run(sqlite::size).await,
            Backend::Postgres(p) => Ok(sqlx::query_scalar::<_, Option<i64>>(
                "SELECT SUM(pg_total_relation_size(format('%I.%I', schemaname, tablename)::regclass))::bigint \
                 FROM pg_tables WHERE schemaname = current_schema()",
            )
            .fetch_one(&p.pool)
            .await?
            .unwrap_or_default()),
        }
    }

    /// Every event, in order, opened.
    pub async fn events(&self) -> Result<Vec<Event>, StoreError> {
        let rows = match &self.backend {
            Backend::Sqlite(db) => db.run(sqlite::all_events).await?,
            Backend::Postgres(p) => postgres::all_events(p).await?,
        };
        rows.iter().map(|r| decode(&self.keys, r)).collect()
    }

    /// A project's events in a time range (for the reports, at most `range`'s limit), or one event
    /// by its number; opened.
    pub async fn project_events(
        &self,
        project: &str,
        range: EventRange,
    ) -> Result<Vec<Event>, StoreError> {
        let project = project.to_string();
        let rows = match &self.backend {
            Backend::Sqlite(db) => {
                db.run(move |c| sqlite::events_of(c, &project, range))
                    .await?
            }
            Backend::Postgres(p) => postgres::events_of(p, &project, range).await?,
        };
        rows.iter().map(|r| decode(&self.keys, r)).collect()
    }

    /// Re-seals every entry not sealed with the active key (`kehu key rotate`, after the new key
    /// was added to the key file). Returns the number of entries re-sealed.
    pub async fn reseal(&self) -> Result<usize, StoreError> {
        let active = self.keys.active();
        let mut after = 0;
        let mut n = 0;
        loop {
            let rows = match &self.backend {
                Backend::Sqlite(db) => {
                    db.run(move |c| sqlite::events_to_reseal(c, active, after, 2000))
                        .await?
                }
                Backend::Postgres(p) => postgres::events_to_reseal(p, active, after, 2000).await?,
            };
            let Some(last) = rows.last() else { break };
            after = last.seq;
            let mut sealed = Vec::with_capacity(rows.len());
            for r in &rows {
                let aad = batch::event_aad(r.seq, &r.project);
                let plain = self
                    .keys
                    .open(r.key_id, &aad, &r.body)
                    .map_err(|e| corrupt(r.seq, e))?;
                let (k, s) = self.keys.seal(&aad, &plain);
                sealed.push((r.seq, k, s));
            }
            match &self.backend {
                Backend::Sqlite(db) => {
                    let rows = sealed.clone();
                    db.run(move |c| sqlite::reseal(c, &rows)).await?
                }
                Backend::Postgres(p) => postgres::reseal(p, &sealed).await?,
            }
            n += sealed.len();
        }
        if let Backend::Sqlite(db) = &self.backend {
            db.run(|c| {
                if !c.path().is_some_and(|p| p.is_empty()) {
                    c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
                }
                Ok(())
            })
            .await?;
        }
        Ok(n)
    }

    /// Rebuilds the projections from the events and compares them with the stored ones
    /// (`kehu ledger check`). An entry that does not open (changed bytes, wrong key) is an error.
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
        let expected = Projections::fold(&events, &self.keys);
        let rows = match &self.backend {
            Backend::Sqlite(db) => db.run(sqlite::rows).await?,
            Backend::Postgres(p) => postgres::rows(p).await?,
        };
        if let Some(log) = &rows.holder_log {
            // The holder index reads each record's row, then the log: the log's last row of a
            // record must be the record's holder (a record it has no row for is read from its own
            // row alone).
            let records: BTreeMap<i64, &Option<String>> = rows
                .customers
                .iter()
                .map(|(id, (_, h, _))| (*id, h))
                .collect();
            for (id, logged) in log {
                match records.get(id) {
                    Some(holder) if *holder == logged => {}
                    Some(holder) => diffs.push(Difference {
                        table: "holder_log",
                        key: id.to_string(),
                        detail: format!("the log says {logged:?}, the record says {holder:?}"),
                    }),
                    None => diffs.push(Difference {
                        table: "holder_log",
                        key: id.to_string(),
                        detail: format!("the log says {logged:?} of a record that does not exist"),
                    }),
                }
            }
        }
        let actual = Projections::from_rows(rows)?;
        expected.compare(&actual, &mut diffs);
        self.check_kept(&events, &mut diffs).await?;
        Ok(diffs)
    }

    /// Each projection kept from entries alone against its refold: a row missing, extra, or
    /// (for counters) with another count.
    async fn check_kept(
        &self,
        events: &[Event],
        diffs: &mut Vec<Difference>,
    ) -> Result<(), StoreError> {
        for k in kept::ALL {
            let tally = |rows: Vec<Vec<Val>>| {
                let mut m: BTreeMap<Vec<Val>, i64> = BTreeMap::new();
                for mut r in rows {
                    let n = match k.keep() {
                        kept::Keep::Append => 1,
                        kept::Keep::Add => r.pop().and_then(|v| v.int()).unwrap_or(0),
                    };
                    *m.entry(r).or_insert(0) += n;
                }
                m
            };
            let want = tally(kept::rows_of_all(*k, events));
            let have = tally(self.query(&kept::select_sql(*k), vec![]).await?);
            for row in want.keys().chain(have.keys()).collect::<BTreeSet<_>>() {
                let (w, h) = (want.get(row), have.get(row));
                if w != h {
                    diffs.push(Difference {
                        table: k.table(),
                        key: format!("{row:?}"),
                        detail: match k.keep() {
                            kept::Keep::Add => format!("expected {w:?}, stored {h:?}"),
                            kept::Keep::Append => format!("rebuilt {w:?} times, stored {h:?}"),
                        },
                    });
                }
            }
        }
        Ok(())
    }
}

/// Checks the key file against the fingerprints the database recorded, and records the ones it
/// lacks. A data key the database knows may be missing from the file only if no entry uses it.
async fn verify_keyring(b: &Backend, keys: &Keys) -> Result<(), StoreError> {
    let rows = match b {
        Backend::Sqlite(db) => db.run(sqlite::keyring).await?,
        Backend::Postgres(p) => postgres::keyring(p).await?,
    };
    let mut known: BTreeSet<(String, i64)> = BTreeSet::new();
    for (kind, id, fp) in &rows {
        known.insert((kind.clone(), *id));
        let ours = match kind.as_str() {
            "index" => Some(keys.fingerprint_index()),
            _ => keys.fingerprint_data(*id as u32),
        };
        match ours {
            Some(f) if &f == fp => {}
            Some(_) => {
                return Err(StoreError::KeyMismatch(format!(
                    "its {kind} key {id} is not the one in the key file (wrong KEHU_KEY_FILE?)"
                )))
            }
            None => {
                let used = match b {
                    Backend::Sqlite(db) => {
                        let id = *id;
                        db.run(move |c| sqlite::key_in_use(c, id)).await?
                    }
                    Backend::Postgres(p) => {
                        sqlx::query_scalar::<_, bool>(
                            "SELECT EXISTS (SELECT 1 FROM events WHERE key_id = $1)",
                        )
                        .bind(*id as i32)
                        .fetch_one(&p.pool)
                        .await?
                    }
                };
                if used {
                    return Err(StoreError::KeyMismatch(format!(
                        "entries are sealed with data key {id}, which the key file lacks"
                    )));
                }
            }
        }
    }
    let mut add = vec![("index".to_string(), 0i64, keys.fingerprint_index())];
    for id in keys.data_ids() {
        if let Some(fp) = keys.fingerprint_data(id) {
            add.push(("data".to_string(), id as i64, fp));
        }
    }
    for (kind, id, fp) in add {
        if known.contains(&(kind.clone(), id)) {
            continue;
        }
        match b {
            Backend::Sqlite(db) => {
                db.run(move |c| sqlite::add_keyring(c, &kind, id, &fp))
                    .await?
            }
            Backend::Postgres(p) => postgres::add_keyring(p, &kind, id, &fp).await?,
        }
    }
    Ok(())
}

/// Takes `first` and every job waiting behind it, up to [`MAX_BATCH`] acts.
#[allow(clippy::type_complexity)]
fn gather(
    first: Job,
    rx: &mut mpsc::UnboundedReceiver<Job>,
) -> (
    Vec<Job>,
    Vec<usize>,
    Vec<batch::Queued>,
    Vec<(Option<usize>, AuditEntry)>,
) {
    let mut n = first.items.len() + first.audits.len();
    let mut jobs = vec![first];
    while n < MAX_BATCH {
        match rx.try_recv() {
            Ok(j) => {
                n += j.items.len() + j.audits.len();
                jobs.push(j);
            }
            Err(_) => break,
        }
    }
    let lens = jobs.iter().map(|j| j.items.len()).collect();
    let mut items = Vec::new();
    let mut audits = Vec::new();
    for j in jobs.iter_mut() {
        let offset = items.len();
        audits.extend(
            std::mem::take(&mut j.audits)
                .into_iter()
                .map(|(i, e)| (i.map(|i| i + offset), e)),
        );
        items.extend(std::mem::take(&mut j.items));
    }
    (jobs, lens, items, audits)
}

/// Answers each job with its share of the batch's outcomes (or the batch's error).
fn answer(jobs: Vec<Job>, lens: Vec<usize>, result: Results) {
    stats::ANSWERED.fetch_add(jobs.len() as u64, std::sync::atomic::Ordering::Relaxed);
    match result {
        Ok(outcomes) => {
            let mut it = outcomes.into_iter();
            for (j, k) in jobs.into_iter().zip(lens) {
                let _ = j.reply.send(Ok(it.by_ref().take(k).collect()));
            }
        }
        Err(e) => {
            let msg = e.to_string();
            for j in jobs {
                let _ = j.reply.send(Err(StoreError::Batch(msg.clone())));
            }
        }
    }
}

/// Runs a future that never waits (the SQLite backend's methods are synchronous).
fn ready<F: std::future::Future>(f: F) -> Result<F::Output, StoreError> {
    let mut f = std::pin::pin!(f);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match f.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(v) => Ok(v),
        std::task::Poll::Pending => Err(StoreError::Batch("internal: a SQLite step waited".into())),
    }
}

/// The SQLite writer: a thread of its own with the writer connection. Takes every job waiting,
/// runs them in one transaction and, when the WAL must be synced before an answer, hands the
/// committed jobs to a syncer thread and goes on with the next batch while the disk works.
fn sqlite_writer(db: sqlite::Db, keys: Arc<Keys>, mut rx: mpsc::UnboundedReceiver<Job>) {
    let mut syncer = None;
    if let Some(wal) = sqlite::WalSync::for_db(&db) {
        let (tx, committed) = std::sync::mpsc::channel::<Committed>();
        let started = std::thread::Builder::new()
            .name("kehu-sync".into())
            .spawn(move || wal_syncer(wal, committed));
        if let Err(e) = started {
            // Without a syncer no act could be acknowledged durably: refuse them all.
            while let Some(first) = rx.blocking_recv() {
                let (jobs, lens, _, _) = gather(first, &mut rx);
                let msg = format!("cannot start the WAL syncer: {e}");
                answer(jobs, lens, Err(StoreError::Batch(msg)));
            }
            return;
        }
        syncer = Some(tx);
    }
    while let Some(first) = rx.blocking_recv() {
        let (jobs, lens, items, audits) = gather(first, &mut rx);
        let started = std::time::Instant::now();
        let result = db.with_batch_writer(|c, memo| {
            let tx = sqlite::SqliteTx::begin_batch(c, db.index(), memo)?;
            ready(batch::run_batch(tx, keys.clone(), &items, &audits))?
        });
        stats::timed(&stats::BATCHES, &stats::BATCH_NS, started);
        match (result, &syncer) {
            (Ok(outcomes), Some(s)) => {
                if let Err(std::sync::mpsc::SendError((jobs, lens, _))) =
                    s.send((jobs, lens, outcomes))
                {
                    let e = StoreError::Batch("committed, but the WAL syncer has stopped".into());
                    answer(jobs, lens, Err(e));
                }
            }
            (result, _) => answer(jobs, lens, result),
        }
    }
}

/// Jobs whose batch is committed, with their outcomes, waiting for the WAL to reach the disk.
type Committed = (Vec<Job>, Vec<usize>, Vec<Result<Outcome, StoreError>>);

/// Answers committed batches once their sync is done (or failed: then their fate on the disk is
/// unknown, and the callers are told so).
fn answer_synced(done: Vec<Committed>, synced: Result<(), String>) {
    for (jobs, lens, outcomes) in done {
        let result = match &synced {
            Ok(()) => Ok(outcomes),
            Err(e) => Err(StoreError::Batch(format!(
                "committed, but the WAL could not be synced to the disk: {e}"
            ))),
        };
        answer(jobs, lens, result);
    }
}

/// Syncs the WAL for every committed batch waiting (one sync covers them all), then answers them.
///
/// While batches are coming (one was committed less than [`FLUSH_BACK_TO_BACK`] ago), the syncer
/// does not wait for the next one: it syncs again at once, whether or not a batch arrived since.
/// Two measured reasons (`kehu bench disk`, README "where the time goes"): a disk flush that
/// follows another is several times faster than one after a few hundred microseconds idle, which
/// is how long the writer takes over a batch; and a syncer that never sleeps needs no waking when
/// the batch arrives. A batch then waits for the flush in progress and one more, and at most one
/// flush is ever in flight. Once no batch has come for that long, the syncer sleeps until one does.
/// A batch is answered only by a sync that began after it was committed: it is taken from the
/// channel (the writer sends it after COMMIT) before that sync starts.
///
/// Between two flushes in that window, when no batch is waiting yet, the syncer first polls the
/// channel for up to [`SPIN_FOR_BATCH`] (on a machine with more than one CPU): a batch committed
/// in that time starts its own flush at once instead of waiting for an empty one to end, and the
/// CPU it runs on stays awake for the writer and the callers (measured: README, "where the time
/// goes").
fn wal_syncer(mut wal: sqlite::WalSync, committed: std::sync::mpsc::Receiver<Committed>) {
    let mut last_batch: Option<std::time::Instant> = None;
    let spin = std::thread::available_parallelism().is_ok_and(|n| n.get() > 1);
    loop {
        let mut done = Vec::new();
        let resting = last_batch.is_none_or(|t| t.elapsed() >= FLUSH_BACK_TO_BACK);
        if resting {
            // Also where the syncer stops, once the writer has gone and the window has passed.
            match committed.recv() {
                Ok(c) => done.push(c),
                Err(_) => return,
            }
        }
        done.extend(committed.try_iter());
        if done.is_empty() && spin {
            let polling = std::time::Instant::now();
            while polling.elapsed() < SPIN_FOR_BATCH {
                if let Ok(c) = committed.try_recv() {
                    done.push(c);
                    done.extend(committed.try_iter());
                    break;
                }
                std::hint::spin_loop();
            }
        }
        if done.is_empty() {
            // Nothing waits for this flush: an error here is met again by the next batch's.
            let _ = wal.flush_again();
        } else {
            last_batch = Some(std::time::Instant::now());
            // The WAL's path is looked up again only after a pause (see `WalSync::flush_again`).
            let started = std::time::Instant::now();
            let synced = match resting {
                true => wal.sync(),
                false => wal.flush_again(),
            };
            stats::timed(&stats::SYNCS, &stats::SYNC_NS, started);
            answer_synced(done, synced.map_err(|e| e.to_string()));
        }
    }
}

/// How long after the last committed batch the syncer keeps flushing back to back.
const FLUSH_BACK_TO_BACK: std::time::Duration = std::time::Duration::from_millis(2);

/// How long the syncer polls for a batch before it flushes with none (while flushing back to
/// back): about one empty flush of this machine's disk. Chosen by measurement (50, 75, 100 and
/// 150 µs; README).
const SPIN_FOR_BATCH: std::time::Duration = std::time::Duration::from_micros(75);

/// The PostgreSQL writer: a task that takes every job waiting and decides and writes them in one
/// transaction under the writers' advisory lock. Three tasks share the work, so that the lock is
/// held only while a batch is decided and written:
/// - the writer hands each written batch to a committer, and when more jobs are waiting it starts
///   the next batch's transaction at once: its lock request waits in the server and is granted
///   the moment the previous batch commits;
/// - the committer commits batches in order, without waiting for the disk
///   (`synchronous_commit = off`);
/// - the syncer flushes the WAL once for every committed batch waiting, then answers them.
async fn pg_writer(pg: postgres::Pg, keys: Arc<Keys>, mut rx: mpsc::UnboundedReceiver<Job>) {
    let (to_sync, committed) = mpsc::unbounded_channel::<Committed>();
    tokio::spawn(pg_syncer(pg.pool.clone(), committed));
    let (to_commit, written) = mpsc::unbounded_channel::<(postgres::PgTx, Committed)>();
    tokio::spawn(pg_committer(written, to_sync));
    // The next batch's transaction, started (and queued for the lock) while jobs were waiting.
    let mut next: Option<tokio::task::JoinHandle<Result<postgres::PgTx, StoreError>>> = None;
    loop {
        let first = match rx.try_recv() {
            Ok(job) => job,
            Err(_) => {
                // Nothing waiting (never so when `next` was started: jobs were waiting then, and
                // only this loop takes them). No transaction may sit open, holding the writers'
                // lock against other processes, while the writer waits.
                if let Some(h) = next.take() {
                    drop(h.await);
                }
                match rx.recv().await {
                    Some(job) => job,
                    None => break,
                }
            }
        };
        let (jobs, lens, items, audits) = gather(first, &mut rx);
        let tx = match next.take() {
            Some(h) => h
                .await
                .unwrap_or_else(|e| Err(StoreError::Batch(format!("starting a batch: {e}")))),
            None => postgres::begin_batch(&pg).await,
        };
        let started = std::time::Instant::now();
        let written = match tx {
            Ok(tx) => batch::write_batch(tx, keys.clone(), &items, &audits).await,
            Err(e) => Err(e),
        };
        stats::timed(&stats::BATCHES, &stats::BATCH_NS, started);
        match written {
            Ok((tx, outcomes)) => {
                if !rx.is_empty() {
                    let pg = pg.clone();
                    next = Some(tokio::spawn(
                        async move { postgres::begin_batch(&pg).await },
                    ));
                }
                if let Err(mpsc::error::SendError((_, (jobs, lens, _)))) =
                    to_commit.send((tx, (jobs, lens, outcomes)))
                {
                    let e = StoreError::Batch("the committer has stopped".into());
                    answer(jobs, lens, Err(e));
                }
            }
            Err(e) => answer(jobs, lens, Err(e)),
        }
    }
}

/// Commits written batches in order and hands them to the syncer.
async fn pg_committer(
    mut written: mpsc::UnboundedReceiver<(postgres::PgTx, Committed)>,
    to_sync: mpsc::UnboundedSender<Committed>,
) {
    while let Some((tx, (jobs, lens, outcomes))) = written.recv().await {
        if let Err(e) = backend::Write::commit(tx).await {
            answer(jobs, lens, Err(e));
            continue;
        }
        if let Err(mpsc::error::SendError((jobs, lens, _))) = to_sync.send((jobs, lens, outcomes)) {
            let e = StoreError::Batch("committed, but the WAL syncer has stopped".into());
            answer(jobs, lens, Err(e));
        }
    }
}

/// Flushes the WAL once for every committed batch waiting, then answers them.
async fn pg_syncer(pool: PgPool, mut committed: mpsc::UnboundedReceiver<Committed>) {
    while let Some(first) = committed.recv().await {
        let mut done = vec![first];
        while let Ok(more) = committed.try_recv() {
            done.push(more);
        }
        let started = std::time::Instant::now();
        let flushed = postgres::flush_wal(&pool).await.map_err(|e| e.to_string());
        stats::timed(&stats::SYNCS, &stats::SYNC_NS, started);
        answer_synced(done, flushed);
    }
}

/// The projections as plain values, for the ledger check.
#[derive(Debug, Default, PartialEq)]
struct Projections {
    customers: BTreeMap<i64, CustomerRow>,
    links: BTreeSet<(i64, i64)>,
    keys: BTreeSet<(String, Blind, i64)>,
    projects: BTreeMap<String, ProjectState>,
    disputes: BTreeMap<i64, DisputeRow>,
}

impl Projections {
    fn fold(events: &[Event], blind: &Keys) -> Projections {
        let mut p = Projections::default();
        for e in events {
            let keys: Vec<Blind> = keys_of(e).iter().map(|k| blind.blind(k)).collect();
            for c in &e.customers {
                p.customers
                    .entry(c.0)
                    .or_insert((e.project.clone(), None, None));
                p.links.insert((c.0, e.seq));
                for k in &keys {
                    p.keys.insert((e.project.clone(), *k, c.0));
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
                        p.projects.insert(e.project.clone(), (**s).clone());
                    }
                    Effect::ProjectChange(c) => {
                        p.projects
                            .entry(e.project.clone())
                            .or_default()
                            .apply(c, e.at);
                    }
                }
            }
            p.disputes.extend(batch::dispute_of(e));
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
            links: r.links.into_iter().collect(),
            keys: r.keys.into_iter().collect(),
            projects,
            disputes: r.disputes.into_iter().collect(),
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
        cmp_sets("event_customers", &self.links, &actual.links, out);
        cmp_sets("customer_keys", &self.keys, &actual.keys, out);
        cmp_maps("projects", &self.projects, &actual.projects, out);
        cmp_maps("disputes", &self.disputes, &actual.disputes, out);
    }
}

/// Which of a project's events [`Store::project_events`] reads.
#[derive(Debug, Clone, Copy)]
pub enum EventRange {
    /// `from_ms <= at_ms < until_ms`, the first `limit` in order.
    Between {
        from_ms: i64,
        until_ms: i64,
        limit: i64,
    },
    /// The event numbered `seq`.
    Seq(i64),
}

impl EventRange {
    /// The query (parameters: project, two bounds, limit) with its bound values.
    fn sql(self) -> (String, i64, i64, i64) {
        let cols = "SELECT seq, project, key_id, body FROM events WHERE project = $1";
        match self {
            EventRange::Between {
                from_ms,
                until_ms,
                limit,
            } => (
                format!("{cols} AND at_ms >= $2 AND at_ms < $3 ORDER BY at_ms, seq LIMIT $4"),
                from_ms,
                until_ms,
                limit,
            ),
            EventRange::Seq(seq) => (
                format!("{cols} AND seq >= $2 AND seq <= $3 LIMIT $4"),
                seq,
                seq,
                1,
            ),
        }
    }
}
