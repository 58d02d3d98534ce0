//! The manager's pages (经理): disputes by deadline with their resolve actions (G-DISPUTE),
//! archive approvals (SEC-APPROVE), violation entries (G-VIOLATION), reassignment of a leaver's
//! customers (DIST-RANDOM, with its seed shown), staff and projects with their rulebooks, and the
//! audit log (SEC-AUDIT).

use super::{context, explain, Flash, Form, Viewer};
use crate::api::Page;
use crate::board::DisputeQuery;
use crate::error::ApiError;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use kehu_core::access;
use kehu_core::act;
use kehu_core::model::{Act, Party};
use kehu_core::state::{Effect, Event};
use kehu_store::EventRange;
use serde_json::{json, Value};
use std::collections::BTreeMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/p/{project}/manage", get(show))
        .route("/p/{project}/disputes/{seq}/resolve", post(resolve))
        .route("/p/{project}/approvals/{id}", post(decide))
        .route("/p/{project}/reassign", post(reassign))
        .route("/p/{project}/manage/act", post(manage_act))
        .route("/p/{project}/roster", post(roster))
        .route("/p/{project}/staff", get(staff))
        .route("/p/{project}/staff/{login}/leave", post(leave))
        .route("/p/{project}/staff/{login}/restore", post(restore))
        .route("/p/{project}/staff/{login}/link", post(staff_link))
        .route("/p/{project}/staff/add", post(staff_add))
        .route("/p/{project}/projects/add", post(project_add))
        .route("/p/{project}/projects/calendar", post(project_calendar))
}

fn managers_only(v: &Viewer) -> Result<(), ApiError> {
    if v.role().is_manager() {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "只有经理可以使用 (managers only)".into(),
        ))
    }
}

async fn show(
    State(st): State<AppState>,
    v: Viewer,
    Path(project): Path<String>,
    axum::extract::Query(q): axum::extract::Query<super::Done>,
) -> Response {
    let flash = v.done_flash(&st, q.done.as_deref()).await;
    view(&st, &v, &project, flash).await
}

/// One ledger entry of a project, by number.
async fn event(st: &AppState, project: &str, seq: i64) -> Result<Event, ApiError> {
    st.store
        .project_events(project, EventRange::Seq(seq))
        .await?
        .pop()
        .ok_or_else(|| ApiError::NotFound(format!("没有第 {seq} 条记录 (no entry {seq})")))
}

