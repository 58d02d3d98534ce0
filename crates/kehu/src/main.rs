//! `kehu`: the command line of kehu (客户).

mod bench;
mod bench_api;
mod bench_disk;
mod import;
mod scenario;
mod serve;

use anyhow::{bail, Context as _};
use clap::{Parser, Subcommand};
use kehu_core::policy::{PolicyFile, Preset, Rulebook};
use kehu_core::rules::CATALOGUE;
use kehu_store::{Keys, Store};
use std::collections::BTreeSet;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "kehu",
    version,
    about = "kehu (客户): one source of truth for a sales organisation's customer policy"
)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run scenario files, or list rule IDs no scenario covers.
    Scenario {
        #[command(subcommand)]
        command: ScenarioCmd,
    },
    /// Inspect the event ledger.
    Ledger {
        #[command(subcommand)]
        command: LedgerCmd,
    },
    /// Show rulebooks and their parameters.
    Policy {
        #[command(subcommand)]
        command: PolicyCmd,
    },
    /// Write a backup of the database to FILE (SQLite: VACUUM INTO; PostgreSQL: pg_dump).
    Backup {
        /// The backup file to write (it must not exist; its folder must).
        file: PathBuf,
        /// Database URL (sqlite:PATH or postgres://…); defaults to $KEHU_DATABASE_URL or
        /// sqlite:kehu.db.
        #[arg(long)]
        database: Option<String>,
    },
    /// Restore a backup made by `kehu backup` into an empty database, then check its ledger.
    /// The key file the backup was made with must be in place ($KEHU_KEY_FILE or ./kehu.key).
    Restore {
        /// The backup file written by `kehu backup`.
        file: PathBuf,
        /// The database to restore into: a new sqlite:PATH, or an empty PostgreSQL database;
        /// defaults to $KEHU_DATABASE_URL or sqlite:kehu.db.
        #[arg(long)]
        database: Option<String>,
    },
    /// Create the database and key file, and apply the migrations.
    Migrate {
        /// Database URL (sqlite:PATH or postgres://…); defaults to $KEHU_DATABASE_URL or
        /// sqlite:kehu.db.
        #[arg(long)]
        database: Option<String>,
        /// Stop at this schema version (default: the newest).
        #[arg(long)]
        to: Option<i64>,
    },
    /// Manage the key file that seals personal data ($KEHU_KEY_FILE or ./kehu.key).
    Key {
        #[command(subcommand)]
        command: KeyCmd,
    },
    /// Import a registration book (CSV) through the rule engine, printing each row's verdict
    /// once it is committed.
    Import(import::Args),
    /// Run the server: the JSON API and the pages, on the database and key file (created if
    /// missing). Prints a one-time setup link while nobody has an account.
    Serve(serve::ServeArgs),
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCmd,
    },
    /// Ask a running server whether it is healthy (exit 0 if so).
    Healthcheck {
        #[arg(long, env = "KEHU_BIND", default_value = "127.0.0.1:8080")]
        addr: String,
    },
    /// The audit log: `kehu audit verify` checks its hash chain.
    Audit {
        #[command(subcommand)]
        command: AuditCmd,
    },
    /// Measure this machine: `kehu bench store`, `bench api`, `bench disk`.
    Bench {
        #[command(subcommand)]
        command: BenchCmd,
    },
}

#[derive(Subcommand)]
enum UserCmd {
    /// Add an account; the password is read from standard input.
    Add(serve::UserAddArgs),
}

#[derive(Subcommand)]
enum AuditCmd {
    /// Check that no audit entry was changed, removed or reordered, and that the log still
    /// holds every checkpoint of its head (the anchor file beside the key file, and --expect):
    /// a cut end is found there. Prints the head to keep.
    Verify {
        #[arg(long)]
        database: Option<String>,
        /// A head printed by an earlier verify, `SEQ:HASH`, that the log must still hold.
        #[arg(long)]
        expect: Vec<String>,
    },
}

