//! The SQLite backend (the default: one file beside the config, or in memory), on rusqlite.
//!
//! SQLite is an in-process library: a statement costs about a microsecond when called directly,
//! so the backend is synchronous. The writer runs on its own thread with its own connection;
//! collision checks and maintenance use a small set of other connections on tokio's blocking
//! threads (WAL: readers never block the writer). An in-memory database is one connection, shared.

use crate::backend::{Blind, Read, Rows, SealedRow, Write, WriteSet};
use crate::keyindex::KeyIndex;
use crate::keys::Keys;
use crate::schema::{Step, MIGRATIONS};
use crate::StoreError;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, ToSql};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Connections to one SQLite database.
#[derive(Clone)]
pub(crate) struct Db {
    /// None: in memory.
    path: Option<PathBuf>,
    /// How commits reach the disk.
    sync: SqliteSync,
    /// The writer's connection (in memory: the only one), with what its last batch left.
    writer: Arc<Mutex<(Connection, Option<Memo>)>>,
    /// Idle connections for reads and maintenance (file databases).
    idle: Arc<Mutex<Vec<Connection>>>,
    /// The customer-key index, shared by the writer and the readers.
    index: SharedIndex,
}

/// The customer-key index of one database (see [`KeyIndex`]).
pub(crate) type SharedIndex = Arc<Mutex<KeyIndex>>;

/// Opens a connection; `cache_mib` is its page cache (the writer's is the large one), `sync` its
/// `synchronous` level.
fn open_conn(path: &Option<PathBuf>, cache_mib: i64, sync: &str) -> Result<Connection, StoreError> {
    let conn = match path {
        None => Connection::open_in_memory()?,
        Some(p) => Connection::open_with_flags(
            p,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?,
    };
    conn.busy_timeout(Duration::from_secs(30))?;
    conn.execute_batch(
        "PRAGMA foreign_keys = ON;
         -- Freed pages are zeroed: a re-sealed or dropped value leaves no trace in the file.
         PRAGMA secure_delete = ON;",
    )?;
    // The index pages a probe touches stay in memory.
    conn.execute_batch(&format!("PRAGMA cache_size = -{}", cache_mib * 1024))?;
    if path.is_some() {
        conn.execute_batch(&format!(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = {sync};"
        ))?;
        conn.execute_batch(
            "-- The writer does not checkpoint after its commits; a background task does (see
             -- `checkpointer`), this is only the cap if it falls behind.
             PRAGMA wal_autocheckpoint = 16384;",
        )?;
    }
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

/// How a commit reaches the disk: `Full` (the default: the WAL is synced at every commit, so an
/// acknowledged act survives a power cut) or `Normal` (synced at checkpoints: an acknowledged act
/// survives the process being killed, but a power cut or an OS crash may lose the last fraction
/// of a second). The binary reads it from `KEHU_SQLITE_SYNC`; the library reads no environment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SqliteSync {
    #[default]
    Full,
    Normal,
}

impl SqliteSync {
    /// `full` or `normal` (either case); anything else is refused.
    pub fn parse(s: &str) -> Option<SqliteSync> {
        match s.to_ascii_lowercase().as_str() {
            "full" => Some(SqliteSync::Full),
            "normal" => Some(SqliteSync::Normal),
            _ => None,
        }
    }

    /// The `PRAGMA synchronous` value of the readers' connections.
    pub fn pragma(self) -> &'static str {
        match self {
            SqliteSync::Full => "FULL",
            SqliteSync::Normal => "NORMAL",
        }
    }
}

/// Opens `sqlite:PATH` or `sqlite::memory:`.
pub(crate) fn connect(url: &str, sync: SqliteSync) -> Result<Db, StoreError> {
    let path = if url == "sqlite::memory:" || url == ":memory:" {
        None
    } else if let Some(p) = url.strip_prefix("sqlite:") {
        let p = p.trim_start_matches("//");
        let p = p.split('?').next().unwrap_or(p);
        if p.is_empty() {
            return Err(StoreError::Url(url.to_string()));
        }
        Some(PathBuf::from(p))
    } else {
        return Err(StoreError::Url(url.to_string()));
    };
    // The writer commits without waiting for the disk; when `sync` is Full its acts are
    // acknowledged only after a [`WalSync`] has flushed the WAL (see `sqlite_writer`).
    // The writer's reads are the right edges of the ledger's tables and the records an act names
    // (the key index is in memory): a small cache serves them, and SQLite walks the whole cache
    // at every commit, so a large one costs time on each batch.
    let writer = open_conn(&path, 16, "NORMAL")?;
    Ok(Db {
        path,
        sync,
        writer: Arc::new(Mutex::new((writer, None))),
        idle: Arc::new(Mutex::new(Vec::new())),
        index: Arc::new(Mutex::new(KeyIndex::default())),
    })
}

fn poisoned() -> StoreError {
    StoreError::Batch("a SQLite connection was left unusable by a panic".into())
}

impl Db {
    pub(crate) fn is_memory(&self) -> bool {
        self.path.is_none()
    }

    pub(crate) fn index(&self) -> SharedIndex {
        self.index.clone()
    }

    /// Fills the customer-key index from the database now rather than at the first probe.
    pub(crate) fn warm(&self) -> Result<usize, StoreError> {
        let index = self.index();
        self.with_conn(move |c| {
            let mut ix = index.lock().map_err(|_| poisoned())?;
            ix.catch_up(c)?;
            Ok(ix.len())
        })
    }

