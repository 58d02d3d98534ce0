//! The pool (公海, POOL-RETURN): the customers whose protection ended and who returned to the
//! pool (recorded by the scheduler at that instant), each taken with one press — a registration
//! decided by the engine like any claim, within DIST-CAP — and the week ahead: whose protection
//! ends within seven days (one's own; a department manager's team's; the VP and admin all).

use super::{context, Flash, Form, Viewer};
use crate::error::ApiError;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use kehu_core::engine::due;
use kehu_core::model::{Act, Party, Role};
use kehu_core::time::{add_days, format_local};
use serde_json::{json, Value};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/p/{project}/pool", get(show))
        .route("/p/{project}/pool/take", post(take))
}

/// Who uses the pool: salespeople and those above them.
pub(crate) fn may_use(role: Role) -> bool {
    matches!(role, Role::Sales | Role::Manager | Role::Vp | Role::Admin)
}

async fn show(
    State(st): State<AppState>,
    v: Viewer,
    Path(project): Path<String>,
    Query(q): Query<super::DoneQuery>,
) -> Response {
    let flash = v.flash_of(&st, &q).await;
    view(&st, &v, &project, flash).await
}

pub(crate) fn shown(c: &kehu_core::model::CustomerInput) -> String {
    let phone = c
        .parsed_phone()
        .and_then(Result::ok)
        .map(|p| p.masked_display());
    format!(
        "{} {}",
        c.name.clone().unwrap_or_default(),
        phone.or_else(|| c.email.clone()).unwrap_or_default()
    )
    .trim()
    .to_string()
}

async fn view(st: &AppState, v: &Viewer, project: &str, flash: Option<Flash>) -> Response {
    if !may_use(v.role()) {
        return v.error(&ApiError::Forbidden(
            "公海供销售人员使用 (the pool is for salespeople)".into(),
        ));
    }
    let (rulebook, dir) = match context(st, v, project).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let loaded = async {
        let state = st.store.project_state(project).await?;
        let ctx = kehu_core::engine::Context {
            directory: Some(&dir),
            rulebook: Some(&rulebook),
            project: state,
            ..Default::default()
        };
        let now = jiff::Timestamp::now();
        // Returned in the last 90 days and not taken since.
        let events = st
            .store
            .project_events(
                project,
                kehu_store::EventRange::Between {
                    from_ms: add_days(now, -90).as_millisecond(),
                    until_ms: now.as_millisecond() + 1,
                    limit: 20_000,
                },
            )
            .await?;
        let lapses: Vec<(i64, kehu_core::time::Instant)> = events
            .iter()
            .rev()
            .filter(|e| matches!(e.act, Act::Lapse(_)) && e.verdict.owner == Some(Party::Pool))
            .filter_map(|e| e.customers.first().map(|c| (c.0, e.at)))
            .take(200)
            .collect();
        let mut ids: Vec<i64> = lapses.iter().map(|(c, _)| *c).collect();
        ids.dedup();
        let views = st.store.views(ids.clone()).await?;
        let mut pool = Vec::new();
        for (id, view) in ids.iter().zip(views.iter()) {
            let Some(s) = due::standing_at(&ctx, view, now) else {
                continue;
            };
            if s.protected {
                continue;
            }
            let at = lapses.iter().find(|(c, _)| c == id).map(|(_, t)| *t);
            pool.push(json!({
                "id": id,
                "customer": shown(&due::record_customer(view)),
                "since": at.map(format_local),
                "rule": s.rule.0,
            }));
        }
        // The week ahead: protections ending within seven days, as one may see them.
        let rows = st
            .store
            .returning(
                project,
                now.as_millisecond(),
                add_days(now, 7).as_millisecond(),
                500,
            )
            .await?;
        let bound = crate::board::team_bound(&v.c, &dir).map(|(own, _)| own);
        let ids: Vec<i64> = rows.iter().map(|r| r.customer).collect();
        let views = st.store.views(ids).await?;
        let mut week = Vec::new();
        for (r, view) in rows.iter().zip(views.iter()) {
            let Some(s) = due::standing_at(&ctx, view, now) else {
                continue;
            };
            let owner = s.owner.to_string();
            let visible = match (&bound, v.role()) {
                (None, _) => true,
                (Some(own), Role::Manager) => own.contains(&owner),
                _ => owner == v.c.user.login,
            };
            if !visible || !s.protected {
                continue;
            }
            week.push(json!({
                "customer": shown(&due::record_customer(view)),
                "owner": super::person(&dir, &owner),
                "until": jiff::Timestamp::from_millisecond(r.until_ms).ok().map(format_local),
                "rule": s.rule.0,
            }));
        }
        Ok::<_, ApiError>((pool, week))
    }
    .await;
    let (pool, week) = match loaded {
        Ok(x) => x,
        Err(e) => return v.error(&e),
    };
    v.page(
        "pool.html",
        Some(project),
        "nav.pool",
        flash,
        json!({
            "pool": pool, "week": week,
            "can_take": kehu_core::access::may_act(v.role(), "register"),
            "cap": rulebook.params.customer_cap,
        }),
    )
}

/// Takes a pool customer: a registration by the caller, decided like any claim (DIST-CAP too).
async fn take(
    State(st): State<AppState>,
    mut v: Viewer,
    Path(project): Path<String>,
    form: Form,
) -> Response {
    answer_form!(
        v,
        form,
        format!("/p/{}/pool", super::urlencode(&project)),
        async {
            let id: i64 = form.need("id")?.parse().map_err(|_| {
                ApiError::invalid("id", "客户编号应为整数 (a customer number is an integer)")
            })?;
            let view = st
                .store
                .views(vec![id])
                .await?
                .pop()
                .filter(|w| {
                    w.events
                        .iter()
                        .any(|e| e.project == project && matches!(e.act, Act::Lapse(_)))
                })
                .ok_or_else(|| {
                    ApiError::NotFound("公海中没有这位客户 (no such customer in the pool)".into())
                })?;
            let customer = due::record_customer(&view);
            let body = json!({
                "act": "register",
                "by": v.c.user.login,
                "customer": serde_json::to_value(customer).unwrap_or(Value::Null),
            });
            v.act(&st, &project, body, &form).await
        },
        |f| view(&st, &v, &project, Some(f)).await
    )
}
