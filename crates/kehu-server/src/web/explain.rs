//! A verdict in plain words (G-EXPLAIN): the outcome, the deciding rule with its Chinese title, the
//! owner, the dates with what is left of them, and the ledger entries it relied on. Works on the
//! verdict as the caller may see it (`api::shown`): in full, or only what a registrant is told.

use super::i18n::{tr, Lang};
use super::Flash;
use kehu_core::model::{Directory, Party};
use kehu_core::verdict::{Until, Verdict};
use serde_json::Value;

/// A party as people call it: 张三, 某某地产, 团队 A, 公海.
pub fn party(lang: Lang, dir: &Directory, p: &Party) -> String {
    match p {
        Party::Staff(s) => super::person(dir, &s.0),
        Party::Agency(a) => a.clone(),
        Party::Team(t) => format!("{} {t}", tr(lang, "party.team")),
        Party::Pool => tr(lang, "party.pool").to_string(),
        Party::Company => tr(lang, "party.company").to_string(),
        Party::Department => tr(lang, "party.department").to_string(),
    }
}

/// What is left until `until_ms` at `now_ms`: 剩 3 天 4 小时, or 已到期.
pub fn left(lang: Lang, until_ms: i64, now_ms: i64) -> String {
    let ms = until_ms - now_ms;
    if ms <= 0 {
        return tr(lang, "left.over").to_string();
    }
    let hours = ms / 3_600_000;
    let (d, h, m) = (hours / 24, hours % 24, (ms / 60_000) % 60);
    match lang {
        Lang::Zh if d > 0 => format!("剩 {d} 天 {h} 小时"),
        Lang::Zh if h > 0 => format!("剩 {h} 小时 {m} 分"),
        Lang::Zh => format!("剩 {m} 分钟"),
        Lang::En if d > 0 => format!("{d} d {h} h left"),
        Lang::En if h > 0 => format!("{h} h {m} min left"),
        Lang::En => format!("{m} min left"),
    }
}

/// The rule cited: its ID and title in the page's language.
pub fn rule(lang: Lang, id: &str) -> String {
    let title = rule_title(lang, id);
    let title = (!title.is_empty()).then_some(title);
    match title {
        Some(t) => format!("{} {id}：{t}", tr(lang, "explain.rule")),
        None => format!("{} {id}", tr(lang, "explain.rule")),
    }
}

/// A rule's title alone (for tables), in the page's language.
pub fn rule_title(lang: Lang, id: &str) -> String {
    match lang {
        Lang::Zh => kehu_core::rules_zh::title(id)
            .unwrap_or_default()
            .to_string(),
        // RULES.md marks field names as code (`visit_at`); a sentence on a page shows them plain.
        Lang::En => kehu_core::rules::lookup(id)
            .map(|r| r.summary().replace('`', ""))
            .unwrap_or_default(),
    }
}

/// The engine's reason for this verdict (the facts of this act under its deciding rule), in the
/// page's language.
fn why(lang: Lang, reason: &str) -> String {
    format!("{}：{}", tr(lang, "explain.why"), lang.pick(reason))
}

fn kind_of(outcome: &str) -> &'static str {
    match outcome {
        "accepted" | "confirmed" | "received" => "ok",
        "pending" => "warn",
        _ => "error",
    }
}

fn until_line(lang: Lang, u: &Until, now_ms: i64) -> String {
    match u {
        Until::At(t) => format!(
            "{} {}（{}）",
            tr(lang, "explain.until"),
            kehu_core::time::format_local(*t),
            left(lang, t.as_millisecond(), now_ms)
        ),
        Until::None => tr(lang, "explain.until.none").to_string(),
    }
}

