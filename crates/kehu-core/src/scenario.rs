//! Scenario files (../shared/spec/SCENARIOS.md): parsing with precise errors, and checking a
//! verdict against a step's expectations. The act grammar is also the API's: a request's act is
//! a scenario step (see [`parse_act`]).

use crate::model::{
    Act, Channel, Command, ContactKind, CustomerInput, DepositKind, Directory, Party, Presence,
    RegKind, Relation, Role, Staff, StaffId,
};
use crate::name::Gender;
use crate::policy::{Preset, Rulebook};
use crate::rules;
use crate::time::{format_local, parse_date, parse_local, parse_until, Instant};
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

/// Where a value is being read: names the file (or request) and step in errors.
/// The largest amount of money an act may carry, in yuan (一万亿).
pub const MAX_AMOUNT: i64 = 1_000_000_000_000;

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

    /// An amount of money in yuan: a whole number from 0 to [`MAX_AMOUNT`] (a trillion yuan, far
    /// above any one deal, and low enough that a million of them add up without overflow).
    fn money(&self, v: &Value, field: &str) -> Result<i64, Malformed> {
        let n = self.int(v, field)?;
        if !(0..=MAX_AMOUNT).contains(&n) {
            return Err(self.err(
                field,
                format!("must be a number of yuan from 0 to {MAX_AMOUNT}, got {n}"),
            ));
        }
        Ok(n)
    }

    pub fn time(&self, v: &Value, field: &str) -> Result<Instant, Malformed> {
        parse_local(self.str(v, field)?).map_err(|e| self.err(field, e.to_string()))
    }

    fn until(&self, v: &Value, field: &str) -> Result<Instant, Malformed> {
        parse_until(self.str(v, field)?).map_err(|e| self.err(field, e.to_string()))
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
];
const CUSTOMER: &[&str] = &[
    "name",
    "phone",
    "gender",
    "address",
    "id_no",
    "household_of",
    "relation",
];

pub fn act_fields(act: &str) -> Option<&'static [&'static str]> {
    Some(match act {
        "register" => &[
            "by", "customer", "channel", "kind", "visit_at", "inbound", "region", "signed",
        ],
        "visit" => &[
            "customer",
            "brought_by",
            "names",
            "designates",
            "refuses",
            "complains_about",
            "forgot",
            "referred_by",
        ],
        "walk_in" => &["customer", "taken_by"],
        "confirm" => &["by", "customer", "signed_by"],
        "contact" => &["by", "customer", "kind"],
        "deposit" => &["customer", "amount", "kind", "unit"],
        "deal" => &[
            "customer",
            "amount",
            "closed_by",
            "helped_by",
            "knowing",
            "named",
            "group_purchase",
        ],
        "claim" => &["by", "customer", "evidence"],
        "consent" => &["by", "to", "customer"],
        "status" => &["staff", "state"],
        "resolve" => &["by", "customer", "owner", "shares"],
        "query" => &["customer"],
        "extend" => &["by", "customer", "until"],
        "duty" => &["team", "until"],
        "event" => &["until", "name"],
        "reassign" => &["by", "from", "to"],
        _ => return None,
    })
}

pub const ACTS: &str = "register, visit, walk_in, confirm, contact, deposit, deal, claim, consent, status, resolve, query, extend, duty, event, reassign";

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
                .ok_or_else(|| p.err("act", format!("missing; accepted: {ACTS}")))
                .and_then(|v| p.str(v, "act"))?;
            let fields = act_fields(act_name).ok_or_else(|| {
                p.err("act", format!("unknown act {act_name:?}; accepted: {ACTS}"))
            })?;
            for k in t.keys() {
                if !["at", "act", "expect", "project"].contains(&k.as_str())
                    && !fields.contains(&k.as_str())
                {
                    return Err(p.err(k, format!("unknown field for act {act_name}; accepted: at, act, expect, project, {}", fields.join(", "))));
                }
            }
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
            let act = parse_act(&p, act_name, t, &directory, &mut phones, seed)?;
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

fn handles(p: &P, v: &Value, field: &str, dir: &Directory) -> Result<Vec<StaffId>, Malformed> {
    match v {
        Value::Array(a) => a.iter().map(|x| handle(p, x, field, dir)).collect(),
        Value::String(_) => Ok(vec![handle(p, v, field, dir)?]),
        _ => Err(p.err(field, "must be a list of staff handles")),
    }
}