    /// Runs `f` on the writer's connection (blocking). What the last batch left is forgotten:
    /// `f` may write, and SQLite's data version does not count a connection's own writes.
    pub(crate) fn with_writer<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut w = self.writer.lock().map_err(|_| poisoned())?;
        w.1 = None;
        f(&mut w.0)
    }

    /// Runs one write batch on the writer's connection (blocking): `f` gets the connection and
    /// what the last batch left, for [`SqliteTx::begin_batch`].
    pub(crate) fn with_batch_writer<T>(
        &self,
        f: impl FnOnce(&mut Connection, &mut Option<Memo>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut w = self.writer.lock().map_err(|_| poisoned())?;
        let (c, memo) = &mut *w;
        f(c, memo)
    }

    /// Runs `f` on an idle connection (in memory: the one connection), blocking.
    pub(crate) fn with_conn<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        if self.is_memory() {
            return self.with_writer(f);
        }
        let taken = self.idle.lock().map_err(|_| poisoned())?.pop();
        let mut conn = match taken {
            Some(c) => c,
            None => open_conn(&self.path, 16, self.sync.pragma())?,
        };
        let r = f(&mut conn);
        if let Ok(mut idle) = self.idle.lock() {
            if idle.len() < 4 {
                idle.push(conn);
            }
        }
        r
    }

    /// [`Db::with_conn`] on tokio's blocking threads.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let db = self.clone();
        tokio::task::spawn_blocking(move || db.with_conn(f))
            .await
            .map_err(|e| StoreError::Batch(format!("a SQLite task failed: {e}")))?
    }
}

/// Flushes a database's WAL file to the disk. The writer commits with `synchronous = NORMAL`
/// (SQLite writes the WAL frames but does not wait for the disk) and goes on with the next batch
/// while this runs on another thread; an act is acknowledged only after a sync that began after
/// its commit. The WAL is a log: frames are checksummed in a chain, so recovery keeps a prefix of
/// the commits and nothing after a lost one. A checkpoint syncs the WAL before it copies it back
/// and syncs the database after, so a commit already copied back is durable too.
pub(crate) struct WalSync {
    wal: PathBuf,
    db: PathBuf,
    /// The open WAL file and its inode (reopened if the file was replaced).
    file: Option<(std::fs::File, u64)>,
}

impl WalSync {
    /// For a file database whose acts must survive a power cut (`SqliteSync::Full`); none else.
    pub(crate) fn for_db(db: &Db) -> Option<WalSync> {
        let path = db.path.clone()?;
        if db.sync != SqliteSync::Full {
            return None;
        }
        let mut wal = path.clone().into_os_string();
        wal.push("-wal");
        Some(WalSync {
            wal: PathBuf::from(wal),
            db: path,
            file: None,
        })
    }

    pub(crate) fn sync(&mut self) -> std::io::Result<()> {
        use std::os::unix::fs::MetadataExt;
        let ino = match std::fs::metadata(&self.wal) {
            Ok(m) => m.ino(),
            // No WAL: the last connection checkpointed it into the database and removed it.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                self.file = None;
                return std::fs::File::open(&self.db)?.sync_all();
            }
            Err(e) => return Err(e),
        };
        if self.file.as_ref().map(|f| f.1) != Some(ino) {
            self.file = Some((std::fs::File::open(&self.wal)?, ino));
        }
        match &self.file {
            Some((f, _)) => f.sync_data(),
            None => Ok(()),
        }
    }

    /// Flushes the WAL file already open without looking up its path first (or, when none is
    /// open yet, as [`sync`] does): for the syncer's flushes while batches are coming (see
    /// `wal_syncer`). [`sync`] looks the path up when the syncer starts flushing after a pause.
    ///
    /// Within such a run it is the same file: SQLite removes or replaces the WAL only when the
    /// last connection to the database closes, and the writer's stays open while the store runs.
    /// Looking the path up before every flush cost more than the `stat`: measured on this
    /// machine (Linux 6.18, ext4), a flush after a `stat` of the file took about 205 µs against
    /// 140 without, each also writing the file's inode. The likely cause is the kernel's
    /// fine-grained timestamps: once a file's times have been read, its next write stores a new
    /// mtime, which makes the inode dirty, and ext4 without a journal writes it in the flush.
    ///
    /// [`sync`]: WalSync::sync
    pub(crate) fn flush_again(&mut self) -> std::io::Result<()> {
        match &self.file {
            Some((f, _)) => f.sync_data(),
            None => self.sync(),
        }
    }
}

/// Copies the WAL back into the database file every quarter second (a PASSIVE checkpoint runs
/// beside readers and the writer), so that commits stay short. Stops when `stop` is set.
pub(crate) fn checkpointer(db: Db, stop: Arc<std::sync::atomic::AtomicBool>) {
    if db.is_memory() {
        return;
    }
    let spawned = std::thread::Builder::new()
        .name("kehu-checkpoint".into())
        .spawn(move || {
            // A failing checkpoint is told once until it succeeds again (not four times a
            // second): the WAL then grows until the writer's own autocheckpoint runs.
            let mut failing = false;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(250));
                let r = db.with_conn(|c| {
                    c.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?;
                    Ok(())
                });
                match r {
                    Err(e) if !failing => {
                        failing = true;
                        tracing::warn!(error = %e, "the WAL checkpoint fails");
                    }
                    Ok(()) if failing => {
                        failing = false;
                        tracing::info!("the WAL checkpoint works again");
                    }
                    _ => {}
                }
            }
        });
    // Without the thread, the writer's own autocheckpoint (the cap above) still runs.
    if let Err(e) = spawned {
        tracing::warn!(
            error = %e,
            "no checkpoint thread; the writer's autocheckpoint keeps the WAL in bounds"
        );
    }
}

