//! The salesperson's pages (销售/置业顾问): my customers with protection countdowns and the
//! follow-ups due, registration (报备) with an instant verdict explained, a customer's timeline,
//! and logging a contact, deposit or deal.

use super::{context, explain, Flash, Form, Viewer};
use crate::api::Page;
use crate::error::ApiError;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use kehu_core::access;
use kehu_core::model::Role;
use serde_json::{json, Value};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/p/{project}/sales", get(show))
        .route("/p/{project}/register", post(register))
        .route("/p/{project}/customer", get(customer))
        .route("/p/{project}/customer/log", post(log))
        .route("/p/{project}/approvals/request", post(request_approval))
}

/// A protection ending within this many hours asks for a follow-up (跟进).
const DUE_HOURS: i64 = 72;

const CHANNELS: [&str; 7] = ["site", "phone", "online", "wechat", "qq", "sms", "email"];
const CONTACT_KINDS: [&str; 5] = ["call", "visit", "message", "invite", "home_visit"];
const DEPOSIT_KINDS: [&str; 3] = ["small", "large", "deposit"];
/// HD-DEPOSIT: a store takes a measurement or a promotion deposit.
const STORE_DEPOSIT_KINDS: [&str; 3] = ["measure", "promotion", "deposit"];

/// FUP-DUE: the customers `login` holds in `project` that are due or overdue for a follow-up,
/// most overdue first, as rows for the page (masked phones).
pub(crate) async fn followups_of(
    st: &AppState,
    rulebook: &kehu_core::policy::Rulebook,
    dir: &kehu_core::model::Directory,
    project: &str,
    login: &str,
) -> Result<Vec<Value>, ApiError> {
    let (views, _) = st.store.held(project, login, 0, 2000).await?;
    let state = st.store.project_state(project).await?;
    let ctx = kehu_core::engine::Context {
        directory: Some(dir),
        rulebook: Some(rulebook),
        project: state,
        ..Default::default()
    };
    let now = jiff::Timestamp::now();
    let mut due: Vec<(kehu_core::time::Instant, Value)> = Vec::new();
    for view in &views {
        let Some(f) = kehu_core::engine::followup::follow_up(&ctx, view, now) else {
            continue;
        };
        let (next, promises) = kehu_core::engine::followup::next_and_promises(view);
        let booked = next.filter(|t| *t >= now && *t < kehu_core::time::add_days(now, 7));
        if f.owner.0 != login || !(f.due(now) || booked.is_some() || !promises.is_empty()) {
            continue;
        }
        let c = kehu_core::engine::due::record_customer(view);
        let phone = c
            .parsed_phone()
            .and_then(Result::ok)
            .map(|p| p.masked_display())
            .unwrap_or_default();
        due.push((
            f.overdue_at,
            json!({
                "customer": format!("{} {phone}", c.name.clone().unwrap_or_default()).trim().to_string(),
                "phone": c.phone,
                "grade": f.grade, "days": f.interval_days,
                "last": kehu_core::time::format_local(f.last),
                "overdue_at": kehu_core::time::format_local(f.overdue_at),
                "overdue": f.overdue(now),
                "due": f.due(now),
                "next": booked.map(kehu_core::time::format_local),
                "promises": promises.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>(),
            }),
        ));
    }
    due.sort_by_key(|(t, _)| *t);
    Ok(due.into_iter().map(|(_, v)| v).collect())
}

/// The channels a registration may come by under a rulebook (PF-PROJECT: e-mail or online only).
fn channels(preset: kehu_core::policy::Preset) -> &'static [&'static str] {
    match preset {
        kehu_core::policy::Preset::ProjectFiling => &["online", "email"],
        _ => &CHANNELS,
    }
}
/// The profile's fields on the registration form (客户档案).
const PROFILE_FIELDS: [&str; 5] = ["source", "layout", "area", "budget", "purpose"];
/// The usual answers offered for how a customer heard of the project (认知途径) and why they buy
/// (置业目的); anything else may be typed.
const SOURCES: [&str; 10] = [
    "路过",
    "朋友介绍",
    "老带新",
    "网络",
    "户外广告",
    "报纸",
    "短信",
    "电话",
    "分销",
    "活动",
];
const PURPOSES: [&str; 6] = ["自住", "改善", "投资", "养老", "子女教育", "婚房"];