async fn view(st: &AppState, v: &Viewer, project: &str, flash: Option<Flash>) -> Response {
    if let Err(e) = managers_only(v) {
        return v.error(&e);
    }
    let (rulebook, dir) = match context(st, v, project).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let lang = v.lang;
    let now = crate::now_ms();
    let page = Page::new(Some(1), Some(200));
    let q = DisputeQuery::open();
    let loaded = async {
        let disputes = crate::board::disputes_of(st, &v.c, project, &q).await?;
        let approvals = crate::archive::approvals_of(st, &v.c, &page).await?;
        let violations = crate::board::violations_of(st, &v.c, project, &page).await?;
        let board = crate::board::rotation_of(st, &v.c, project).await?;
        Ok::<_, ApiError>((disputes, approvals, violations, board))
    }
    .await;
    let (disputes, approvals, violations, board) = match loaded {
        Ok(x) => x,
        Err(e) => return v.error(&e),
    };
    // One row per customer: a customer's open disputes are settled by one decision (G-DISPUTE),
    // among everyone who claims it.
    let mut ds: Vec<Value> = Vec::new();
    let mut rows_of: std::collections::HashMap<i64, usize> = std::collections::HashMap::new();
    for d in &disputes.items {
        let seq = d.seq;
        let opened = match event(st, project, seq).await {
            Ok(e) => e,
            Err(e) => return v.error(&e),
        };
        let record = opened.customers.first().map(|c| c.0).unwrap_or(-seq);
        if let Some(&i) = rows_of.get(&record) {
            let known: Vec<String> = ds[i]["parties"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|p| p["key"].as_str().map(str::to_string))
                .collect();
            for p in claimants(&dir, &opened) {
                if !known.contains(&p.to_string()) {
                    if let Some(a) = ds[i]["parties"].as_array_mut() {
                        a.push(
                            json!({ "key": p.to_string(), "name": explain::party(lang, &dir, &p) }),
                        );
                    }
                }
            }
            continue;
        }
        rows_of.insert(record, ds.len());
        let customer = opened
            .act
            .customer()
            .map(|c| {
                let phone = c
                    .parsed_phone()
                    .and_then(Result::ok)
                    .map(|p| p.masked_display());
                format!(
                    "{} {}",
                    c.name.clone().unwrap_or_default(),
                    phone.unwrap_or_default()
                )
            })
            .unwrap_or_default();
        let parties: Vec<Value> = claimants(&dir, &opened)
            .iter()
            .map(|p| json!({ "key": p.to_string(), "name": explain::party(lang, &dir, p) }))
            .collect();
        let deadline_ms = opened
            .verdict
            .dispute
            .as_ref()
            .map(|x| x.deadline.as_millisecond())
            .unwrap_or_default();
        let rule = d.rule.as_str();
        ds.push(json!({
            "seq": seq, "deadline": d.deadline, "overdue": d.overdue,
            "left": explain::left(lang, deadline_ms, now),
            "customer": customer.trim(), "rule": rule, "rule_title": explain::rule_title(lang, rule),
            "parties": parties,
        }));
    }
    let me = v.c.user.login.as_str();
    let aps: Vec<Value> = approvals
        .items
        .iter()
        .map(|a| {
            // The state machine's answer for this caller (SEC-APPROVE): whether to offer the
            // buttons at all; the decision itself is checked again when it is made.
            let id = kehu_core::model::StaffId(a.requester.clone());
            let state = kehu_core::access::ApprovalState::parse(&a.state);
            let can = a.requester != me
                && crate::api::person_of(&dir, &id)
                    .zip(state)
                    .is_some_and(|(r, st)| {
                        kehu_core::access::approval_step(&v.c.user.person(), &r, st, true).is_ok()
                    });
            let mut item = json!(a);
            item["can_decide"] = json!(can);
            item["requester"] = json!(super::person(&dir, &a.requester));
            item
        })
        .collect();
    let vs: Vec<Value> = violations
        .items
        .iter()
        .map(|x| {
            let party = crate::archive::party_from_key(&x.party, &dir);
            json!({
                "seq": x.seq, "party": explain::party(lang, &dir, &party),
                "rule": x.rule, "rule_title": explain::rule_title(lang, &x.rule),
                "amount": x.amount, "note": lang.pick(&x.note),
            })
        })
        .collect();
    // The team's customers (团队客户): how many each salesperson holds, and the protections that
    // end within a week, soonest first (the manager's follow-up list). A department manager sees
    // their own team; the VP and the admin every salesperson.
    let members: Vec<&kehu_core::model::Staff> = {
        let bound = crate::board::team_bound(&v.c, &dir);
        dir.staff
            .iter()
            .filter(|s| s.role == kehu_core::model::Role::Sales && !s.left)
            .filter(|s| bound.as_ref().is_none_or(|(own, _)| own.contains(&s.id.0)))
            .collect()
    };
    let week = now + 7 * 24 * 3_600_000;
    let mut team_rows: Vec<Value> = Vec::new();
    let mut expiring: Vec<(i64, Value)> = Vec::new();
    for m in &members {
        let (views, held) = match st.store.held(project, &m.id.0, 0, 500).await {
            Ok(x) => x,
            Err(e) => return v.error(&e.into()),
        };
        let mut soon = 0;
        for view in &views {
            let sold = view.events.iter().any(|e| {
                matches!(e.act, Act::Deal(_))
                    && e.verdict.outcome == kehu_core::verdict::Outcome::Accepted
            });
            let until = view
                .events
                .iter()
                .rev()
                .find_map(|e| match e.verdict.protected_until {
                    Some(kehu_core::verdict::Until::At(t)) => Some(t.as_millisecond()),
                    _ => None,
                });
            if let (false, Some(u)) = (sold, until) {
                if u > now && u <= week {
                    soon += 1;
                    let c = view.events.iter().rev().find_map(|e| e.act.customer());
                    let phone = c
                        .and_then(|c| c.parsed_phone())
                        .and_then(Result::ok)
                        .map(|p| p.masked_display())
                        .unwrap_or_default();
                    let name = view
                        .events
                        .iter()
                        .rev()
                        .find_map(|e| e.act.customer().and_then(|c| c.name.clone()))
                        .unwrap_or_default();
                    expiring.push((
                        u,
                        json!({
                            "holder": m.name, "name": name, "phone": phone,
                            "until": jiff::Timestamp::from_millisecond(u).map(kehu_core::time::format_local).unwrap_or_default(),
                            "left": explain::left(lang, u, now),
                        }),
                    ));
                }
            }
        }
        team_rows.push(json!({ "name": m.name, "presence": board.staff.iter().find(|b| b.login == m.id.0).map(|b| b.presence.name()).unwrap_or("available"), "held": held, "soon": soon }));
    }
    expiring.sort_by_key(|(u, _)| *u);
    // The roster (排班): every salesperson, those on this project's rotation first, in its order.
    let order = dir.rotation();
    let mut roster: Vec<Value> = order
        .iter()
        .enumerate()
        .map(|(i, id)| json!({ "login": id.0, "name": super::person(&dir, &id.0), "on": true, "order": i + 1 }))
        .collect();
    for s in dir
        .staff
        .iter()
        .filter(|s| s.role == kehu_core::model::Role::Sales && !s.left && !order.contains(&s.id))
    {
        roster.push(json!({ "login": s.id.0, "name": s.name, "on": false, "order": "" }));
    }
    // The teams a duty can go to: those of the company's salespeople.
    let mut teams: Vec<String> = dir
        .staff
        .iter()
        .filter(|s| s.role == kehu_core::model::Role::Sales && !s.left)
        .filter_map(|s| s.team.clone())
        .collect();
    teams.sort();
    teams.dedup();
    // Whose customers may be reassigned: those who left (SEC-LEAVE; no longer on any board) and
    // those on leave.
    let bound = crate::board::team_bound(&v.c, &dir);
    let mut leavers: Vec<Value> = dir
        .staff
        .iter()
        .filter(|s| s.role == kehu_core::model::Role::Sales && s.left)
        .filter(|s| bound.as_ref().is_none_or(|(own, _)| own.contains(&s.id.0)))
        .map(|s| json!({ "login": s.id.0, "name": s.name, "presence": "left" }))
        .collect();
    leavers.extend(
        board
            .staff
            .iter()
            .filter(|s| {
                matches!(
                    s.presence,
                    kehu_core::model::Presence::Left | kehu_core::model::Presence::Leave
                )
            })
            .map(|s| json!({ "login": s.login, "name": s.name, "presence": s.presence })),
    );
    // FUP-DUE: each salesperson's overdue follow-ups (the department's; the VP and admin all).
    let mut overdue: Vec<Value> = Vec::new();
    for s in dir
        .staff
        .iter()
        .filter(|s| s.role == kehu_core::model::Role::Sales && !s.left)
        .filter(|s| bound.as_ref().is_none_or(|(own, _)| own.contains(&s.id.0)))
    {
        let rows = match super::sales::followups_of(st, &rulebook, &dir, project, &s.id.0).await {
            Ok(r) => r,
            Err(e) => return v.error(&e),
        };
        let n = rows.iter().filter(|r| r["overdue"] == json!(true)).count();
        let due = rows
            .iter()
            .filter(|r| r["due"] == json!(true) && r["overdue"] != json!(true))
            .count();
        if n + due > 0 {
            overdue.push(json!({ "name": s.name, "overdue": n, "due": due }));
        }
    }
    v.page(
        "manage.html",
        Some(project),
        "nav.manage",
        flash,
        json!({
            "overdue": overdue,
            "disputes": ds, "approvals": aps, "violations": vs, "leavers": leavers,
            "uses_duty": rulebook.preset.uses("duty"), "uses_event": rulebook.preset.uses("event"),
            "uses_extend": rulebook.preset.uses("extend"),
            "teams": teams,
            "can_export": access::may_export(v.role()),
            "team": team_rows,
            "roster": roster,
            "expiring": expiring.into_iter().map(|(_, x)| x).collect::<Vec<_>>(),
        }),
    )
}