/// What the writer's last committed batch left: SQLite's data version after it, and the ledger's
/// next ids. While the data version is the same at the next batch (no other connection has
/// committed since: SQLite does not count a connection's own commits), the next ids are these and
/// the in-memory indexes hold every row (the last batch added its own after its commit), so the
/// batch skips reading them again.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Memo {
    data_version: i64,
    next_seq: i64,
    next_customer: i64,
}

/// One transaction on a connection: BEGIN IMMEDIATE for the writer (it takes the write lock up
/// front, so two writers in two processes never deadlock on an upgrade), BEGIN for a read. Probes
/// and key rows go through the database's customer-key index (none for maintenance, which does
/// neither).
pub(crate) struct SqliteTx<'c> {
    conn: &'c mut Connection,
    open: bool,
    index: Option<SharedIndex>,
    /// Key rows this transaction wrote, for the index once it has committed, and the last one's id.
    added: Vec<(String, Blind, i64)>,
    added_last: i64,
    /// The keys of the records it created (in their rows), likewise, and the last record's id.
    record_keys: Vec<(String, Blind, i64)>,
    last_new: i64,
    /// Holder-log rows this transaction wrote, likewise, and the records it created with their
    /// holders (for the holder index).
    holders_added: Vec<(i64, String, String)>,
    holders_last: i64,
    records_added: Vec<(i64, String, Option<String>)>,
    /// A write batch's: where the writer keeps its [`Memo`] (emptied at BEGIN, filled at a
    /// successful commit), the data version read under the write lock, the next ids (known from
    /// the memo, or once read), and whether the indexes are known to hold every row.
    memo: Option<&'c mut Option<Memo>>,
    data_version: i64,
    next_ids: Option<(i64, i64)>,
    indexed: bool,
    /// For a read snapshot of a file database: the database, whose other connections may read a
    /// share of a long list of histories at the same time (see [`SqliteTx::events_of`]).
    helpers: Option<Db>,
}

impl<'c> SqliteTx<'c> {
    pub(crate) fn begin(
        conn: &'c mut Connection,
        write: bool,
        index: Option<SharedIndex>,
    ) -> Result<Self, StoreError> {
        conn.execute_batch(if write { "BEGIN IMMEDIATE" } else { "BEGIN" })?;
        Ok(SqliteTx {
            conn,
            open: true,
            index,
            added: Vec::new(),
            added_last: 0,
            record_keys: Vec::new(),
            last_new: 0,
            holders_added: Vec::new(),
            holders_last: 0,
            records_added: Vec::new(),
            memo: None,
            data_version: 0,
            next_ids: None,
            indexed: false,
            helpers: None,
        })
    }

    /// The writer's transaction for a batch (see [`Memo`]).
    pub(crate) fn begin_batch(
        conn: &'c mut Connection,
        index: SharedIndex,
        memo: &'c mut Option<Memo>,
    ) -> Result<Self, StoreError> {
        let last = memo.take();
        let mut tx = SqliteTx::begin(conn, true, Some(index))?;
        // Under the write lock: nothing can commit between this and the batch's COMMIT.
        tx.data_version = (tx.conn).query_row("PRAGMA data_version", [], |r| r.get(0))?;
        if let Some(m) = last.filter(|m| m.data_version == tx.data_version) {
            tx.next_ids = Some((m.next_seq, m.next_customer));
            tx.indexed = true;
        }
        tx.memo = Some(memo);
        Ok(tx)
    }

    /// Brings the in-memory indexes up to this transaction's snapshot (not needed when a
    /// writer's memo says they are).
    fn caught_up(&self) -> Result<std::sync::MutexGuard<'_, KeyIndex>, StoreError> {
        let mut ix = self.index()?.lock().map_err(|_| poisoned())?;
        if !self.indexed {
            ix.catch_up(self.conn)?;
        }
        Ok(ix)
    }

    /// Lets this read snapshot share long history reads with other connections of `db` (file
    /// databases only: in memory there is one connection).
    pub(crate) fn with_helpers(mut self, db: &Db) -> Self {
        if !db.is_memory() {
            self.helpers = Some(db.clone());
        }
        self
    }

    fn index(&self) -> Result<&SharedIndex, StoreError> {
        self.index
            .as_ref()
            .ok_or_else(|| StoreError::Batch("internal: customer keys without the index".into()))
    }

    /// Ends a read snapshot.
    pub(crate) fn finish(mut self) -> Result<(), StoreError> {
        self.open = false;
        self.conn.execute_batch("COMMIT")?;
        Ok(())
    }
}

impl Drop for SqliteTx<'_> {
    fn drop(&mut self) {
        if self.open {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}

fn sealed_row(r: &rusqlite::Row, at: usize) -> rusqlite::Result<SealedRow> {
    Ok(SealedRow {
        seq: r.get(at)?,
        project: r.get(at + 1)?,
        key_id: r.get::<_, i64>(at + 2)? as u32,
        body: r.get(at + 3)?,
    })
}

impl Read for SqliteTx<'_> {
    async fn project_state(&mut self, project: &str) -> Result<Option<String>, StoreError> {
        let mut st = self
            .conn
            .prepare_cached("SELECT state FROM projects WHERE name = ?1")?;
        Ok(st.query_row([project], |r| r.get(0)).optional()?)
    }

    async fn customers_by_keys(
        &mut self,
        project: &str,
        keys: &[Blind],
    ) -> Result<Vec<(Blind, i64)>, StoreError> {
        Ok(self.caught_up()?.lookup(project, keys))
    }

    async fn events_of(&mut self, customers: &[i64]) -> Result<Vec<(i64, SealedRow)>, StoreError> {
        match &self.helpers {
            Some(db) if customers.len() >= SHARED_READ_MIN => {
                shared_events_of(self.conn, db, customers)
            }
            _ => events_of_on(self.conn, customers),
        }
    }

    async fn held_by(&mut self, project: &str, holder: &str) -> Result<Vec<i64>, StoreError> {
        Ok(self.caught_up()?.holders.held_by(project, holder))
    }
}