#[derive(serde::Deserialize, Default)]
struct ShowQuery {
    done: Option<String>,
    /// A name to look up (客户姓名查询).
    name: Option<String>,
}

async fn show(
    State(st): State<AppState>,
    v: Viewer,
    Path(project): Path<String>,
    Query(q): Query<ShowQuery>,
) -> Response {
    let flash = v.done_flash(&st, q.done.as_deref()).await;
    let found = match q.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        Some(name) => match crate::archive::by_name_of(&st, &v.c, &project, name).await {
            Ok(items) => Some((name.to_string(), items)),
            Err(e) => return view(&st, &v, &project, Some(Flash::error(v.lang, &e)), None).await,
        },
        None => None,
    };
    view(&st, &v, &project, flash, found).await
}

async fn view(
    st: &AppState,
    v: &Viewer,
    project: &str,
    flash: Option<Flash>,
    found: Option<(String, Vec<crate::archive::NameMatch>)>,
) -> Response {
    if v.role() == Role::Agent {
        return v.error(&ApiError::Forbidden(
            "分销经纪人请使用分销页面 (agents use the agent page)".into(),
        ));
    }
    let (rulebook, dir) = match context(st, v, project).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    // FUP-DUE: my customers due or overdue for a follow-up, most overdue first.
    let followups = match followups_of(st, &rulebook, &dir, project, &v.c.user.login).await {
        Ok(f) => f,
        Err(e) => return v.error(&e),
    };
    let mine =
        match crate::archive::mine_of(st, &v.c, project, &Page::new(Some(1), Some(200))).await {
            Ok(m) => m,
            Err(e) => return v.error(&e),
        };
    let now = crate::now_ms();
    let mut customers: Vec<(i64, Value)> = mine
        .items
        .iter()
        .map(|c| {
            let until = c.protected_until.as_deref().unwrap_or("none");
            let until_ms = kehu_core::time::parse_local(until)
                .ok()
                .map(|t| t.as_millisecond());
            let (shown_until, left, due) = match until_ms.filter(|_| !c.sold) {
                _ if c.sold => (
                    super::i18n::tr(v.lang, "status.sold").to_string(),
                    "—".to_string(),
                    false,
                ),
                Some(ms) => (
                    until.to_string(),
                    explain::left(v.lang, ms, now),
                    ms - now < DUE_HOURS * 3_600_000,
                ),
                None => (
                    super::i18n::tr(v.lang, "until.none").to_string(),
                    "—".to_string(),
                    false,
                ),
            };
            let row = json!({
                "name": c.name, "phone": c.phone, "until": shown_until, "left": left,
                "due": due, "last_act": c.last_act, "last_at": c.last_at,
            });
            (until_ms.unwrap_or(i64::MAX), row)
        })
        .collect();
    // The most urgent first.
    customers.sort_by_key(|(ms, _)| *ms);
    // The caller's requests to read customers outside their scope, newest first: where each
    // stands, so the requester learns the decision (SEC-APPROVE).
    let requests: Vec<Value> =
        match crate::archive::approvals_of(st, &v.c, &Page::new(Some(1), Some(20))).await {
            Ok(a) => a
                .items
                .iter()
                .filter(|a| a.requester == v.c.user.login && a.project == project)
                .map(|a| json!({ "id": a.id, "phone": a.phone, "state": a.state }))
                .collect(),
            Err(e) => return v.error(&e),
        };
    v.page(
        "sales.html",
        Some(project),
        "nav.sales",
        flash,
        json!({
            "can_register": access::may_act(v.role(), "register"),
            "phone_hint": super::phone_hint(v.lang, &rulebook),
            "required": rulebook.preset.required_on_form(false),
            "sources": SOURCES, "purposes": PURPOSES,
            "requests": requests,
            "found": found.as_ref().map(|(name, items)| json!({ "name": name, "items": items })),
            "channels": channels(rulebook.preset),
            "followups": followups,
            "customers": customers.into_iter().map(|(_, r)| r).collect::<Vec<_>>(),
            "total": mine.total,
        }),
    )
}

