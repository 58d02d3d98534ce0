//! Scenario files (../shared/spec/SCENARIOS.md): parsing with precise errors, and checking a
//! verdict against a step's expectations. A step's act is read by [`Act::from_fields`], as a request's
//! act is.

use crate::act;
use crate::model::{Act, Command, CustomerInput, Directory, Party, Role, Staff, StaffId};
use crate::policy::{Preset, Rulebook};
use crate::rules;
use crate::time::{format_local, parse_date, parse_local, Instant};
use crate::verdict::{Outcome, Verdict};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use toml::Value;

/// A malformed scenario: names the file, the step (0 for the header) and the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    pub file: String,
    pub step: usize,
    pub field: String,
    pub detail: String,
}

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.step == 0 {
            write!(
                f,
                "{}: header: field `{}`: {}",
                self.file, self.field, self.detail
            )
        } else {
            write!(
                f,
                "{}: step {}: field `{}`: {}",
                self.file, self.step, self.field, self.detail
            )
        }
    }
}

impl std::error::Error for Malformed {}

/// One step's expectations (only the fields given are checked).
#[derive(Debug, Clone, Default)]
pub struct Expect {
    pub outcome: Option<Outcome>,
    pub owner: Option<Party>,
    pub receiver: Option<StaffId>,
    pub turn: Option<bool>,
    pub shares: Option<BTreeMap<Party, u32>>,
    pub rule: Option<String>,
    pub protected_until: Option<String>,
    pub violation: Option<String>,
    pub credited: Option<Party>,
    pub notify: Option<Vec<Party>>,
    pub points: Option<u32>,
    /// The amount of the violation named by `violation`; `None` inside: no amount.
    pub fine: Option<Option<i64>>,
    pub violator: Option<Party>,
}

#[derive(Debug, Clone)]
pub struct Step {
    pub number: usize,
    pub command: Command,
    pub expect: Option<Expect>,
}

#[derive(Debug, Clone)]
pub struct Scenario {
    pub file: String,
    #[allow(dead_code)] // shown by the pages of a later issue
    pub title: String,
    pub rulebook: Rulebook,
    pub directory: Directory,
    pub covers: Vec<String>,
    pub steps: Vec<Step>,
}

impl Scenario {
    /// Rule IDs this scenario cites (expect `rule`/`violation`) or lists in `covers`.
    pub fn cited(&self) -> BTreeSet<String> {
        let mut s: BTreeSet<String> = self.covers.iter().cloned().collect();
        for st in &self.steps {
            if let Some(e) = &st.expect {
                s.extend(e.rule.iter().cloned());
                s.extend(e.violation.iter().cloned());
            }
        }
        s
    }
}

/// Where a value is being read: names the file and step in errors.
pub struct P<'a> {
    pub file: &'a str,
    pub step: usize,
}

impl P<'_> {
    pub fn err(&self, field: &str, detail: impl Into<String>) -> Malformed {
        Malformed {
            file: self.file.to_string(),
            step: self.step,
            field: field.to_string(),
            detail: detail.into(),
        }
    }

    pub fn table<'v>(&self, v: &'v Value, field: &str) -> Result<&'v toml::Table, Malformed> {
        v.as_table()
            .ok_or_else(|| self.err(field, "must be a table"))
    }

    pub fn str<'v>(&self, v: &'v Value, field: &str) -> Result<&'v str, Malformed> {
        v.as_str()
            .ok_or_else(|| self.err(field, format!("must be a string, got {v}")))
    }

    fn bool(&self, v: &Value, field: &str) -> Result<bool, Malformed> {
        v.as_bool()
            .ok_or_else(|| self.err(field, format!("must be true or false, got {v}")))
    }

    pub(crate) fn int(&self, v: &Value, field: &str) -> Result<i64, Malformed> {
        v.as_integer()
            .ok_or_else(|| self.err(field, format!("must be an integer, got {v}")))
    }

    /// A time, local (Asia/Shanghai) or RFC 3339, as act fields accept it.
    pub fn time(&self, v: &Value, field: &str) -> Result<Instant, Malformed> {
        let text = self.str(v, field)?;
        if let Ok(t) = text.parse::<Instant>() {
            return Ok(t);
        }
        parse_local(text).map_err(|e| self.err(field, e.to_string()))
    }

    pub fn check_keys(
        &self,
        t: &toml::Table,
        allowed: &[&str],
        what: &str,
    ) -> Result<(), Malformed> {
        for k in t.keys() {
            if !allowed.contains(&k.as_str()) {
                return Err(self.err(
                    k,
                    format!("unknown field for {what}; accepted: {}", allowed.join(", ")),
                ));
            }
        }
        Ok(())
    }
}

