//! kehu-server: the HTTP face of kehu (客户). `serve(listener, state, shutdown)` is what both
//! `kehu serve` and the integration tests call (on port 0).
//!
//! Every act of the rulebook is `POST /api/v1/projects/{project}/acts` with a SCENARIOS.md step as
//! its JSON body (the same grammar and the same errors as a scenario file); the server stamps the
//! time, fills in the caller as the actor, checks the caller's role, runs the act through the store
//! and answers with the verdict as far as the caller may see it (G-CLAIM). Accounts, sessions,
//! tokens and the audit chain are in [`auth`] and the store.

pub mod accounts;
pub mod api;
pub mod archive;
pub mod auth;
pub mod board;
pub mod csv;
pub mod error;
pub mod limits;
pub mod metrics;
pub mod openapi;
pub mod schedule;
pub mod sheet;
pub mod web;

use axum::Router;
use kehu_core::model::Directory;
use kehu_core::policy::Rulebook;
use kehu_store::Store;
use std::collections::HashMap;
use std::future::Future;
use std::ops::Deref;
use std::sync::{Arc, RwLock};

/// The largest request body accepted (a registration is a few hundred bytes).
pub const BODY_LIMIT: usize = 64 * 1024;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub store: Store,
    /// Customer look-ups per account and address (the collision check is not an unmasking oracle).
    pub lookups: limits::Lookups,
    /// Mark cookies `Secure` (the server is behind TLS).
    pub secure_cookies: bool,
    /// Counters for `/metrics`.
    pub metrics: metrics::Metrics,
    directory: RwLock<Option<Arc<Directory>>>,
    rulebooks: RwLock<HashMap<String, Arc<Rulebook>>>,
}

impl Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    pub fn new(store: Store, secure_cookies: bool) -> AppState {
        AppState(Arc::new(Inner {
            store,
            lookups: limits::Lookups::default(),
            secure_cookies,
            metrics: metrics::Metrics::default(),
            directory: RwLock::new(None),
            rulebooks: RwLock::new(HashMap::new()),
        }))
    }

    /// Everyone with an account, as the engine's directory (cached; dropped on account changes).
    pub async fn directory(&self) -> Result<Arc<Directory>, error::ApiError> {
        if let Some(d) = self.directory.read().ok().and_then(|d| d.clone()) {
            return Ok(d);
        }
        let mut dir = Directory::default();
        for a in self.store.accounts().await? {
            dir.staff.push(a.staff());
        }
        let dir = Arc::new(dir);
        if let Ok(mut d) = self.directory.write() {
            *d = Some(dir.clone());
        }
        Ok(dir)
    }

    pub fn forget_directory(&self) {
        if let Ok(mut d) = self.directory.write() {
            *d = None;
        }
    }

    /// A project's rulebook, or None for an unknown project.
    pub async fn rulebook(&self, project: &str) -> Result<Option<Arc<Rulebook>>, error::ApiError> {
        if let Some(r) = self
            .rulebooks
            .read()
            .ok()
            .and_then(|m| m.get(project).cloned())
        {
            return Ok(Some(r));
        }
        let Some(row) = self.store.project(project).await? else {
            return Ok(None);
        };
        let (preset, overrides) = (row.preset.as_str(), row.overrides.as_str());
        let rb = Arc::new(api::rulebook_from(preset, overrides).map_err(|e| {
            error::ApiError::Internal(format!("stored rulebook of {project}: {e}"))
        })?);
        if let Ok(mut m) = self.rulebooks.write() {
            m.insert(project.to_string(), rb.clone());
        }
        Ok(Some(rb))
    }
}

/// Milliseconds since the epoch, from the wall clock (the edge is the only place that reads it).
pub fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// Every request in a span (method, route template, account id once signed in), ended by one
/// event with its status and latency (target `kehu::request`), for operators; and the figures of
/// `/metrics`. No personal data: the route is a template (no login, no number), query strings
/// (where phones and names travel) are never logged, and the account is its numeric id.
async fn log_request(
    axum::extract::State(st): axum::extract::State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use tracing::Instrument;
    let started = std::time::Instant::now();
    let method = req.method().to_string();
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or("unmatched", |m| m.as_str())
        .to_string();
    let span = tracing::info_span!(
        "request",
        method = %method,
        route = %route,
        account = tracing::field::Empty
    );
    let res = next.run(req).instrument(span.clone()).await;
    let secs = started.elapsed().as_secs_f64();
    let status = res.status().as_u16();
    st.metrics.request(&method, &route, status, secs);
    span.in_scope(|| {
        tracing::info!(target: "kehu::request", status, ms = secs * 1000.0, "answered");
    });
    res
}

/// The whole application: API, setup page, health check.
pub fn router(state: AppState) -> Router {
    api::routes()
        .merge(web::routes())
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            log_request,
        ))
        .with_state(state)
}

/// If nobody has an account yet, a fresh one-time setup token (its hash replaces any earlier one);
/// the first admin is created with it at `/setup?token=…`.
pub async fn setup_token(store: &Store) -> Result<Option<String>, kehu_store::StoreError> {
    let (token, hash) = auth::new_token();
    if !store.set_setup_link(&hash).await? {
        return Ok(None);
    }
    Ok(Some(token))
}

/// How long the requests in flight get to finish once a shutdown begins.
pub const DRAIN: std::time::Duration = std::time::Duration::from_secs(30);

/// Serves until `shutdown` resolves, then finishes the requests in flight, for at most [`DRAIN`]
/// (a client that never reads its answer does not hold the stop forever). An act the writer has
/// taken is committed or not as one transaction either way.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (began, draining) = tokio::sync::oneshot::channel::<()>();
    let server = axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown.await;
        let _ = began.send(());
    });
    let deadline = async move {
        if draining.await.is_ok() {
            tokio::time::sleep(DRAIN).await;
        } else {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        r = server => r,
        () = deadline => {
            tracing::warn!(
                drain_s = DRAIN.as_secs(),
                "requests still open after the drain: stopping anyway"
            );
            Ok(())
        }
    }
}
