//! The rulebook's own work (工作台): what §3.10–§3.13 and §5 ask of the people of a project, on
//! one page that shows the part of the project's rulebook:
//!
//! - every rulebook: leads entered and handed out evenly (DIST-EVEN), the posts (协调助理,
//!   催办员 …), and the closing of a day's or a month's books;
//! - conference-marketing: the joint events, each division's lists with their deadlines and what
//!   is late or missing (CM-CUTOFF), invitations and attendance;
//! - home-decoration: the store's dispatch board (designers, active orders, suspended until, why
//!   each ranks where it does), dispatch, stages, contract forms and the month's handover
//!   register (HD-HANDOVER);
//! - sales-filing: the department manager's review queue (SF-REVIEW) and trip reports;
//! - project-filing: the filings with PF-ORDER's reasoning and the chaser's spot checks.
//!
//! Every act goes through the one act path of the API ([`super::Viewer::act`]), so it is
//! validated, decided and made idempotent like any other.

use super::{context, Flash, Form, Viewer};
use crate::error::ApiError;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use kehu_core::act::{ListKind, Post};
use kehu_core::model::{Act, Role};
use kehu_core::policy::Preset;
use kehu_core::state::ProjectState;
use kehu_core::time::{date_of, format_local};
use kehu_core::verdict::Outcome;
use serde_json::{json, Map, Value};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/p/{project}/work", get(show))
        .route("/p/{project}/work/act", post(act))
}

/// Who uses the page: everyone but agents and the front desk.
pub(crate) fn may_use(role: Role) -> bool {
    !matches!(role, Role::Agent | Role::FrontDesk)
}

#[derive(serde::Deserialize, Default)]
struct ShowQuery {
    done: Option<String>,
}

async fn show(
    State(st): State<AppState>,
    v: Viewer,
    Path(project): Path<String>,
    Query(q): Query<ShowQuery>,
) -> Response {
    let flash = v.done_flash(&st, q.done.as_deref()).await;
    view(&st, &v, &project, flash).await
}

fn at(t: kehu_core::time::Instant) -> String {
    format_local(t)
}

fn masked(c: Option<&kehu_core::model::CustomerInput>) -> String {
    let Some(c) = c else {
        return String::new();
    };
    let phone = c
        .parsed_phone()
        .and_then(Result::ok)
        .map(|p| p.masked_display());
    let who = if c.project {
        format!(
            "{} {}",
            c.name.clone().unwrap_or_default(),
            c.address.clone().unwrap_or_default()
        )
    } else {
        format!(
            "{} {}",
            c.name.clone().unwrap_or_default(),
            phone.or_else(|| c.email.clone()).unwrap_or_default()
        )
    };
    who.trim().to_string()
}