/// Who claims the customer of a dispute: the parties the verdict names, or (SR-EVENT names
/// none: every reception during an event waits for the manager) whoever registered, brought or
/// received the customer in the act that opened it.
fn claimants(dir: &kehu_core::model::Directory, opened: &Event) -> Vec<Party> {
    if let Some(d) = opened
        .verdict
        .dispute
        .as_ref()
        .filter(|d| !d.parties.is_empty())
    {
        return d.parties.clone();
    }
    let mut out: Vec<Party> = Vec::new();
    let mut add = |p: Party| {
        if p.is_owner() && !out.contains(&p) {
            out.push(p);
        }
    };
    match &opened.act {
        Act::Register(r) => add(dir.party_of(&r.by)),
        Act::Visit(x) => {
            if let Some(b) = &x.brought_by {
                add(dir.party_of(b));
            }
        }
        _ => {}
    }
    if let Some(r) = &opened.verdict.receiver {
        add(Party::Staff(r.clone()));
    }
    out
}

/// A manager settles a dispute: all to one party, or shares in percent among its claimants
/// (G-DISPUTE, G-SHARES; e.g. 50/50, or 70/30 under ST-ASSIST).
async fn resolve(
    State(st): State<AppState>,
    mut v: Viewer,
    Path((project, seq)): Path<(String, String)>,
    form: Form,
) -> Response {
    answer_form!(
        v,
        form,
        format!("/p/{}/manage", super::urlencode(&project)),
        async {
            managers_only(&v)?;
            let seq: i64 = seq.parse().map_err(|_| {
                ApiError::invalid("seq", "记录编号应为整数 (an entry number is an integer)")
            })?;
            let opened = event(&st, &project, seq).await?;
            let phone = opened
                .act
                .customer()
                .and_then(|c| c.phone.clone())
                .ok_or_else(|| {
                    ApiError::invalid("seq", "该记录没有客户 (the entry names no customer)")
                })?;
            // Every open dispute of this customer adds its claimants.
            let mut parties: Vec<String> = Vec::new();
            let dir = st.directory().await?;
            let open =
                crate::board::disputes_of(&st, &v.c, &project, &DisputeQuery::open()).await?;
            for d in &open.items {
                let e = event(&st, &project, d.seq).await?;
                if e.customers.first() == opened.customers.first() {
                    for p in claimants(&dir, &e) {
                        if !parties.contains(&p.to_string()) {
                            parties.push(p.to_string());
                        }
                    }
                }
            }
            let mut body = json!({ "act": "resolve", "customer": { "phone": phone } });
            if form.text("split").is_some() {
                let mut shares = serde_json::Map::new();
                let mut total = 0;
                for (i, p) in parties.iter().enumerate() {
                    let n = match form.text(&format!("share_{i}")) {
                        Some(t) => {
                            t.parse::<u32>().ok().filter(|n| *n <= 100).ok_or_else(|| {
                                ApiError::invalid(
                            "shares",
                            "分成应为 0 到 100 的整数 (a share is a whole number from 0 to 100)",
                        )
                            })?
                        }
                        None => 0,
                    };
                    if n > 0 {
                        shares.insert(p.clone(), json!(n));
                        total += n;
                    }
                }
                if total != 100 || shares.len() < 2 {
                    return Err(ApiError::invalid(
                    "shares",
                    "分成须在至少两方之间，合计 100% (shares go to at least two parties and add up to 100 %)",
                ));
                }
                body["shares"] = Value::Object(shares);
            } else {
                let owner = form.need("owner")?;
                if !parties.iter().any(|p| p == owner) {
                    return Err(ApiError::invalid(
                        "owner",
                        "只能判给争议的一方 (award it to a party of the dispute)",
                    ));
                }
                body["owner"] = json!(owner);
            }
            v.act(&st, &project, body, &form).await
        },
        |f| view(&st, &v, &project, Some(f)).await
    )
}

