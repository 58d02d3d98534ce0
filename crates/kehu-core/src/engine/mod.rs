//! The rule engine: `decide(context, command, now) -> Decision`.
//!
//! Pure: it reads only the values it is given (the rulebook, the directory, the project's state
//! and the history of the customers the act concerns) and never the clock (G-CLOCK).

pub(crate) mod acts;
pub mod aftercare;
pub mod credit;
pub(crate) mod deal;
pub mod due;
pub mod followup;
pub(crate) mod manage;
pub mod matters;
pub mod payments;
pub mod pipeline;
pub mod rotation;
pub mod sales_control;
pub(crate) mod standing;
pub(crate) mod work;

pub use crate::rulebooks::conference_marketing::deadline as list_deadline;
pub use crate::rulebooks::home_decoration::{dispatch_board, DesignerRow};
pub use standing::Standing;

use crate::model::{Act, Command, CustomerId, CustomerInput, Directory, Party, StaffId};
use crate::name::surnames_differ;
use crate::phone::{accepted_forms_message, MaskForm, Phone, PhoneError};
use crate::policy::{Params, Preset, Rulebook};
use crate::rules::{self, RuleId};
use crate::state::{Effect, Event, ProjectState, View};
use crate::time::{add_span_hours, same_day, Instant};
use crate::verdict::{DisputeOpened, Outcome, Verdict};

/// What the engine is given besides the command.
#[derive(Debug, Clone, Default)]
pub struct Context<'a> {
    pub directory: Option<&'a Directory>,
    pub rulebook: Option<&'a Rulebook>,
    pub project: ProjectState,
    /// Records whose phones match the act's customer phone (the store's index probes); the engine
    /// applies the same-customer test (G-MATCH) itself.
    pub candidates: Vec<View>,
    /// Records linked to the customer as household (家庭).
    pub household: Vec<View>,
    /// SR-REFERRAL: the referring customer.
    pub referrer: Option<View>,
    /// Reassign: the records currently held by the leaver; distribute: those held by the
    /// party leads are entered for.
    pub held_by: Vec<View>,
    /// DIST-CAP (with a cap set): the records each claiming party (the registrant, a
    /// distribution's recipients) holds.
    pub held: Vec<(Party, View)>,
}

/// Which customer records the event concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// No customer (status, duty, event) or nothing recorded for one.
    None,
    /// These existing records.
    Records(Vec<CustomerId>),
    /// A new record for the act's customer.
    New,
}

/// The engine's answer: the verdict, the effects to append with it and the records concerned.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub verdict: Verdict,
    pub effects: Vec<Effect>,
    pub target: Target,
}

/// Why the engine could not decide (a caller's mistake, not a rule's verdict).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    #[error("the context has no rulebook or directory")]
    MissingContext,
    #[error("unknown staff handle {0:?}")]
    UnknownStaff(String),
    /// The decision itself failed (a defect in the engine): the act is refused and recorded
    /// nowhere; the acts around it are decided as usual.
    #[error("the rule engine failed on this act and recorded nothing: {0}")]
    Failed(String),
}

/// Decides one command at `now`.
pub fn decide(ctx: &Context, cmd: &Command, now: Instant) -> Result<Decision, EngineError> {
    let (Some(rb), Some(dir)) = (ctx.rulebook, ctx.directory) else {
        return Err(EngineError::MissingContext);
    };
    for h in cmd.act.handles() {
        if dir.get(h).is_none() {
            return Err(EngineError::UnknownStaff(h.0.clone()));
        }
    }
    let view = select(cmd.act.customer(), &ctx.candidates);
    let c = Ctx {
        rb,
        params: &rb.params,
        preset: rb.preset,
        dir,
        project: &ctx.project,
        now,
        cmd,
        view,
        household: &ctx.household,
        referrer: ctx.referrer.as_ref(),
        held_by: &ctx.held_by,
        held: &ctx.held,
        candidates: &ctx.candidates,
    };
    Ok(c.run())
}