async fn view(st: &AppState, v: &Viewer, project: &str, flash: Option<Flash>) -> Response {
    if !may_use(v.role()) {
        return v.error(&ApiError::Forbidden(
            "工作台供公司员工使用 (the work page is for the company's staff)".into(),
        ));
    }
    let (rulebook, dir) = match context(st, v, project).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let state: ProjectState = match st.store.project_state(project).await {
        Ok(s) => s,
        Err(e) => return v.error(&e.into()),
    };
    let now = jiff::Timestamp::now();
    let lang = v.lang;
    let name = |s: &kehu_core::model::StaffId| super::person(&dir, &s.0);
    let preset = rulebook.preset;
    let me = v.c.user.login.clone();
    let manager = v.role().is_manager();

    // Posts (任命) and the people who may be named.
    let posts: Vec<Value> = Post::ALL
        .iter()
        .filter(|p| post_matters(preset, **p))
        .map(|p| {
            let holders: Vec<String> = state.holders(*p).iter().map(name).collect();
            json!({ "post": p.name(), "holders": holders.join("、") })
        })
        .collect();
    let staff: Vec<Value> = dir
        .staff
        .iter()
        .filter(|s| !s.left && s.role != Role::Agent)
        .map(|s| json!({ "id": s.id.0, "name": s.name, "role": s.role.name() }))
        .collect();
    let designers_all: Vec<Value> = dir
        .staff
        .iter()
        .filter(|s| !s.left && s.role == Role::Designer)
        .map(|s| json!({ "id": s.id.0, "name": s.name }))
        .collect();

    // The last 31 days of the project's entries, for the lists below.
    let month_ago = kehu_core::time::add_days(now, -31);
    let recent = match st
        .store
        .project_events(
            project,
            kehu_store::EventRange::Between {
                from_ms: month_ago.as_millisecond(),
                until_ms: now.as_millisecond() + 1,
                limit: 5000,
            },
        )
        .await
    {
        Ok(e) => e,
        Err(e) => return v.error(&e.into()),
    };

    let own_team = dir
        .get(&kehu_core::model::StaffId(me.clone()))
        .and_then(|s| s.team.clone());
    let mut teams: Vec<String> = Vec::new();
    for s in &dir.staff {
        if let Some(t) = &s.team {
            if !teams.contains(t) {
                teams.push(t.clone());
            }
        }
    }
    let mut extra = Map::new();
    extra.insert("teams".into(), json!(teams));
    extra.insert("own_team".into(), json!(own_team));
    extra.insert("preset".into(), json!(preset.name()));
    extra.insert("manager".into(), json!(manager));
    extra.insert("posts".into(), json!(posts));
    extra.insert("staff".into(), json!(staff));
    extra.insert("designers_all".into(), json!(designers_all));
    extra.insert("uses_distribute".into(), json!(preset.uses("distribute")));
    extra.insert("today".into(), json!(date_of(now).to_string()));
    extra.insert(
        "month".into(),
        json!(date_of(now).to_string()[..7].to_string()),
    );
    extra.insert(
        "phone_hint".into(),
        json!(super::phone_hint(lang, &rulebook)),
    );

    // Leads waiting to be handed out, per batch (DIST-EVEN): entered for the holder and held by it
    // still.
    let holder = preset.lead_holder();
    let mut batches: Vec<(String, usize)> = Vec::new();
    for e in &recent {
        if let Act::Lead(l) = &e.act {
            let entered =
                e.verdict.outcome == Outcome::Accepted && e.verdict.owner.as_ref() == Some(&holder);
            let held = match (entered, e.customers.first()) {
                (true, Some(c)) => match st.store.holder_of_record(c.0).await {
                    Ok(h) => h.as_deref() == Some(holder.to_string().as_str()),
                    Err(e) => return v.error(&e.into()),
                },
                _ => false,
            };
            if held {
                match batches.iter_mut().find(|(b, _)| *b == l.batch) {
                    Some(x) => x.1 += 1,
                    None => batches.push((l.batch.clone(), 1)),
                }
            }
        }
    }
    extra.insert(
        "batches".into(),
        json!(batches
            .iter()
            .map(|(b, n)| json!({ "batch": b, "n": n }))
            .collect::<Vec<_>>()),
    );

    match preset {
        Preset::ConferenceMarketing => {
            let my_team = dir
                .get(&kehu_core::model::StaffId(me.clone()))
                .filter(|s| s.role == Role::Manager)
                .and_then(|s| s.team.clone());
            let today = date_of(now);
            let events: Vec<Value> = state
                .joint_events
                .iter()
                .map(|ev| {
                    let e = date_of(ev.starts);
                    let days: Vec<jiff::civil::Date> = (0..=7)
                        .rev()
                        .filter_map(|k| e.checked_sub(jiff::Span::new().days(k)).ok())
                        .collect();
                    let rows: Vec<Value> = ev
                        .divisions
                        .iter()
                        .enumerate()
                        .flat_map(|(i, team)| {
                            let kinds: &[ListKind] = if i == 1 {
                                &[ListKind::Confirmed, ListKind::Plan]
                            } else {
                                &[ListKind::Confirmed]
                            };
                            kinds
                                .iter()
                                .map(|kind| {
                                    let cells: Vec<Value> = days
                                        .iter()
                                        .map(|d| {
                                            let due = kehu_core::engine::list_deadline(ev, *d, *kind);
                                            let list = state.lists.iter().rev().find(|l| {
                                                l.event == ev.name
                                                    && &l.team == team
                                                    && l.day == *d
                                                    && l.kind == *kind
                                            });
                                            let status = match (due, list) {
                                                (None, _) => "none",
                                                (Some(_), Some(l)) if l.timely => "timely",
                                                (Some(_), Some(_)) => "late",
                                                (Some(t), None) if t <= now => "missing",
                                                (Some(_), None) => "due",
                                            };
                                            json!({
                                                "day": d.to_string()[5..].to_string(),
                                                "status": status,
                                                "due": due.map(|t| at(t)[11..].to_string()),
                                                "n": list.map(|l| l.customers.len()),
                                            })
                                        })
                                        .collect();
                                    json!({ "team": team, "kind": match kind { ListKind::Confirmed => "confirmed", ListKind::Plan => "plan" }, "cells": cells })
                                })
                                .collect::<Vec<_>>()
                        })
                        .collect();
                    let next_due = ev
                        .divisions
                        .iter()
                        .find(|t| Some(*t) == my_team.as_ref())
                        .and_then(|_| kehu_core::engine::list_deadline(ev, today, ListKind::Confirmed))
                        .filter(|t| *t > now)
                        .map(at);
                    json!({
                        "name": ev.name, "starts": at(ev.starts), "ends": at(ev.ends),
                        "divisions": ev.divisions, "rows": rows, "next_due": next_due,
                        "days": days.iter().map(|d| d.to_string()[5..].to_string()).collect::<Vec<_>>(),
                    })
                })
                .collect();
            extra.insert("events".into(), json!(events));
            extra.insert("my_team".into(), json!(my_team));
        }
        Preset::HomeDecoration => {
            let board = kehu_core::engine::dispatch_board(&rulebook, &dir, &state, now);
            let rows: Vec<Value> = board
                .iter()
                .map(|r| {
                    json!({
                        "id": r.staff.0, "name": name(&r.staff), "senior": r.senior,
                        "fee": r.design_fee, "styles": r.styles.join("、"),
                        "active": r.active, "held": r.held,
                        "suspended_until": r.suspended_until.map(at),
                        "stalled_since": r.stalled_since.map(at),
                        "barred_by": r.barred_by, "rank": r.rank,
                        "why": lang.pick(&r.why),
                    })
                })
                .collect();
            extra.insert("board".into(), json!(rows));
            // The month's handover register (日转交客户登记表, HD-HANDOVER).
            let month = &date_of(now).to_string()[..7];
            // The store's customer managers and its manager read the whole register; a
            // designer the rows of their own customers.
            let whole = !matches!(v.role(), Role::Designer | Role::Finance);
            let handovers: Vec<Value> = recent
                .iter()
                .filter(|e| e.verdict.outcome == Outcome::Accepted)
                .filter(|e| whole || matches!(&e.act, Act::Dispatch(d) if d.designer.0 == me))
                .filter(|e| date_of(e.at).to_string().starts_with(month))
                .filter_map(|e| match &e.act {
                    Act::Dispatch(d) => Some(json!({
                        "day": date_of(e.at).to_string(),
                        "customer": masked(Some(&d.customer)),
                        "designer": name(&d.designer),
                        "by": name(&d.by),
                    })),
                    _ => None,
                })
                .collect();
            extra.insert("handovers".into(), json!(handovers));
            extra.insert(
                "stages".into(),
                json!(kehu_core::act::Stage::ALL
                    .iter()
                    .map(|s| json!({ "key": s.name(), "zh": s.zh() }))
                    .collect::<Vec<_>>()),
            );
        }
        Preset::SalesFiling => {
            let queue = if manager {
                let q = crate::board::DisputeQuery::open();
                match crate::board::disputes_of(st, &v.c, project, &q).await {
                    Ok(d) => d.items,
                    Err(e) => return v.error(&e),
                }
            } else {
                Vec::new()
            };
            let mut rows = Vec::new();
            for d in queue.iter().filter(|d| d.rule == "SF-REVIEW") {
                let e = match st
                    .store
                    .project_events(project, kehu_store::EventRange::Seq(d.seq))
                    .await
                {
                    Ok(mut x) => x.pop(),
                    Err(e) => return v.error(&e.into()),
                };
                let Some(e) = e else { continue };
                let (by, needs) = match &e.act {
                    Act::Register(r) => (name(&r.by), r.customer.needs.clone().unwrap_or_default()),
                    _ => (String::new(), String::new()),
                };
                let late = e.verdict.violations.iter().any(|x| x.rule == "SF-3DAYS");
                rows.push(json!({
                    "seq": d.seq, "at": at(e.at), "customer": masked(e.act.customer()),
                    "by": by, "needs": needs, "late": late, "deadline": d.deadline,
                }));
            }
            extra.insert("reviews".into(), json!(rows));
        }
        Preset::ProjectFiling => {
            // Per record, as the caller may see it (G-CLAIM): the VP and the admin every filing,
            // a department manager their team's, anyone else their own, a refused one saying only
            // what its filer may be told.
            let role = v.role();
            let my_team = own_team.clone();
            // The marketing-management department (its manager and its chaser) reads every
            // filing (PF-CHASE: every match is reported to it).
            let me_id = kehu_core::model::StaffId(me.clone());
            let department = state.has_post(&me_id, Post::MarketingManager)
                || state.has_post(&me_id, Post::Chaser);
            let visible = |by: &kehu_core::model::StaffId| -> bool {
                match role {
                    _ if department => true,
                    Role::Vp | Role::Admin => true,
                    Role::Manager => {
                        by.0 == me
                            || dir
                                .get(by)
                                .and_then(|s| s.team.clone())
                                .is_some_and(|t| my_team.as_ref() == Some(&t))
                    }
                    _ => by.0 == me,
                }
            };
            let filings: Vec<Value> = recent
                .iter()
                .rev()
                .filter_map(|e| match &e.act {
                    Act::Register(r) if visible(&r.by) => Some(json!({
                        "at": at(e.at),
                        "customer": masked(Some(&r.customer)),
                        "project": r.customer.project,
                        "by": name(&r.by),
                        "grade": r.grade,
                        "outcome": e.verdict.outcome.name(),
                        "rule": e.verdict.rule,
                        "reason": if e.verdict.collision && !(manager || department) {
                            lang.pick(&e.verdict.to_registrant(false, true))
                        } else {
                            lang.pick(&e.verdict.reason)
                        },
                    })),
                    _ => None,
                })
                .take(100)
                .collect();
            extra.insert("filings".into(), json!(filings));
            extra.insert(
                "chaser".into(),
                json!(state.has_post(&kehu_core::model::StaffId(me.clone()), Post::Chaser)),
            );
        }
        _ => {}
    }
    v.page(
        "work.html",
        Some(project),
        "nav.work",
        flash,
        Value::Object(extra),
    )
}