const HEADER: &[&str] = &[
    "title",
    "rulebook",
    "overrides",
    "staff",
    "step",
    "covers",
    "launch_date",
    "holidays",
    "workdays",
    "seed",
];
const STAFF: &[&str] = &["id", "name", "role", "team", "agency", "region"];
const EXPECT: &[&str] = &[
    "outcome",
    "owner",
    "receiver",
    "turn",
    "shares",
    "rule",
    "protected_until",
    "violation",
    "credited",
    "notify",
    "points",
    "fine",
    "violator",
];

/// Parses a scenario file's text.
pub fn parse(file: &str, text: &str) -> Result<Scenario, Malformed> {
    let h = P { file, step: 0 };
    let doc: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| h.err("(syntax)", e.to_string().replace('\n', " ")))?;
    h.check_keys(&doc, HEADER, "the header")?;
    let title = match doc.get("title") {
        Some(v) => h.str(v, "title")?.to_string(),
        None => String::new(),
    };
    let preset_name = doc
        .get("rulebook")
        .ok_or_else(|| h.err("rulebook", "missing; name a preset of RULES.md §3"))
        .and_then(|v| h.str(v, "rulebook"))?;
    let preset = Preset::parse(preset_name).map_err(|e| h.err("rulebook", e.to_string()))?;
    let mut overrides: BTreeMap<String, Value> = match doc.get("overrides") {
        Some(v) => h.table(v, "overrides")?.clone().into_iter().collect(),
        None => BTreeMap::new(),
    };
    if let Some(v) = doc.get("launch_date") {
        overrides.insert(
            "launch_date".into(),
            Value::String(h.str(v, "launch_date")?.to_string()),
        );
    }
    let mut rulebook = Rulebook::with_overrides(preset, &overrides)
        .map_err(|e| h.err("overrides", e.to_string()))?;
    for (key, set) in [("holidays", true), ("workdays", false)] {
        if let Some(v) = doc.get(key) {
            let arr = v
                .as_array()
                .ok_or_else(|| h.err(key, "must be a list of dates"))?;
            for d in arr {
                let d = parse_date(h.str(d, key)?).map_err(|e| h.err(key, e.to_string()))?;
                if set {
                    rulebook.calendar.holidays.insert(d);
                } else {
                    rulebook.calendar.workdays.insert(d);
                }
            }
        }
    }
    let seed = match doc.get("seed") {
        Some(v) => h.int(v, "seed")? as u64,
        None => 0,
    };
    let covers: Vec<String> = match doc.get("covers") {
        Some(v) => {
            let arr = v
                .as_array()
                .ok_or_else(|| h.err("covers", "must be a list of rule IDs"))?;
            arr.iter()
                .map(|x| {
                    let id = h.str(x, "covers")?;
                    rules::lookup(id).map(|r| r.id.to_string()).ok_or_else(|| {
                        h.err("covers", format!("{id:?} is not a rule ID of RULES.md"))
                    })
                })
                .collect::<Result<_, _>>()?
        }
        None => Vec::new(),
    };
    let mut directory = Directory::default();
    if let Some(v) = doc.get("staff") {
        let arr = v
            .as_array()
            .ok_or_else(|| h.err("staff", "must be [[staff]] entries"))?;
        for (i, s) in arr.iter().enumerate() {
            let field = |f: &str| format!("staff[{}].{f}", i + 1);
            let t = h.table(s, &field(""))?;
            for k in t.keys() {
                if !STAFF.contains(&k.as_str()) {
                    return Err(h.err(
                        &field(k),
                        format!("unknown field; accepted: {}", STAFF.join(", ")),
                    ));
                }
            }
            let get = |k: &str| -> Result<Option<String>, Malformed> {
                t.get(k)
                    .map(|v| h.str(v, &field(k)).map(str::to_string))
                    .transpose()
            };
            let id = get("id")?.ok_or_else(|| h.err(&field("id"), "missing"))?;
            if directory.get(&StaffId(id.clone())).is_some() {
                return Err(h.err(&field("id"), format!("duplicate handle {id:?}")));
            }
            let role_s = get("role")?.ok_or_else(|| h.err(&field("role"), "missing"))?;
            let role = Role::parse(&role_s).ok_or_else(|| {
                h.err(
                    &field("role"),
                    format!("{role_s:?}; accepted: {}", Role::NAMES),
                )
            })?;
            directory.staff.push(Staff {
                id: StaffId(id.clone()),
                name: get("name")?.unwrap_or(id),
                role,
                team: get("team")?,
                agency: get("agency")?,
                region: get("region")?,
                left: false,
            });
        }
    }
    let mut steps: Vec<Step> = Vec::new();
    let mut phones: Vec<(String, CustomerInput)> = Vec::new();
    let mut last: Option<Instant> = None;
    if let Some(v) = doc.get("step") {
        let arr = v
            .as_array()
            .ok_or_else(|| h.err("step", "must be [[step]] entries"))?;
        for (i, s) in arr.iter().enumerate() {
            let p = P { file, step: i + 1 };
            let t = p.table(s, "step")?;
            let act_name = t
                .get("act")
                .ok_or_else(|| p.err("act", format!("missing; accepted: {}", act::names_list())))
                .and_then(|v| p.str(v, "act"))?;
            let at = p.time(t.get("at").ok_or_else(|| p.err("at", "missing"))?, "at")?;
            if last.is_some_and(|l| at < l) {
                return Err(p.err("at", "steps must be in non-decreasing time order"));
            }
            last = Some(at);
            let project = match t.get("project") {
                Some(v) => {
                    if act_name == "status" || act_name == "resolve" {
                        return Err(p.err("project", format!("act {act_name} takes no project")));
                    }
                    p.str(v, "project")?.to_string()
                }
                None => "default".to_string(),
            };
            let act = step_act(&p, act_name, t, &directory, &mut phones, seed)?;
            let expect = t
                .get("expect")
                .map(|v| parse_expect(&p, v, &directory))
                .transpose()?;
            steps.push(Step {
                number: i + 1,
                command: Command { project, at, act },
                expect,
            });
        }
    }
    Ok(Scenario {
        file: file.to_string(),
        title,
        rulebook,
        directory,
        covers,
        steps,
    })
}