/// G-MATCH: the candidate records that are the act's customer, merged into one view.
pub fn select(input: Option<&CustomerInput>, candidates: &[View]) -> Option<View> {
    let input = input?;
    let name = input.name.as_deref();
    let phone = match input.identity() {
        Some(_) => None,
        None => Some(input.parsed_phone()?.ok()?),
    };
    let identity = input.identity();
    let mut ids = Vec::new();
    let mut events = Vec::new();
    for v in candidates {
        let same = match (&phone, &identity) {
            (Some(p), _) => same_customer(p, name, v),
            (None, Some(i)) => record_identity(v).as_ref() == Some(i),
            (None, None) => false,
        };
        if same {
            ids.extend(v.ids.iter().copied());
            events.extend(v.events.iter().cloned());
        }
    }
    if ids.is_empty() {
        return None;
    }
    ids.sort();
    ids.dedup();
    Some(View::new(ids, events))
}

/// A project's or an e-mail-only customer's identity (PF-PROJECT, SF-FIELDS): the first one the
/// record was given.
pub fn record_identity(v: &View) -> Option<String> {
    v.events
        .iter()
        .find_map(|e| e.act.customer().and_then(CustomerInput::identity))
}

/// The phones a record was given.
pub fn record_phones(v: &View) -> Vec<Phone> {
    let mut out: Vec<Phone> = Vec::new();
    for e in &v.events {
        if let Some(Ok(p)) = e.act.customer().and_then(CustomerInput::parsed_phone) {
            if !out.contains(&p) {
                out.push(p);
            }
        }
    }
    out
}

/// What a record's phones jointly know: their merge (every phone a record was given matched it
/// when given). `None` for a record without a phone.
pub fn record_phone(v: &View) -> Option<Phone> {
    let mut phones = record_phones(v).into_iter();
    let first = phones.next()?;
    Some(phones.fold(first, |acc, p| acc.merge(&p).unwrap_or(acc)))
}

/// G-MATCH same-customer test between a phone/name and a record: equal full numbers are the same
/// customer whatever the names; different full numbers never are; otherwise the phones must match
/// (one side masked) and the surnames must not differ.
pub fn same_customer(phone: &Phone, name: Option<&str>, v: &View) -> bool {
    let Some(known) = record_phone(v) else {
        return false;
    };
    if phone.is_full() && known.is_full() {
        return known == *phone;
    }
    if !known.matches(phone) {
        return false;
    }
    // The surname the record is known by: its first named entry.
    !surnames_differ(v.names().first().copied(), name)
}

/// Everything one decision needs, borrowed.
pub(crate) struct Ctx<'a> {
    pub rb: &'a Rulebook,
    pub params: &'a Params,
    pub preset: Preset,
    pub dir: &'a Directory,
    pub project: &'a ProjectState,
    pub now: Instant,
    pub cmd: &'a Command,
    pub view: Option<View>,
    pub household: &'a [View],
    pub referrer: Option<&'a View>,
    pub held_by: &'a [View],
    pub held: &'a [(Party, View)],
    pub candidates: &'a [View],
}