/// 报备: the verdict at once, explained.
async fn register(
    State(st): State<AppState>,
    mut v: Viewer,
    Path(project): Path<String>,
    form: Form,
) -> Response {
    answer_form!(
        v,
        form,
        format!("/p/{}/sales", super::urlencode(&project)),
        async {
            let name = form.need("name")?;
            let phone = form.need("phone")?;
            let channel = form.text("channel").unwrap_or("site");
            let mut customer = json!({ "name": name, "phone": phone });
            // The address (ST-FIELDS: store-registration requires it; other rulebooks record it).
            if let Some(a) = form
                .text("address")
                .map(str::trim)
                .filter(|a| !a.is_empty())
            {
                customer["address"] = json!(a);
            }
            // Needs and intent (SF-FIELDS: sales-filing requires them).
            if let Some(n) = form.text("needs") {
                customer["needs"] = json!(n);
            }
            if let Some(g) = form.text("gender") {
                customer["gender"] = json!(g);
            }
            // The profile the office records (客户档案), whatever of it was filled in.
            let mut profile = serde_json::Map::new();
            for k in PROFILE_FIELDS {
                if let Some(x) = form.text(k) {
                    profile.insert(k.to_string(), json!(x));
                }
            }
            if !profile.is_empty() {
                customer["profile"] = Value::Object(profile);
            }
            let body = json!({
                "act": "register",
                "customer": customer,
                "channel": channel,
            });
            v.act(&st, &project, body, &form).await
        },
        |f| view(&st, &v, &project, Some(f), None).await
    )
}

#[derive(serde::Deserialize)]
struct PhoneQuery {
    phone: Option<String>,
    done: Option<String>,
}

async fn customer(
    State(st): State<AppState>,
    v: Viewer,
    Path(project): Path<String>,
    Query(q): Query<PhoneQuery>,
) -> Response {
    let phone = q.phone.unwrap_or_default();
    let flash = v.done_flash(&st, q.done.as_deref()).await;
    customer_view(&st, &v, &project, phone.trim(), flash).await
}