fn handle(p: &P, v: &Value, field: &str, dir: &Directory) -> Result<StaffId, Malformed> {
    let s = p.str(v, field)?;
    let id = StaffId(s.to_string());
    if dir.get(&id).is_none() {
        return Err(p.err(field, format!("unknown staff handle {s:?}")));
    }
    Ok(id)
}

/// A step's act: its own fields read by [`Act::from_fields`]; a customer given as an earlier
/// step's phone is that step's customer; then handles and parties are resolved.
fn step_act(
    p: &P,
    name: &str,
    t: &toml::Table,
    dir: &Directory,
    phones: &mut Vec<(String, CustomerInput)>,
    seed: u64,
) -> Result<Act, Malformed> {
    let mut fields = serde_json::Map::new();
    for (k, v) in t {
        if !STEP_KEYS.contains(&k.as_str()) {
            let v = serde_json::to_value(v).map_err(|e| p.err(k, e.to_string()))?;
            fields.insert(k.clone(), v);
        }
    }
    let by_phone = matches!(t.get("customer"), Some(Value::String(_)));
    let wrong = |e: act::FieldError| p.err(&e.field, e.detail);
    let mut act = Act::from_fields(name, fields).map_err(wrong)?;
    if let Some(c) = act.customer_mut() {
        if by_phone {
            let written = c.phone.clone().unwrap_or_default();
            if let Some((_, earlier)) = phones.iter().find(|(ph, _)| *ph == written) {
                *c = earlier.clone();
            } else if written.contains('@') {
                // An e-mail stands for the customer given with it (SF-FIELDS: phone or e-mail).
                c.phone = None;
                c.email = Some(written);
            }
        } else {
            for key in [c.phone.clone(), c.email.clone()].into_iter().flatten() {
                if !phones.iter().any(|(x, _)| *x == key) {
                    phones.push((key, c.clone()));
                }
            }
        }
    }
    act.resolve(dir, seed).map_err(wrong)
}

