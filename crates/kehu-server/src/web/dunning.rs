//! The dunning notice (催款通知单, CHG-OVERDUE) as a printable page: a customer's payments that
//! the scheduler dunned (unpaid at 00:00 after their date), with what is outstanding, when the
//! notice went out and when the contract is (or was) in breach. Read as the customer's file is
//! read: within one's scope, or with an approval (SEC-ROLES, SEC-APPROVE), and audited.

use super::{context, Viewer};
use crate::error::ApiError;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use kehu_core::engine::payments::payments;
use kehu_core::time::format_local;
use serde_json::json;

pub fn routes() -> Router<AppState> {
    Router::new().route("/p/{project}/dunning", get(show))
}

#[derive(serde::Deserialize)]
struct DunningQuery {
    phone: String,
}

async fn show(
    State(st): State<AppState>,
    v: Viewer,
    Path(project): Path<String>,
    Query(q): Query<DunningQuery>,
) -> Response {
    if let Err(r) = context(&st, &v, &project).await {
        return r;
    }
    let loaded = async {
        // The customer's file as the caller may read it (this also logs the read).
        let tq = crate::archive::TimelineQuery {
            phone: q.phone.clone(),
            unmasked: false,
        };
        let timeline = crate::archive::timeline_of(&st, &v.c, &project, &tq).await?;
        let phone = kehu_core::phone::Phone::parse(&q.phone)
            .map_err(|e| ApiError::invalid("phone", e.to_string()))?;
        let views = st.store.history(&project, &phone).await?;
        let now = jiff::Timestamp::now();
        let mut name = String::new();
        let mut rows = Vec::new();
        for view in &views {
            let c = kehu_core::engine::due::record_customer(view);
            if name.is_empty() {
                name = c.name.clone().unwrap_or_default();
            }
            for p in payments(view)
                .iter()
                .filter(|p| p.dunned && p.outstanding() > 0)
            {
                rows.push(json!({
                    "due": p.due.to_string(),
                    "amount": super::yuan(v.lang, p.amount),
                    "outstanding": super::yuan(v.lang, p.outstanding()),
                    "dunned": format_local(p.dunning_at()),
                    "breach": format_local(p.breach_at()),
                    "in_breach": p.breached || now >= p.breach_at(),
                }));
            }
        }
        Ok::<_, ApiError>((timeline.phone, name, rows))
    }
    .await;
    let (shown, name, rows) = match loaded {
        Ok(x) => x,
        Err(e) => return v.error(&e),
    };
    v.page(
        "dunning.html",
        Some(&project),
        "nav.sales",
        None,
        json!({
            "customer": format!("{name} {shown}").trim().to_string(),
            "rows": rows,
            "today": format_local(jiff::Timestamp::now())[..10].to_string(),
        }),
    )
}