/// A manager's act on the project: extend a customer's protection, set the team on duty, or set
/// an event window (dates are through that day, G-TIME).
async fn manage_act(
    State(st): State<AppState>,
    mut v: Viewer,
    Path(project): Path<String>,
    form: Form,
) -> Response {
    answer_form!(
        v,
        form,
        format!("/p/{}/manage", super::urlencode(&project)),
        async {
            managers_only(&v)?;
            let until = form.need("until")?;
            let body = match form.need("act")? {
                "extend" => {
                    json!({ "act": "extend", "customer": { "phone": form.need("phone")? }, "until": until })
                }
                "duty" => json!({ "act": "duty", "team": form.need("team")?, "until": until }),
                "event" => json!({ "act": "event", "name": form.need("name")?, "until": until }),
                other => {
                    return Err(ApiError::invalid(
                        "act",
                        format!("unknown act {other:?}; accepted: extend, duty, event"),
                    ))
                }
            };
            v.act(&st, &project, body, &form).await
        },
        |f| view(&st, &v, &project, Some(f)).await
    )
}

/// The roster form: who is on this project's rotation (a box each) and in which order (a number
/// each; ties keep the list's order).
async fn roster(
    State(st): State<AppState>,
    mut v: Viewer,
    Path(project): Path<String>,
    form: Form,
) -> Response {
    answer_form!(
        v,
        form,
        format!("/p/{}/manage", super::urlencode(&project)),
        async {
            let dir = st.directory().await?;
            let mut on: Vec<(u32, usize, String)> = Vec::new();
            for (i, s) in dir
                .staff
                .iter()
                .filter(|s| s.role == kehu_core::model::Role::Sales && !s.left)
                .enumerate()
            {
                if form.text(&format!("on_{}", s.id.0)).is_some() {
                    let n = match form.text(&format!("order_{}", s.id.0)) {
                        Some(t) => t.parse::<u32>().map_err(|_| {
                            ApiError::invalid(
                                "order",
                                "顺序应为正整数 (the order is a whole number)",
                            )
                        })?,
                        None => u32::MAX,
                    };
                    on.push((n, i, s.id.0.clone()));
                }
            }
            on.sort();
            let logins: Vec<String> = on.into_iter().map(|(_, _, l)| l).collect();
            let r = crate::api::set_roster_of(&st, &v.c, &project, logins).await?;
            let names: Vec<String> = r["roster"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|l| l.as_str().map(|l| super::person(&dir, l)))
                        .collect()
                })
                .unwrap_or_default();
            Ok(Flash::ok(
                super::i18n::tr(v.lang, "manage.roster.saved").to_string(),
                vec![if names.is_empty() {
                    super::i18n::tr(v.lang, "manage.roster.everyone").to_string()
                } else {
                    names.join(" → ")
                }],
            ))
        },
        |f| view(&st, &v, &project, Some(f)).await
    )
}

