//! The front desk (前台): the reception board (轮流接待: who is next, turns taken, owed 累计 and
//! lost 轮空, everyone's presence with one-tap changes), the walk-in button that names the
//! receiver, and today's visitor and call registers (来人/来电登记).

use super::{context, Flash, Form, Viewer};
use crate::AppState;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use kehu_core::access;
use kehu_core::act;
use kehu_core::model::{Act, Channel};
use kehu_store::EventRange;
use serde_json::{json, Value};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/p/{project}/desk", get(show))
        .route("/p/{project}/desk/status", post(status))
        .route("/p/{project}/desk/walk-in", post(walk_in))
        .route("/p/{project}/desk/visit", post(visit))
}

/// The presences the board offers (departures are recorded by a manager, not here).
const STATES: [&str; 5] = ["available", "busy", "away", "out", "leave"];

fn symbol(presence: &str) -> &'static str {
    match presence {
        "available" => "●",
        "busy" => "◐",
        "away" => "○",
        "out" => "↗",
        "leave" => "✈",
        _ => "✖",
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

pub(super) async fn view(
    st: &AppState,
    v: &Viewer,
    project: &str,
    flash: Option<Flash>,
) -> Response {
    let (rulebook, dir) = match context(st, v, project).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let board = match crate::board::rotation_of(st, &v.c, project).await {
        Ok(b) => b,
        Err(e) => return v.error(&e),
    };
    let me_person = v.c.user.person();
    // The presences the viewer may record for this person (their own, but not leave; the front
    // desk's and their manager's for others, leave only by the manager): only those are offered.
    let states_for = |login: &str| -> Vec<&'static str> {
        if !access::may_act(v.role(), "status") {
            return Vec::new();
        }
        let id = kehu_core::model::StaffId(login.to_string());
        let Some(target) = crate::api::person_of(&dir, &id) else {
            return Vec::new();
        };
        STATES
            .into_iter()
            .filter(|s| {
                let state = kehu_core::model::Presence::parse(s);
                access::may_act_as(&me_person, &target, "status", state)
            })
            .collect()
    };
    let next = board.next.as_deref();
    let staff: Vec<Value> = board
        .staff
        .iter()
        .map(|s| {
            let login = s.login.as_str();
            let presence = s.presence.name();
            json!({
                "login": login, "name": s.name, "presence": presence,
                "symbol": symbol(presence),
                "turns": s.turns, "owed": s.owed, "lost": s.lost,
                "next": Some(login) == next,
                "states": states_for(login),
            })
        })
        .collect();
    // Today's registers, from the ledger (local day, Asia/Shanghai).
    let now = jiff::Timestamp::now();
    let start = kehu_core::time::start_of_day(kehu_core::time::date_of(now));
    let range = EventRange::Between {
        from_ms: start.as_millisecond(),
        until_ms: now.as_millisecond() + 1,
        limit: 5000,
    };
    let events = match st.store.project_events(project, range).await {
        Ok(e) => e,
        Err(e) => return v.error(&e.into()),
    };
    let shown_customer = |c: Option<&kehu_core::model::CustomerInput>| -> String {
        let Some(c) = c else { return String::new() };
        let phone = c
            .parsed_phone()
            .and_then(Result::ok)
            .map(|p| p.masked_display())
            .unwrap_or_default();
        format!("{} {phone}", c.name.clone().unwrap_or_default())
            .trim()
            .to_string()
    };
    let mut visitors = Vec::new();
    let mut calls = Vec::new();
    for e in events.iter().rev() {
        let at = kehu_core::time::local(e.at).strftime("%H:%M").to_string();
        let reception = match &e.act {
            Act::WalkIn(act::WalkIn { customer, .. }) => Some(("walk_in", customer.as_ref())),
            Act::Visit(act::Visit { customer, .. }) => Some(("visit", Some(customer))),
            _ => None,
        };
        // An act refused (nobody free to receive) or invalid (a phone that is not one) received
        // nobody: it is not a visitor received.
        let received = !matches!(
            e.verdict.outcome,
            kehu_core::verdict::Outcome::Invalid | kehu_core::verdict::Outcome::Rejected
        );
        if let (Some((act, customer)), true) = (reception, received) {
            // A walk-in that took a rotation turn is a new visitor (新客到访); a returning or
            // named customer is received without a turn (到访).
            let act = if act == "walk_in" && e.verdict.turn != Some(true) {
                "visit"
            } else {
                act
            };
            visitors.push(json!({
                "at": at, "act": act, "customer": shown_customer(customer),
                "receiver": e.verdict.receiver.as_ref().map(|r| super::person(&dir, &r.0)).unwrap_or_default(),
                "turn": e.verdict.turn == Some(true),
            }));
        }
        if let Act::Register(act::Register {
            by,
            customer,
            channel: Channel::Phone,
            ..
        }) = &e.act
        {
            calls.push(json!({
                "at": at, "customer": shown_customer(Some(customer)),
                "by": super::person(&dir, &by.0), "outcome": e.verdict.outcome.name(),
            }));
        }
    }
    // Why each one passed over does not receive (the engine's own reasons, ROT-*).
    let out = match rulebook.params.out_turns {
        kehu_core::policy::OutTurns::MakeUp => "make_up",
        kehu_core::policy::OutTurns::Lost => "lost",
    };
    let skipped: Vec<Value> = board
        .skipped
        .iter()
        .map(|s| {
            let why = match s.presence.name() {
                "out" => format!("desk.skip.out.{out}"),
                p => format!("desk.skip.{p}"),
            };
            json!({
                "name": super::person(&dir, &s.login),
                "why": super::i18n::tr(v.lang, &why),
            })
        })
        .collect();
    let owed_turn = matches!(board.next_rule.as_deref(), Some("ROT-BUSY" | "ROT-OUT"))
        && board.skipped.is_empty();
    v.page(
        "desk.html",
        Some(project),
        "nav.desk",
        flash,
        json!({
            "board": {
                "next_name": next.map(|n| super::person(&dir, n)),
                "owed_turn": owed_turn, "skipped": skipped, "staff": staff,
            },
            "states": STATES,
            "can_walk_in": access::may_act(v.role(), "walk_in"),
            "can_visit": access::may_act(v.role(), "visit"),
            "sellers": dir.staff.iter()
                .filter(|s| s.role == kehu_core::model::Role::Sales && !s.left)
                .map(|s| json!({ "login": s.id.0, "name": s.name }))
                .collect::<Vec<_>>(),
            "agents": dir.staff.iter()
                .filter(|s| s.role == kehu_core::model::Role::Agent && !s.left)
                .map(|s| json!({ "login": s.id.0, "name": v.lang.punct(&format!("{}（{}）", s.name, s.agency.clone().unwrap_or_default())) }))
                .collect::<Vec<_>>(),
            "visitors": visitors,
            "calls": calls,
        }),
    )
}

