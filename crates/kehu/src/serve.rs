//! `kehu serve`, `kehu user add`, `kehu healthcheck` and `kehu audit verify`.

use anyhow::Context;
use kehu_server::auth;
use kehu_store::{AuditEntry, Val};
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
    let state = kehu_server::AppState::new(store, a.secure_cookies);
    kehu_server::serve(listener, state, shutdown_signal()).await?;
    println!("kehu serve: stopped");
    Ok(ExitCode::SUCCESS)
}

/// Adds an account; the password is read from standard input (one line).
pub async fn user_add(a: UserAddArgs) -> anyhow::Result<ExitCode> {
    let role = kehu_core::model::Role::parse(&a.role).with_context(|| {
        format!(
            "role {:?}; accepted: {}",
            a.role,
            kehu_core::model::Role::NAMES
        )
    })?;
    let mut pw = String::new();
    std::io::stdin().read_to_string(&mut pw)?;
    let pw = pw.lines().next().unwrap_or("").to_string();
    auth::check_new_password(&pw, "password").map_err(|e| anyhow::anyhow!("{e}"))?;
    let url = crate::database_url(a.database);
    let store = crate::open_store(&url).await?;
    let exists = store
        .query(
            "SELECT 1 FROM users WHERE login = $1",
            vec![a.login.clone().into()],
        )
        .await?;
    if !exists.is_empty() {
        anyhow::bail!("login {} exists", a.login);
    }
    let hash = auth::hash_password(&pw).map_err(|e| anyhow::anyhow!("{e}"))?;
    store
        .exec(
            "INSERT INTO users (login, name, role, team, agency, region, password, active, created_ms) \
             VALUES ($1, $2, $3, $4, $5, NULL, $6, 1, $7)",
            vec![
                a.login.clone().into(),
                a.name.into(),
                role.name().into(),
                a.team.into(),
                a.agency.into(),
                hash.into(),
                Val::Int(kehu_server::now_ms()),
            ],
        )
        .await?;
    store
        .audit(vec![AuditEntry {
            at_ms: kehu_server::now_ms(),
            actor: "cli".into(),
            action: "user.add".into(),
            subject: a.login.clone(),
            detail: format!("role {}", role.name()),
        }])
        .await?;
    println!("added {} ({})", a.login, role.name());
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

pub async fn audit_verify(database: Option<String>) -> anyhow::Result<ExitCode> {
    let url = crate::database_url(database);
    let store = crate::open_store(&url).await?;
    match store.audit_verify().await? {
        Ok(n) => {
            println!("audit chain: {n} entries, intact");
            Ok(ExitCode::SUCCESS)
        }
        Err(b) => {
            println!("audit chain broken at entry {}: {}", b.seq, b.detail);
            Ok(ExitCode::from(1))
        }
    }
}