#[derive(Subcommand)]
enum BenchCmd {
    /// Seed customers and measure registrations/s, collision-check latency, bytes per customer,
    /// peak RSS and the raw INSERT rate of the same database.
    Store(bench::Args),
    /// Registrations with collision checks over real HTTP from N concurrent clients, against a
    /// server this command starts: requests/s, p50/p99, errors, peak RSS.
    Api(bench_api::Args),
    /// How long this machine's disk takes to flush a commit's WAL (what `KEHU_SQLITE_SYNC=full`
    /// waits for before each answer), back to back and after a short pause.
    Disk(bench_disk::Args),
    /// One scheduler tick (G-CLOCK, POOL-RETURN) over a ledger of N customers of which M have an
    /// effect due at once: the index read and each effect recorded.
    Tick(bench::TickArgs),
}

#[derive(Subcommand)]
enum KeyCmd {
    /// Add a new data key, make it active and re-seal every ledger entry with it. Stop
    /// `kehu serve` first; older keys stay in the file (marked by id) for older backups.
    Rotate {
        #[arg(long)]
        database: Option<String>,
    },
}

#[derive(Subcommand)]
enum ScenarioCmd {
    /// Replay scenario files (or directories of them) against a fresh in-memory engine and store.
    Run {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Run each file in a fresh schema of this PostgreSQL database (dropped afterwards)
        /// instead of an in-memory SQLite store.
        #[arg(long, value_name = "URL")]
        postgres: Option<String>,
    },
    /// List the rule IDs of RULES.md that no scenario in the suite checks.
    Coverage {
        /// The scenario suite (default: scenarios/).
        #[arg(default_value = "scenarios")]
        dir: PathBuf,
    },
}

#[derive(Subcommand)]
enum LedgerCmd {
    /// Rebuild every projection from the events and report any difference.
    Check {
        #[arg(long)]
        database: Option<String>,
    },
}

#[derive(Subcommand)]
enum PolicyCmd {
    /// Print a preset's effective parameters and the rule IDs each governs.
    Show {
        /// A preset name (RULES.md §3), e.g. team-registration.
        preset: Option<String>,
        /// A policy file; with --project, shows that project's effective rulebook.
        #[arg(long)]
        policy: Option<PathBuf>,
        #[arg(long, default_value = "default")]
        project: String,
    },
    /// List the presets.
    List,
}

fn database_url(flag: Option<String>) -> String {
    flag.or_else(|| std::env::var("KEHU_DATABASE_URL").ok())
        .unwrap_or_else(|| "sqlite:kehu.db".to_string())
}

/// The audit log's anchor file (signed checkpoints of its head), beside the key file and apart
/// from the database: `<key file>.audit-anchors`.
pub(crate) fn anchor_file() -> PathBuf {
    let mut p = key_file().into_os_string();
    p.push(".audit-anchors");
    PathBuf::from(p)
}

/// The key file: `$KEHU_KEY_FILE`, or `kehu.key` beside the default database.
fn key_file() -> PathBuf {
    std::env::var_os("KEHU_KEY_FILE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("kehu.key"))
}

fn is_memory(url: &str) -> bool {
    url == "sqlite::memory:" || url == ":memory:"
}

/// The installation's keys: fresh ones for an in-memory database, otherwise the key file,
/// created (mode 0600) on first start. Returns whether it was created.
fn load_keys(url: &str) -> anyhow::Result<(Keys, Option<PathBuf>)> {
    if is_memory(url) {
        return Ok((Keys::generate(), None));
    }
    let path = key_file();
    let (keys, created) = Keys::load_or_create(&path)?;
    if created {
        eprintln!(
            "kehu: created key file {} (mode 0600): it opens every phone number in the \
             database; back it up apart from the database",
            path.display()
        );
    }
    Ok((keys, created.then_some(path)))
}

/// Opens the store at `url` with the installation's keys (migrating it).
/// The store's configuration from the environment: `KEHU_SQLITE_SYNC` (`full`, the default, or
/// `normal`; anything else is refused).
pub(crate) fn store_config() -> anyhow::Result<kehu_store::Config> {
    let sqlite_sync = match std::env::var("KEHU_SQLITE_SYNC") {
        Ok(v) => kehu_store::SqliteSync::parse(&v)
            .ok_or_else(|| anyhow::anyhow!("KEHU_SQLITE_SYNC={v:?}: accepted: full, normal"))?,
        Err(_) => kehu_store::SqliteSync::Full,
    };
    Ok(kehu_store::Config { sqlite_sync })
}

pub(crate) async fn open_store(url: &str) -> anyhow::Result<Store> {
    let (keys, created) = load_keys(url)?;
    match Store::open_with(url, keys, store_config()?).await {
        Ok(s) => Ok(s),
        Err(e) => {
            // A key file made just now for a database it does not fit is no use to anyone.
            if let (Some(p), kehu_store::StoreError::KeyMismatch(_)) = (&created, &e) {
                let _ = std::fs::remove_file(p);
            }
            Err(anyhow::Error::new(e).context(format!("opening {}", redact(url))))
        }
    }
}

/// mimalloc: the writer thread allocates and frees many small values per act (events, index keys,
/// SQLite's pages), and glibc's allocator spent a fifth of its time there, partly waiting on arena
/// locks shared with the other threads.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("kehu: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match rt.block_on(dispatch(cli.command)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("kehu: {e:#}");
            ExitCode::from(2)
        }
    }
}