/// One tap on the board: someone's presence changes (ROT-BUSY, ROT-AWAY, ROT-OUT).
async fn status(
    State(st): State<AppState>,
    mut v: Viewer,
    Path(project): Path<String>,
    form: Form,
) -> Response {
    answer_form!(
        v,
        form,
        format!("/p/{}/desk", super::urlencode(&project)),
        async {
            let staff = form.need("staff")?;
            let state = form.need("state")?;
            if !STATES.contains(&state) {
                return Err(crate::error::ApiError::invalid(
                    "state",
                    format!("unknown state {state:?}; accepted: {}", STATES.join(", ")),
                ));
            }
            let body = json!({ "act": "status", "staff": staff, "state": state });
            let mut f = v.act(&st, &project, body, &form).await?;
            if f.kind == "ok" {
                let dir = st.directory().await?;
                f.title = format!(
                    "{} → {}",
                    super::person(&dir, staff),
                    super::i18n::tr(v.lang, &format!("presence.{state}"))
                );
            }
            Ok(f)
        },
        |f| view(&st, &v, &project, Some(f)).await
    )
}

/// A new walk-in (新客到访): the engine names the receiver; with the customer's details, the
/// reception is also the receiver's visitor-register entry.
async fn walk_in(
    State(st): State<AppState>,
    mut v: Viewer,
    Path(project): Path<String>,
    form: Form,
) -> Response {
    answer_form!(
        v,
        form,
        format!("/p/{}/desk", super::urlencode(&project)),
        async {
            let mut body = json!({ "act": "walk_in" });
            match (form.text("name"), form.text("phone")) {
                (None, None) => {}
                (name, Some(phone)) => body["customer"] = json!({ "name": name, "phone": phone }),
                (Some(_), None) => {
                    return Err(crate::error::ApiError::invalid(
                        "phone",
                        "登记客户请填写电话 (to register the customer, give a phone)",
                    ))
                }
            }
            v.act(&st, &project, body, &form).await
        },
        |f| view(&st, &v, &project, Some(f)).await
    )
}

/// A customer arrives who is known or who asks for someone (到访): brought by an agent, naming a
/// salesperson (指名) or designating one to receive them (指定接待); the engine decides who
/// receives and whether a turn is used (ROT-RETURN, SR-*, FR-*).
async fn visit(
    State(st): State<AppState>,
    mut v: Viewer,
    Path(project): Path<String>,
    form: Form,
) -> Response {
    answer_form!(
        v,
        form,
        format!("/p/{}/desk", super::urlencode(&project)),
        async {
            let phone = form.need("phone")?;
            let mut customer = json!({ "phone": phone });
            if let Some(n) = form.text("name") {
                customer["name"] = json!(n);
            }
            let mut body = json!({ "act": "visit", "customer": customer });
            if let Some(b) = form.text("brought_by") {
                body["brought_by"] = json!(b);
            }
            if let Some(n) = form.text("names") {
                body["names"] = json!([n]);
            }
            if let Some(d) = form.text("designates") {
                body["designates"] = json!(d);
            }
            v.act(&st, &project, body, &form).await
        },
        |f| view(&st, &v, &project, Some(f)).await
    )
}
