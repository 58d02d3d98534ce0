//! `/metrics` in the Prometheus text format: requests by method, route template and status with
//! their latency, act decisions by act and outcome, and the ledger writer's queue, batches and
//! disk flushes. Labels are route templates and names of acts and outcomes: never a login, a
//! phone or a name. Read by the admin and the VP (an admin's read-only API token for a scraper).

use crate::auth::Caller;
use crate::error::ApiError;
use crate::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;

/// (method, route template, status) → (answered, seconds).
type Requests = BTreeMap<(String, String, u16), (u64, f64)>;

/// Counters kept by the server.
#[derive(Default)]
pub struct Metrics {
    requests: Mutex<Requests>,
    /// (act, outcome) → count
    acts: Mutex<BTreeMap<(String, String), u64>>,
}

impl Metrics {
    pub fn request(&self, method: &str, route: &str, status: u16, seconds: f64) {
        if let Ok(mut m) = self.requests.lock() {
            let e = m
                .entry((method.to_string(), route.to_string(), status))
                .or_default();
            e.0 += 1;
            e.1 += seconds;
        }
    }

    pub fn act(&self, act: &str, outcome: &str) {
        if let Ok(mut m) = self.acts.lock() {
            *m.entry((act.to_string(), outcome.to_string())).or_default() += 1;
        }
    }

    /// Everything in the Prometheus text exposition format (version 0.0.4).
    pub fn render(&self) -> String {
        let mut out = String::new();
        let label = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
        out.push_str("# HELP kehu_http_requests_total HTTP requests answered.\n");
        out.push_str("# TYPE kehu_http_requests_total counter\n");
        let requests = self.requests.lock().map(|m| m.clone()).unwrap_or_default();
        for ((m, r, s), (n, _)) in &requests {
            let _ = writeln!(
                out,
                "kehu_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{s}\"}} {n}",
                label(m),
                label(r)
            );
        }
        out.push_str(
            "# HELP kehu_http_request_seconds_total Time spent answering, by request kind.\n",
        );
        out.push_str("# TYPE kehu_http_request_seconds_total counter\n");
        for ((m, r, s), (_, secs)) in &requests {
            let _ = writeln!(
                out,
                "kehu_http_request_seconds_total{{method=\"{}\",route=\"{}\",status=\"{s}\"}} {secs}",
                label(m),
                label(r)
            );
        }
        out.push_str("# HELP kehu_acts_total Acts decided, by act and outcome.\n");
        out.push_str("# TYPE kehu_acts_total counter\n");
        let acts = self.acts.lock().map(|m| m.clone()).unwrap_or_default();
        for ((a, o), n) in &acts {
            let _ = writeln!(
                out,
                "kehu_acts_total{{act=\"{}\",outcome=\"{}\"}} {n}",
                label(a),
                label(o)
            );
        }
        let w = kehu_store::stats::snapshot();
        for (name, kind, help, value) in [
            (
                "kehu_writer_queue_depth",
                "gauge",
                "Jobs handed to the ledger writer, not yet answered.",
                w.queue_depth as f64,
            ),
            (
                "kehu_writer_batches_total",
                "counter",
                "Batches decided and committed.",
                w.batches as f64,
            ),
            (
                "kehu_writer_batch_seconds_total",
                "counter",
                "Time the writer spent deciding and committing batches.",
                w.batch_seconds,
            ),
            (
                "kehu_writer_syncs_total",
                "counter",
                "Flushes of the log to the disk.",
                w.syncs as f64,
            ),
            (
                "kehu_writer_sync_seconds_total",
                "counter",
                "Time spent flushing the log to the disk.",
                w.sync_seconds,
            ),
        ] {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
            );
        }
        out
    }
}

/// GET /metrics: the admin and the VP (SEC-ROLES: operations data of the whole company).
pub(crate) async fn metrics(State(st): State<AppState>, c: Caller) -> Result<Response, ApiError> {
    if !kehu_core::access::may_read_audit(c.user.role) {
        return Err(ApiError::Forbidden(
            "只有管理员和副总查看运行指标 (the admin and the VP only)".into(),
        ));
    }
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        st.metrics.render(),
    )
        .into_response())
}