async fn decide(
    State(st): State<AppState>,
    mut v: Viewer,
    Path((project, id)): Path<(String, String)>,
    form: Form,
) -> Response {
    answer_form!(
        v,
        form,
        format!("/p/{}/manage", super::urlencode(&project)),
        async {
            let r = match form.need("decision")? {
                "approve" => crate::archive::approve_of(&st, &v.c, &id).await?,
                "reject" => crate::archive::reject_of(&st, &v.c, &id).await?,
                other => {
                    return Err(ApiError::invalid(
                        "decision",
                        format!("unknown decision {other:?}; accepted: approve, reject"),
                    ))
                }
            };
            let state = r["state"].as_str().unwrap_or_default();
            Ok(Flash::ok(
                format!(
                    "#{id} {}",
                    super::i18n::tr(v.lang, &format!("approval.{state}"))
                ),
                Vec::new(),
            ))
        },
        |f| view(&st, &v, &project, Some(f)).await
    )
}

/// Redistributes a leaver's customers at random, evenly; the seed is shown so that anyone can
/// replay the draw (DIST-RANDOM).
async fn reassign(
    State(st): State<AppState>,
    mut v: Viewer,
    Path(project): Path<String>,
    form: Form,
) -> Response {
    answer_form!(
        v,
        form,
        format!("/p/{}/manage", super::urlencode(&project)),
        async {
            let from = form.need("from")?;
            let shown = v
                .act_shown(
                    &st,
                    &project,
                    json!({ "act": "reassign", "from": from }),
                    &form,
                )
                .await?;
            let dir = st.directory().await?;
            let mut f = v.explain(&st, &shown).await?;
            if let Some(seq) = shown["seq"].as_i64() {
                let e = event(&st, &project, seq).await?;
                if let Act::Reassign(act::Reassign { seed, .. }) = &e.act {
                    f.lines.insert(
                        0,
                        format!("{}：{seed}", super::i18n::tr(v.lang, "manage.seed")),
                    );
                }
                let mut counts: BTreeMap<String, usize> = BTreeMap::new();
                for x in &e.effects {
                    if let Effect::Reassigned { party, .. } = x {
                        *counts
                            .entry(explain::party(v.lang, &dir, party))
                            .or_default() += 1;
                    }
                }
                let split: Vec<String> = counts.iter().map(|(p, n)| format!("{p} {n}")).collect();
                f.lines.insert(
                    1.min(f.lines.len()),
                    format!(
                        "{}：{}",
                        super::i18n::tr(v.lang, "manage.split.result"),
                        if split.is_empty() {
                            "—".into()
                        } else {
                            split.join("，")
                        }
                    ),
                );
            }
            Ok(f)
        },
        |f| view(&st, &v, &project, Some(f)).await
    )
}

