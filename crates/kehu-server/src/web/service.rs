//! Customer service (客户服务, §6): the return visits after delivery, monthly the first year and
//! quarterly after, with the periods that ended without one (FUP-RETURN); the stale lists
//! (FUP-STALE); the A and B customers' tracking sheet (FUP-GRADE); in December, the customers
//! whose New Year gift and needs are not recorded yet (FUP-NEXT). Each row is a record the caller
//! may read; its forms are on the customer's page.

use super::records::{label, readable};
use super::{context, Viewer};
use crate::error::ApiError;
use crate::AppState;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use kehu_core::act::{ReturnKind, Stage};
use kehu_core::engine::aftercare::{self, Stale};
use kehu_core::model::{Act, DepositKind, Role};
use kehu_core::state::View;
use kehu_core::time::{date_of, format_local};
use kehu_core::verdict::Outcome;
use serde_json::json;

pub fn routes() -> Router<AppState> {
    Router::new().route("/p/{project}/service", get(show))
}

pub(crate) fn may_use(role: Role) -> bool {
    matches!(role, Role::Sales | Role::Manager | Role::Vp | Role::Admin)
}

/// The latest return-visit record of a kind: its instant and text.
fn latest(view: &View, kind: ReturnKind) -> Option<(String, String)> {
    view.events.iter().rev().find_map(|e| match &e.act {
        Act::ReturnVisit(r) if r.kind == kind && e.verdict.outcome == Outcome::Accepted => Some((
            format_local(e.at),
            r.cause
                .clone()
                .or_else(|| r.content.clone())
                .or_else(|| r.needs.clone())
                .unwrap_or_default(),
        )),
        _ => None,
    })
}

async fn show(State(st): State<AppState>, v: Viewer, Path(project): Path<String>) -> Response {
    if !may_use(v.role()) {
        return v.error(&ApiError::Forbidden(
            "客户服务页供销售和经理使用 (customer service is for the sales staff and managers)"
                .into(),
        ));
    }
    let (rulebook, dir) = match context(&st, &v, &project).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let views = match readable(&st, &v, &dir, &project, 3 * 366, false, |e| {
        matches!(
            &e.act,
            Act::StageAct(_)
                | Act::GradeAct(_)
                | Act::ReturnVisit(_)
                | Act::Deal(_)
                | Act::Deposit(_)
        ) || matches!(&e.act, Act::Register(r) if r.grade.is_some())
    })
    .await
    {
        Ok(x) => x,
        Err(e) => return v.error(&e),
    };
    let now = jiff::Timestamp::now();
    let december = date_of(now).month() == 12;
    let mut returns = Vec::new();
    let mut stale = Vec::new();
    let mut measured = Vec::new();
    let mut tracking = Vec::new();
    let mut survey = Vec::new();
    for view in &views {
        let (shown, phone) = label(view);
        let link = phone.unwrap_or_default();
        if let Some(r) = aftercare::returns(view, now) {
            let overdue = r.overdue(now);
            let current = r.current(now).copied();
            returns.push(json!({
                "customer": shown, "phone": link,
                "delivered": format_local(r.delivered),
                "period": current.map(|p| format!("{} – {}", format_local(p.from), format_local(p.until))),
                "visited": current.is_some_and(|p| p.visited),
                "overdue": overdue.len(),
                "overdue_periods": overdue.iter().map(|p| format!("{} – {}", format_local(p.from), format_local(p.until))).collect::<Vec<_>>(),
            }));
        }
        if let Some(kind) = aftercare::stale(view, now) {
            {
                let row = json!({
                    "customer": shown, "phone": link,
                    "paid": view.events.iter().any(|e| matches!(&e.act, Act::Deposit(d) if matches!(d.kind, DepositKind::Measure | DepositKind::Promotion))),
                    "latest": latest(view, ReturnKind::Stale).map(|(at, text)| format!("{at} {text}")),
                });
                match kind {
                    Stale::Unsigned => stale.push(row),
                    Stale::Measured => measured.push(row),
                }
            }
        }
        let grade = kehu_core::engine::followup::grade_of(view, &rulebook.params.default_grade);
        if aftercare::TRACKED.contains(&grade.as_str()) {
            tracking.push(json!({
                "customer": shown, "phone": link, "grade": grade,
                "latest": latest(view, ReturnKind::Tracking).map(|(at, text)| format!("{at} {text}")),
            }));
        }
        let signed = kehu_core::engine::pipeline::reached(view, Stage::Signed);
        let surveyed = view.events.iter().any(|e| {
            matches!(&e.act, Act::ReturnVisit(r) if r.kind == ReturnKind::Survey)
                && e.verdict.outcome == Outcome::Accepted
                && date_of(e.at).year() == date_of(now).year()
        });
        if december && signed && !surveyed {
            survey.push(json!({ "customer": shown, "phone": link }));
        }
    }
    v.page(
        "service.html",
        Some(&project),
        "nav.service",
        None,
        json!({
            "returns": returns, "stale": stale, "measured": measured,
            "tracking": tracking, "survey": survey, "december": december,
        }),
    )
}
