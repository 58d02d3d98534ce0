//! `kehu bench api`: registrations with collision checks over real HTTP from N concurrent clients
//! (keep-alive connections, one salesperson and API token each), against a server this command
//! starts on a fresh SQLite file (or a PostgreSQL schema).

use crate::bench::{peak_rss_mib, percentile, us, Gen};
use anyhow::{bail, Context};
use kehu_store::{Keys, Store};
use rand::{rngs::StdRng, Rng, SeedableRng};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

#[derive(clap::Args)]
pub struct Args {
    /// Concurrent clients.
    #[arg(long, default_value_t = 16)]
    pub concurrency: usize,
    /// Seconds of the measurement.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// A postgres:// URL to run the server on (a fresh schema, dropped afterwards). Default: a new
    /// SQLite file in the system's temp directory, removed afterwards.
    #[arg(long)]
    pub database: Option<String>,
}

/// One keep-alive HTTP/1.1 connection.
struct Conn {
    io: BufReader<TcpStream>,
}

impl Conn {
    async fn open(addr: SocketAddr) -> anyhow::Result<Conn> {
        let s = TcpStream::connect(addr).await?;
        s.set_nodelay(true)?;
        Ok(Conn {
            io: BufReader::new(s),
        })
    }

    async fn send(
        &mut self,
        method: &str,
        path: &str,
        auth: &str,
        body: &str,
    ) -> anyhow::Result<(u16, String, String)> {
        let req = format!(
            "{method} {path} HTTP/1.1\r\nHost: kehu\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        self.io.get_mut().write_all(req.as_bytes()).await?;
        let mut line = String::new();
        self.io.read_line(&mut line).await?;
        let status: u16 = line
            .get(9..12)
            .and_then(|s| s.parse().ok())
            .context("no HTTP status")?;
        let mut len = 0usize;
        let mut headers = String::new();
        loop {
            line.clear();
            self.io.read_line(&mut line).await?;
            if line == "\r\n" || line.is_empty() {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                len = v.trim().parse()?;
            }
            headers.push_str(&line);
        }
        let mut buf = vec![0; len];
        self.io.read_exact(&mut buf).await?;
        Ok((status, headers, String::from_utf8_lossy(&buf).into_owned()))
    }
}

async fn json_call(
    addr: SocketAddr,
    method: &str,
    path: &str,
    auth: &str,
    body: Value,
) -> anyhow::Result<(String, Value)> {
    let mut c = Conn::open(addr).await?;
    let (st, headers, text) = c.send(method, path, auth, &body.to_string()).await?;
    if !(200..300).contains(&st) {
        bail!("{method} {path}: {st} {text}");
    }
    Ok((headers, serde_json::from_str(&text).unwrap_or(Value::Null)))
}

pub async fn run(a: Args) -> anyhow::Result<std::process::ExitCode> {
    if a.concurrency == 0 || a.concurrency > 1024 {
        bail!("--concurrency is 1 to 1024");
    }
    let dir = std::env::temp_dir().join(format!("kehu-bench-api-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let keys = Keys::generate();
    let (store, backend, pg) = match &a.database {
        Some(url) if url.starts_with("postgres") => {
            let schema = format!("kehu_bench_api_{}", std::process::id());
            (
                Store::open_postgres_schema(url, &schema, keys).await?,
                "postgres",
                Some((url.clone(), schema)),
            )
        }
        Some(other) => {
            bail!("--database takes a postgres:// URL (SQLite is a fresh temp file), got {other:?}")
        }
        None => (
            Store::open_with(
                &format!("sqlite:{}", dir.join("kehu.db").display()),
                keys,
                crate::store_config()?,
            )
            .await?,
            "sqlite",
            None,
        ),
    };
    let token = kehu_server::setup_token(&store)
        .await?
        .context("a fresh store has no accounts")?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(kehu_server::serve(
        listener,
        kehu_server::AppState::new(store, false),
        async {
            let _ = stop_rx.await;
        },
    ));
    eprintln!("kehu bench api: {backend}, server at http://{addr}/");

    // Set-up over the API: the admin, a project, one salesperson and token per client.
    let pw = "bench-pass-123";
    json_call(
        addr,
        "POST",
        "/api/v1/setup",
        "",
        json!({ "token": token, "login": "root", "name": "root", "password": pw }),
    )
    .await?;
    let (h, _) = json_call(
        addr,
        "POST",
        "/api/v1/session",
        "",
        json!({ "login": "root", "password": pw }),
    )
    .await?;
    let cookie = h
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: "))
        .and_then(|c| c.split(';').next())
        .context("no session cookie")?;
    let admin = format!("Cookie: {cookie}\r\n");
    json_call(
        addr,
        "POST",
        "/api/v1/projects",
        &admin,
        json!({ "name": "bench", "rulebook": "team-registration" }),
    )
    .await?;
    let mut tokens = Vec::new();
    for i in 0..a.concurrency {
        let login = format!("s{i}");
        json_call(addr, "POST", "/api/v1/users", &admin,
            json!({ "login": login, "name": format!("销售{i}"), "role": "sales", "team": "T1", "password": pw })).await?;
        let (h, _) = json_call(
            addr,
            "POST",
            "/api/v1/session",
            "",
            json!({ "login": login, "password": pw }),
        )
        .await?;
        let c = h
            .lines()
            .find_map(|l| l.strip_prefix("set-cookie: "))
            .and_then(|c| c.split(';').next())
            .context("cookie")?;
        let (_, t) = json_call(
            addr,
            "POST",
            "/api/v1/tokens",
            &format!("Cookie: {c}\r\n"),
            json!({ "name": "bench" }),
        )
        .await?;
        tokens.push(format!(
            "Authorization: Bearer {}\r\n",
            t["token"].as_str().context("token")?
        ));
    }

    eprintln!(
        "  registrations, concurrency {}, {} s",
        a.concurrency, a.seconds
    );
    let gen = Arc::new(Gen::new(42));
    let next = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(a.seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (w, auth) in tokens.into_iter().enumerate() {
        let (gen, next) = (gen.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut conn = Conn::open(addr).await?;
            let mut rng = StdRng::seed_from_u64(w as u64);
            let (mut lat, mut errors, mut outcomes) = (Vec::new(), 0u64, [0u64; 3]);
            while Instant::now() < deadline {
                // 80% new customers, 20% someone already registered (a collision check that bites).
                let n = next.load(Ordering::Relaxed);
                let i = if n > 100 && rng.gen_range(0..5) == 0 { rng.gen_range(0..n) } else { next.fetch_add(1, Ordering::Relaxed) };
                let body = json!({ "act": "register", "customer": { "name": gen.name(i), "phone": gen.phone(i) } }).to_string();
                let t = Instant::now();
                let r = conn.send("POST", "/api/v1/projects/bench/acts", &auth, &body).await;
                lat.push(t.elapsed());
                match r {
                    Ok((200, _, text)) => {
                        let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                        match v["outcome"].as_str() {
                            Some("accepted") => outcomes[0] += 1,
                            Some("rejected") => outcomes[1] += 1,
                            _ => outcomes[2] += 1,
                        }
                    }
                    Ok(_) => errors += 1,
                    Err(_) => {
                        errors += 1;
                        conn = Conn::open(addr).await?;
                    }
                }
            }
            anyhow::Ok((lat, errors, outcomes))
        }));
    }
    let (mut lat, mut errors, mut outcomes) = (Vec::new(), 0, [0u64; 3]);
    for t in tasks {
        let (l, e, o) = t.await??;
        lat.extend(l);
        errors += e;
        for k in 0..3 {
            outcomes[k] += o[k];
        }
    }
    let secs = started.elapsed().as_secs_f64();
    lat.sort();
    let _ = stop_tx.send(());
    let _ = server.await;
    if let Some((url, schema)) = pg {
        Store::drop_postgres_schema(&url, &schema).await?;
    }
    let _ = std::fs::remove_dir_all(&dir);
    println!("kehu bench api — {backend}, {} clients over HTTP/1.1 keep-alive, {} s, 2 cores shared by server and clients\n", a.concurrency, a.seconds);
    println!("| measure | value |\n|---|---|");
    println!(
        "| registrations/s (with collision check) | {:.0} |",
        lat.len() as f64 / secs
    );
    println!(
        "| latency p50 / p99 | {} / {} |",
        us(percentile(&lat, 0.5)),
        us(percentile(&lat, 0.99))
    );
    println!("| errors (non-200 or broken connection) | {errors} |");
    println!(
        "| outcomes accepted / rejected / other | {} / {} / {} |",
        outcomes[0], outcomes[1], outcomes[2]
    );
    println!(
        "| peak RSS of the process (server and clients) | {} |",
        peak_rss_mib().map_or("unknown".into(), |m| format!("{m:.0} MiB"))
    );
    Ok(if errors == 0 {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::from(1)
    })
}