impl Ctx<'_> {
    pub(crate) fn run(&self) -> Decision {
        if let Some(c) = self.cmd.act.customer() {
            if let Err(v) = self.check_customer(c) {
                return self.decision(*v, Vec::new(), Target::None);
            }
        }
        // FUP-GRADE: a grade the project does not list.
        if let Some(v) = self.unknown_grade() {
            return self.decision(v, Vec::new(), Target::None);
        }
        // The rulebook's own acts, and its own reading of shared ones.
        if let Some(d) = self.family().own_act(self) {
            return d;
        }
        match &self.cmd.act {
            Act::Register(_) => self.register(),
            Act::Visit(_) => self.visit(),
            Act::WalkIn(_) => self.walk_in(),
            Act::Confirm(_) => self.confirm(),
            Act::Contact(_) => self.contact(),
            Act::Deposit(_) => self.deposit(),
            Act::Deal(_) => self.deal(),
            Act::Claim(_) => self.claim(),
            Act::Consent(_) => self.consent(),
            Act::Status(_) => self.status(),
            Act::Resolve(_) => self.resolve(),
            Act::Query(_) => self.query(),
            Act::Extend(_) => self.extend(),
            Act::Duty(_) => self.duty(),
            Act::Event(_) => self.event(),
            Act::Reassign(_) => self.reassign(),
            Act::Appoint(_) => self.appoint(),
            Act::Lead(_) => self.lead(),
            Act::Distribute(_) => self.distribute(),
            Act::Close(_) => self.close(),
            Act::GradeAct(_) => self.grade(),
            Act::Kept(_) => self.kept(),
            Act::PaymentDue(_) => self.payment_due_act(),
            Act::Paid(_) => self.paid_act(),
            Act::Dun(_) => self.dun_act(),
            Act::Breach(_) => self.breach_act(),
            Act::StageAct(_) => self.stage(),
            Act::Units(_) => self.units_act(),
            Act::Change(_) => self.change(),
            Act::Approve(_) => self.approve(),
            Act::Credit(_) => self.credit_act(),
            Act::OrderAct(_) => self.order_act(),
            Act::Terms(_) => self.terms_act(),
            Act::CreditNote(_) => self.credit_note(),
            Act::ReturnVisit(_) => self.return_visit(),
            Act::Missed(_) => self.missed(),
            Act::ReviewDue(_) => self.review_due_act(),
            Act::Warn(_) => self.warn(),
            Act::Lapse(_) => self.lapse(),
            _ => self.not_here(),
        }
    }

    /// G-PHONE (and ST-FIELDS for a store registration): the customer's phone must be in a form the
    /// rulebook accepts.
    pub(crate) fn check_customer(&self, c: &CustomerInput) -> Result<(), Box<Verdict>> {
        if let Some(v) = self.family().required_fields(self, c) {
            return Err(Box::new(v));
        }
        // A project, or a customer reached by e-mail, where the rulebook identifies them so.
        if c.identity().is_some() && self.family().identity_ok(c) {
            return Ok(());
        }
        let forms = &self.params.mask_forms;
        let check = |text: &str| -> Result<Phone, Box<Verdict>> {
            let p = Phone::parse(text).map_err(|e| {
                Verdict::new(
                    Outcome::Invalid,
                    rules::G_PHONE,
                    format!(
                        "手机号「{}」无法识别：{}；{} (phone {text:?}: {e}; {})",
                        zh_text(text),
                        phone_error_zh(&e),
                        accepted_forms_zh(forms),
                        accepted_forms_message(forms)
                    ),
                )
            })?;
            if let Some(f) = p.form() {
                if !forms.contains(&f) {
                    return Err(Box::new(Verdict::new(
                        Outcome::Invalid,
                        rules::G_PHONE,
                        format!(
                            "手机号「{}」是{}（{}）隐号，本规则不接受这种格式；{} (phone {text:?} is masked {} ({}), which this rulebook does not accept; {})",
                            zh_text(text),
                            f.zh(),
                            f.name(),
                            accepted_forms_zh(forms),
                            f.name(),
                            f.zh(),
                            accepted_forms_message(forms)
                        ),
                    )));
                }
            }
            Ok(p)
        };
        match c.phone.as_deref() {
            Some(t) => {
                check(t)?;
            }
            None => {
                // A missing required field cites the rulebook rule that requires it (G-EXPLAIN).
                let rule = self.family().missing_phone_rule(&self.cmd.act);
                return Err(Box::new(Verdict::new(
                    Outcome::Invalid,
                    rule,
                    format!(
                        "客户没有留手机号；{} (the customer has no phone; {})",
                        accepted_forms_zh(forms),
                        accepted_forms_message(forms)
                    ),
                )));
            }
        }
        if let Some(h) = c.household_of.as_deref() {
            check(h)?;
        }
        Ok(())
    }

    pub(crate) fn party(&self, s: &StaffId) -> Party {
        self.dir.party_of(s)
    }

    pub(crate) fn team_of(&self, p: &Party) -> Option<String> {
        p.staff()
            .and_then(|s| self.dir.get(s))
            .and_then(|s| s.team.clone())
    }

    pub(crate) fn team_parties(&self, team: &str) -> Vec<Party> {
        self.dir
            .staff
            .iter()
            .filter(|s| s.team.as_deref() == Some(team))
            .map(|s| s.party())
            .collect()
    }

    pub(crate) fn verdict(
        &self,
        outcome: Outcome,
        rule: RuleId,
        reason: impl Into<String>,
    ) -> Verdict {
        Verdict::new(outcome, rule, reason)
    }

    /// The verdict's owner and protection from a standing.
    pub(crate) fn with_standing(&self, mut v: Verdict, s: &Standing) -> Verdict {
        v.owner = Some(s.owner.clone());
        v.protected_until = s.until;
        for r in &s.relied {
            if !v.relied_on.contains(r) {
                v.relied_on.push(r.clone());
            }
        }
        v
    }

    /// The target for an act on the selected customer, creating a record when it is new.
    pub(crate) fn target(&self) -> Target {
        match &self.view {
            Some(v) => Target::Records(v.ids.clone()),
            None => Target::New,
        }
    }

    pub(crate) fn decision(
        &self,
        verdict: Verdict,
        effects: Vec<Effect>,
        target: Target,
    ) -> Decision {
        Decision {
            verdict,
            effects,
            target,
        }
    }

    /// The standing as it will be once this act's event is in the ledger.
    pub(crate) fn standing_after(&self, verdict: &Verdict, effects: &[Effect]) -> Standing {
        let ids = self
            .view
            .as_ref()
            .map(|v| v.ids.clone())
            .unwrap_or_else(|| vec![CustomerId(-1)]);
        let mut events = self
            .view
            .as_ref()
            .map(|v| v.events.clone())
            .unwrap_or_default();
        events.push(Event {
            seq: i64::MAX,
            project: self.cmd.project.clone(),
            at: self.cmd.at,
            customers: ids.clone(),
            act: self.cmd.act.clone(),
            verdict: verdict.clone(),
            effects: effects.to_vec(),
        });
        let v = View::new(ids, events);
        self.standing(Some(&v))
    }

    /// Finishes an accepted verdict: owner and protection as they stand after the act.
    pub(crate) fn settle(&self, mut v: Verdict, effects: &[Effect]) -> Verdict {
        let s = self.standing_after(&v, effects);
        v.owner = Some(s.owner.clone());
        v.protected_until = s.until;
        for r in s.relied {
            if r.seq != i64::MAX && !v.relied_on.contains(&r) {
                v.relied_on.push(r);
            }
        }
        v
    }

    /// Opens a dispute (G-DISPUTE) on the verdict: pending, a deadline, the owner notified.
    pub(crate) fn open_dispute(
        &self,
        mut v: Verdict,
        rule: RuleId,
        parties: Vec<Party>,
    ) -> Verdict {
        v.outcome = Outcome::Pending;
        let deadline = add_span_hours(self.now, self.params.dispute_hours);
        v.dispute = Some(DisputeOpened {
            rule: rule.0.to_string(),
            deadline,
            parties: parties.clone(),
        });
        if !self.silent() {
            for p in parties.into_iter().take(1) {
                if p.is_notifiable() && !v.notify.contains(&p) {
                    v.notify.push(p);
                }
            }
        }
        v
    }

    /// CL-SILENT: no collision or dispute notice before signing.
    pub(crate) fn silent(&self) -> bool {
        self.family().silent()
    }

    /// This rulebook's own rules (RULES.md §3).
    pub(crate) fn family(&self) -> &'static dyn crate::rulebooks::Family {
        let f = crate::rulebooks::family(self.preset);
        debug_assert_eq!(f.preset(), self.preset);
        f
    }

    /// G-NOTIFY: the owner is told when their customer visits without them.
    pub(crate) fn notify_absent_owner(&self, v: &mut Verdict, owner: &Party, present: &[Party]) {
        if owner.is_notifiable() && !present.contains(owner) && !v.notify.contains(owner) {
            v.notify.push(owner.clone());
        }
    }

    pub(crate) fn same_day(&self, t: Instant) -> bool {
        same_day(t, self.now)
    }
}