/// The keys of a step that are not the act's own fields.
const STEP_KEYS: &[&str] = &["at", "act", "expect", "project"];

fn party(p: &P, v: &Value, field: &str, dir: &Directory) -> Result<Party, Malformed> {
    let s = p.str(v, field)?;
    dir.parse_party(s).ok_or_else(|| {
        p.err(field, format!("{s:?} is not a party: a staff handle, an agency name, pool, company, department or team:<name>"))
    })
}

fn shares(
    p: &P,
    v: &Value,
    field: &str,
    dir: &Directory,
) -> Result<BTreeMap<Party, u32>, Malformed> {
    let t = p.table(v, field)?;
    let mut out = BTreeMap::new();
    for (k, n) in t {
        let party = dir
            .parse_party(k)
            .ok_or_else(|| p.err(field, format!("{k:?} is not a party")))?;
        let n = p.int(n, field)?;
        if !(0..=100).contains(&n) {
            return Err(p.err(field, format!("share {n} is not a percentage")));
        }
        *out.entry(party).or_insert(0) += n as u32;
    }
    Ok(out)
}

fn parse_expect(p: &P, v: &Value, dir: &Directory) -> Result<Expect, Malformed> {
    let t = p.table(v, "expect")?;
    for k in t.keys() {
        if !EXPECT.contains(&k.as_str()) {
            return Err(p.err(
                &format!("expect.{k}"),
                format!("unknown expectation; accepted: {}", EXPECT.join(", ")),
            ));
        }
    }
    let f = |k: &str| format!("expect.{k}");
    let rule_id = |k: &str| -> Result<Option<String>, Malformed> {
        t.get(k)
            .map(|v| {
                let s = p.str(v, &f(k))?;
                rules::lookup(s)
                    .map(|r| r.id.to_string())
                    .ok_or_else(|| p.err(&f(k), format!("{s:?} is not a rule ID of RULES.md")))
            })
            .transpose()
    };
    Ok(Expect {
        outcome: t
            .get("outcome")
            .map(|v| {
                let s = p.str(v, &f("outcome"))?;
                Outcome::parse(s).ok_or_else(|| {
                    p.err(
                        &f("outcome"),
                        format!("{s:?}; accepted: accepted, rejected, pending, invalid, confirmed"),
                    )
                })
            })
            .transpose()?,
        owner: t
            .get("owner")
            .map(|v| party(p, v, &f("owner"), dir))
            .transpose()?,
        receiver: t
            .get("receiver")
            .map(|v| handle(p, v, &f("receiver"), dir))
            .transpose()?,
        turn: t.get("turn").map(|v| p.bool(v, &f("turn"))).transpose()?,
        shares: t
            .get("shares")
            .map(|v| shares(p, v, &f("shares"), dir))
            .transpose()?,
        rule: rule_id("rule")?,
        protected_until: t
            .get("protected_until")
            .map(|v| {
                let s = p.str(v, &f("protected_until"))?;
                if s == "none" {
                    Ok(s.to_string())
                } else {
                    parse_local(s)
                        .map(format_local)
                        .map_err(|e| p.err(&f("protected_until"), e.to_string()))
                }
            })
            .transpose()?,
        violation: rule_id("violation")?,
        credited: t
            .get("credited")
            .map(|v| party(p, v, &f("credited"), dir))
            .transpose()?,
        notify: t
            .get("notify")
            .map(|v| {
                let a = v
                    .as_array()
                    .ok_or_else(|| p.err(&f("notify"), "must be a list of parties"))?;
                a.iter().map(|x| party(p, x, &f("notify"), dir)).collect()
            })
            .transpose()?,
        points: t
            .get("points")
            .map(|v| {
                let n = p.int(v, &f("points"))?;
                u32::try_from(n).map_err(|_| p.err(&f("points"), format!("{n} is not a count")))
            })
            .transpose()?,
        fine: t
            .get("fine")
            .map(|v| match v.as_str() {
                Some("none") => Ok(None),
                _ => p.int(v, &f("fine")).map(Some),
            })
            .transpose()?,
        violator: t
            .get("violator")
            .map(|v| party(p, v, &f("violator"), dir))
            .transpose()?,
    })
}

