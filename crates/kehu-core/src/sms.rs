//! Registrations sent as text (短信/QQ/微信报备), as agencies type them (CS-LEAD, CL-PRE):
//!
//! - formal: `报备《项目》<类型>,客户<姓名>,电话:<前三后四>,<公司><经纪人>[,到访:<时间>]`
//! - pre-registration: `<项目>+<姓名>+<电话>[+<到访时间>]`
//!
//! Commas may be full-width (，), colons too (：); spaces around parts are ignored. The parser
//! checks the shape only; the rulebook decides whether the registration stands.

use crate::phone::{MaskForm, Phone};
use crate::time::{format_local, parse_local, Instant};

/// A parsed text registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextRegistration {
    /// 报备 (formal) or 预报备 (pre, CL-PRE).
    pub pre: bool,
    /// The project as written in the message (《…》 or the first `+` part).
    pub project: String,
    /// 类型: what the customer wants (住宅, 商铺, …), formal messages only.
    pub kind: Option<String>,
    pub customer: String,
    pub phone: String,
    /// 公司 and 经纪人 as one run of text (formal messages), e.g. `链家张三`.
    pub sender: Option<String>,
    /// The declared visit, `YYYY-MM-DD HH:MM` local.
    pub visit_at: Option<String>,
}

/// What is wrong with a message: the part, and what it should look like.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{part}: {message}")]
pub struct TextError {
    pub part: &'static str,
    pub message: String,
}

fn err(part: &'static str, message: impl Into<String>) -> TextError {
    TextError {
        part,
        message: message.into(),
    }
}

const FORMAT: &str = "报备《项目》类型,客户姓名,电话:前三后四,公司经纪人 (如 报备《翡翠湾》住宅,客户王先生,电话:138****8000,链家张三)";
const PRE_FORMAT: &str = "项目+姓名+电话 (如 翡翠湾+王先生+138****8000+2026-11-25 14:00)";

fn normalise(text: &str) -> String {
    text.trim()
        .replace(['，', '、', ';', '；', '\n'], ",")
        .replace('：', ":")
        .replace('＋', "+")
        .replace(['《', '〈'], "《")
        .replace(['》', '〉'], "》")
}

/// The phone part: a full number or the `3+4` mask (CS-LEAD).
fn phone(s: &str) -> Result<String, TextError> {
    let shape = "电话格式应为前三后四，如 138****8000 (the phone is the first three and last four digits, e.g. 138****8000)";
    let p = Phone::parse(s.trim()).map_err(|_| err("电话", shape))?;
    match p.form() {
        None | Some(MaskForm::P3S4) => Ok(s.trim().to_string()),
        Some(_) => Err(err("电话", shape)),
    }
}

/// A declared visit: `YYYY-MM-DD HH:MM`, or `M月D日 HH:MM` in the year of `now`.
fn visit(s: &str, now: Instant) -> Result<String, TextError> {
    let s = s.trim();
    let bad = || {
        err(
            "到访",
            format!("到访时间应为 2026-11-25 14:00 或 11月25日 14:00 (the visit time, e.g. 2026-11-25 14:00), got {s:?}"),
        )
    };
    if let Some((md, hm)) = s.split_once('日') {
        let (m, d) = md.split_once('月').ok_or_else(bad)?;
        let (m, d): (u8, u8) = (
            m.trim().parse().map_err(|_| bad())?,
            d.trim().parse().map_err(|_| bad())?,
        );
        let year = format_local(now)[..4].to_string();
        let text = format!("{year}-{m:02}-{d:02} {}", hm.trim());
        return parse_local(&text).map(format_local).map_err(|_| bad());
    }
    parse_local(s).map(format_local).map_err(|_| bad())
}

