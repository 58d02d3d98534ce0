//! `kehu import`: a registration book (报备登记簿) from paper or Excel, through the rule engine.
//!
//! The book is CSV with a header row. Columns: `at` (local time, `2026-11-01 10:00`), `by` (a staff
//! handle of the setup file), `phone` (full or masked), and optionally `name`, `channel`, `kind`,
//! `id_no`, `region`. Every row is checked before anything is imported; every bad row is listed,
//! naming its row and column (exit 2), and nothing is imported. Rows are then decided in order,
//! in the order of their times, and each row's verdict is printed as soon as its batch is
//! committed: a printed row is on disk.
//!
//! Importing the same book again records nothing: each row carries an idempotency key made of the
//! project and the row's fields, so a row already imported is answered with the entry it made
//! ("already imported"). Two identical rows (same time, person, phone and fields) are one.

use crate::scenario;
use anyhow::{bail, Context as _};
use kehu_core::act;
use kehu_core::model::{Act, Channel, Command, CustomerInput, RegKind, StaffId};
use kehu_core::phone::Phone;
use kehu_core::time::{format_local, parse_local, Instant};
use kehu_store::Item;
use std::collections::VecDeque;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(clap::Args)]
pub struct Args {
    /// The registration book (CSV, UTF-8, header row).
    pub file: PathBuf,
    /// Rulebook and staff: a TOML file with a scenario file's header (`rulebook`, `[overrides]`,
    /// `[[staff]]`, `holidays`, …).
    #[arg(long)]
    pub setup: PathBuf,
    /// The project the registrations belong to.
    #[arg(long, default_value = "default")]
    pub project: String,
    /// Database URL; defaults to $KEHU_DATABASE_URL or sqlite:kehu.db.
    #[arg(long)]
    pub database: Option<String>,
    /// The file is the sales-control sheet (销控表, CSV or XLSX: building, number, floor, area,
    /// price, status), set by this staff handle (a manager or the master sales control).
    #[arg(long, value_name = "BY")]
    pub units: Option<String>,
}

const COLUMNS: &[&str] = &[
    "at", "by", "phone", "name", "channel", "kind", "id_no", "address", "region",
];
/// Rows per batch handed to the writer, and batches in flight.
const CHUNK: usize = 512;
const IN_FLIGHT: usize = 4;

/// One checked row: its number in the file (header = row 1) and its command.
struct Row {
    line: u64,
    command: Command,
}

/// The rows of the book, or every problem found in it.
fn parse_rows(args: &Args, setup: &scenario::Scenario) -> Result<Vec<Row>, Vec<String>> {
    let mut problems = Vec::new();
    let rows = parse_rows_into(args, setup, &mut problems).map_err(|e| vec![format!("{e:#}")])?;
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems)
    }
}

/// Reads the book; a bad row is added to `problems` and the reading goes on (a bad header or
/// unreadable CSV stops it).
fn parse_rows_into(
    args: &Args,
    setup: &scenario::Scenario,
    problems: &mut Vec<String>,
) -> anyhow::Result<Vec<Row>> {
    let file = args.file.display().to_string();
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(&args.file)
        .with_context(|| format!("reading {file}"))?;
    let header = rdr
        .headers()
        .with_context(|| format!("{file}: header row"))?
        .clone();
    let mut col = std::collections::HashMap::new();
    for (i, h) in header.iter().enumerate() {
        if !COLUMNS.contains(&h) {
            bail!(
                "{file}: row 1: unknown column {h:?}; columns: {}",
                COLUMNS.join(", ")
            );
        }
        col.insert(h.to_string(), i);
    }
    for required in ["at", "by", "phone"] {
        if !col.contains_key(required) {
            bail!("{file}: row 1: missing column {required:?}");
        }
    }
    let mut rows = Vec::new();
    let mut last: Option<Instant> = None;
    for rec in rdr.records() {
        let rec = rec.with_context(|| format!("{file}: malformed CSV"))?;
        match check_row(&file, &rec, &col, &mut last, args, setup) {
            Ok(row) => rows.push(row),
            Err(e) => problems.push(e.to_string()),
        }
    }
    Ok(rows)
}