/// The histories of `customers` on one connection, in their order, each in ledger order.
fn events_of_on(c: &Connection, customers: &[i64]) -> Result<Vec<(i64, SealedRow)>, StoreError> {
    let mut st = c.prepare_cached(
        "SELECT e.seq, e.project, e.key_id, e.body \
         FROM event_customers c JOIN events e ON e.seq = c.seq \
         WHERE c.customer = ?1 ORDER BY e.seq",
    )?;
    let mut out = Vec::new();
    for cu in customers {
        for r in st.query_map([cu], |r| sealed_row(r, 0))? {
            out.push((*cu, r?));
        }
    }
    Ok(out)
}

/// From this many records on, a read snapshot reads their histories on several connections.
const SHARED_READ_MIN: usize = 8;
/// At most this many connections read one list.
const SHARED_READ_WAYS: usize = 4;

/// The last entry of the ledger a connection's snapshot holds.
fn ledger_mark(c: &Connection) -> Result<i64, StoreError> {
    Ok(c.query_row("SELECT COALESCE(MAX(seq), 0) FROM events", [], |r| r.get(0))?)
}

/// [`events_of_on`] for a long list (a prefix-7 mask matches every customer of its segment, some
/// twenty at ten million): each record costs two B-tree lookups, and on a database larger than the
/// page cache those are reads from the disk, one after another. The list is cut in slices; other
/// connections read all but the first at the same time, each in a snapshot of its own that is used
/// only if it holds the same ledger as this one (the same last entry: entries and their links are
/// only ever appended, together). A slice whose snapshot differs, or whose read fails, is read here.
fn shared_events_of(
    c: &Connection,
    db: &Db,
    customers: &[i64],
) -> Result<Vec<(i64, SealedRow)>, StoreError> {
    let mark = ledger_mark(c)?;
    let ways = SHARED_READ_WAYS
        .min(customers.len() / (SHARED_READ_MIN / 2))
        .max(1);
    let slices: Vec<&[i64]> = customers.chunks(customers.len().div_ceil(ways)).collect();
    let read_elsewhere = |slice: &[i64]| -> Option<Vec<(i64, SealedRow)>> {
        db.with_conn(|h| {
            h.execute_batch("BEGIN")?;
            let rows = ledger_mark(h).and_then(|m| match m == mark {
                true => events_of_on(h, slice).map(Some),
                false => Ok(None),
            });
            // The snapshot ends before the connection goes back to the pool, whatever happened.
            h.execute_batch("COMMIT")?;
            rows
        })
        .ok()
        .flatten()
    };
    let (first, rest) = slices
        .split_first()
        .map_or((&[][..], &[][..]), |(f, r)| (*f, r));
    let (here, others) = std::thread::scope(|scope| {
        let handles: Vec<_> = rest
            .iter()
            .map(|slice| scope.spawn(|| read_elsewhere(slice)))
            .collect();
        let here = events_of_on(c, first);
        let others: Vec<Option<Vec<(i64, SealedRow)>>> = handles
            .into_iter()
            .map(|h| h.join().ok().flatten())
            .collect();
        (here, others)
    });
    let mut out = here?;
    for (slice, rows) in rest.iter().zip(others) {
        match rows {
            Some(rows) => out.extend(rows),
            None => out.extend(events_of_on(c, slice)?),
        }
    }
    Ok(out)
}

/// Appends the batch's changes of holder of existing records to the holder log; `ix` has read
/// what other processes wrote (the write lock is held). A new record's first holder is in its
/// own row of customers. Returns the log rows and the last one's id, for the index once the
/// transaction has committed.
#[allow(clippy::type_complexity)]
fn log_holders(
    c: &Connection,
    ix: &KeyIndex,
    w: &WriteSet,
) -> Result<(Vec<(i64, String, String)>, i64), StoreError> {
    let mut rows: Vec<(i64, String, String)> = Vec::new();
    if w.customer_updates.is_empty() {
        return Ok((rows, 0));
    }
    let mut st = c.prepare_cached("SELECT project FROM customers WHERE id = ?1")?;
    for (id, (h, _)) in &w.customer_updates {
        let p: String = st.query_row([id], |r| r.get(0))?;
        if !ix.holders.holds(*id, &p, h) {
            rows.push((*id, p, h.clone()));
        }
    }
    if rows.is_empty() {
        return Ok((rows, 0));
    }
    let params: Vec<[&dyn ToSql; 3]> = (rows.iter())
        .map(|(id, p, h)| [id as _, p as _, h as _])
        .collect();
    insert_many(c, "holder_log (customer, project, holder)", &params)?;
    drop(params);
    Ok((rows, c.last_insert_rowid()))
}

/// Inserts `rows` into `table` (`name (columns…)`), many to a statement: one statement run, and
/// one statement journal, for up to [`MANY`] rows instead of one each.
fn insert_many<const K: usize>(
    c: &Connection,
    table: &str,
    rows: &[[&dyn ToSql; K]],
) -> Result<(), StoreError> {
    let mut rest = rows;
    while !rest.is_empty() {
        let n = if rest.len() >= MANY {
            MANY
        } else if rest.len() >= 8 {
            8
        } else {
            1
        };
        let (chunk, tail) = rest.split_at(n);
        let one = format!("({})", vec!["?"; K].join(", "));
        let sql = format!("INSERT INTO {table} VALUES {}", vec![one; n].join(", "));
        let mut st = c.prepare_cached(&sql)?;
        st.execute(rusqlite::params_from_iter(chunk.iter().flatten()))?;
        rest = tail;
    }
    Ok(())
}