async fn staff(
    State(st): State<AppState>,
    v: Viewer,
    Path(project): Path<String>,
    axum::extract::Query(q): axum::extract::Query<super::Done>,
) -> Response {
    let flash = v.done_flash(&st, q.done.as_deref()).await;
    staff_view(&st, &v, &project, flash).await
}

async fn staff_view(st: &AppState, v: &Viewer, project: &str, flash: Option<Flash>) -> Response {
    if let Err(e) = managers_only(v) {
        return v.error(&e);
    }
    if let Err(r) = context(st, v, project).await {
        return r;
    }
    let page = Page::new(Some(1), Some(200));
    let loaded = async {
        let users = crate::api::users_of(st, &v.c, &page).await?;
        let list = crate::api::projects_of(st, &page).await?;
        let mut projects = Vec::new();
        for p in &list.items {
            let mut full = crate::api::project_of(st, &p.name).await?;
            for x in full["parameters"].as_array_mut().into_iter().flatten() {
                x["value"] = json!(match &x["value"] {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                });
            }
            projects.push(full);
        }
        Ok::<_, ApiError>((users, projects))
    }
    .await;
    let (users, projects) = match loaded {
        Ok(x) => x,
        Err(e) => return v.error(&e),
    };
    // Each row says whether this viewer may mark that person as left, or restore them (SEC-LEAVE:
    // their own manager and above).
    let me = v.c.user.person();
    let users: Vec<Value> = users
        .items
        .iter()
        .map(|u| {
            let role = kehu_core::model::Role::parse(&u.role);
            let manages = role.is_some_and(|role| {
                access::may_mark_left(
                    &me,
                    &access::Person {
                        login: &u.login,
                        role,
                        team: u.team.as_deref(),
                        agency: u.agency.as_deref(),
                    },
                )
            });
            let mut row = json!(u);
            row["manageable"] = json!(manages);
            row
        })
        .collect();
    v.page(
        "staff.html",
        Some(project),
        "nav.staff",
        flash,
        json!({
            "users": users, "projects": projects,
            "can_add": access::may_manage_users(v.role()),
            "can_add_project": access::may_manage_projects(v.role()),
            "presets": kehu_core::policy::Preset::ALL.iter().map(|p| p.name()).collect::<Vec<_>>(),
            "roles": kehu_core::model::Role::NAMES.split(", ").collect::<Vec<_>>(),
        }),
    )
}

/// SEC-LEAVE: the person's access ends at once; their customers wait for reassignment.
async fn leave(
    State(st): State<AppState>,
    mut v: Viewer,
    Path((project, login)): Path<(String, String)>,
    form: Form,
) -> Response {
    answer_form!(
        v,
        form,
        format!("/p/{}/staff", super::urlencode(&project)),
        async {
            let r = crate::api::leave_of(&st, &v.c, &login).await?;
            let dir = st.directory().await?;
            Ok(Flash::ok(
                format!(
                    "{} {}",
                    super::person(&dir, &login),
                    super::i18n::tr(v.lang, "staff.left")
                ),
                vec![format!(
                    "{} {}",
                    r["sessions_ended"],
                    super::i18n::tr(v.lang, "staff.left.sessions")
                )],
            ))
        },
        |f| staff_view(&st, &v, &project, Some(f)).await
    )
}