/// Whether a post means something under the rulebook.
fn post_matters(preset: Preset, p: Post) -> bool {
    match p {
        Post::Coordinator | Post::ResourceDirector => preset == Preset::ConferenceMarketing,
        Post::Chaser | Post::MarketingManager => preset == Preset::ProjectFiling,
        Post::ContractAuthorised | Post::Designer => preset == Preset::HomeDecoration,
        Post::SalesControl | Post::MarketingDirector => true,
    }
}

/// The customer of a form: a project (name and address), or a phone (with a name, an address,
/// an e-mail and needs where given).
fn customer(form: &Form) -> Result<Value, ApiError> {
    let mut c = Map::new();
    if form.text("is_project").is_some() {
        c.insert("project".into(), json!(true));
        c.insert("name".into(), json!(form.need("name")?));
        c.insert("address".into(), json!(form.need("address")?));
        return Ok(Value::Object(c));
    }
    for k in ["name", "phone", "address", "email", "needs", "company"] {
        if let Some(x) = form.text(k) {
            c.insert(k.into(), json!(x));
        }
    }
    if !c.contains_key("phone") && !c.contains_key("email") {
        return Err(ApiError::invalid(
            "phone",
            "请填写客户电话 (fill in the customer's phone)",
        ));
    }
    Ok(Value::Object(c))
}