/// The most rows [`insert_many`] puts in one statement.
const MANY: usize = 32;

impl Write for SqliteTx<'_> {
    async fn next_ids(&mut self) -> Result<(i64, i64), StoreError> {
        if let Some(ids) = self.next_ids {
            return Ok(ids);
        }
        let mut st = self.conn.prepare_cached(
            "SELECT (SELECT COALESCE(MAX(seq), 0) + 1 FROM events), \
                    (SELECT COALESCE(MAX(id), 0) + 1 FROM customers)",
        )?;
        let ids = st.query_row([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        self.next_ids = Some(ids);
        Ok(ids)
    }

    async fn once(
        &mut self,
        account: &str,
        key: &str,
    ) -> Result<Option<(i64, String)>, StoreError> {
        Ok(self
            .conn
            .query_row(crate::batch::ONCE, params![account, key], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?)
    }

    async fn audit_last(&mut self) -> Result<Option<(i64, String)>, StoreError> {
        Ok(self
            .conn
            .query_row(crate::audit::LAST, [], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?)
    }

    async fn flush(&mut self, w: &WriteSet) -> Result<(), StoreError> {
        let c = &*self.conn;
        // First, while the indexes' catch-up reads only what others wrote (it reads new records
        // too, and this batch's are added after COMMIT): the holder log, and the keys. A record
        // this batch creates (ids from the first new one up, under the write lock) takes its keys
        // in its own row; an older record's new keys go to the log, each once.
        let new_records: BTreeMap<i64, &str> = (w.new_customers.iter())
            .map(|(id, (p, _, _))| (*id, p.as_str()))
            .collect();
        let mut own_keys: BTreeMap<i64, Vec<Blind>> = BTreeMap::new();
        if !w.keys.is_empty() || !new_records.is_empty() || !w.customer_updates.is_empty() {
            // Read what other processes wrote first (the write lock is held, so nothing comes
            // in between); also when the batch only creates records, whose ids the index then
            // takes as read.
            let index = self.index()?.clone();
            let mut ix = index.lock().map_err(|_| poisoned())?;
            if !self.indexed {
                ix.catch_up(c)?;
            }
            (self.holders_added, self.holders_last) = log_holders(c, &ix, w)?;
            for (p, k, cu) in &w.keys {
                crate::keyindex::check_id(*cu)?;
                if new_records.get(cu) == Some(&p.as_str()) {
                    own_keys.entry(*cu).or_default().push(*k);
                    self.record_keys.push((p.clone(), *k, *cu));
                } else if !ix.holds(p, *k, *cu) {
                    self.added.push((p.clone(), *k, *cu));
                }
            }
        }
        self.records_added = (w.new_customers.iter())
            .map(|(id, (p, h, _))| (*id, p.clone(), h.clone()))
            .collect();
        self.last_new = new_records.keys().next_back().copied().unwrap_or(0);
        // The next ids once this batch is in (for the memo, once it has committed).
        if let Some((seq, customer)) = &mut self.next_ids {
            if let Some(last) = w.events.last() {
                *seq = (*seq).max(last.0 + 1);
            }
            *customer = (*customer).max(self.last_new + 1);
        }
        let mut st = c.prepare_cached(crate::audit::INSERT)?;
        for r in &w.audit {
            let e = &r.entry;
            st.execute(params![
                r.seq, e.at_ms, e.actor, e.action, e.subject, e.detail, r.hash
            ])?;
        }
        let events: Vec<[&dyn ToSql; 6]> = (w.events.iter())
            .map(|(s, p, at, a, k, b)| [s as _, p as _, at as _, a as _, k as _, b as _])
            .collect();
        insert_many(
            c,
            "events (seq, project, at_ms, act, key_id, body)",
            &events,
        )?;
        let packed: Vec<Option<Vec<u8>>> = (w.new_customers.iter())
            .map(|(id, _)| own_keys.remove(id).map(crate::keyindex::pack))
            .collect();
        let customers: Vec<[&dyn ToSql; 5]> = (w.new_customers.iter().zip(&packed))
            .map(|((id, (p, h, r)), k)| [id as _, p as _, h as _, r as _, k as _])
            .collect();
        insert_many(
            c,
            "customers (id, project, holder, holder_rule, keys)",
            &customers,
        )?;
        let links: Vec<[&dyn ToSql; 2]> = w.links.iter().map(|(cu, s)| [cu as _, s as _]).collect();
        insert_many(c, "event_customers (customer, seq)", &links)?;
        let mut st =
            c.prepare_cached("UPDATE customers SET holder = ?2, holder_rule = ?3 WHERE id = ?1")?;
        for (id, (h, r)) in &w.customer_updates {
            st.execute(params![id, h, r])?;
        }
        if !self.added.is_empty() {
            let rows: Vec<[&dyn ToSql; 3]> = (self.added.iter())
                .map(|(p, k, cu)| [p as _, k as _, cu as _])
                .collect();
            insert_many(c, "customer_keys (project, key, customer)", &rows)?;
            self.added_last = c.last_insert_rowid();
        }
        let mut st = c.prepare_cached(
            "INSERT INTO projects (name, state) VALUES (?1, ?2) \
             ON CONFLICT (name) DO UPDATE SET state = excluded.state",
        )?;
        for (p, s) in &w.projects {
            st.execute(params![p, s])?;
        }
        let mut st = c.prepare_cached(
            "UPDATE disputes SET closed_seq = ?2 \
             WHERE customer = ?1 AND closed_seq IS NULL AND seq < ?2",
        )?;
        for (cu, s) in &w.closes {
            st.execute(params![cu, s])?;
        }
        let mut st = c.prepare_cached(
            "INSERT INTO disputes (seq, project, customer, rule, deadline_ms, closed_seq) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        for (s, (p, cu, r, d, x)) in &w.disputes {
            st.execute(params![s, p, cu, r, d, x])?;
        }
        for (k, rows) in w.kept.ready() {
            keep_rows(c, k, &rows)?;
        }
        let mut st = c.prepare_cached(crate::batch::ONCE_INSERT)?;
        for (a, k, f, s, at) in &w.onces {
            st.execute(params![a, k, f, s, at])?;
        }
        let mut clear = c.prepare_cached("DELETE FROM due WHERE customer = ?1")?;
        let mut set = c.prepare_cached(
            "INSERT INTO due (customer, project, kind, at_ms, until_ms) VALUES (?1, ?2, ?3, ?4, ?5) \
             ON CONFLICT (customer) DO UPDATE SET project = excluded.project, kind = excluded.kind, \
             at_ms = excluded.at_ms, until_ms = excluded.until_ms",
        )?;
        for (cu, d) in &w.due {
            match d {
                Some((p, k, at, until)) => set.execute(params![cu, p, k, at, until])?,
                None => clear.execute(params![cu])?,
            };
        }
        Ok(())
    }

    async fn commit(mut self) -> Result<(), StoreError> {
        self.open = false;
        self.conn.execute_batch("COMMIT")?;
        // A new record goes to both indexes; each log's last id is 0 unless this transaction
        // appended to it.
        let wrote = !self.added.is_empty() || !self.holders_added.is_empty();
        if wrote || !self.records_added.is_empty() {
            let mut ix = self.index()?.lock().map_err(|_| poisoned())?;
            ix.add(
                &self.added,
                self.added_last,
                &self.record_keys,
                self.last_new,
            )?;
            ix.holders
                .add(&self.records_added, &self.holders_added, self.holders_last)?;
        }
        // The indexes now hold this batch's rows too: the next batch may skip reading them if
        // nobody else commits in between.
        if let (Some(slot), Some((next_seq, next_customer))) = (self.memo.take(), self.next_ids) {
            *slot = Some(Memo {
                data_version: self.data_version,
                next_seq,
                next_customer,
            });
        }
        Ok(())
    }
}

pub(crate) fn all_events(c: &mut Connection) -> Result<Vec<SealedRow>, StoreError> {
    let mut st = c.prepare("SELECT seq, project, key_id, body FROM events ORDER BY seq")?;
    let rows = st.query_map([], |r| sealed_row(r, 0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A project's events with `from_ms <= at_ms < until_ms`, or the one numbered `seq`, in order,
/// at most `limit`.
pub(crate) fn events_of(
    c: &mut Connection,
    project: &str,
    range: crate::EventRange,
) -> Result<Vec<SealedRow>, StoreError> {
    let (sql, a, b, limit) = range.sql();
    let mut st = c.prepare_cached(&sql)?;
    let rows = st.query_map(params![project, a, b, limit], |r| sealed_row(r, 0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Events `seq > after` sealed with another key than `key_id`, at most `limit`.
pub(crate) fn events_to_reseal(
    c: &mut Connection,
    key_id: u32,
    after: i64,
    limit: i64,
) -> Result<Vec<SealedRow>, StoreError> {
    let mut st = c.prepare(
        "SELECT seq, project, key_id, body FROM events WHERE seq > ?1 AND key_id <> ?2 \
         ORDER BY seq LIMIT ?3",
    )?;
    let rows = st.query_map(params![after, key_id, limit], |r| sealed_row(r, 0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Re-seals entries: `(seq, key id, body)`.
pub(crate) fn reseal(c: &mut Connection, rows: &[(i64, u32, Vec<u8>)]) -> Result<(), StoreError> {
    let tx = SqliteTx::begin(c, true, None)?;
    {
        let mut st = tx
            .conn
            .prepare_cached("UPDATE events SET key_id = ?1, body = ?2 WHERE seq = ?3")?;
        for (seq, k, body) in rows {
            st.execute(params![k, body, seq])?;
        }
    }
    let mut tx = tx;
    tx.open = false;
    tx.conn.execute_batch("COMMIT")?;
    Ok(())
}

pub(crate) fn rows(c: &mut Connection) -> Result<Rows, StoreError> {
    let mut out = Rows::default();
    let mut st = c.prepare("SELECT id, project, holder, holder_rule FROM customers")?;
    for r in st.query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?, r.get(3)?))))? {
        out.customers.push(r?);
    }
    let mut st = c.prepare("SELECT customer, seq FROM event_customers")?;
    for r in st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))? {
        out.links.push(r?);
    }
    let mut st = c.prepare("SELECT project, key, customer FROM customer_keys")?;
    for r in st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))? {
        out.keys.push(r?);
    }
    // A record's keys when it was created are in its row (schema v10).
    let mut st = c.prepare("SELECT id, project, keys FROM customers WHERE keys IS NOT NULL")?;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        let (id, project): (i64, String) = (r.get(0)?, r.get(1)?);
        let keys = r.get_ref(2)?.as_blob().map_err(rusqlite::Error::from)?;
        for k in crate::keyindex::unpack(keys) {
            out.keys.push((project.clone(), k, id));
        }
    }
    let mut log = std::collections::BTreeMap::new();
    let mut st = c.prepare("SELECT customer, holder FROM holder_log ORDER BY id")?;
    for r in st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))? {
        let (customer, holder): (i64, Option<String>) = r?;
        log.insert(customer, holder);
    }
    out.holder_log = Some(log);
    let mut st = c.prepare("SELECT name, state FROM projects")?;
    for r in st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))? {
        out.projects.push(r?);
    }
    let mut st =
        c.prepare("SELECT seq, project, customer, rule, deadline_ms, closed_seq FROM disputes")?;
    for r in st.query_map([], |r| {
        Ok((
            r.get(0)?,
            (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?),
        ))
    })? {
        out.disputes.push(r?);
    }
    Ok(out)
}

