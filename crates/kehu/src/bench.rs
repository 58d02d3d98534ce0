//! `kehu bench store`: how the store performs on this machine, printed as a table.
//!
//! It seeds N customers (realistic Chinese names and mobile numbers from a seeded generator)
//! through the real write path, measures the collision check (a read act on a snapshot) at 100k,
//! 1M and 10M customers as the seed passes them, then registrations per second at concurrency 1
//! and 16 (80% new customers, 20% collisions with seeded ones), the database's bytes per customer,
//! the process's peak RSS, and the same database's raw single-row INSERT rate.

use anyhow::Context as _;
use kehu_core::act;
use kehu_core::model::{Act, Command, CustomerInput, Directory, Role, Staff, StaffId};
use kehu_core::policy::{Preset, Rulebook};
use kehu_core::time::Instant;
use kehu_store::{Item, Keys, Store};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

#[derive(clap::Args)]
pub struct Args {
    /// Database: a postgres:// URL (the bench works in a fresh schema there, dropped afterwards)
    /// or sqlite:PATH of a file that does not exist yet. Default: a new SQLite file in the
    /// system's temp directory, removed afterwards.
    #[arg(long)]
    pub database: Option<String>,
    /// Customers to seed.
    #[arg(long, default_value_t = 1_000_000)]
    pub customers: u64,
    /// Seed of the name and number generator.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Seconds of each throughput measurement.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Keep the database afterwards.
    #[arg(long)]
    pub keep: bool,
}

const STAFF: usize = 200;
const CHECKPOINTS: [u64; 3] = [100_000, 1_000_000, 10_000_000];
const CHECKS: usize = 5_000;
const WARMUP: usize = 500;
const PROJECT: &str = "bench";

/// Mobile prefixes in use in mainland China (中国移动, 联通, 电信, 广电).
const PREFIXES: &[u16] = &[
    130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 145, 147, 150, 151, 152, 153, 155, 156, 157,
    158, 159, 166, 170, 171, 173, 175, 176, 177, 178, 180, 181, 182, 183, 184, 185, 186, 187, 188,
    189, 190, 191, 192, 193, 195, 196, 197, 198, 199,
];
/// Common surnames, most frequent first (weights fall off with the rank).
const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "罗", "高", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
    "肖", "田", "董", "袁", "潘", "蒋", "蔡", "余", "杜", "叶", "程", "魏", "苏", "吕", "丁", "任",
    "欧阳", "司马", "上官", "诸葛",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀英", "霞", "平", "刚", "桂英", "华", "建国", "志强", "丹", "萍", "鑫", "婷", "宇",
    "浩然", "子涵", "欣怡", "梓萱", "一诺", "俊杰", "雨桐", "晨", "琳", "凯",
];

/// The i-th customer of the generator: a unique mobile number (a permutation of the suffix space
/// per prefix, so no set of used numbers is needed) and a name.
pub(crate) struct Gen {
    prefixes: Vec<u16>,
    offset: u64,
}

impl Gen {
    pub(crate) fn new(seed: u64) -> Gen {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut prefixes = PREFIXES.to_vec();
        for i in (1..prefixes.len()).rev() {
            prefixes.swap(i, rng.gen_range(0..=i));
        }
        Gen {
            prefixes,
            offset: rng.gen_range(0..100_000_000),
        }
    }

    pub(crate) fn phone(&self, i: u64) -> String {
        let p = self.prefixes.len() as u64;
        let prefix = self.prefixes[(i % p) as usize];
        // 61_803_399 is odd and not a multiple of 5: i ↦ i·k + c is a permutation mod 10^8. Near
        // 10^8 times the golden ratio's fraction, it also spreads consecutive numbers evenly over
        // the 7-digit segments (号段); a multiplier near a simple fraction (12_345_677 ≈ 10^8/8.1)
        // piled a few segments full and left the rest empty.
        let suffix = ((i / p) * 61_803_399 + self.offset) % 100_000_000;
        format!("{prefix}{suffix:08}")
    }

