//! The agent portal (分销): register by form or by pasting the SMS text the agency would send, and
//! the agency's own registrations with their status. Nothing of any other party's is shown.

use super::{context, Flash, Form, Viewer};
use crate::api::Page;
use crate::error::ApiError;
use crate::AppState;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use kehu_core::model::Role;
use serde_json::{json, Value};
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/p/{project}/agent", get(show))
        .route("/p/{project}/agent/register", post(register))
        .route("/p/{project}/agent/sms", post(sms))
}

#[derive(serde::Deserialize, Default)]
struct ShowQuery {
    done: Option<String>,
    /// A phone to check before registering (撞单查询).
    check: Option<String>,
}

async fn show(
    State(st): State<AppState>,
    v: Viewer,
    Path(project): Path<String>,
    axum::extract::Query(q): axum::extract::Query<ShowQuery>,
) -> Response {
    let mut flash = v.done_flash(&st, q.done.as_deref()).await;
    if let Some(phone) = q.check.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        // The collision check tells an agent only what G-CLAIM allows: free, or protected until.
        flash = Some(
            match crate::api::check_customer_of(&st, &v.c, &project, phone).await {
                Ok(shown) => match v.explain(&st, &shown).await {
                    Ok(f) => f,
                    Err(e) => Flash::error(v.lang, &e),
                },
                Err(e) => Flash::error(v.lang, &e),
            },
        );
    }
    view(&st, &v, &project, flash).await
}

/// What became of one registration: rejected, pending, protected, confirmed or expired.
fn status_of(outcome: &str, held: Option<&(Option<i64>, String)>, now: i64) -> &'static str {
    match outcome {
        "pending" => "pending",
        "accepted" | "confirmed" => match held {
            Some((_, last)) if last == "confirm" || last == "visit" || last == "deal" => {
                "confirmed"
            }
            Some((None, _)) => "protected",
            Some((Some(until), _)) if *until > now => "protected",
            _ => "expired",
        },
        _ => "rejected",
    }
}

fn symbol(status: &str) -> &'static str {
    match status {
        "protected" => "◉",
        "confirmed" => "✔",
        "pending" => "…",
        "expired" => "○",
        _ => "✖",
    }
}

async fn view(st: &AppState, v: &Viewer, project: &str, flash: Option<Flash>) -> Response {
    if v.role() != Role::Agent {
        return v.error(&ApiError::Forbidden(
            "分销页面只供分销经纪人使用 (the agent page is for agents)".into(),
        ));
    }
    let (rulebook, dir) = match context(st, v, project).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let now = crate::now_ms();
    // What the agency holds now (its registrations only, G-CLAIM).
    let mine =
        match crate::archive::mine_of(st, &v.c, project, &Page::new(Some(1), Some(200))).await {
            Ok(m) => m,
            Err(e) => return v.error(&e),
        };
    let mut held: HashMap<String, (Option<i64>, String)> = HashMap::new();
    for c in &mine.items {
        let until = c
            .protected_until
            .as_deref()
            .and_then(|u| kehu_core::time::parse_local(u).ok())
            .map(|t| t.as_millisecond());
        if let Some(p) = &c.phone {
            held.insert(
                p.clone(),
                (until, c.last_act.unwrap_or_default().to_string()),
            );
        }
    }
    // Every registration the agency's agents filed here, from the audit chain (which records the
    // outcome of each act under the customer's masked number).
    let agency = v.c.user.agency.clone().unwrap_or_default();
    let prefix = format!("{project}/");
    let rows = match st.store.agency_registrations(&agency, &prefix, 200).await {
        Ok(r) => r,
        Err(e) => return v.error(&e.into()),
    };
    let out: Vec<Value> = rows
        .iter()
        .map(|r| {
            let at = jiff::Timestamp::from_millisecond(r.at_ms)
                .map(kehu_core::time::format_local)
                .unwrap_or_default();
            let masked = r.subject.trim_start_matches(&prefix).to_string();
            let detail = r.detail.as_str();
            let outcome = detail.split_whitespace().next().unwrap_or("refused:");
            let h = held.get(&masked);
            let status = status_of(outcome, h, now);
            let detail = match (status, h) {
                ("protected", Some((Some(until), _))) => format!(
                    "{} {}",
                    super::i18n::tr(v.lang, "explain.until"),
                    jiff::Timestamp::from_millisecond(*until)
                        .map(kehu_core::time::format_local)
                        .unwrap_or_default()
                ),
                _ => String::new(),
            };
            json!({
                "at": at, "customer": masked,
                "by": super::person(&dir, &r.actor),
                "status": status, "symbol": symbol(status), "detail": detail,
            })
        })
        .collect();
    v.page(
        "agent.html",
        Some(project),
        "nav.agent",
        flash,
        json!({
            "agency": agency, "rows": out, "phone_hint": super::phone_hint(v.lang, &rulebook),
            "required": rulebook.preset.required_on_form(true),
        }),
    )
}

/// The form: a customer, a phone (full or masked) and the declared visit time.
async fn register(
    State(st): State<AppState>,
    mut v: Viewer,
    Path(project): Path<String>,
    form: Form,
) -> Response {
    answer_form!(
        v,
        form,
        format!("/p/{}/agent", super::urlencode(&project)),
        async {
            let name = form.need("name")?;
            let phone = form.need("phone")?;
            let mut body = json!({
                "act": "register",
                "customer": { "name": name, "phone": phone },
                "channel": "online",
            });
            if let Some(at) = form.text("visit_at") {
                // The browser's datetime-local form (2026-11-23T15:00) as the scenario grammar's.
                body["visit_at"] = json!(at.replacen('T', " ", 1));
            }
            v.act(&st, &project, body, &form).await
        },
        |f| view(&st, &v, &project, Some(f)).await
    )
}

/// The SMS the agency would send (CS-LEAD, CL-PRE), pasted: parsed, then decided.
async fn sms(
    State(st): State<AppState>,
    mut v: Viewer,
    Path(project): Path<String>,
    form: Form,
) -> Response {
    answer_form!(
        v,
        form,
        format!("/p/{}/agent", super::urlencode(&project)),
        async {
            let text = form.need("text")?;
            let shown = crate::api::text_act(&st, &v.c, &project, text, Some(form.key()?)).await?;
            let mut f = v.explain(&st, &shown).await?;
            let p = &shown["parsed"];
            f.lines.insert(
                0,
                format!(
                    "{}：{} {} {}",
                    super::i18n::tr(v.lang, "agent.sms.parsed"),
                    p["customer"].as_str().unwrap_or_default(),
                    p["phone"].as_str().unwrap_or_default(),
                    p["visit_at"].as_str().unwrap_or_default()
                )
                .trim()
                .to_string(),
            );
            Ok(f)
        },
        |f| view(&st, &v, &project, Some(f)).await
    )
}