// ---- Migrations ----------------------------------------------------------------------------

fn table_exists(c: &Connection, name: &str) -> Result<bool, StoreError> {
    let n: i64 = c.query_row(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
        [name],
        |r| r.get(0),
    )?;
    Ok(n > 0)
}

/// The schema version, adopting a database made by the first release (sqlx's migration table).
fn version(c: &Connection) -> Result<i64, StoreError> {
    c.execute_batch(
        "CREATE TABLE IF NOT EXISTS kehu_schema (
            version    INTEGER PRIMARY KEY,
            name       TEXT    NOT NULL,
            applied_ms INTEGER NOT NULL,
            checksum   TEXT)",
    )?;
    let has_sum: i64 = c.query_row(
        "SELECT COUNT(*) FROM pragma_table_info('kehu_schema') WHERE name = 'checksum'",
        [],
        |r| r.get(0),
    )?;
    if has_sum == 0 {
        c.execute_batch("ALTER TABLE kehu_schema ADD COLUMN checksum TEXT")?;
    }
    let v: i64 = c.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM kehu_schema",
        [],
        |r| r.get(0),
    )?;
    if v == 0 && table_exists(c, "_sqlx_migrations")? {
        let old: i64 = c.query_row(
            "SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success",
            [],
            |r| r.get(0),
        )?;
        for m in MIGRATIONS.iter().filter(|m| m.version <= old) {
            record(c, m.version, m.name)?;
        }
        return Ok(old);
    }
    Ok(v)
}