    pub(crate) fn name(&self, i: u64) -> String {
        let mut rng = StdRng::seed_from_u64(i ^ self.offset);
        // Rank-weighted surname: the first ones are far more common.
        let r: f64 = rng.gen();
        let s = SURNAMES[((r * r * r) * SURNAMES.len() as f64) as usize % SURNAMES.len()];
        match rng.gen_range(0..10) {
            0 => format!("{s}先生"),
            1 => format!("{s}女士"),
            2..=5 => format!("{s}{}", GIVEN[rng.gen_range(0..GIVEN.len())]),
            _ => format!(
                "{s}{}{}",
                GIVEN[rng.gen_range(0..GIVEN.len())],
                GIVEN[rng.gen_range(0..GIVEN.len())]
            ),
        }
    }
}

fn mask(phone: &str, form: u32) -> String {
    match form {
        0 => format!("{}****{}", &phone[..3], &phone[7..]),
        1 => format!("{}**{}", &phone[..4], &phone[6..]),
        _ => format!("{}****", &phone[..7]),
    }
}

fn staff() -> Directory {
    Directory {
        staff: (0..STAFF)
            .map(|i| Staff {
                id: StaffId(format!("S{i}")),
                name: format!("销售{i}"),
                role: Role::Sales,
                team: None,
                agency: None,
                region: None,
                left: false,
            })
            .collect(),
        roster: None,
    }
}

struct Ctx {
    store: Store,
    rulebook: Arc<Rulebook>,
    directory: Arc<Directory>,
    gen: Gen,
    t0: Instant,
}

impl Ctx {
    fn at(&self, ms: u64) -> Instant {
        Instant::from_millisecond(self.t0.as_millisecond() + ms as i64).unwrap_or(self.t0)
    }

    fn register(&self, by: usize, name: String, phone: String, at: Instant) -> Item {
        Item {
            rulebook: self.rulebook.clone(),
            directory: self.directory.clone(),
            command: Command {
                project: PROJECT.into(),
                at,
                act: Act::formal_registration(
                    StaffId(format!("S{by}")),
                    CustomerInput {
                        name: Some(name),
                        phone: Some(phone),
                        ..CustomerInput::default()
                    },
                ),
            },
            now: at,
        }
    }
}

pub(crate) fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

pub(crate) fn us(d: Duration) -> String {
    format!("{:.0} µs", d.as_secs_f64() * 1e6)
}

/// Peak resident set size of this process (VmHWM), in MiB.
pub(crate) fn peak_rss_mib() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Seeds customers `from..to` through the write path, batches of 1,024 with 4 in flight.
async fn seed(c: &Ctx, from: u64, to: u64) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let mut pending = VecDeque::new();
    let mut next = from;
    let mut last_report = from;
    while next < to || !pending.is_empty() {
        while pending.len() < 4 && next < to {
            let end = (next + 1024).min(to);
            let items: Vec<Item> = (next..end)
                .map(|i| {
                    c.register(
                        (i % STAFF as u64) as usize,
                        c.gen.name(i),
                        c.gen.phone(i),
                        c.at(i * 50),
                    )
                })
                .collect();
            pending.push_back(c.store.enqueue(items)?);
            next = end;
        }
        if let Some(p) = pending.pop_front() {
            for r in p.wait().await? {
                r?;
            }
        }
        if next - last_report >= 250_000 || (next == to && pending.is_empty()) {
            last_report = next;
            let secs = started.elapsed().as_secs_f64();
            eprintln!(
                "  seeded {next} customers ({:.0}/s)",
                (next - from) as f64 / secs.max(1e-9)
            );
        }
    }
    Ok(())
}

/// A report's read at `seeded` entries: the report counters of the 14 days that end with the
/// last entry's day (what the reports page reads), and for comparison the entries of the same
/// days decrypted (what it read before the counters; at most 500,000, its former cap). Times
/// and how many rows or entries each read.
async fn report_read(c: &Ctx, seeded: u64) -> anyhow::Result<(Duration, usize, Duration, usize)> {
    let last = c.at(seeded.saturating_sub(1) * 50);
    let today = kehu_core::time::date_of(last);
    let from = today.checked_sub(jiff::Span::new().days(13))?;
    let started = std::time::Instant::now();
    let counts = c
        .store
        .report_counts(PROJECT, &from.to_string(), &today.to_string())
        .await?;
    let registrations: i64 = counts
        .iter()
        .filter(|k| k.metric.starts_with("reg_"))
        .map(|k| k.n)
        .sum();
    let by_counters = started.elapsed();
    anyhow::ensure!(registrations > 0, "the counters hold no registration");
    let started = std::time::Instant::now();
    let range = kehu_store::EventRange::Between {
        from_ms: kehu_core::time::start_of_day(from).as_millisecond(),
        until_ms: last.as_millisecond() + 1,
        limit: 500_000,
    };
    let events = c.store.project_events(PROJECT, range).await?;
    let by_entries = started.elapsed();
    Ok((by_counters, counts.len(), by_entries, events.len()))
}