/// One row checked: its command, or the first problem of the row.
fn check_row(
    file: &str,
    rec: &csv::StringRecord,
    col: &std::collections::HashMap<String, usize>,
    last: &mut Option<Instant>,
    args: &Args,
    setup: &scenario::Scenario,
) -> anyhow::Result<Row> {
    {
        let line = rec.position().map(|p| p.line()).unwrap_or_default();
        let err = |c: &str, m: String| anyhow::anyhow!("{file}: row {line}: column {c}: {m}");
        let get = |c: &str| -> Option<&str> {
            col.get(c)
                .and_then(|i| rec.get(*i))
                .filter(|s| !s.is_empty())
        };
        let at_text = get("at").ok_or_else(|| err("at", "empty".into()))?;
        let at = parse_local(at_text).map_err(|e| err("at", e.to_string()))?;
        if let Some(l) = *last {
            if at < l {
                return Err(err(
                    "at",
                    format!(
                        "{at_text} is before the row above ({}); sort the book by time",
                        format_local(l)
                    ),
                ));
            }
        }
        *last = Some(at);
        let by_text = get("by").ok_or_else(|| err("by", "empty".into()))?;
        let by = StaffId(by_text.to_string());
        if setup.directory.get(&by).is_none() {
            return Err(err(
                "by",
                format!("unknown staff handle {by_text:?} (see the setup file)"),
            ));
        }
        let phone = get("phone").ok_or_else(|| err("phone", "empty".into()))?;
        Phone::parse(phone).map_err(|e| err("phone", e.to_string()))?;
        let channel = match get("channel") {
            Some(c) => Channel::parse(c)
                .ok_or_else(|| err("channel", format!("{c:?}; accepted: {}", Channel::NAMES)))?,
            None => Channel::default(),
        };
        let kind = match get("kind") {
            Some(k) => RegKind::parse(k)
                .ok_or_else(|| err("kind", format!("{k:?}; accepted: {}", RegKind::NAMES)))?,
            None => RegKind::default(),
        };
        for (c, v) in [
            ("name", get("name")),
            ("id_no", get("id_no")),
            ("region", get("region")),
            ("address", get("address")),
        ] {
            if let Some(v) = v {
                if v.chars().count() > 64 || v.chars().any(char::is_control) {
                    return Err(err(
                        c,
                        "at most 64 characters, no control characters".into(),
                    ));
                }
            }
        }
        Ok(Row {
            line,
            command: Command {
                project: args.project.clone(),
                at,
                act: Act::Register(act::Register {
                    by,
                    customer: CustomerInput {
                        name: get("name").map(str::to_string),
                        phone: Some(phone.to_string()),
                        id_no: get("id_no").map(str::to_string),
                        address: get("address").map(str::to_string),
                        ..CustomerInput::default()
                    },
                    channel,
                    kind,
                    visit_at: None,
                    inbound: false,
                    region: get("region").map(str::to_string),
                    signed: true,
                    grade: get("grade").map(str::to_string),
                    changed_at: None,
                }),
            },
        })
    }
}

/// A row's idempotency key: the project and the row's own fields (its number in the file is left
/// out, so a book with rows added or reordered still knows the rows it imported).
fn once_of(project: &str, c: &Command) -> kehu_store::Once {
    let body = serde_json::to_string(&c.act).unwrap_or_default();
    let fingerprint = kehu_server::auth::token_hash(&format!("{project}\0{}\0{body}", c.at));
    kehu_store::Once {
        account: format!("import:{project}"),
        key: fingerprint.clone(),
        fingerprint,
    }
}