/// Parses a text registration; `now` gives the year of a `M月D日` visit.
pub fn parse(text: &str, now: Instant) -> Result<TextRegistration, TextError> {
    let t = normalise(text);
    if t.is_empty() {
        return Err(err("报备", format!("短信为空；格式: {FORMAT}")));
    }
    if t.chars().count() > 500 {
        return Err(err(
            "报备",
            "短信过长，最多 500 字 (at most 500 characters)",
        ));
    }
    if !t.starts_with("报备") && t.contains('+') {
        return parse_pre(&t, now);
    }
    let rest = t
        .strip_prefix("报备")
        .ok_or_else(|| err("报备", format!("应以“报备”开头；格式: {FORMAT}")))?;
    let rest = rest.trim_start();
    let rest = rest
        .strip_prefix('《')
        .ok_or_else(|| err("项目", format!("项目名应写在《》里；格式: {FORMAT}")))?;
    let (project, rest) = rest
        .split_once('》')
        .ok_or_else(|| err("项目", format!("项目名缺少》；格式: {FORMAT}")))?;
    let project = project.trim();
    if project.is_empty() {
        return Err(err("项目", "项目名为空 (the project is empty)"));
    }
    let parts: Vec<&str> = rest.split(',').map(str::trim).collect();
    let kind = parts
        .first()
        .map(|k| k.to_string())
        .filter(|k| !k.is_empty());
    let mut customer = None;
    let mut phone_s = None;
    let mut sender = None;
    let mut visit_at = None;
    for p in parts.iter().skip(1).filter(|p| !p.is_empty()) {
        if let Some(c) = p.strip_prefix("客户") {
            customer = Some(c.trim_start_matches(':').trim().to_string());
        } else if let Some(ph) = p.strip_prefix("电话") {
            phone_s = Some(phone(ph.trim_start_matches(':'))?);
        } else if let Some(v) = p
            .strip_prefix("到访时间")
            .or_else(|| p.strip_prefix("到访"))
            .or_else(|| p.strip_prefix("预计到访"))
        {
            visit_at = Some(visit(v.trim_start_matches(':'), now)?);
        } else if sender.is_none() {
            sender = Some(p.to_string());
        } else {
            return Err(err("报备", format!("无法识别 {p:?}；格式: {FORMAT}")));
        }
    }
    let customer = customer
        .filter(|c| !c.is_empty())
        .ok_or_else(|| err("客户", format!("缺少“客户姓名”；格式: {FORMAT}")))?;
    let phone_s =
        phone_s.ok_or_else(|| err("电话", format!("缺少“电话:前三后四”；格式: {FORMAT}")))?;
    let sender =
        sender.ok_or_else(|| err("经纪人", format!("缺少公司和经纪人；格式: {FORMAT}")))?;
    Ok(TextRegistration {
        pre: false,
        project: project.to_string(),
        kind,
        customer,
        phone: phone_s,
        sender: Some(sender),
        visit_at,
    })
}

fn parse_pre(t: &str, now: Instant) -> Result<TextRegistration, TextError> {
    let parts: Vec<&str> = t.split('+').map(str::trim).collect();
    if !(3..=4).contains(&parts.len()) || parts[..3].iter().any(|p| p.is_empty()) {
        return Err(err("预报备", format!("格式: {PRE_FORMAT}")));
    }
    Ok(TextRegistration {
        pre: true,
        project: parts[0].to_string(),
        kind: None,
        customer: parts[1].to_string(),
        phone: phone(parts[2])?,
        sender: None,
        visit_at: parts.get(3).map(|v| visit(v, now)).transpose()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Instant {
        parse_local("2026-11-23 10:00").unwrap()
    }

    #[test]
    fn formal_message() {
        let r = parse(
            "报备《翡翠湾》住宅,客户王先生,电话:138****8000,链家张三",
            now(),
        )
        .unwrap();
        assert_eq!(r.project, "翡翠湾");
        assert_eq!(r.kind.as_deref(), Some("住宅"));
        assert_eq!(r.customer, "王先生");
        assert_eq!(r.phone, "138****8000");
        assert_eq!(r.sender.as_deref(), Some("链家张三"));
        assert!(!r.pre && r.visit_at.is_none());
    }

    #[test]
    fn full_width_punctuation_and_a_visit_time() {
        let r = parse(
            "报备《翡翠湾》商铺，客户：李女士，电话：139****1234，我爱我家赵六，到访：11月25日 14:30",
            now(),
        )
        .unwrap();
        assert_eq!(r.customer, "李女士");
        assert_eq!(r.visit_at.as_deref(), Some("2026-11-25 14:30"));
    }

    #[test]
    fn pre_registration() {
        let r = parse("翡翠湾+王先生+138****8000+2026-11-25 14:00", now()).unwrap();
        assert!(r.pre);
        assert_eq!(r.visit_at.as_deref(), Some("2026-11-25 14:00"));
        assert!(parse("翡翠湾+王先生", now()).is_err());
    }

    #[test]
    fn specific_errors() {
        let e = parse(
            "报备《翡翠湾》住宅,客户王先生,电话:1380013****,链家张三",
            now(),
        )
        .unwrap_err();
        assert_eq!(e.part, "电话");
        assert!(e.message.contains("电话格式应为前三后四，如 138****8000"));
        let e = parse("报备翡翠湾住宅,客户王先生", now()).unwrap_err();
        assert_eq!(e.part, "项目");
        let e = parse("报备《翡翠湾》住宅,电话:138****8000,链家张三", now()).unwrap_err();
        assert_eq!(e.part, "客户");
        let e = parse(
            "报备《翡翠湾》住宅,客户王先生,电话:138****8000,链家张三,到访:明天",
            now(),
        )
        .unwrap_err();
        assert_eq!(e.part, "到访");
        assert!(parse("", now()).is_err());
        assert!(parse(&"报".repeat(600), now()).is_err());
    }
}