/// Collision checks on seeded customers (full and masked forms) and on new numbers, one at a
/// time: p50 and p99 latency.
async fn checks(c: &Ctx, seeded: u64, rng: &mut StdRng) -> anyhow::Result<(Duration, Duration)> {
    let mut lat = Vec::with_capacity(CHECKS);
    let now = c.at(seeded * 50 + 1);
    // The first checks warm the connections' caches; they are not counted.
    for k in 0..WARMUP + CHECKS {
        let phone = if k % 5 == 4 {
            c.gen.phone(seeded + 10_000_000 + k as u64)
        } else {
            let p = c.gen.phone(rng.gen_range(0..seeded));
            match rng.gen_range(0..10) {
                0..=4 => p,
                f => mask(&p, f % 3),
            }
        };
        let item = Item {
            rulebook: c.rulebook.clone(),
            directory: c.directory.clone(),
            command: Command {
                project: PROJECT.into(),
                at: now,
                act: Act::Query(act::Query {
                    customer: CustomerInput {
                        phone: Some(phone),
                        ..CustomerInput::default()
                    },
                }),
            },
            now,
        };
        let t = std::time::Instant::now();
        c.store.read(&item).await?;
        if k >= WARMUP {
            lat.push(t.elapsed());
        }
    }
    lat.sort();
    Ok((percentile(&lat, 0.5), percentile(&lat, 0.99)))
}

/// Registrations with collision check from `conc` concurrent clients for `secs` seconds: 80% new
/// customers, 20% a seeded customer claimed by another party. Returns per second, p50, p99.
async fn registrations(
    c: &Arc<Ctx>,
    seeded: u64,
    conc: usize,
    secs: u64,
    next_new: &Arc<AtomicU64>,
    clock: &Arc<AtomicU64>,
) -> anyhow::Result<(f64, Duration, Duration)> {
    let deadline = std::time::Instant::now() + Duration::from_secs(secs);
    let started = std::time::Instant::now();
    let mut tasks = Vec::new();
    for w in 0..conc {
        let (c, next_new, clock) = (c.clone(), next_new.clone(), clock.clone());
        tasks.push(tokio::spawn(async move {
            let mut rng = StdRng::seed_from_u64(w as u64 + 7);
            let mut lat = Vec::new();
            while std::time::Instant::now() < deadline {
                let i = if rng.gen_range(0..5) == 0 {
                    rng.gen_range(0..seeded)
                } else {
                    next_new.fetch_add(1, Ordering::Relaxed)
                };
                let at = c.at(clock.fetch_add(1, Ordering::Relaxed));
                let by = rng.gen_range(0..STAFF);
                let item = c.register(by, c.gen.name(i), c.gen.phone(i), at);
                let t = std::time::Instant::now();
                let mut r = c.store.submit(vec![item]).await?;
                lat.push(t.elapsed());
                if let Some(r) = r.pop() {
                    r?;
                }
            }
            anyhow::Ok(lat)
        }));
    }
    let mut lat = Vec::new();
    for t in tasks {
        lat.extend(t.await??);
    }
    let elapsed = started.elapsed().as_secs_f64();
    lat.sort();
    Ok((
        lat.len() as f64 / elapsed,
        percentile(&lat, 0.5),
        percentile(&lat, 0.99),
    ))
}