async fn customer_view(
    st: &AppState,
    v: &Viewer,
    project: &str,
    phone: &str,
    flash: Option<Flash>,
) -> Response {
    if v.role() == Role::Agent {
        return v.error(&ApiError::Forbidden(
            "分销经纪人不能查阅公司档案 (agents never read the archive)".into(),
        ));
    }
    let (rulebook, dir) = match context(st, v, project).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let q = crate::archive::TimelineQuery {
        phone: phone.to_string(),
        unmasked: false,
    };
    let lang = v.lang;
    let now = crate::now_ms();
    let timeline = crate::archive::timeline_of(st, &v.c, project, &q).await;
    let (standing, records, denied, flash) = match &timeline {
        Ok(t) => {
            let shown = t
                .standing
                .as_ref()
                .map(|v| json!({ "outcome": v.outcome.name(), "verdict": v }));
            let standing = explain::verdict(
                lang,
                &dir,
                &shown.unwrap_or(json!({ "outcome": null, "verdict": null })),
                now,
            );
            let mut lines = vec![standing.title];
            lines.extend(standing.lines);
            let records: Vec<Value> = t
                    .records
                    .iter()
                    .map(|r| {
                        let events: Vec<Value> = r
                            .events
                            .iter()
                            .map(|e| {
                                let owner = e
                                    .owner
                                    .as_ref()
                                    .map(|p| explain::party(lang, &dir, p))
                                    .unwrap_or_default();
                                let mut detail: Vec<String> = Vec::new();
                                if let Some(k) = &e.kind {
                                    let group = match e.act {
                                        "register" => "channel",
                                        "contact" => "contact",
                                        _ => "deposit",
                                    };
                                    detail.push(super::i18n::tr(lang, &format!("{group}.{k}")).to_string());
                                }
                                if let Some(a) = e.amount {
                                    detail.push(super::yuan(lang, a));
                                }
                                if let Some(r) = &e.receiver {
                                    detail.push(format!("{}：{}", super::i18n::tr(lang, "explain.receiver"), super::person(&dir, r)));
                                }
                                if let Some(c) = &e.credited {
                                    detail.push(format!("{}：{}", super::i18n::tr(lang, "explain.credited"), explain::party(lang, &dir, c)));
                                }
                                json!({
                                    "seq": e.seq, "at": e.at, "act": e.act,
                                    "by": e.by.as_deref().map(|b| super::person(&dir, b)).unwrap_or_default(),
                                    "detail": lang.punct(&detail.join("，")),
                                    "name": e.name, "phone": e.phone,
                                    "outcome": e.outcome, "rule": e.rule,
                                    "rule_title": explain::rule_title(lang, &e.rule),
                                    "owner": owner,
                                })
                            })
                            .collect();
                        let ids: Vec<String> =
                            r.customer_ids.iter().map(|i| format!("#{i}")).collect();
                        json!({ "ids": ids.join(" "), "events": events })
                    })
                    .collect();
            (lines, records, false, flash)
        }
        Err(e @ ApiError::Forbidden(_)) => (
            Vec::new(),
            Vec::new(),
            true,
            flash.or_else(|| Some(Flash::error(lang, e))),
        ),
        Err(e) => return v.error(e),
    };
    let forms: Vec<&str> = if denied {
        Vec::new()
    } else {
        [
            "contact",
            "deposit",
            "deal",
            "consent",
            "claim",
            "confirm",
            "grade",
            "kept",
            "stage",
            "payment_due",
            "paid",
            "change",
            "order",
            "credit",
            "terms",
            "credit_note",
            "return_visit",
        ]
        .into_iter()
        .filter(|a| access::may_act(v.role(), a) && rulebook.preset.uses(a))
        .collect()
    };
    // The caller's own requests to read this customer, with where each stands (SEC-APPROVE):
    // the requester learns the decision here and on "my customers".
    let shown_phone_for_requests = kehu_core::phone::Phone::parse(phone)
        .map(|p| p.masked_display())
        .unwrap_or_default();
    let requests: Vec<Value> =
        match crate::archive::approvals_of(st, &v.c, &Page::new(Some(1), Some(200))).await {
            Ok(a) => a
                .items
                .iter()
                .filter(|a| {
                    a.requester == v.c.user.login
                        && a.project == project
                        && a.phone == shown_phone_for_requests
                })
                .map(|a| json!({ "id": a.id, "state": a.state, "reason": a.reason }))
                .collect(),
            Err(e) => return v.error(&e),
        };
    let waiting = requests
        .iter()
        .any(|r| matches!(r["state"].as_str(), Some("pending" | "manager_approved")));
    let me = v.c.user.login.as_str();
    let sellers: Vec<Value> = dir
        .staff
        .iter()
        .filter(|s| s.role == Role::Sales && !s.left)
        .map(|s| json!({ "login": s.id.0, "name": s.name, "me": s.id.0 == me }))
        .collect();
    let agents: Vec<Value> = dir
        .staff
        .iter()
        .filter(|s| s.role == Role::Agent && !s.left)
        .map(|s| json!({ "login": s.id.0, "name": v.lang.punct(&format!("{}（{}）", s.name, s.agency.clone().unwrap_or_default())) }))
        .collect();
    // The profile as the entries recorded it, a later answer replacing an earlier one.
    let mut profile: Vec<(&str, String)> = Vec::new();
    if let Ok(t) = &timeline {
        let mut latest: std::collections::BTreeMap<&str, String> = Default::default();
        for e in t.records.iter().flat_map(|r| r.events.iter()) {
            if let Some(g) = e.gender {
                let key = match g {
                    kehu_core::name::Gender::Male => "gender.male",
                    kehu_core::name::Gender::Female => "gender.female",
                };
                latest.insert("profile.gender", super::i18n::tr(lang, key).to_string());
            }
            if let Some(p) = &e.profile {
                for (k, x) in [
                    ("profile.source", &p.source),
                    ("profile.layout", &p.layout),
                    ("profile.area", &p.area),
                    ("profile.budget", &p.budget),
                    ("profile.purpose", &p.purpose),
                ] {
                    if let Some(x) = x {
                        latest.insert(k, x.clone());
                    }
                }
            }
        }
        profile = latest.into_iter().collect();
    }
    let profile: Vec<Value> = profile
        .into_iter()
        .map(|(k, x)| json!({ "label": super::i18n::tr(lang, k), "value": x }))
        .collect();
    // The customer's name as the latest entry gives it, for the title.
    let customer_name = records
        .iter()
        .flat_map(|r| r["events"].as_array().cloned().unwrap_or_default())
        .filter_map(|e| e["name"].as_str().map(str::to_string))
        .rfind(|n| !n.is_empty())
        .unwrap_or_default();
    let shown_phone = kehu_core::phone::Phone::parse(phone)
        .map(|p| p.masked_display())
        .unwrap_or_default();
    // FUP-NEXT: the promises made to this customer and not yet kept; CHG-OVERDUE: whether a
    // payment of it was dunned and is still unpaid.
    let views = match kehu_core::phone::Phone::parse(phone) {
        Ok(p) if !denied && p.is_full() => st.store.history(project, &p).await.unwrap_or_default(),
        _ => Vec::new(),
    };
    let promises: Vec<Value> = views
        .iter()
        .flat_map(|w| kehu_core::engine::followup::next_and_promises(w).1)
        .map(|(text, at)| json!({ "text": text, "at": kehu_core::time::format_local(at) }))
        .collect();
    // §6, §8: the units the customer holds and those free for a deposit (INV-UNSOLD), the
    // matters waiting for a decision, the customer's credit, the return visits after delivery.
    let state = if denied {
        Default::default()
    } else {
        st.store.project_state(project).await.unwrap_or_default()
    };
    let now = jiff::Timestamp::now();
    let free_units: Vec<&String> = state
        .units
        .iter()
        .filter(|(_, u)| u.free_for(&[]))
        .map(|(k, _)| k)
        .take(2000)
        .collect();
    // A deposit may go on a free unit or on one this customer holds already (小定 → 大定).
    let ids: Vec<kehu_core::model::CustomerId> =
        views.iter().flat_map(|w| w.ids.iter().copied()).collect();
    let deposit_units: Vec<&String> = state
        .units
        .iter()
        .filter(|(_, u)| u.free_for(&ids))
        .map(|(k, _)| k)
        .take(2000)
        .collect();
    let held_units: Vec<Value> = views
        .iter()
        .flat_map(|w| kehu_core::engine::sales_control::held_units(&state.units, w))
        .map(|(k, u)| json!({ "key": k, "status": u.status().0, "class": u.status().1 }))
        .collect();
    let matters: Vec<Value> = views
        .iter()
        .flat_map(|w| {
            kehu_core::engine::matters::all(w)
                .into_iter()
                .filter(|m| m.decided.is_none())
                .map(|m| json!({ "matter": m.matter.name(), "at": kehu_core::time::format_local(m.event.at), "reason": lang.pick(&m.event.verdict.reason) }))
                .collect::<Vec<_>>()
        })
        .collect();
    let credit = views.iter().find_map(|w| {
        let c = kehu_core::engine::credit::credit(w, &rulebook.params)?;
        Some(json!({
            "grade": c.grade, "limit": super::yuan(lang, c.limit),
            "balance": super::yuan(lang, kehu_core::engine::credit::balance(w)),
            "days": c.terms.days, "discount": c.terms.discount,
            "review": kehu_core::time::format_local(c.review_due(&rulebook.params)),
        }))
    });
    let returns = views.iter().find_map(|w| {
        let r = kehu_core::engine::aftercare::returns(w, now)?;
        Some(json!({
            "delivered": kehu_core::time::format_local(r.delivered),
            "visited": r.current(now).is_some_and(|p| p.visited),
            "overdue": r.overdue(now).len(),
        }))
    });
    let dunned = views.iter().any(|w| {
        kehu_core::engine::payments::payments(w)
            .iter()
            .any(|p| p.dunned && p.outstanding() > 0)
    });
    v.page(
        "customer.html",
        Some(project),
        "nav.sales",
        flash,
        json!({
            "phone": phone, "shown_phone": shown_phone, "standing": standing,
            "customer_name": customer_name,
            "profile": profile,
            "requests": requests, "waiting": waiting,
            "records": records, "forms": forms, "denied": denied,
            "promises": promises,
            "dunned": dunned,
            "contact_kinds": CONTACT_KINDS, "sellers": sellers,
            "grades": rulebook.params.grade_days.iter().map(|(g, d)| json!({ "grade": g, "days": d })).collect::<Vec<_>>(),
            "stages": rulebook.params.stages.iter().chain([kehu_core::act::Stage::Lost, kehu_core::act::Stage::Delivered].iter()).map(|s| s.name()).collect::<Vec<_>>(),
            "deposit_kinds": if rulebook.preset == kehu_core::policy::Preset::HomeDecoration {
                STORE_DEPOSIT_KINDS
            } else {
                DEPOSIT_KINDS
            },
            "agents": agents,
            "free_units": free_units, "deposit_units": deposit_units,
            "held_units": held_units, "matters": matters,
            "credit": credit, "returns": returns,
            "credit_grades": rulebook.params.credit_terms.keys().collect::<Vec<_>>(),
            "return_kinds": ["delivery", "feedback", "survey", "stale", "tracking"],
        }),
    )
}