/// The flash that shows a one-time password link, this once.
fn link_flash(lang: super::Lang, title: String, link: &Value) -> Flash {
    Flash::ok(
        title,
        vec![
            format!(
                "{}{}{}",
                super::i18n::tr(lang, "staff.link.made"),
                super::i18n::tr(lang, "p.colon"),
                link["url"].as_str().unwrap_or_default()
            ),
            format!(
                "{}{}{}",
                super::i18n::tr(lang, "staff.link.expires"),
                super::i18n::tr(lang, "p.colon"),
                link["expires_at"].as_str().unwrap_or_default()
            ),
        ],
    )
}

/// An admin adds a person: the account, then the one-time link with which they set their password
/// (nobody else ever knows it).
async fn staff_add(
    State(st): State<AppState>,
    mut v: Viewer,
    Path(project): Path<String>,
    form: Form,
) -> Response {
    answer_form!(
        v,
        form,
        format!("/p/{}/staff", super::urlencode(&project)),
        async {
            let (random, _) = crate::auth::new_token();
            let account = crate::accounts::NewAccount {
                login: form.need("login")?.to_string(),
                name: form.need("name")?.to_string(),
                role: form.need("role")?.to_string(),
                password: random,
                team: form.text("team").map(str::to_string),
                agency: form.text("agency").map(str::to_string),
                region: None,
            };
            if !access::may_manage_users(v.role()) {
                return Err(ApiError::Forbidden(
                    "只有管理员可以添加人员 (only an admin adds people)".into(),
                ));
            }
            let (login, _) = crate::accounts::add(&st.store, account, &v.c.user.login).await?;
            st.forget_directory();
            let link = crate::api::password_link_of(&st, &v.c, &login).await?;
            let dir = st.directory().await?;
            Ok(link_flash(
                v.lang,
                format!(
                    "{} {}",
                    super::person(&dir, &login),
                    super::i18n::tr(v.lang, "staff.added")
                ),
                &link,
            ))
        },
        |f| staff_view(&st, &v, &project, Some(f)).await
    )
}

/// The VP or the admin adds a project: its name in addresses, its display name and its rulebook.
async fn project_add(
    State(st): State<AppState>,
    mut v: Viewer,
    Path(project): Path<String>,
    form: Form,
) -> Response {
    answer_form!(
        v,
        form,
        format!("/p/{}/staff", super::urlencode(&project)),
        async {
            let b = crate::api::NewProject {
                name: form.need("name")?.to_string(),
                title: form.text("title").map(str::to_string),
                rulebook: form.need("rulebook")?.to_string(),
                overrides: Default::default(),
            };
            let r = crate::api::add_project_of(&st, &v.c, b).await?;
            let shown = r["title"]
                .as_str()
                .filter(|t| !t.is_empty())
                .or(r["name"].as_str())
                .unwrap_or_default()
                .to_string();
            let preset = format!("preset.{}", r["rulebook"].as_str().unwrap_or_default());
            Ok(Flash::ok(
                format!("{shown} {}", super::i18n::tr(v.lang, "staff.project.added")),
                vec![super::i18n::tr(v.lang, &preset).to_string()],
            ))
        },
        |f| staff_view(&st, &v, &project, Some(f)).await
    )
}

/// The VP or the admin sets a project's work calendar (节假日、调休; SF-3DAYS counts it).
async fn project_calendar(
    State(st): State<AppState>,
    mut v: Viewer,
    Path(project): Path<String>,
    form: Form,
) -> Response {
    answer_form!(
        v,
        form,
        format!("/p/{}/staff", super::urlencode(&project)),
        async {
            let of = form.need("of")?.to_string();
            let days = |k: &str| -> Result<Vec<jiff::civil::Date>, ApiError> {
                form.get(k)
                    .unwrap_or_default()
                    .split(|c: char| c.is_whitespace() || ",，、;；".contains(c))
                    .filter(|x| !x.is_empty())
                    .map(|d| {
                        kehu_core::time::parse_date(d).map_err(|_| {
                            ApiError::invalid(
                                k,
                                format!("「{d}」不是日期，请写成 2027-10-01 ({d:?} is not a date: write 2027-10-01)"),
                            )
                        })
                    })
                    .collect()
            };
            let b = crate::api::CalendarBody {
                holidays: days("holidays")?,
                workdays: days("workdays")?,
            };
            crate::api::set_calendar_of(&st, &v.c, &of, b).await?;
            Ok(Flash::ok(
                format!("{of} {}", super::i18n::tr(v.lang, "staff.calendar.saved")),
                vec![],
            ))
        },
        |f| staff_view(&st, &v, &project, Some(f)).await
    )
}