fn record(c: &Connection, version: i64, name: &str) -> Result<(), StoreError> {
    let sum = MIGRATIONS
        .iter()
        .find(|m| m.version == version)
        .map(|m| m.checksum(false));
    c.execute(
        "INSERT INTO kehu_schema (version, name, applied_ms, checksum) VALUES (?1, ?2, ?3, ?4)",
        params![version, name, jiff::Timestamp::now().as_millisecond(), sum],
    )?;
    Ok(())
}

/// The applied versions' checksums against this build's (filling in those recorded before
/// checksums existed).
fn check_checksums(c: &Connection) -> Result<(), StoreError> {
    version(c)?;
    let rows: Vec<(i64, Option<String>)> = {
        let mut st = c.prepare("SELECT version, checksum FROM kehu_schema ORDER BY version")?;
        let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<Result<_, _>>()?
    };
    for (v, sum) in crate::schema::check_recorded(&rows, false)? {
        c.execute(
            "UPDATE kehu_schema SET checksum = ?1 WHERE version = ?2",
            params![sum, v],
        )?;
    }
    Ok(())
}

/// Applies the migrations above the database's version, each in its own transaction, up to
/// `target` (all when None). Returns the versions applied.
pub(crate) fn migrate(
    c: &mut Connection,
    keys: &Keys,
    target: Option<i64>,
) -> Result<Vec<i64>, StoreError> {
    let mut applied = Vec::new();
    let mut sealed_existing = false;
    check_checksums(c)?;
    for m in MIGRATIONS {
        if target.is_some_and(|t| m.version > t) {
            break;
        }
        let mut tx = SqliteTx::begin(c, true, None)?;
        if version(tx.conn)? >= m.version {
            tx.open = false;
            tx.conn.execute_batch("COMMIT")?;
            continue;
        }
        tx.conn.execute_batch(m.sqlite.0)?;
        match m.step {
            Step::None => {}
            Step::Seal => {
                let plain: Vec<(i64, String, String)> = {
                    let mut st = tx
                        .conn
                        .prepare("SELECT seq, project, body FROM events ORDER BY seq")?;
                    let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
                    rows.collect::<Result<_, _>>()?
                };
                let (sealed, keyrows) = crate::schema::seal_v1(keys, &plain)?;
                sealed_existing = !sealed.is_empty();
                for (seq, k, body) in sealed {
                    tx.conn.execute(
                        "UPDATE events SET key_id = ?1, sealed = ?2 WHERE seq = ?3",
                        params![k, body, seq],
                    )?;
                }
                insert_keys(tx.conn, &keyrows)?;
            }
            Step::Reindex => {
                let rows = all_events(tx.conn)?;
                insert_keys(tx.conn, &crate::schema::reindex(keys, &rows)?)?;
            }
            Step::Fill(table) => {
                let k = crate::kept::by_table(table)?;
                let rows = all_events(tx.conn)?;
                keep_rows(tx.conn, k, &crate::schema::fill(keys, k, &rows)?)?;
            }
        }
        tx.conn.execute_batch(m.sqlite.1)?;
        record(tx.conn, m.version, m.name)?;
        tx.open = false;
        tx.conn.execute_batch("COMMIT")?;
        applied.push(m.version);
    }
    if sealed_existing {
        // The plaintext pages are free now; rewrite the file so that none survives, then empty
        // the WAL (which held the old pages too).
        c.execute_batch("VACUUM")?;
        c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    }
    Ok(applied)
}