async fn dispatch(cmd: Cmd) -> anyhow::Result<ExitCode> {
    match cmd {
        Cmd::Serve(a) => serve::serve(a).await,
        Cmd::User {
            command: UserCmd::Add(a),
        } => serve::user_add(a).await,
        Cmd::Healthcheck { addr } => serve::healthcheck(&addr),
        Cmd::Audit {
            command: AuditCmd::Verify { database, expect },
        } => serve::audit_verify(database, &expect).await,
        Cmd::Scenario {
            command: ScenarioCmd::Run { paths, postgres },
        } => {
            let target = match postgres {
                Some(url) => scenario::Target::Postgres(url),
                None => scenario::Target::Memory,
            };
            scenario_run(&paths, &target).await
        }
        Cmd::Scenario {
            command: ScenarioCmd::Coverage { dir },
        } => coverage(&dir),
        Cmd::Ledger {
            command: LedgerCmd::Check { database },
        } => {
            let url = database_url(database);
            let store = open_store(&url).await?;
            let diffs = store.check().await?;
            let n = store.events().await?.len();
            if diffs.is_empty() {
                println!("ledger check: {n} events, projections match");
                Ok(ExitCode::SUCCESS)
            } else {
                for d in &diffs {
                    println!("{}: {}: {}", d.table, d.key, d.detail);
                }
                println!("ledger check: {n} events, {} differences", diffs.len());
                Ok(ExitCode::from(1))
            }
        }
        Cmd::Policy {
            command: PolicyCmd::List,
        } => {
            for p in Preset::ALL {
                println!("{:<22} {}", p.name(), p.title_zh());
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Policy {
            command:
                PolicyCmd::Show {
                    preset,
                    policy,
                    project,
                },
        } => {
            let rb = match (&preset, &policy) {
                (_, Some(file)) => {
                    let text = std::fs::read_to_string(file)
                        .with_context(|| format!("reading {}", file.display()))?;
                    let pf =
                        PolicyFile::parse(&text).with_context(|| format!("{}", file.display()))?;
                    match pf.projects.get(&project) {
                        Some(rb) => rb.clone(),
                        None => bail!(
                            "{}: no project {project:?}; projects: {}",
                            file.display(),
                            pf.projects.keys().cloned().collect::<Vec<_>>().join(", ")
                        ),
                    }
                }
                (Some(p), None) => Rulebook::preset(Preset::parse(p)?),
                (None, None) => bail!("name a preset (kehu policy list) or pass --policy FILE"),
            };
            print_policy(&rb);
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Backup { file, database } => backup(&database_url(database), &file).await,
        Cmd::Restore { file, database } => restore(&database_url(database), &file).await,
        Cmd::Migrate { database, to } => {
            let url = database_url(database);
            let (keys, _) = load_keys(&url)?;
            let applied = kehu_store::migrate(&url, None, &keys, to)
                .await
                .with_context(|| format!("migrating {}", redact(&url)))?;
            if to.is_none() {
                // Opening checks the key file against the database.
                open_store(&url).await?;
            }
            if applied.is_empty() {
                println!("{} is up to date", redact(&url));
            } else {
                let v: Vec<String> = applied.iter().map(|v| v.to_string()).collect();
                println!(
                    "migrated {}: applied version {}",
                    redact(&url),
                    v.join(", ")
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Key {
            command: KeyCmd::Rotate { database },
        } => {
            let url = database_url(database);
            if is_memory(&url) {
                bail!("an in-memory database has no key file to rotate");
            }
            let path = key_file();
            let mut keys = Keys::load(&path)?;
            // Check the key file fits before changing anything.
            drop(Store::open_with(&url, keys.clone(), store_config()?).await?);
            let id = keys.rotate();
            // The new key is on disk before any entry is sealed with it.
            keys.replace(&path)?;
            let store = Store::open_with(&url, keys, store_config()?).await?;
            let n = store.reseal().await?;
            let diffs = store.check().await?;
            if !diffs.is_empty() {
                bail!(
                    "after re-sealing, the ledger check found {} differences",
                    diffs.len()
                );
            }
            println!(
                "key {id} is active in {}; {n} entries re-sealed; ledger check clean",
                path.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Import(args) => import::run(args, &database_url(None)).await,
        Cmd::Bench {
            command: BenchCmd::Store(args),
        } => bench::store(args).await,
        Cmd::Bench {
            command: BenchCmd::Api(args),
        } => bench_api::run(args).await,
        Cmd::Bench {
            command: BenchCmd::Disk(args),
        } => bench_disk::run(args),
        Cmd::Bench {
            command: BenchCmd::Tick(args),
        } => bench::tick(args).await,
    }
}

fn print_policy(rb: &Rulebook) {
    println!("rulebook {} ({})", rb.preset.name(), rb.preset.title_zh());
    println!();
    println!("{:<22} {:<28} {:<28} meaning", "key", "value", "governs");
    for (info, value) in rb.entries() {
        println!(
            "{:<22} {:<28} {:<28} {}",
            info.key,
            value,
            info.governs.join(" "),
            info.doc
        );
    }
    println!();
    println!("rules of this rulebook:");
    for r in CATALOGUE
        .iter()
        .filter(|r| rb.preset.rules().contains(&r.id))
    {
        println!("  {:<14} {}", r.id, r.summary());
    }
}

async fn scenario_run(paths: &[PathBuf], target: &scenario::Target) -> anyhow::Result<ExitCode> {
    let files = scenario::collect(paths).context("reading the scenario paths")?;
    if files.is_empty() {
        bail!(
            "no scenario files (*.toml) under {}",
            paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    // Parse everything first: a malformed file is an error (exit 2), whatever else passes.
    let mut scenarios = Vec::new();
    for f in &files {
        match scenario::load(f) {
            Ok(s) => scenarios.push(s),
            Err(e) => {
                eprintln!("malformed scenario: {e}");
                return Ok(ExitCode::from(2));
            }
        }
    }
    let mut total = scenario::Tally::default();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for (n, s) in scenarios.iter().enumerate() {
        let t = scenario::run(s, target, n, &mut out).await?;
        total.passed += t.passed;
        total.failed += t.failed;
    }
    writeln!(out, "{} passed, {} failed", total.passed, total.failed)?;
    Ok(if total.failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn coverage(dir: &std::path::Path) -> anyhow::Result<ExitCode> {
    let files = scenario::collect(&[dir.to_path_buf()])
        .with_context(|| format!("reading {}", dir.display()))?;
    let mut cited: BTreeSet<String> = BTreeSet::new();
    for f in &files {
        match scenario::load(f) {
            Ok(s) => cited.extend(s.cited()),
            Err(e) => {
                eprintln!("malformed scenario: {e}");
                return Ok(ExitCode::from(2));
            }
        }
    }
    let missing: Vec<_> = CATALOGUE.iter().filter(|r| !cited.contains(r.id)).collect();
    let mut text = String::new();
    let mut section = "";
    for r in &missing {
        if r.section != section {
            section = r.section;
            text.push_str(&format!("§{section}:\n"));
        }
        text.push_str(&format!("  {:<16} {}\n", r.id, r.summary()));
    }
    text.push_str(&format!(
        "{} of {} rule IDs covered by {} scenario files; {} not covered\n",
        CATALOGUE.len() - missing.len(),
        CATALOGUE.len(),
        files.len(),
        missing.len()
    ));
    say(&text)?;
    Ok(ExitCode::SUCCESS)
}

/// Writes to standard output; a reader that went away (`| head`) ends the output quietly.
fn say(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => Ok(r?),
    }
}

fn run_tool(argv: &[String]) -> anyhow::Result<()> {
    let status = std::process::Command::new(&argv[0])
        .args(&argv[1..])
        .status()
        .with_context(|| format!("running {} (is it installed?)", argv[0]))?;
    if !status.success() {
        bail!("{} failed: {status}", argv[0]);
    }
    Ok(())
}

fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

async fn backup(url: &str, file: &std::path::Path) -> anyhow::Result<ExitCode> {
    let f = file.to_str().context("the backup path is not UTF-8")?;
    if file.exists() {
        bail!("{} already exists", file.display());
    }
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
        if !dir.is_dir() {
            bail!(
                "the folder {} does not exist: create it first, or name a file in an existing folder",
                dir.display()
            );
        }
    }
    if is_postgres(url) {
        run_tool(&kehu_store::pg_dump_command(url, f))?;
    } else {
        let store = open_store(url).await?;
        store.backup_sqlite(file).await?;
    }
    println!("backup of {} written to {}", redact(url), file.display());
    Ok(ExitCode::SUCCESS)
}

async fn restore(url: &str, file: &std::path::Path) -> anyhow::Result<ExitCode> {
    if !file.is_file() {
        bail!("{} is not a backup file", file.display());
    }
    // The backup's phones and names are sealed with the key file it was made with: a new key
    // could open none of them.
    let key = key_file();
    if !key.is_file() {
        bail!(
            "the key file {} is missing: a restore needs the key file the backup was made with \
             (put it there, or set KEHU_KEY_FILE to it)",
            key.display()
        );
    }
    if is_postgres(url) {
        let store = open_store(url).await?;
        // A restore never overwrites: not events, nor accounts, projects, approvals or the
        // audit log (the dump replaces every table).
        let held = store
            .query(
                "SELECT (SELECT COUNT(*) FROM users) + (SELECT COUNT(*) FROM project_rulebooks) \
                 + (SELECT COUNT(*) FROM approvals) + (SELECT COUNT(*) FROM audit)",
                vec![],
            )
            .await?;
        let rows = kehu_store::scalar(&held)
            .and_then(kehu_store::Val::int)
            .unwrap_or(1);
        if !store.events().await?.is_empty() || rows > 0 {
            bail!(
                "{} already holds events, accounts or an audit log: restore into an empty database",
                redact(url)
            );
        }
        drop(store);
        // The dump carries kehu's schema: clear the empty one that opening created.
        let admin = sqlx::postgres::PgPoolOptions::new()
            .max_connections(1)
            .connect(url)
            .await?;
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema()",
        )
        .fetch_all(&admin)
        .await?;
        for t in tables {
            sqlx::query(&format!("DROP TABLE IF EXISTS \"{t}\" CASCADE"))
                .execute(&admin)
                .await?;
        }
        let functions: Vec<String> = sqlx::query_scalar(
            "SELECT proname::text FROM pg_proc \
             WHERE pronamespace = current_schema()::regnamespace AND proname LIKE 'kehu\\_%'",
        )
        .fetch_all(&admin)
        .await?;
        for f in functions {
            sqlx::query(&format!("DROP FUNCTION IF EXISTS \"{f}\"() CASCADE"))
                .execute(&admin)
                .await?;
        }
        admin.close().await;
        let f = file.to_str().context("the backup path is not UTF-8")?;
        run_tool(&kehu_store::pg_restore_command(url, f))?;
    } else {
        let path = url
            .strip_prefix("sqlite:")
            .filter(|p| !p.is_empty() && *p != ":memory:")
            .context("restore needs a sqlite:PATH database")?;
        let path = std::path::Path::new(path.trim_start_matches("//"));
        if path.exists() {
            bail!(
                "{} exists: restore into a new database file",
                path.display()
            );
        }
        // Check the backup before it becomes the database.
        let probe = open_store(&format!("sqlite:{}", file.display())).await?;
        let diffs = probe.check().await?;
        drop(probe);
        if !diffs.is_empty() {
            bail!(
                "{} fails the ledger check ({} differences)",
                file.display(),
                diffs.len()
            );
        }
        std::fs::copy(file, path).with_context(|| format!("copying to {}", path.display()))?;
    }
    let store = open_store(url).await?;
    let diffs = store.check().await?;
    let n = store.events().await?.len();
    if !diffs.is_empty() {
        bail!(
            "restored database fails the ledger check ({} differences)",
            diffs.len()
        );
    }
    println!(
        "restored {n} events into {}; ledger check clean",
        redact(url)
    );
    Ok(ExitCode::SUCCESS)
}

/// A database URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}
