//! `kehu serve`, `kehu user add`, `kehu healthcheck` and `kehu audit verify`.

use anyhow::Context;

use std::io::{Read, Write};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "KEHU_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    #[arg(long)]
    pub database: Option<String>,
    /// Mark session cookies Secure (set this when kehu is behind TLS).
    #[arg(long, env = "KEHU_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// Do not log each request (the `kehu::request` events).
    #[arg(long, env = "KEHU_NO_REQUEST_LOG")]
    pub no_request_log: bool,
    /// The log's form on standard error: `json` (one object a line, for a collector) or `text`.
    /// Levels and targets come from `KEHU_LOG` (e.g. `info`, `warn,kehu::request=info`).
    #[arg(long, env = "KEHU_LOG_FORMAT", default_value = "json", value_parser = ["json", "text"])]
    pub log_format: String,
    /// Seconds between the scheduler's ticks, which record what falls due (a warning before a
    /// protection ends, a return to the pool at its end) at its own instant; 0 turns it off.
    #[arg(long, env = "KEHU_TICK_SECONDS", default_value_t = 5)]
    pub tick_seconds: u64,
}

/// The log: standard error, levels from `KEHU_LOG` (default `info`), JSON or text; the request
/// events off with `--no-request-log`.
fn init_logging(json: bool, request_log: bool) {
    use tracing_subscriber::EnvFilter;
    let mut filter = EnvFilter::try_from_env("KEHU_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    if !request_log {
        if let Ok(d) = "kehu::request=off".parse() {
            filter = filter.add_directive(d);
        }
    }
    let b = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // A second initialisation (tests) keeps the first: nothing to do then.
    let _ = if json {
        b.json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init()
    } else {
        b.try_init()
    };
}

#[derive(clap::Args)]
pub struct UserAddArgs {
    #[arg(long)]
    pub login: String,
    #[arg(long)]
    pub name: String,
    /// sales, agent, front_desk, manager, vp, finance, designer, admin
    #[arg(long)]
    pub role: String,
    #[arg(long)]
    pub team: Option<String>,
    #[arg(long)]
    pub agency: Option<String>,
    #[arg(long)]
    pub database: Option<String>,
}

/// Resolves on SIGTERM or Ctrl-C.
async fn shutdown_signal() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = term => {},
        _ = tokio::signal::ctrl_c() => {},
    }
}

pub async fn serve(a: ServeArgs) -> anyhow::Result<ExitCode> {
    let url = crate::database_url(a.database);
    let store = crate::open_store(&url).await?;
    // Load the customer-key index before the first request needs it.
    let started = std::time::Instant::now();
    let warmed = store.warm().await?;
    let listener = tokio::net::TcpListener::bind(&a.bind)
        .await
        .with_context(|| format!("listening on {}", a.bind))?;
    let addr = listener.local_addr()?;
    println!("kehu serve: http://{addr}/ on {}", crate::redact(&url));
    println!(
        "kehu serve: customer-key index loaded ({warmed} keys, {} ms)",
        started.elapsed().as_millis()
    );
    if let Some(token) = kehu_server::setup_token(&store).await? {
        println!("kehu serve: no accounts yet. Create the first admin (one-time link):");
        println!("  http://{addr}/setup?token={token}");
    }
    std::io::stdout().flush()?;
    init_logging(a.log_format == "json", !a.no_request_log);
    let state = kehu_server::AppState::new(store, a.secure_cookies);
    tokio::spawn(anchor_loop(state.clone()));
    if a.tick_seconds > 0 {
        tokio::spawn(kehu_server::schedule::run(
            state.clone(),
            std::time::Duration::from_secs(a.tick_seconds),
        ));
    }
    kehu_server::serve(listener, state, shutdown_signal()).await?;
    println!("kehu serve: stopped");
    Ok(ExitCode::SUCCESS)
}

/// Adds an account; the password is read from standard input (one line).
pub async fn user_add(a: UserAddArgs) -> anyhow::Result<ExitCode> {
    let mut pw = String::new();
    std::io::stdin().read_to_string(&mut pw)?;
    let password = pw.lines().next().unwrap_or("").to_string();
    let url = crate::database_url(a.database);
    let store = crate::open_store(&url).await?;
    let account = kehu_server::accounts::NewAccount {
        login: a.login,
        name: a.name,
        role: a.role,
        password,
        team: a.team,
        agency: a.agency,
        region: None,
    };
    let (login, role) = kehu_server::accounts::add(&store, account, "cli")
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!("added {login} ({})", role.name());
    Ok(ExitCode::SUCCESS)
}