/// Compares a verdict with an expectation; returns the mismatches.
pub fn check(e: &Expect, v: &Verdict) -> Vec<String> {
    let mut out = Vec::new();
    let mut cmp = |field: &str, want: String, got: String| {
        if want != got {
            out.push(format!("{field}: expected {want}, got {got}"));
        }
    };
    let party_s = |p: &Option<Party>| {
        p.as_ref()
            .map(|x| x.to_string())
            .unwrap_or_else(|| "(none)".into())
    };
    if let Some(o) = e.outcome {
        cmp("outcome", o.name().into(), v.outcome.name().into());
    }
    if let Some(o) = &e.owner {
        cmp("owner", o.to_string(), party_s(&v.owner));
    }
    if let Some(r) = &e.receiver {
        cmp(
            "receiver",
            r.0.clone(),
            v.receiver
                .as_ref()
                .map(|x| x.0.clone())
                .unwrap_or_else(|| "(none)".into()),
        );
    }
    if let Some(t) = e.turn {
        cmp(
            "turn",
            t.to_string(),
            v.turn
                .map(|x| x.to_string())
                .unwrap_or_else(|| "(none)".into()),
        );
    }
    if let Some(s) = &e.shares {
        let fmt = |m: &BTreeMap<Party, u32>| {
            m.iter()
                .map(|(p, n)| format!("{p}={n}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let got: BTreeMap<Party, u32> = v.shares.iter().cloned().collect();
        cmp(
            "shares",
            format!("{{{}}}", fmt(s)),
            format!("{{{}}}", fmt(&got)),
        );
    }
    if let Some(r) = &e.rule {
        cmp("rule", r.clone(), v.rule.clone());
    }
    if let Some(u) = &e.protected_until {
        cmp(
            "protected_until",
            u.clone(),
            v.protected_until
                .map(|x| x.display())
                .unwrap_or_else(|| "(no protection)".into()),
        );
    }
    if let Some(r) = &e.violation {
        let got: Vec<&str> = v.violations.iter().map(|x| x.rule.as_str()).collect();
        let shown = if got.contains(&r.as_str()) {
            r.clone()
        } else {
            format!("[{}]", got.join(", "))
        };
        cmp("violation", r.clone(), shown);
    }
    if let Some(n) = e.points {
        let got = v.points.as_ref().map(|p| p.points).unwrap_or(0);
        cmp("points", n.to_string(), got.to_string());
    }
    if e.fine.is_some() || e.violator.is_some() {
        let of_rule: Vec<&crate::verdict::Violation> = v
            .violations
            .iter()
            .filter(|x| e.violation.as_ref().is_none_or(|r| &x.rule == r))
            .collect();
        let amount = |a: Option<i64>| a.map(|n| n.to_string()).unwrap_or_else(|| "none".into());
        if let Some(want) = e.fine {
            let hit = of_rule.iter().any(|x| x.amount == want);
            let got: Vec<String> = of_rule.iter().map(|x| amount(x.amount)).collect();
            if !hit {
                cmp("fine", amount(want), format!("[{}]", got.join(", ")));
            }
        }
        if let Some(want) = &e.violator {
            let hit = of_rule.iter().any(|x| &x.staff == want);
            let got: Vec<String> = of_rule.iter().map(|x| x.staff.to_string()).collect();
            if !hit {
                cmp(
                    "violator",
                    want.to_string(),
                    format!("[{}]", got.join(", ")),
                );
            }
        }
    }
    if let Some(c) = &e.credited {
        cmp("credited", c.to_string(), party_s(&v.credited));
    }
    if let Some(n) = &e.notify {
        let mut want: Vec<String> = n.iter().map(|p| p.to_string()).collect();
        let mut got: Vec<String> = v.notify.iter().map(|p| p.to_string()).collect();
        want.sort();
        got.sort();
        cmp(
            "notify",
            format!("[{}]", want.join(", ")),
            format!("[{}]", got.join(", ")),
        );
    }
    out
}