/// Logs a contact (跟进), a deposit (定金) or a deal (成交) for the customer on the page.
async fn log(
    State(st): State<AppState>,
    mut v: Viewer,
    Path(project): Path<String>,
    form: Form,
) -> Response {
    let phone = form.text("phone").unwrap_or_default().to_string();
    answer_form!(
        v,
        form,
        format!(
            "/p/{}/customer?phone={}",
            super::urlencode(&project),
            super::urlencode(form.text("phone").unwrap_or_default())
        ),
        async {
            let act = form.need("act")?;
            let customer = json!({ "phone": phone });
            let amount = || -> Result<i64, ApiError> {
                form.need("amount")?
                    .parse::<i64>()
                    .ok()
                    .filter(|a| (1..=1_000_000_000_000).contains(a))
                    .ok_or_else(|| {
                        ApiError::invalid(
                            "amount",
                            "金额应为正整数（元）(the amount is a positive whole number of yuan)",
                        )
                    })
            };
            // A whole number of a field (yuan, days, percent); the engine checks its range.
            let whole = |field: &'static str, text: &str| -> Result<i64, ApiError> {
                text.trim()
                    .parse::<i64>()
                    .ok()
                    .filter(|n| *n >= 0)
                    .ok_or_else(|| {
                        ApiError::invalid(field, "应为非负整数 (a whole number, 0 or more)")
                    })
            };
            let body = match act {
            "contact" => {
                let mut b = json!({ "act": "contact", "customer": customer, "kind": form.text("kind").unwrap_or("call") });
                // FUP-NEXT: the next visit booked, and a promise made.
                if let Some(t) = form.text("next_at") {
                    b["next_at"] = json!(t.replacen('T', " ", 1));
                }
                if let Some(p) = form.text("promise") {
                    b["promise"] = json!(p);
                }
                b
            }
            "kept" => json!({ "act": "kept", "customer": customer, "promise": form.need("promise")? }),
            // PIPE-STAGES: a stage of the project's pipeline, 跑单 with its reason.
            "stage" => {
                let mut b = json!({ "act": "stage", "customer": customer, "stage": form.need("stage")? });
                if let Some(r) = form.text("reason") {
                    b["reason"] = json!(r);
                }
                if form.text("amount").is_some() {
                    b["amount"] = json!(amount()?);
                }
                b
            }
            // CHG-OVERDUE: a payment of the deal falls due; a payment received.
            "payment_due" => json!({ "act": act, "customer": customer, "due": form.need("due")?, "amount": amount()? }),
            // CHG-OVERDUE; without a date, a payment of the orders on credit (CRD-OVER).
            "paid" => {
                let mut b = json!({ "act": act, "customer": customer, "amount": amount()? });
                if let Some(d) = form.text("due") {
                    b["due"] = json!(d);
                }
                b
            }
            // CHG-CHANGES: 换房, 换名, 退房.
            "change" => {
                let mut b = json!({ "act": "change", "customer": customer, "kind": form.need("kind")? });
                for k in ["to", "name", "reason", "retention"] {
                    if let Some(x) = form.text(k) {
                        b[k] = json!(x);
                    }
                }
                if let Some(f) = form.text("fee") {
                    b["fee"] = json!(whole("fee", f)?);
                }
                b
            }
            // CRD-OVER, CRD-LEVEL, CRD-TERMS.
            "order" => json!({ "act": "order", "customer": customer, "amount": amount()? }),
            "credit" => json!({ "act": "credit", "customer": customer, "grade": form.need("grade")?, "limit": whole("limit", form.need("limit")?)? }),
            "terms" => {
                let mut b = json!({ "act": "terms", "customer": customer, "days": whole("days", form.need("days")?)? });
                if let Some(d) = form.text("discount") {
                    b["discount"] = json!(whole("discount", d)?);
                }
                if let Some(l) = form.text("limit") {
                    b["limit"] = json!(whole("limit", l)?);
                }
                b
            }
            "credit_note" => json!({ "act": "credit_note", "customer": customer, "note": form.need("note")? }),
            // FUP-RETURN, FUP-NEXT, FUP-STALE, FUP-GRADE: a return visit or follow-up record.
            "return_visit" => {
                let mut b = json!({ "act": "return_visit", "customer": customer, "kind": form.text("kind").unwrap_or("delivery"), "gift": form.text("gift").is_some() });
                for k in ["purpose", "form", "content", "summary", "cause", "home_visit", "needs"] {
                    if let Some(x) = form.text(k) {
                        b[k] = json!(x);
                    }
                }
                b
            }
            "deposit" => {
                let mut b = json!({ "act": "deposit", "customer": customer, "amount": amount()?, "kind": form.text("kind").unwrap_or("deposit") });
                // INV-UNSOLD: the unit the deposit holds.
                if let Some(u) = form.text("unit") {
                    b["unit"] = json!(u);
                }
                b
            }
            "deal" => {
                let mut b = json!({ "act": "deal", "customer": customer, "amount": amount()? });
                if let Some(c) = form.text("closed_by") {
                    b["closed_by"] = json!(c);
                }
                if let Some(h) = form.text("helped_by") {
                    b["helped_by"] = json!([h]);
                }
                b
            }
            // TR-ACTIVE: the owner lets a colleague register or receive the customer.
            "consent" => json!({ "act": "consent", "customer": customer, "to": form.need("to")? }),
            // TR-CLAIM3, SR-SIGNED: a claim on a signed deal, with its evidence.
            "claim" => json!({ "act": "claim", "customer": customer, "evidence": form.need("evidence")? }),
            // CS-CONFIRM, CD-CONFIRM: the visit confirmation (来访确认单), signed by the agent and me.
            "confirm" => json!({ "act": "confirm", "customer": customer, "signed_by": [form.need("agent")?, v.c.user.login] }),
            // FUP-GRADE: the owner grades the customer (its contact interval).
            "grade" => json!({ "act": "grade", "customer": customer, "grade": form.need("grade")? }),
            other => return Err(ApiError::invalid("act", format!("unknown act {other:?}; accepted: contact, deposit, deal, consent, claim, confirm, grade, kept, stage, payment_due, paid, change, order, credit, terms, credit_note, return_visit"))),
        };
            v.act(&st, &project, body, &form).await
        },
        |f| customer_view(&st, &v, &project, &phone, Some(f)).await
    )
}

/// Asks the department manager, then the VP, for a look at a customer outside one's scope.
async fn request_approval(
    State(st): State<AppState>,
    mut v: Viewer,
    Path(project): Path<String>,
    form: Form,
) -> Response {
    let phone = form.text("phone").unwrap_or_default().to_string();
    answer_form!(
        v,
        form,
        format!(
            "/p/{}/customer?phone={}",
            super::urlencode(&project),
            super::urlencode(form.text("phone").unwrap_or_default())
        ),
        async {
            let reason = form.need("reason")?;
            let id = crate::archive::request_of(&st, &v.c, &project, &phone, reason).await?;
            Ok(Flash::ok(
                format!("{} #{id}", super::i18n::tr(v.lang, "approval.sent")),
                vec![super::i18n::tr(v.lang, "approval.sent.hint").to_string()],
            ))
        },
        |f| customer_view(&st, &v, &project, &phone, Some(f)).await
    )
}