/// Single-row INSERTs, each its own transaction, from `conc` clients for `secs` seconds, into a
/// scratch table of the same database (dropped afterwards): rows per second. On SQLite each
/// client is a thread with its own connection, with the store's durability settings.
async fn raw_inserts(
    store: &Store,
    sqlite: Option<&std::path::Path>,
    conc: usize,
    secs: u64,
) -> anyhow::Result<f64> {
    let body = vec![0x5au8; 700];
    let deadline = std::time::Instant::now() + Duration::from_secs(secs);
    let started = std::time::Instant::now();
    let count = Arc::new(AtomicU64::new(0));
    if let Some(path) = sqlite {
        let setup = rusqlite::Connection::open(path)?;
        setup
            .execute_batch("CREATE TABLE bench_raw (id INTEGER PRIMARY KEY, body BLOB NOT NULL)")?;
        let path = path.to_path_buf();
        let count2 = count.clone();
        tokio::task::spawn_blocking(move || {
            std::thread::scope(|s| {
                for _ in 0..conc {
                    let (path, body, count) = (&path, &body, &count2);
                    s.spawn(move || -> anyhow::Result<()> {
                        let c = rusqlite::Connection::open(path)?;
                        c.busy_timeout(Duration::from_secs(30))?;
                        c.execute_batch("PRAGMA synchronous = FULL")?;
                        let mut st = c.prepare("INSERT INTO bench_raw (body) VALUES (?1)")?;
                        while std::time::Instant::now() < deadline {
                            st.execute([body])?;
                            count.fetch_add(1, Ordering::Relaxed);
                        }
                        Ok(())
                    });
                }
            })
        })
        .await?;
        setup.execute_batch("DROP TABLE bench_raw")?;
    } else if let Some(p) = store.postgres_pool() {
        sqlx::query("CREATE TABLE bench_raw (id BIGSERIAL PRIMARY KEY, body BYTEA NOT NULL)")
            .execute(p)
            .await?;
        let mut tasks = Vec::new();
        for _ in 0..conc {
            let (p, body, count) = (p.clone(), body.clone(), count.clone());
            tasks.push(tokio::spawn(async move {
                while std::time::Instant::now() < deadline {
                    sqlx::query("INSERT INTO bench_raw (body) VALUES ($1)")
                        .bind(&body)
                        .execute(&p)
                        .await?;
                    count.fetch_add(1, Ordering::Relaxed);
                }
                anyhow::Ok(())
            }));
        }
        for t in tasks {
            t.await??;
        }
        sqlx::query("DROP TABLE bench_raw").execute(p).await?;
    }
    Ok(count.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64())
}

/// What to remove once a bench is done, and the SQLite file it used.
struct BenchDb {
    sqlite: Option<std::path::PathBuf>,
    drop_schema: Option<(String, String)>,
    remove_file: Option<std::path::PathBuf>,
}

impl BenchDb {
    async fn clean(self) -> anyhow::Result<()> {
        if let Some((url, schema)) = self.drop_schema {
            Store::drop_postgres_schema(&url, &schema).await?;
        }
        if let Some(f) = self.remove_file {
            for s in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{s}", f.display()));
            }
        }
        Ok(())
    }
}

/// Opens a fresh bench database: a new schema on PostgreSQL, a new file on SQLite.
async fn open_bench_db(database: &Option<String>, keep: bool) -> anyhow::Result<(Store, BenchDb)> {
    let pid = std::process::id();
    let keys = Keys::generate();
    let mut drop_schema: Option<(String, String)> = None;
    let mut remove_file: Option<std::path::PathBuf> = None;
    let sqlite_path: Option<std::path::PathBuf>;
    let store = match database {
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            let schema = format!("kehu_bench_{pid}");
            let s = Store::open_postgres_schema(url, &schema, keys).await?;
            if !keep {
                drop_schema = Some((url.clone(), schema));
            }
            sqlite_path = None;
            s
        }
        Some(url) => {
            let path = url
                .strip_prefix("sqlite:")
                .context("--database takes sqlite:PATH or postgres://…")?;
            if std::path::Path::new(path).exists() {
                anyhow::bail!("{path} exists: the bench needs a new database file");
            }
            sqlite_path = Some(path.into());
            Store::open_with(url, keys, crate::store_config()?).await?
        }
        None => {
            let path = std::env::temp_dir().join(format!("kehu-bench-{pid}.db"));
            if !keep {
                remove_file = Some(path.clone());
            }
            sqlite_path = Some(path.clone());
            Store::open_with(
                &format!("sqlite:{}", path.display()),
                keys,
                crate::store_config()?,
            )
            .await?
        }
    };
    Ok((
        store,
        BenchDb {
            sqlite: sqlite_path,
            drop_schema,
            remove_file,
        },
    ))
}