fn parse_customer(
    p: &P,
    v: &Value,
    phones: &mut Vec<(String, CustomerInput)>,
) -> Result<CustomerInput, Malformed> {
    match v {
        Value::String(s) => Ok(phones
            .iter()
            .find(|(ph, _)| ph == s)
            .map(|(_, c)| c.clone())
            .unwrap_or_else(|| CustomerInput {
                phone: Some(s.clone()),
                ..CustomerInput::default()
            })),
        Value::Table(t) => {
            p.check_keys(t, CUSTOMER, "customer").map_err(|mut e| {
                e.field = format!("customer.{}", e.field);
                e
            })?;
            let get = |k: &str| -> Result<Option<String>, Malformed> {
                t.get(k)
                    .map(|v| p.str(v, &format!("customer.{k}")).map(str::to_string))
                    .transpose()
            };
            let gender = match get("gender")? {
                Some(g) => Some(Gender::parse(&g).ok_or_else(|| {
                    p.err("customer.gender", format!("{g:?}; accepted: male, female"))
                })?),
                None => None,
            };
            let relation = match get("relation")?.as_deref() {
                Some("spouse") => Some(Relation::Spouse),
                Some("parent") => Some(Relation::Parent),
                Some("child") => Some(Relation::Child),
                Some(r) => {
                    return Err(p.err(
                        "customer.relation",
                        format!("{r:?}; accepted: spouse, parent, child"),
                    ))
                }
                None => None,
            };
            let c = CustomerInput {
                name: get("name")?,
                phone: get("phone")?,
                gender,
                address: get("address")?,
                id_no: get("id_no")?,
                household_of: get("household_of")?,
                relation,
            };
            if let Some(ph) = &c.phone {
                if !phones.iter().any(|(x, _)| x == ph) {
                    phones.push((ph.clone(), c.clone()));
                }
            }
            Ok(c)
        }
        _ => Err(p.err(
            "customer",
            "must be a table or an earlier step's phone string",
        )),
    }
}

fn enum_field<T>(
    p: &P,
    t: &toml::Table,
    field: &str,
    accepted: &str,
    f: impl Fn(&str) -> Option<T>,
) -> Result<Option<T>, Malformed> {
    t.get(field)
        .map(|v| {
            let s = p.str(v, field)?;
            f(s).ok_or_else(|| p.err(field, format!("{s:?}; accepted: {accepted}")))
        })
        .transpose()
}