pub async fn run(args: Args, default_url: &str) -> anyhow::Result<ExitCode> {
    let setup = match scenario::load(&args.setup) {
        Ok(s) if s.steps.is_empty() => s,
        Ok(_) => bail!(
            "{}: a setup file holds the header only (rulebook, staff), no [[step]]",
            args.setup.display()
        ),
        Err(e) => bail!("setup: {e}"),
    };
    if let Some(by) = &args.units {
        return import_units(&args, &setup, by, default_url).await;
    }
    let rows = match parse_rows(&args, &setup) {
        Ok(r) => r,
        Err(problems) => return Ok(refused(&problems)),
    };
    let url = args
        .database
        .clone()
        .unwrap_or_else(|| default_url.to_string());
    let store = crate::open_store(&url).await?;
    let rulebook = Arc::new(setup.rulebook.clone());
    let directory = Arc::new(setup.directory.clone());
    let stdout = std::io::stdout();
    let mut tally = std::collections::BTreeMap::<String, usize>::new();
    let mut pending = VecDeque::new();
    let mut chunks = rows.chunks(CHUNK).peekable();
    while chunks.peek().is_some() || !pending.is_empty() {
        while pending.len() < IN_FLIGHT {
            let Some(chunk) = chunks.next() else { break };
            let items: Vec<(Item, Option<kehu_store::Once>)> = chunk
                .iter()
                .map(|r| {
                    let item = Item {
                        rulebook: rulebook.clone(),
                        directory: directory.clone(),
                        command: r.command.clone(),
                        now: r.command.at,
                    };
                    (item, Some(once_of(&args.project, &r.command)))
                })
                .collect();
            let lines: Vec<u64> = chunk.iter().map(|r| r.line).collect();
            pending.push_back((lines, store.enqueue_once(items)?));
        }
        let Some((lines, p)) = pending.pop_front() else {
            break;
        };
        let outcomes = p.wait().await?;
        let mut out = stdout.lock();
        for (line, o) in lines.iter().zip(outcomes) {
            match o {
                Ok(o) => {
                    let v = &o.verdict;
                    let owner = v.owner.as_ref().map(|p| p.to_string()).unwrap_or_default();
                    writeln!(
                        out,
                        "row {line}: seq {} {} {} owner {owner}",
                        o.seq.unwrap_or_default(),
                        v.outcome.name(),
                        v.rule
                    )?;
                    *tally.entry(v.outcome.name().to_string()).or_default() += 1;
                }
                Err(kehu_store::StoreError::Replayed(seq)) => {
                    writeln!(out, "row {line}: already imported (seq {seq})")?;
                    *tally.entry("already imported".into()).or_default() += 1;
                }
                Err(e) => {
                    writeln!(out, "row {line}: not recorded: {e}")?;
                    *tally.entry("not recorded".into()).or_default() += 1;
                }
            }
        }
        out.flush()?;
    }
    // A large book changes the tables' shape: refresh the planner's statistics.
    store.analyze().await?;
    let summary: Vec<String> = tally.iter().map(|(k, n)| format!("{n} {k}")).collect();
    println!("imported {} rows: {}", rows.len(), summary.join(", "));
    Ok(ExitCode::SUCCESS)
}

/// `kehu import --units BY`: the sales-control sheet, one `units` act decided by the engine.
async fn import_units(
    args: &Args,
    setup: &scenario::Scenario,
    by: &str,
    default_url: &str,
) -> anyhow::Result<ExitCode> {
    let file = args.file.display().to_string();
    let bytes = std::fs::read(&args.file).with_context(|| format!("reading {file}"))?;
    let units = match kehu_server::sheet::units(&bytes) {
        Ok(u) => u,
        Err(problems) => {
            let named: Vec<String> = problems.iter().map(|p| format!("{file}: {p}")).collect();
            return Ok(refused(&named));
        }
    };
    if setup.directory.get(&StaffId(by.to_string())).is_none() {
        eprintln!("kehu import: --units: unknown staff handle {by:?} (not in the setup file)");
        return Ok(ExitCode::from(2));
    }
    let url = args
        .database
        .clone()
        .unwrap_or_else(|| default_url.to_string());
    let store = crate::open_store(&url).await?;
    let now = jiff::Timestamp::now();
    let n = units.len();
    let command = Command {
        project: args.project.clone(),
        at: now,
        act: Act::Units(act::Units {
            by: StaffId(by.to_string()),
            units,
        }),
    };
    let v = store
        .execute(&setup.rulebook, &setup.directory, &command, now)
        .await?
        .verdict;
    println!("{n} units: {} {}: {}", v.outcome.name(), v.rule, v.reason);
    Ok(if v.outcome == kehu_core::verdict::Outcome::Accepted {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// A book or sheet with problems: each named, nothing imported (exit 2).
fn refused(problems: &[String]) -> ExitCode {
    for p in problems {
        eprintln!("kehu import: {p}");
    }
    eprintln!(
        "kehu import: {} problem(s); nothing was imported",
        problems.len()
    );
    ExitCode::from(2)
}