/// Text given by a user (a phone as typed, a team, an event, a handle, a region) for the Chinese
/// half of a bilingual reason `中文 (English)`: its ASCII brackets become full-width, so that the
/// Chinese half never holds the " (" at which the pages split the two halves (`Lang::pick`).
pub(crate) fn zh_text(s: impl std::fmt::Display) -> String {
    s.to_string().replace('(', "（").replace(')', "）")
}

/// The Chinese half of a phone that does not parse (G-PHONE).
fn phone_error_zh(e: &PhoneError) -> String {
    match e {
        PhoneError::Empty => "号码为空".to_string(),
        PhoneError::BadChar(c) => format!(
            "含有字符「{}」，既不是数字也不是隐号符（* x X ＊）",
            zh_text(c)
        ),
        PhoneError::Length(n) => format!("数字和隐号符共 {n} 位，手机号应为 11 位"),
        PhoneError::NotMobile => "手机号应以 1 开头".to_string(),
        PhoneError::MaskShape => "隐藏的位置不符合任何可接受的隐号格式".to_string(),
    }
}

/// The Chinese half of `accepted_forms_message`: the phone forms the rulebook accepts (G-PHONE).
fn accepted_forms_zh(forms: &[MaskForm]) -> String {
    let mut parts = vec!["完整11位手机号（如 13800138000）".to_string()];
    for f in forms {
        parts.push(format!("{}（{}，如 {}）", f.zh(), f.name(), f.example()));
    }
    format!("可接受的号码格式：{}", parts.join("；"))
}