/// An admin makes a one-time password link for a person (a forgotten password).
async fn staff_link(
    State(st): State<AppState>,
    mut v: Viewer,
    Path((project, login)): Path<(String, String)>,
    form: Form,
) -> Response {
    answer_form!(
        v,
        form,
        format!("/p/{}/staff", super::urlencode(&project)),
        async {
            let link = crate::api::password_link_of(&st, &v.c, &login).await?;
            let dir = st.directory().await?;
            Ok(link_flash(v.lang, super::person(&dir, &login), &link))
        },
        |f| staff_view(&st, &v, &project, Some(f)).await
    )
}

/// SEC-LEAVE's correction: an account wrongly marked as left comes back, audited.
async fn restore(
    State(st): State<AppState>,
    mut v: Viewer,
    Path((project, login)): Path<(String, String)>,
    form: Form,
) -> Response {
    answer_form!(
        v,
        form,
        format!("/p/{}/staff", super::urlencode(&project)),
        async {
            crate::api::restore_of(&st, &v.c, &login).await?;
            let dir = st.directory().await?;
            Ok(Flash::ok(
                format!(
                    "{} {}",
                    super::person(&dir, &login),
                    super::i18n::tr(v.lang, "staff.restored")
                ),
                vec![],
            ))
        },
        |f| staff_view(&st, &v, &project, Some(f)).await
    )
}

#[derive(serde::Deserialize)]
pub(super) struct AuditQuery {
    page: Option<i64>,
    verify: Option<String>,
}

/// The audit log, newest first, 50 a page; the chain is verified on request.
pub(super) async fn audit(
    State(st): State<AppState>,
    v: Viewer,
    Query(q): Query<AuditQuery>,
) -> Response {
    if !access::may_read_audit(v.role()) {
        return v.error(&ApiError::Forbidden(
            "没有查看审计日志的权限 (no access to the audit log)".into(),
        ));
    }
    let page = q.page.unwrap_or(1).clamp(1, 1_000_000);
    let per = 50;
    let rows = match st.store.audit_page((page - 1) * per, per + 1).await {
        Ok(r) => r,
        Err(e) => return v.error(&e.into()),
    };
    let more = rows.len() as i64 > per;
    let dir = match st.directory().await {
        Ok(d) => d,
        Err(e) => return v.error(&e),
    };
    let items: Vec<Value> = rows
        .iter()
        .take(per as usize)
        .map(|r| {
            // An act's entry reads as the act (报备, 成交…); other actions by their own words.
            let action = match r.action.strip_prefix("act.") {
                Some(a) => super::i18n::tr(v.lang, &format!("act.{a}")).to_string(),
                None => super::i18n::tr_or(v.lang, &format!("audit.action.{}", r.action), &r.action),
            };
            json!({
                "seq": r.seq,
                "at": jiff::Timestamp::from_millisecond(r.at_ms).ok().map(kehu_core::time::format_local),
                "actor": super::person(&dir, &r.actor), "action": action, "code": r.action,
                "subject": r.subject, "detail": v.lang.pick(&r.detail),
            })
        })
        .collect();
    let (chain_ok, chain) = if q.verify.is_some() {
        match st.store.audit_verify().await {
            Ok(Ok(n)) => (
                true,
                format!("{}（{n}）", super::i18n::tr(v.lang, "audit.ok")),
            ),
            Ok(Err(b)) => (
                false,
                format!(
                    "{} #{}：{}",
                    super::i18n::tr(v.lang, "audit.broken"),
                    b.seq,
                    b.detail
                ),
            ),
            Err(e) => return v.error(&e.into()),
        }
    } else {
        (
            true,
            super::i18n::tr(v.lang, "audit.unverified").to_string(),
        )
    };
    v.page(
        "audit.html",
        None,
        "nav.audit",
        None,
        json!({
            "rows": items, "chain_ok": chain_ok, "chain": chain,
            "prev": (page > 1).then_some(page - 1), "next": more.then_some(page + 1),
        }),
    )
}