/// A datetime-local field (2026-11-23T15:00) in the scenario grammar's form.
fn local_time(form: &Form, k: &str) -> Result<String, ApiError> {
    Ok(form.need(k)?.replacen('T', " ", 1))
}

/// The act a form asks for, as an API body; the acting person is always the caller.
async fn body_of(st: &AppState, v: &Viewer, project: &str, form: &Form) -> Result<Value, ApiError> {
    let me = v.c.user.login.clone();
    let name = form.need("act")?;
    let copy = |b: &mut Value, keys: &[&str]| {
        for k in keys {
            if let Some(x) = form.text(k) {
                b[*k] = json!(x);
            }
        }
    };
    let flag = |k: &str| form.text(k).is_some();
    let mut b = json!({ "act": name });
    match name {
        "lead" => {
            b["by"] = json!(me);
            b["customer"] = customer(form)?;
            b["batch"] = json!(form.need("batch")?);
            // The division that collected it (CM-EVEN): as chosen, else the caller's own.
            let own = st
                .directory()
                .await?
                .get(&kehu_core::model::StaffId(me.clone()))
                .and_then(|s| s.team.clone());
            if let Some(t) = form.text("team").map(str::to_string).or(own) {
                b["team"] = json!(t);
            }
        }
        "distribute" => {
            b["by"] = json!(me);
            b["batch"] = json!(form.need("batch")?);
        }
        "appoint" => {
            b["by"] = json!(me);
            b["staff"] = json!(form.need("staff")?);
            b["post"] = json!(form.need("post")?);
            b["senior"] = json!(flag("senior"));
            b["design_fee"] = json!(flag("design_fee"));
            b["revoke"] = json!(flag("revoke"));
            if let Some(s) = form.text("styles") {
                let styles: Vec<&str> = s
                    .split(['、', ',', '，', ' '])
                    .map(str::trim)
                    .filter(|x| !x.is_empty())
                    .collect();
                b["styles"] = json!(styles);
            }
        }
        "close" => {
            b["by"] = json!(me);
            match (form.text("day"), form.text("month")) {
                (Some(d), _) => b["day"] = json!(d),
                (None, Some(m)) => b["month"] = json!(m),
                _ => {
                    return Err(ApiError::invalid(
                        "day",
                        "请填写日期或月份 (fill in a day or a month)",
                    ))
                }
            }
        }
        "joint_event" => {
            b["name"] = json!(form.need("name")?);
            b["starts"] = json!(local_time(form, "starts")?);
            if form.text("ends").is_some() {
                b["ends"] = json!(local_time(form, "ends")?);
            }
        }
        "list" => {
            b["by"] = json!(me);
            b["event"] = json!(form.need("event")?);
            let customers: Vec<&str> = form
                .get("customers")
                .unwrap_or_default()
                .split(|c: char| c.is_whitespace() || ",，、;；".contains(c))
                .filter(|x| !x.is_empty())
                .collect();
            b["customers"] = json!(customers);
            copy(&mut b, &["kind", "day"]);
        }
        "invite" => {
            b["by"] = json!(me);
            b["customer"] = customer(form)?;
            copy(&mut b, &["event", "part"]);
        }
        "quarrel" => {
            b["customer"] = customer(form)?;
            // The two people who argued (the second optional).
            let mut staff: Vec<&str> = vec![form.need("staff")?];
            if let Some(o) = form.text("staff2").filter(|o| !staff.contains(o)) {
                staff.push(o);
            }
            b["staff"] = json!(staff);
            copy(&mut b, &["event"]);
        }
        "attend" => {
            b["customer"] = customer(form)?;
            b["event"] = json!(form.need("event")?);
            copy(&mut b, &["referred_by"]);
        }
        "dispatch" => {
            b["by"] = json!(me);
            b["customer"] = customer(form)?;
            b["designer"] = json!(form.need("designer")?);
            b["requested"] = json!(flag("requested"));
            for k in ["budget", "area"] {
                if let Some(x) = form.text(k) {
                    let n: i64 = x.parse().map_err(|_| {
                        ApiError::invalid(k, format!("{k} 应为整数 ({k} is a whole number)"))
                    })?;
                    b[k] = json!(n);
                }
            }
        }
        "refuse" | "spot_check" => {
            b["by"] = json!(me);
            b["customer"] = customer(form)?;
        }
        "stage" => {
            b["by"] = json!(me);
            b["customer"] = customer(form)?;
            b["stage"] = json!(form.need("stage")?);
            copy(&mut b, &["reason"]);
        }
        "hand_over" => {
            b["by"] = json!(me);
            b["customer"] = customer(form)?;
            b["to"] = json!(form.need("to")?);
            b["purpose"] = json!(form.need("purpose")?);
            b["returns"] = json!(local_time(form, "returns")?);
        }
        "review" => {
            // The filing under review, by its entry number: its customer as filed.
            let seq: i64 = form.need("seq")?.parse().map_err(|_| {
                ApiError::invalid("seq", "记录编号应为整数 (an entry number is an integer)")
            })?;
            let e = st
                .store
                .project_events(project, kehu_store::EventRange::Seq(seq))
                .await?
                .pop()
                .ok_or_else(|| ApiError::NotFound("no such entry".into()))?;
            let c = e.act.customer().cloned().ok_or_else(|| {
                ApiError::invalid("seq", "该记录没有客户 (the entry names no customer)")
            })?;
            b["by"] = json!(me);
            b["customer"] = serde_json::to_value(c).unwrap_or_default();
            b["approve"] = json!(form.get("decision") == Some("approve"));
            copy(&mut b, &["reason"]);
        }
        "trip_report" => {
            b["by"] = json!(me);
            copy(&mut b, &["day", "channel"]);
        }
        "register" => {
            // A filing (PF-PROJECT) by e-mail or online.
            b["by"] = json!(me);
            b["customer"] = customer(form)?;
            b["channel"] = json!(form.text("channel").unwrap_or("online"));
            copy(&mut b, &["region", "grade"]);
        }
        other => {
            return Err(ApiError::invalid(
                "act",
                format!("工作台没有「{other}」这项操作 (the work page has no act {other})"),
            ))
        }
    }
    Ok(b)
}

async fn act(
    State(st): State<AppState>,
    mut v: Viewer,
    Path(project): Path<String>,
    form: Form,
) -> Response {
    answer_form!(
        v,
        form,
        format!("/p/{}/work", super::urlencode(&project)),
        async {
            let body = body_of(&st, &v, &project, &form).await?;
            v.act(&st, &project, body, &form).await
        },
        |f| view(&st, &v, &project, Some(f)).await
    )
}
