//! Credit and approvals (§8, CHG-CHANGES): the graded customers with their limit, balance and
//! terms and when each review falls due (CRD-LEVEL); the matters waiting for a decision — unit
//! changes and refunds, orders over the limit, new terms — each decided here with one press by
//! the sales manager or the marketing director, the engine checking who may (CRD-OVER,
//! CRD-TERMS). Finance reads every customer's credit; others the records in their scope.

use super::records::{label, readable};
use super::{context, Flash, Form, Viewer};
use crate::error::ApiError;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use kehu_core::engine::{credit, matters};
use kehu_core::model::{Act, Role};
use kehu_core::time::format_local;
use serde_json::{json, Value};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/p/{project}/credit", get(show))
        .route("/p/{project}/credit/approve", post(approve))
}

pub(crate) fn may_use(role: Role) -> bool {
    matches!(
        role,
        Role::Sales | Role::Manager | Role::Vp | Role::Admin | Role::Finance
    )
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

async fn view(st: &AppState, v: &Viewer, project: &str, flash: Option<Flash>) -> Response {
    if !may_use(v.role()) {
        return v.error(&ApiError::Forbidden(
            "信用管理供公司员工使用 (credit is for the company's staff)".into(),
        ));
    }
    let (rulebook, dir) = match context(st, v, project).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let views = match readable(st, v, &dir, project, 3 * 366, true, |e| {
        matches!(
            &e.act,
            Act::Credit(_)
                | Act::OrderAct(_)
                | Act::Terms(_)
                | Act::Change(_)
                | Act::Approve(_)
                | Act::CreditNote(_)
        )
    })
    .await
    {
        Ok(x) => x,
        Err(e) => return v.error(&e),
    };
    let now = jiff::Timestamp::now();
    let params = &rulebook.params;
    // The matters this person decides, wherever their customers are: the engine's authority
    // (the sales manager of the team concerned, then the marketing director) is what makes
    // them theirs to read here.
    let decides = match decidable(st, v, &dir, project).await {
        Ok(x) => x,
        Err(e) => return v.error(&e),
    };
    let mut graded = Vec::new();
    let mut waiting: Vec<Value> = decides.iter().map(|(_, row)| row.clone()).collect();
    for view in &views {
        let (shown, phone) = label(view);
        let phone = phone.unwrap_or_default();
        if let Some(c) = credit::credit(view, params) {
            let balance = credit::balance(view);
            let due = c.review_due(params);
            graded.push(json!({
                "customer": shown, "phone": phone, "grade": c.grade,
                "limit": super::yuan(v.lang, c.limit),
                "balance": super::yuan(v.lang, balance),
                "over": balance > c.limit,
                "days": c.terms.days, "discount": c.terms.discount, "own_terms": c.own_terms,
                "review": format_local(due), "review_due": due <= now,
            }));
        }
        for m in matters::all(view)
            .into_iter()
            .filter(|m| m.decided.is_none())
        {
            if !decides.iter().any(|(seq, _)| *seq == m.event.seq) {
                waiting.push(matter_row(v, &shown, &phone, &m, false));
            }
        }
    }
    let notes: Vec<Value> = views
        .iter()
        .flat_map(|view| {
            let (shown, phone) = label(view);
            view.events
                .iter()
                .filter_map(move |e| match &e.act {
                    Act::CreditNote(n) => Some(json!({
                        "customer": shown, "phone": phone.clone().unwrap_or_default(),
                        "at": format_local(e.at), "note": n.note, "by": n.by.0,
                    })),
                    _ => None,
                })
                .collect::<Vec<_>>()
        })
        .take(100)
        .collect();
    v.page(
        "credit.html",
        Some(project),
        "nav.credit",
        flash,
        json!({ "graded": graded, "waiting": waiting, "notes": notes,
                "deciding": waiting.iter().any(|w| w["decide"] == true) }),
    )
}

fn matter_row(
    v: &Viewer,
    shown: &str,
    phone: &str,
    m: &matters::MatterState,
    decide: bool,
) -> Value {
    json!({
        "customer": shown, "phone": phone,
        "matter": m.matter.name(),
        "at": format_local(m.event.at),
        "reason": v.lang.pick(&m.event.verdict.reason),
        "second": m.first_done,
        "decide": decide,
    })
}

/// The undecided matters the caller decides next (the engine's `approve` rule), each as its
/// row, with the seq of the entry that raised it: from the project's records with a pending
/// matter, not only the caller's scope (a department manager decides for the team's
/// salespeople; with no team, any manager does, as the engine has it).
async fn decidable(
    st: &AppState,
    v: &Viewer,
    dir: &kehu_core::model::Directory,
    project: &str,
) -> Result<Vec<(i64, Value)>, ApiError> {
    let me = kehu_core::model::StaffId(v.c.user.login.clone());
    if !matches!(v.role(), Role::Manager | Role::Vp | Role::Sales) {
        return Ok(Vec::new());
    }
    let ids = super::records::touched(st, project, 3 * 366, |e| {
        e.verdict.outcome == kehu_core::verdict::Outcome::Pending
            && matters::is_matter_rule(&e.verdict.rule)
    })
    .await?;
    let state = st.store.project_state(project).await?;
    let views = st.store.views(ids).await?;
    let mut out = Vec::new();
    for view in &views {
        let (shown, phone) = label(view);
        let phone = phone.unwrap_or_default();
        let holder = match view.ids.first() {
            Some(id) => st.store.holder_of_record(id.0).await?.unwrap_or_default(),
            None => String::new(),
        };
        let owner = kehu_core::model::Party::Staff(kehu_core::model::StaffId(holder));
        for m in matters::all(view).iter().filter(|m| m.decided.is_none()) {
            if matters::may_decide(dir, &state, &me, m, &owner) {
                out.push((m.event.seq, matter_row(v, &shown, &phone, m, true)));
            }
        }
    }
    Ok(out)
}

async fn approve(
    State(st): State<AppState>,
    mut v: Viewer,
    Path(project): Path<String>,
    form: Form,
) -> Response {
    answer_form!(
        v,
        form,
        format!("/p/{}/credit", super::urlencode(&project)),
        async {
            let mut body = json!({
                "act": "approve",
                "customer": { "phone": form.need("phone")? },
                "matter": form.need("matter")?,
                "approved": form.text("approved") != Some("0"),
            });
            if let Some(n) = form.text("note") {
                body["note"] = json!(n);
            }
            v.act(&st, &project, body, &form).await
        },
        |f| view(&st, &v, &project, Some(f)).await
    )
}