pub async fn store(args: Args) -> anyhow::Result<std::process::ExitCode> {
    let (store, db) = open_bench_db(&args.database, args.keep).await?;
    let result = run(store, db.sqlite.as_deref(), &args).await;
    db.clean().await?;
    result
}

#[derive(clap::Args)]
pub struct TickArgs {
    /// Database: a postgres:// URL (a fresh schema, dropped afterwards) or sqlite:PATH of a file
    /// that does not exist yet. Default: a new SQLite file in the temp directory.
    #[arg(long)]
    pub database: Option<String>,
    /// Customers in the ledger (and in the index of due instants).
    #[arg(long, default_value_t = 1_000_000)]
    pub customers: u64,
    /// Of those, how many have an effect due at once (protections that ended while no server
    /// ran).
    #[arg(long, default_value_t = 10_000)]
    pub due: u64,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Keep the database afterwards.
    #[arg(long)]
    pub keep: bool,
}

/// `kehu bench tick`: one scheduler tick (G-CLOCK) with `customers` records of which `due` have
/// an effect due at once: the index read, then each effect decided and recorded.
pub async fn tick(args: TickArgs) -> anyhow::Result<std::process::ExitCode> {
    let (store, db) = open_bench_db(&args.database, args.keep).await?;
    let result = run_tick(store, &args).await;
    db.clean().await?;
    result
}

async fn run_tick(store: Store, args: &TickArgs) -> anyhow::Result<std::process::ExitCode> {
    let n = args.customers.max(args.due);
    let now = jiff::Timestamp::now();
    // team-registration: a registration is protected 30 days. The first `due` were registered 60
    // days ago (their warning and return fell due while no server ran); the others yesterday.
    let backend = store.backend_name();
    let c = Ctx {
        store,
        rulebook: Arc::new(Rulebook::preset(Preset::TeamRegistration)),
        directory: Arc::new(staff()),
        gen: Gen::new(args.seed),
        t0: kehu_core::time::add_days(now, -60),
    };
    eprintln!("kehu bench tick: seeding {n} customers on {backend}");
    seed(&c, 0, args.due).await?;
    let c = Ctx {
        t0: kehu_core::time::add_days(now, -1),
        ..c
    };
    seed(&c, args.due, n).await?;
    let store = &c.store;
    let started = std::time::Instant::now();
    let rows = store.due_until(now.as_millisecond(), 1_000_000).await?;
    let read = started.elapsed();
    let started = std::time::Instant::now();
    let recorded = store.fire_due(&c.rulebook, &c.directory, &rows).await?;
    let fired = started.elapsed();
    println!("kehu bench tick on {backend}");
    println!("  customers in the ledger       {n}");
    println!("  effects due at once           {}", rows.len());
    println!(
        "  index read (due ≤ now)        {:.1} ms",
        read.as_secs_f64() * 1e3
    );
    println!("  effects recorded              {recorded}");
    println!(
        "  the tick                      {:.2} s ({:.0} µs per effect)",
        (read + fired).as_secs_f64(),
        fired.as_secs_f64() * 1e6 / rows.len().max(1) as f64
    );
    if let Some(mib) = peak_rss_mib() {
        println!("  peak RSS                      {mib:.0} MiB");
    }
    Ok(std::process::ExitCode::SUCCESS)
}