pub fn parse_act(
    p: &P,
    name: &str,
    t: &toml::Table,
    dir: &Directory,
    phones: &mut Vec<(String, CustomerInput)>,
    seed: u64,
) -> Result<Act, Malformed> {
    let req = |k: &str| {
        t.get(k)
            .ok_or_else(|| p.err(k, format!("missing; act {name} needs it")))
    };
    let opt_handle = |k: &str| t.get(k).map(|v| handle(p, v, k, dir)).transpose();
    let opt_bool = |k: &str| t.get(k).map(|v| p.bool(v, k)).transpose();
    let customer = |phones: &mut Vec<(String, CustomerInput)>| -> Result<CustomerInput, Malformed> {
        parse_customer(p, req("customer")?, phones)
    };
    Ok(match name {
        "register" => Act::Register {
            by: handle(p, req("by")?, "by", dir)?,
            customer: customer(phones)?,
            channel: enum_field(p, t, "channel", Channel::NAMES, Channel::parse)?
                .unwrap_or_default(),
            kind: enum_field(p, t, "kind", RegKind::NAMES, RegKind::parse)?.unwrap_or_default(),
            visit_at: t
                .get("visit_at")
                .map(|v| p.time(v, "visit_at"))
                .transpose()?,
            inbound: opt_bool("inbound")?.unwrap_or(false),
            region: t
                .get("region")
                .map(|v| p.str(v, "region").map(str::to_string))
                .transpose()?,
            signed: opt_bool("signed")?.unwrap_or(true),
        },
        "visit" => Act::Visit {
            customer: customer(phones)?,
            brought_by: opt_handle("brought_by")?,
            names: t
                .get("names")
                .map(|v| handles(p, v, "names", dir))
                .transpose()?
                .unwrap_or_default(),
            designates: opt_handle("designates")?,
            refuses: opt_handle("refuses")?,
            complains_about: opt_handle("complains_about")?,
            forgot: opt_bool("forgot")?.unwrap_or(false),
            referred_by: t
                .get("referred_by")
                .map(|v| p.str(v, "referred_by").map(str::to_string))
                .transpose()?,
        },
        "walk_in" => Act::WalkIn {
            customer: t
                .get("customer")
                .map(|v| parse_customer(p, v, phones))
                .transpose()?,
            taken_by: opt_handle("taken_by")?,
        },
        "confirm" => Act::Confirm {
            by: handle(p, req("by")?, "by", dir)?,
            customer: customer(phones)?,
            signed_by: t
                .get("signed_by")
                .map(|v| handles(p, v, "signed_by", dir))
                .transpose()?
                .unwrap_or_default(),
        },
        "contact" => Act::Contact {
            by: handle(p, req("by")?, "by", dir)?,
            customer: customer(phones)?,
            kind: enum_field(
                p,
                t,
                "kind",
                "call, visit, message, invite, home_visit",
                |s| {
                    Some(match s {
                        "call" => ContactKind::Call,
                        "visit" => ContactKind::Visit,
                        "message" => ContactKind::Message,
                        "invite" => ContactKind::Invite,
                        "home_visit" => ContactKind::HomeVisit,
                        _ => return None,
                    })
                },
            )?
            .unwrap_or_default(),
        },
        "deposit" => Act::Deposit {
            customer: customer(phones)?,
            amount: t
                .get("amount")
                .map(|v| p.money(v, "amount"))
                .transpose()?
                .unwrap_or(0),
            kind: enum_field(p, t, "kind", "small, large, deposit", |s| match s {
                "small" => Some(DepositKind::Small),
                "large" => Some(DepositKind::Large),
                "deposit" => Some(DepositKind::Deposit),
                _ => None,
            })?
            .unwrap_or_default(),
            unit: t
                .get("unit")
                .map(|v| p.str(v, "unit").map(str::to_string))
                .transpose()?,
        },
        "deal" => Act::Deal {
            customer: customer(phones)?,
            amount: t
                .get("amount")
                .map(|v| p.money(v, "amount"))
                .transpose()?
                .unwrap_or(0),
            closed_by: opt_handle("closed_by")?,
            helped_by: t
                .get("helped_by")
                .map(|v| handles(p, v, "helped_by", dir))
                .transpose()?
                .unwrap_or_default(),
            knowing: opt_bool("knowing")?,
            named: opt_handle("named")?,
            group_purchase: opt_bool("group_purchase")?.unwrap_or(false),
        },
        "claim" => Act::Claim {
            by: handle(p, req("by")?, "by", dir)?,
            customer: customer(phones)?,
            evidence: t
                .get("evidence")
                .map(|v| p.str(v, "evidence").map(str::to_string))
                .transpose()?,
        },
        "consent" => Act::Consent {
            by: handle(p, req("by")?, "by", dir)?,
            to: handle(p, req("to")?, "to", dir)?,
            customer: customer(phones)?,
        },
        "status" => {
            let s = p.str(req("state")?, "state")?;
            Act::Status {
                staff: handle(p, req("staff")?, "staff", dir)?,
                state: Presence::parse(s).ok_or_else(|| {
                    p.err("state", format!("{s:?}; accepted: {}", Presence::NAMES))
                })?,
            }
        }
        "resolve" => Act::Resolve {
            by: handle(p, req("by")?, "by", dir)?,
            customer: customer(phones)?,
            owner: t
                .get("owner")
                .map(|v| party(p, v, "owner", dir))
                .transpose()?,
            shares: t
                .get("shares")
                .map(|v| shares(p, v, "shares", dir).map(|m| m.into_iter().collect()))
                .transpose()?,
        },
        "query" => Act::Query {
            customer: customer(phones)?,
        },
        "extend" => Act::Extend {
            by: handle(p, req("by")?, "by", dir)?,
            customer: customer(phones)?,
            until: p.until(req("until")?, "until")?,
        },
        "duty" => Act::Duty {
            team: p.str(req("team")?, "team")?.to_string(),
            until: p.until(req("until")?, "until")?,
        },
        "event" => Act::Event {
            until: p.until(req("until")?, "until")?,
            name: t
                .get("name")
                .map(|v| p.str(v, "name").map(str::to_string))
                .transpose()?
                .unwrap_or_default(),
        },
        "reassign" => Act::Reassign {
            by: handle(p, req("by")?, "by", dir)?,
            from: handle(p, req("from")?, "from", dir)?,
            to: t.get("to").map(|v| handles(p, v, "to", dir)).transpose()?,
            seed,
        },
        _ => return Err(p.err("act", format!("unknown act {name:?}; accepted: {ACTS}"))),
    })
}

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