/// GET /healthz on a running server: exit 0 when it answers "ok".
pub fn healthcheck(addr: &str) -> anyhow::Result<ExitCode> {
    let mut s =
        std::net::TcpStream::connect(addr).with_context(|| format!("connecting to {addr}"))?;
    s.set_read_timeout(Some(std::time::Duration::from_secs(5)))?;
    write!(
        s,
        "GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )?;
    let mut out = String::new();
    s.read_to_string(&mut out)?;
    if out.starts_with("HTTP/1.1 200") && out.ends_with("ok") {
        println!("ok");
        Ok(ExitCode::SUCCESS)
    } else {
        println!("unhealthy: {}", out.lines().next().unwrap_or(""));
        Ok(ExitCode::from(1))
    }
}

/// The anchors in the anchor file (none when it does not exist yet).
fn read_anchors(keys: &kehu_store::Keys) -> anyhow::Result<Vec<kehu_store::Anchor>> {
    let path = crate::anchor_file();
    match std::fs::read_to_string(&path) {
        Ok(text) => kehu_store::Anchor::parse_all(keys, &text)
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

/// Appends `head` to the anchor file when it is past the last anchor kept there.
fn keep_anchor(
    keys: &kehu_store::Keys,
    kept: &[kehu_store::Anchor],
    head: &kehu_store::Anchor,
) -> anyhow::Result<()> {
    if head.seq == 0 || kept.last().is_some_and(|a| a.seq >= head.seq) {
        return Ok(());
    }
    let path = crate::anchor_file();
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .with_context(|| format!("opening {}", path.display()))?;
    writeln!(f, "{}", head.line(keys))?;
    f.sync_data()?;
    Ok(())
}

/// Every minute while serving: a checkpoint of the audit log's head in the anchor file, when the
/// log has grown (so a cut end is found by the next `audit verify` even if nobody ran one).
pub(crate) async fn anchor_loop(state: kehu_server::AppState) {
    let store = &state.store;
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
    loop {
        tick.tick().await;
        if let Err(e) = anchor_once(store).await {
            tracing::warn!(error = %format!("{e:#}"), "audit checkpoint not written");
        }
    }
}

async fn anchor_once(store: &kehu_store::Store) -> anyhow::Result<()> {
    let rows = store
        .query(
            "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
            vec![],
        )
        .await?;
    let Some(r) = rows.first() else {
        return Ok(());
    };
    let head = kehu_store::Anchor {
        seq: r.first().and_then(kehu_store::Val::int).unwrap_or(0),
        hash: r
            .get(1)
            .and_then(kehu_store::Val::text)
            .unwrap_or_default()
            .to_string(),
        at_ms: kehu_server::now_ms(),
    };
    let kept = read_anchors(store.keys())?;
    keep_anchor(store.keys(), &kept, &head)
}

pub async fn audit_verify(database: Option<String>, expect: &[String]) -> anyhow::Result<ExitCode> {
    let url = crate::database_url(database);
    let store = crate::open_store(&url).await?;
    let mut anchors = read_anchors(store.keys())?;
    for e in expect {
        let (seq, hash) = e
            .split_once(':')
            .with_context(|| format!("--expect {e}: give SEQ:HASH as printed by audit verify"))?;
        anchors.push(kehu_store::Anchor {
            seq: seq
                .parse()
                .with_context(|| format!("--expect {e}: SEQ is a number"))?,
            hash: hash.to_string(),
            at_ms: kehu_server::now_ms(),
        });
    }
    match store
        .audit_verify_anchored(&anchors, kehu_server::now_ms())
        .await?
    {
        Ok((n, head)) => {
            let kept = read_anchors(store.keys())?;
            keep_anchor(store.keys(), &kept, &head)?;
            println!(
                "audit chain: {n} entries, intact; {} checkpoints held",
                anchors.len()
            );
            println!("head: {}:{}", head.seq, head.hash);
            println!(
                "keep that line apart: `kehu audit verify --expect {}:{}` finds a cut end later",
                head.seq, head.hash
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(b) => {
            println!("audit chain broken at entry {}: {}", b.seq, b.detail);
            Ok(ExitCode::from(1))
        }
    }
}