async fn run(
    store: Store,
    sqlite: Option<&std::path::Path>,
    args: &Args,
) -> anyhow::Result<std::process::ExitCode> {
    let backend = store.backend_name();
    let n = args.customers.max(1000);
    let c = Arc::new(Ctx {
        store,
        rulebook: Arc::new(Rulebook::preset(Preset::B2bProtection)),
        directory: Arc::new(staff()),
        gen: Gen::new(args.seed),
        t0: kehu_core::time::parse_local("2026-11-01 09:00")?,
    });
    eprintln!(
        "kehu bench store: {backend}, {n} customers, seed {}",
        args.seed
    );
    let mut rng = StdRng::seed_from_u64(args.seed);
    let mut points: Vec<u64> = CHECKPOINTS.iter().copied().filter(|p| *p <= n).collect();
    if points.last() != Some(&n) {
        points.push(n);
    }
    let mut check_rows = Vec::new();
    let mut report_rows = Vec::new();
    let mut seeded = 0;
    let seed_start = std::time::Instant::now();
    for p in points {
        seed(&c, seeded, p).await?;
        seeded = p;
        // The bulk seed leaves a long WAL behind and stale planner statistics: checkpoint and
        // analyze, as after any bulk import, so that the checks measure the steady state.
        c.store.size_bytes().await?;
        c.store.analyze().await?;
        eprintln!("  collision checks at {p} customers");
        check_rows.push((p, checks(&c, seeded, &mut rng).await?));
        eprintln!("  a report's read at {p} entries");
        report_rows.push((p, report_read(&c, seeded).await?));
    }
    let seed_rate = n as f64 / seed_start.elapsed().as_secs_f64();
    let next_new = Arc::new(AtomicU64::new(n));
    let clock = Arc::new(AtomicU64::new(n * 50 + 1000));
    eprintln!("  registrations, concurrency 1");
    let c1 = registrations(&c, n, 1, args.seconds, &next_new, &clock).await?;
    eprintln!("  registrations, concurrency 16");
    let c16 = registrations(&c, n, 16, args.seconds, &next_new, &clock).await?;
    let bytes = c.store.size_bytes().await? as u64;
    let customers = next_new.load(Ordering::Relaxed);
    eprintln!("  raw single-row INSERTs");
    let raw1 = raw_inserts(&c.store, sqlite, 1, args.seconds.div_ceil(2)).await?;
    let raw16 = raw_inserts(&c.store, sqlite, 16, args.seconds.div_ceil(2)).await?;
    let rss = peak_rss_mib();
    let diffs_note = if n <= 1_000_000 {
        let d = c.store.check().await?;
        if d.is_empty() {
            "clean".to_string()
        } else {
            format!("{} differences", d.len())
        }
    } else {
        "skipped above 1M customers".to_string()
    };
    println!(
        "kehu bench store — {backend}{}, {n} customers seeded (seed {}), {} cores",
        if backend == "sqlite" {
            format!(
                " (synchronous = {})",
                crate::store_config()?.sqlite_sync.pragma()
            )
        } else {
            String::new()
        },
        args.seed,
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );
    println!();
    println!("| measure | value |");
    println!("|---|---|");
    println!("| seeding (batches of 1,024, 4 in flight) | {seed_rate:.0} customers/s |");
    for (p, (p50, p99)) in &check_rows {
        println!(
            "| collision check at {p} customers, p50 / p99 | {} / {} |",
            us(*p50),
            us(*p99)
        );
    }
    for (p, (counters, rows, entries, n_entries)) in &report_rows {
        println!(
            "| a report's read at {p} entries: counters / entries decrypted | {:.1} ms ({rows} counters) / {:.0} ms ({n_entries} entries) |",
            counters.as_secs_f64() * 1e3,
            entries.as_secs_f64() * 1e3
        );
    }
    println!(
        "| registrations/s, concurrency 1 (p50 / p99) | {:.0} ({} / {}) |",
        c1.0,
        us(c1.1),
        us(c1.2)
    );
    println!(
        "| registrations/s, concurrency 16 (p50 / p99) | {:.0} ({} / {}) |",
        c16.0,
        us(c16.1),
        us(c16.2)
    );
    println!("| raw single-row INSERTs/s, concurrency 1 / 16 | {raw1:.0} / {raw16:.0} |");
    println!(
        "| kehu/raw at concurrency 16 | {:.2} |",
        c16.0 / raw16.max(1e-9)
    );
    println!(
        "| database bytes per customer | {:.0} ({:.1} MiB for {customers}) |",
        bytes as f64 / customers as f64,
        bytes as f64 / 1048576.0
    );
    match rss {
        Some(m) => println!("| peak RSS of this process (before the ledger check) | {m:.0} MiB |"),
        None => println!("| peak RSS of this process | (no /proc/self/status) |"),
    }
    println!("| ledger check | {diffs_note} |");
    Ok(std::process::ExitCode::SUCCESS)
}
