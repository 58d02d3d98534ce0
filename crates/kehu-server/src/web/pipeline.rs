//! The pipeline board (销售漏斗, PIPE-STAGES): the project's customers by their current stage,
//! with counts and amounts, for the stages of the project's rulebook and 跑单. A stage is a
//! recorded `stage`, or the act that is one (a visit, a 小定 or 大定 deposit, a signed deal). Each
//! person sees the customers they may read: a salesperson their own, a department manager the
//! team's, the VP, finance and the admin all.

use super::{context, Viewer};
use crate::error::ApiError;
use crate::AppState;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use kehu_core::act::Stage;
use kehu_core::model::{Act, DepositKind, Role};
use kehu_core::policy::Preset;
use kehu_core::verdict::Outcome;
use serde_json::json;
use std::collections::BTreeMap;

pub fn routes() -> Router<AppState> {
    Router::new().route("/p/{project}/pipeline", get(show))
}

pub(crate) fn may_use(role: Role) -> bool {
    !matches!(role, Role::Agent | Role::FrontDesk)
}

/// The stage an entry puts its customer at, with its amount, if any.
fn stage_of(e: &kehu_core::state::Event, preset: Preset) -> Option<(Stage, Option<i64>)> {
    let real_estate = preset != Preset::HomeDecoration;
    if !matches!(e.verdict.outcome, Outcome::Accepted | Outcome::Pending) {
        return None;
    }
    match &e.act {
        Act::StageAct(s) if e.verdict.outcome == Outcome::Accepted => Some((s.stage, s.amount)),
        Act::Deal(d) => Some((Stage::Signed, Some(d.amount))),
        Act::Deposit(d) if real_estate => Some((
            if d.kind == DepositKind::Large {
                Stage::Large
            } else {
                Stage::Small
            },
            Some(d.amount),
        )),
        Act::Visit(_) | Act::WalkIn(_) if real_estate => Some((Stage::Visit, None)),
        _ => None,
    }
}

async fn show(State(st): State<AppState>, v: Viewer, Path(project): Path<String>) -> Response {
    if !may_use(v.role()) {
        return v.error(&ApiError::Forbidden(
            "销售漏斗供公司员工使用 (the pipeline is for the company's staff)".into(),
        ));
    }
    let (rulebook, dir) = match context(&st, &v, &project).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let loaded = async {
        let now = jiff::Timestamp::now();
        let events = st
            .store
            .project_events(
                &project,
                kehu_store::EventRange::Between {
                    from_ms: kehu_core::time::add_days(now, -365).as_millisecond(),
                    until_ms: now.as_millisecond() + 1,
                    limit: 50_000,
                },
            )
            .await?;
        // Each record's latest stage, its amount and how it is shown.
        let mut current: BTreeMap<i64, (Stage, Option<i64>, String)> = BTreeMap::new();
        for e in &events {
            let (Some((stage, amount)), Some(c)) =
                (stage_of(e, rulebook.preset), e.customers.first())
            else {
                continue;
            };
            let shown = e
                .act
                .customer()
                .map(|c| {
                    let phone = c
                        .parsed_phone()
                        .and_then(Result::ok)
                        .map(|p| p.masked_display())
                        .unwrap_or_default();
                    format!("{} {phone}", c.name.clone().unwrap_or_default())
                        .trim()
                        .to_string()
                })
                .unwrap_or_default();
            let keep = current
                .get(&c.0)
                .map(|x| if amount.is_none() { x.1 } else { amount })
                .unwrap_or(amount);
            let name = current
                .get(&c.0)
                .map(|x| x.2.clone())
                .filter(|n| !n.is_empty())
                .unwrap_or(shown);
            current.insert(c.0, (stage, keep, name));
        }
        // Per record, as the caller may read it.
        let bound = crate::board::team_bound(&v.c, &dir).map(|(own, _)| own);
        let all = matches!(v.role(), Role::Vp | Role::Admin | Role::Finance) || bound.is_none();
        let mut columns: Vec<(Stage, usize, i64, Vec<String>)> = rulebook
            .params
            .stages
            .iter()
            .chain([Stage::Lost].iter())
            .map(|s| (*s, 0, 0, Vec::new()))
            .collect();
        for (id, (stage, amount, name)) in current.iter().rev().take(5000) {
            if !all {
                let holder = st.store.holder_of_record(*id).await?.unwrap_or_default();
                let mine = match (&bound, v.role()) {
                    (Some(own), Role::Manager) => own.contains(&holder),
                    _ => holder == v.c.user.login,
                };
                if !mine {
                    continue;
                }
            }
            if let Some(col) = columns.iter_mut().find(|c| c.0 == *stage) {
                col.1 += 1;
                col.2 += amount.unwrap_or(0);
                if col.3.len() < 30 {
                    col.3.push(name.clone());
                }
            }
        }
        Ok::<_, ApiError>(columns)
    }
    .await;
    let columns = match loaded {
        Ok(c) => c,
        Err(e) => return v.error(&e),
    };
    let rows: Vec<serde_json::Value> = columns
        .iter()
        .map(|(s, n, amount, names)| {
            json!({
                "stage": s.name(), "n": n,
                "amount": if *amount > 0 { super::yuan(v.lang, *amount) } else { String::new() },
                "customers": names,
            })
        })
        .collect();
    v.page(
        "pipeline.html",
        Some(&project),
        "nav.pipeline",
        None,
        json!({ "stages": rows }),
    )
}