/// The verdict `shown` (as `api::shown` built it for the caller) as a message for the page.
pub fn verdict(lang: Lang, dir: &Directory, shown: &Value, now_ms: i64) -> Flash {
    let outcome = shown["outcome"].as_str().unwrap_or("invalid");
    let mut lines = Vec::new();
    let mut title = tr(lang, &format!("outcome.{outcome}")).to_string();
    let full: Option<Verdict> = serde_json::from_value(shown["verdict"].clone()).ok();
    match &full {
        Some(v) => {
            if let Some(r) = &v.receiver {
                title = format!(
                    "{}：{}",
                    tr(lang, "explain.receiver"),
                    super::person(dir, &r.0)
                );
                lines.push(
                    tr(
                        lang,
                        if v.turn == Some(true) {
                            "explain.turn"
                        } else {
                            "explain.noturn"
                        },
                    )
                    .to_string(),
                );
            }
            lines.push(rule(lang, &v.rule));
            if let Some(o) = &v.owner {
                lines.push(format!(
                    "{}：{}",
                    tr(lang, "explain.owner"),
                    party(lang, dir, o)
                ));
            }
            if let Some(u) = &v.protected_until {
                lines.push(until_line(lang, u, now_ms));
            }
            if let Some(c) = &v.credited {
                lines.push(format!(
                    "{}：{}",
                    tr(lang, "explain.credited"),
                    party(lang, dir, c)
                ));
            }
            if !v.shares.is_empty() {
                let s: Vec<String> = v
                    .shares
                    .iter()
                    .map(|(p, n)| format!("{} {n}%", party(lang, dir, p)))
                    .collect();
                lines.push(format!("{}：{}", tr(lang, "explain.shares"), s.join("，")));
            }
            if let Some(d) = &v.dispute {
                lines.push(format!(
                    "{} {}（{}）",
                    tr(lang, "explain.dispute"),
                    kehu_core::time::format_local(d.deadline),
                    left(lang, d.deadline.as_millisecond(), now_ms)
                ));
            }
            for x in &v.violations {
                let amount = x
                    .amount
                    .map(|n| format!("，{}", super::yuan(lang, n)))
                    .unwrap_or_default();
                lines.push(format!(
                    "{}：{} — {}{amount}（{}）",
                    tr(lang, "explain.violation"),
                    party(lang, dir, &x.staff),
                    rule_title(lang, &x.rule),
                    lang.pick(&x.note)
                ));
            }
            if let Some(p) = &v.points {
                lines.push(format!("{}：+{}", tr(lang, "explain.points"), p.points));
            }
            if !v.relied_on.is_empty() {
                let refs: Vec<String> = v
                    .relied_on
                    .iter()
                    .map(|e| {
                        format!(
                            "#{} {} {}",
                            e.seq,
                            kehu_core::time::format_local(e.at),
                            tr(lang, &format!("act.{}", e.act))
                        )
                    })
                    .collect();
                lines.push(format!(
                    "{}：{}",
                    tr(lang, "explain.relied"),
                    refs.join("；")
                ));
            }
            if !v.reason.is_empty() {
                lines.push(why(lang, &v.reason));
            }
        }
        None => {
            if let Some(r) = shown["receiver"].as_str() {
                title = format!(
                    "{}：{}",
                    tr(lang, "explain.receiver"),
                    super::person(dir, r)
                );
                lines.push(
                    tr(
                        lang,
                        if shown["turn"] == Value::Bool(true) {
                            "explain.turn"
                        } else {
                            "explain.noturn"
                        },
                    )
                    .to_string(),
                );
            }
            if let Some(m) = shown["message"].as_str() {
                let m = lang.pick(m);
                if m != title
                    && m != tr(lang, &format!("outcome.{outcome}"))
                    && m != kehu_core::verdict::Outcome::parse(outcome)
                        .map(|o| o.zh())
                        .unwrap_or_default()
                {
                    lines.push(m);
                }
            }
            if let Some(r) = shown["rule"].as_str() {
                lines.push(rule(lang, r));
            }
            if let Some(Ok(u)) = shown
                .get("protected_until")
                .map(|u| serde_json::from_value::<Until>(u.clone()))
            {
                lines.push(until_line(lang, &u, now_ms));
            }
            if let Some(r) = shown["reason"].as_str() {
                lines.push(why(lang, r));
            }
        }
    }
    Flash {
        kind: kind_of(outcome),
        title,
        lines,
    }
}