/// Keeps rows of a projection kept from entries alone (`kept.rs`).
fn keep_rows(
    c: &Connection,
    k: &dyn crate::kept::Kept,
    rows: &[Vec<crate::sql::Val>],
) -> Result<(), StoreError> {
    let mut st = c.prepare_cached(&crate::kept::insert_sql(k))?;
    for r in rows {
        st.execute(rusqlite::params_from_iter(r.iter()))?;
    }
    Ok(())
}

fn insert_keys(c: &Connection, rows: &[(String, Blind, i64)]) -> Result<(), StoreError> {
    let mut st = c.prepare_cached(
        "INSERT INTO customer_keys (project, key, customer) VALUES (?1, ?2, ?3) \
         ON CONFLICT DO NOTHING",
    )?;
    for (p, k, cu) in rows {
        st.execute(params![p, k, cu])?;
    }
    Ok(())
}

/// The keyring rows: `(kind, id, fingerprint)`.
pub(crate) fn keyring(c: &mut Connection) -> Result<Vec<(String, i64, Vec<u8>)>, StoreError> {
    let mut st = c.prepare("SELECT kind, id, fingerprint FROM keyring ORDER BY kind, id")?;
    let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(crate) fn add_keyring(
    c: &mut Connection,
    kind: &str,
    id: i64,
    fp: &[u8],
) -> Result<(), StoreError> {
    c.execute(
        "INSERT INTO keyring (kind, id, fingerprint) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
        params![kind, id, fp],
    )?;
    Ok(())
}

pub(crate) fn key_in_use(c: &mut Connection, id: i64) -> Result<bool, StoreError> {
    Ok(c.query_row(
        "SELECT EXISTS (SELECT 1 FROM events WHERE key_id = ?1)",
        [id],
        |r| r.get(0),
    )?)
}

/// `VACUUM INTO`: a consistent copy of the database.
pub(crate) fn vacuum_into(c: &mut Connection, target: &str) -> Result<(), StoreError> {
    c.execute("VACUUM INTO ?1", [target])?;
    Ok(())
}

/// The database's size in bytes (after a checkpoint).
pub(crate) fn size(c: &mut Connection) -> Result<i64, StoreError> {
    if c.path().is_some_and(|p| !p.is_empty()) {
        c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    }
    Ok(c.query_row(
        "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()",
        [],
        |r| r.get(0),
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Backend, Item, Store};
    use kehu_core::model::{Act, Command, CustomerInput, Directory, Role, Staff, StaffId};
    use kehu_core::policy::{Preset, Rulebook};
    use kehu_core::time::{parse_local, Instant};

    fn register(by: usize, i: usize, at: Instant) -> Item {
        Item {
            rulebook: Arc::new(Rulebook::preset(Preset::B2bProtection)),
            directory: Arc::new(Directory {
                staff: (0..2)
                    .map(|s| Staff {
                        id: StaffId(format!("S{s}")),
                        name: format!("销售{s}"),
                        role: Role::Sales,
                        team: None,
                        agency: None,
                        region: None,
                        left: false,
                    })
                    .collect(),
                roster: None,
            }),
            command: Command {
                project: "default".into(),
                at,
                act: Act::formal_registration(
                    StaffId(format!("S{by}")),
                    CustomerInput {
                        name: Some("王先生".into()),
                        phone: Some(format!("1381234{i:04}")),
                        ..CustomerInput::default()
                    },
                ),
            },
            now: at,
        }
    }

    /// A long list of histories read on several connections is what one connection reads, also
    /// when the other connections' snapshots hold a later ledger (then they are not used).
    #[test]
    fn shared_history_reads_are_one_snapshot() {
        let dir = std::env::temp_dir().join(format!("kehu-shared-read-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("kehu.db");
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let url = format!("sqlite:{}", path.display());
        let store = rt.block_on(Store::open(&url, Keys::generate())).unwrap();
        let t0 = parse_local("2026-11-01 09:00").unwrap();
        let items = (0..20).map(|i| register(0, i, t0)).collect();
        for r in rt.block_on(store.submit(items)).unwrap() {
            r.unwrap();
        }
        let Backend::Sqlite(db) = &store.backend else {
            unreachable!("a sqlite: URL opens SQLite")
        };
        let ids: Vec<i64> = (1..=20).collect();
        // Which entries of which records, in order (and their bodies, compared separately).
        let seqs = |rows: &[(i64, SealedRow)]| -> Vec<(i64, i64)> {
            rows.iter().map(|(c, r)| (*c, r.seq)).collect()
        };
        let c = open_conn(&Some(path.clone()), 16, "NORMAL").unwrap();
        c.execute_batch("BEGIN").unwrap();
        let alone = events_of_on(&c, &ids).unwrap();
        assert_eq!(alone.len(), 20);
        let shared = shared_events_of(&c, db, &ids).unwrap();
        assert_eq!(seqs(&shared), seqs(&alone));
        assert!(shared == alone, "the same bodies");
        // Another salesperson claims the last customer (a slice another connection reads): a new
        // entry on record 20, committed after this snapshot began.
        for r in rt
            .block_on(store.submit(vec![register(1, 19, t0)]))
            .unwrap()
        {
            r.unwrap();
        }
        assert_eq!(seqs(&shared_events_of(&c, db, &ids).unwrap()), seqs(&alone));
        c.execute_batch("COMMIT").unwrap();
        c.execute_batch("BEGIN").unwrap();
        let later = shared_events_of(&c, db, &ids).unwrap();
        assert_eq!(seqs(&later), seqs(&events_of_on(&c, &ids).unwrap()));
        assert_eq!(later.len(), 21, "the claim is an entry of record 20");
        c.execute_batch("COMMIT").unwrap();
        drop(store);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