/// The visit time a confirmation counts (CS-CONFIRM): a `visit` the same day before it, else the
/// confirmation's own time.
pub(crate) fn confirmed_visit_at(view: &View, confirm: &Event) -> Instant {
    view.events
        .iter()
        .filter(|e| e.seq < confirm.seq && e.act.name() == "visit" && same_day(e.at, confirm.at))
        .map(|e| e.at)
        .next()
        .unwrap_or(confirm.at)
}

/// G-SHARES: splits `total` points equally among parties in order of involvement; the remainder
/// goes one point at a time to the earliest.
pub fn equal_split(total: u32, parties: &[Party]) -> Vec<(Party, u32)> {
    if parties.is_empty() {
        return Vec::new();
    }
    let k = parties.len() as u32;
    let base = total / k;
    let mut rem = total % k;
    parties
        .iter()
        .map(|p| {
            let extra = if rem > 0 {
                rem -= 1;
                1
            } else {
                0
            };
            (p.clone(), base + extra)
        })
        .collect()
}

/// G-SHARES: the credited party when a rule names none: the largest share, on a tie the
/// earliest-involved party.
pub fn credited_by_shares(shares: &[(Party, u32)], involvement: &[Party]) -> Option<Party> {
    let max = shares.iter().map(|(_, s)| *s).max()?;
    let top: Vec<&Party> = shares
        .iter()
        .filter(|(_, s)| *s == max)
        .map(|(p, _)| p)
        .collect();
    involvement
        .iter()
        .find(|p| top.contains(p))
        .cloned()
        .or_else(|| top.first().map(|p| (*p).clone()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::act;

    /// A duty or event window that has ended leaves the project state when the next is set: the
    /// state sealed into each entry does not grow with every window.
    #[test]
    fn ended_windows_leave_the_project_state() {
        let t = |s: &str| crate::time::parse_local(s).unwrap();
        let rb = Rulebook::preset(crate::policy::Preset::TeamRegistration);
        let dir = Directory::default();
        let mut project = ProjectState::default();
        for (at, until, kept) in [
            ("2026-11-01 09:00", "2026-11-02 09:00", 1),
            ("2026-11-01 10:00", "2026-11-09 09:00", 2),
            ("2026-11-05 09:00", "2026-11-06 09:00", 2),
        ] {
            let ctx = Context {
                directory: Some(&dir),
                rulebook: Some(&rb),
                project: project.clone(),
                candidates: vec![],
                household: vec![],
                referrer: None,
                held_by: vec![],
                held: vec![],
            };
            let cmd = Command {
                project: "p".into(),
                at: t(at),
                act: Act::Duty(act::Duty {
                    team: "T".into(),
                    until: t(until),
                }),
            };
            let d = decide(&ctx, &cmd, t(at)).unwrap();
            let Some(Effect::ProjectChange(c)) = d.effects.first() else {
                panic!("{:?}", d.effects)
            };
            project.apply(c, t(at));
            assert_eq!(project.duties.len(), kept, "at {at}");
        }
        assert!(project.duty_at(t("2026-11-05 10:00")).is_some());
    }

    #[test]
    fn split_remainder_goes_to_earliest() {
        let ps: Vec<Party> = ["A", "B", "C"]
            .iter()
            .map(|s| Party::Staff(StaffId(s.to_string())))
            .collect();
        let s = equal_split(50, &ps);
        assert_eq!(s.iter().map(|x| x.1).collect::<Vec<_>>(), vec![17, 17, 16]);
        let sum: u32 = equal_split(100, &ps).iter().map(|x| x.1).sum();
        assert_eq!(sum, 100);
        let tie = vec![(ps[1].clone(), 50), (ps[0].clone(), 50)];
        assert_eq!(credited_by_shares(&tie, &ps), Some(ps[0].clone()));
    }
}
