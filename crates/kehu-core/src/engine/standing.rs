//! A customer's standing at an instant: owner, protection end and the rule that protects it.

use super::Ctx;
use crate::model::{Act, ContactKind, Party, Presence};
use crate::policy::Preset;
use crate::rules::{self, RuleId};
use crate::state::{Event, Holding, View};
use crate::time::{end_of_day, start_of_day, window_end, Instant, Length};
use crate::verdict::{EventRef, Outcome, Until};

/// Who owns a customer at `now` and how.
#[derive(Debug, Clone, PartialEq)]
pub struct Standing {
    /// `Pool` when nobody holds a valid claim.
    pub owner: Party,
    pub until: Option<Until>,
    /// Whether another party's claim is refused now.
    pub protected: bool,
    pub rule: RuleId,
    /// The claim behind it (also when it has lapsed).
    pub holding: Option<Holding>,
    /// The rule by which the owner came to hold it, when it differs from the protecting rule
    /// (TR-LEFT: a team holds its leaver's customer); a query cites it.
    pub via: Option<RuleId>,
    pub relied: Vec<EventRef>,
}

impl Standing {
    pub fn pool(rule: RuleId) -> Standing {
        Standing {
            owner: Party::Pool,
            until: None,
            protected: false,
            rule,
            holding: None,
            via: None,
            relied: Vec::new(),
        }
    }

    /// The previous holder, when the claim lapsed (for takeovers).
    pub fn lapsed_holder(&self) -> Option<&Party> {
        match (&self.holding, self.protected) {
            (Some(h), false) if h.party.is_owner() => Some(&h.party),
            _ => None,
        }
    }
}

impl Ctx<'_> {
    /// Events in which `p` was active for the customer: accepted registrations and receptions,
    /// visits they brought or received, logged contacts, confirmations.
    pub(crate) fn activity<'v>(&self, view: &'v View, p: &Party) -> Vec<&'v Event> {
        view.events
            .iter()
            .filter(|e| self.is_activity_of(e, p))
            .collect()
    }

    pub(crate) fn is_activity_of(&self, e: &Event, p: &Party) -> bool {
        let ok = matches!(
            e.verdict.outcome,
            Outcome::Accepted | Outcome::Confirmed | Outcome::Pending
        );
        match &e.act {
            Act::Register { by, .. } => ok && &self.party(by) == p,
            Act::Contact { by, .. } => &self.party(by) == p,
            Act::Confirm { by, .. } => {
                e.verdict.outcome == Outcome::Confirmed && &self.party(by) == p
            }
            Act::Visit { brought_by, .. } => {
                brought_by.as_ref().is_some_and(|b| &self.party(b) == p)
                    || e.verdict
                        .receiver
                        .as_ref()
                        .is_some_and(|r| &self.party(r) == p)
            }
            Act::WalkIn { .. } => e
                .verdict
                .receiver
                .as_ref()
                .is_some_and(|r| &self.party(r) == p),
            _ => false,
        }
    }

    /// Accepted registrations by `p` and receptions recorded for `p` (visitor-register entries).
    pub(crate) fn registrations<'v>(&self, view: &'v View, p: &Party) -> Vec<&'v Event> {
        view.events
            .iter()
            .filter(|e| match &e.act {
                Act::Register { by, kind, .. } => {
                    matches!(e.verdict.outcome, Outcome::Accepted | Outcome::Pending)
                        && &self.party(by) == p
                        && !(self.preset == Preset::ChannelLaunch
                            && *kind == crate::model::RegKind::Pre)
                }
                Act::WalkIn { .. } | Act::Visit { .. } => e
                    .verdict
                    .receiver
                    .as_ref()
                    .is_some_and(|r| &self.party(r) == p)
                    || e.effects.iter().any(
                        |x| matches!(x, crate::state::Effect::Holder { party, .. } if party == p),
                    ),
                _ => false,
            })
            .collect()
    }

    /// The instant a visit counted for agency `p` (CS-CONFIRM, CD-CONFIRM, CD-SELF), first one.
    pub(crate) fn first_counted_visit(
        &self,
        view: &View,
        p: &Party,
        since: Instant,
    ) -> Option<Instant> {
        view.events
            .iter()
            .filter(|e| e.at >= since)
            .find_map(|e| match &e.act {
                Act::Confirm { by, .. }
                    if e.verdict.outcome == Outcome::Confirmed && &self.party(by) == p =>
                {
                    Some(super::confirmed_visit_at(view, e))
                }
                Act::Visit { .. }
                    if e.verdict.rule == rules::CD_SELF.0
                        && e.verdict.owner.as_ref() == Some(p)
                        && e.verdict.outcome == Outcome::Accepted =>
                {
                    Some(e.at)
                }
                _ => None,
            })
    }

    fn end(&self, start: Instant, len: Length) -> Instant {
        window_end(start, len, self.params.counting)
    }

    /// The standing of one holding at `now`.
    fn standing_of(&self, view: &View, h: &Holding) -> Standing {
        let now = self.now;
        let mut relied: Vec<EventRef> = view
            .events
            .iter()
            .filter(|e| e.seq == h.seq)
            .map(Event::reference)
            .collect();
        let mk = |owner: Party,
                  until: Option<Until>,
                  protected: bool,
                  rule: RuleId,
                  relied: Vec<EventRef>| Standing {
            owner: if protected { owner } else { Party::Pool },
            until: if protected { until } else { None },
            protected,
            rule,
            holding: Some(h.clone()),
            via: None,
            relied,
        };
        let p = &h.party;
        match p {
            Party::Pool => return mk(Party::Pool, None, false, rule_of(&h.rule), relied),
            Party::Company | Party::Department | Party::Team(_) => {
                return mk(p.clone(), Some(Until::None), true, rule_of(&h.rule), relied)
            }
            _ => {}
        }
        let holder_left = p
            .staff()
            .is_some_and(|s| self.project.presence(s) == Presence::Left);
        let deposits: Vec<&Event> = view.acts("deposit").filter(|e| e.at >= h.since).collect();
        let latest = |evs: &[&Event]| evs.iter().map(|e| e.at).max();
        match self.preset {
            Preset::SiteRotation => {
                // SR-SIGNED: once a deal is signed the customer stays with its holder (the party
                // credited at signing, or whom a manager reassigned it to since), with no end.
                let signed: Vec<&Event> = view
                    .acts("deal")
                    .filter(|e| {
                        e.verdict.outcome == Outcome::Accepted && e.verdict.credited.is_some()
                    })
                    .collect();
                if !signed.is_empty() {
                    push_latest(&mut relied, &signed);
                    return mk(p.clone(), Some(Until::None), true, rules::SR_SIGNED, relied);
                }
                let acts = self.registrations(view, p);
                let last = latest(&acts).unwrap_or(h.since).max(h.since);
                let until = self.end_months(last, self.params.record_months);
                push_latest(&mut relied, &acts);
                mk(
                    p.clone(),
                    Some(Until::At(until)),
                    now < until,
                    rules::SR_VALID,
                    relied,
                )
            }
            Preset::SiteFirstReception => {
                if holder_left {
                    return if deposits.is_empty() {
                        mk(Party::Pool, None, false, rules::FR_LEFT, relied)
                    } else {
                        mk(
                            Party::Department,
                            Some(Until::None),
                            true,
                            rules::FR_LEFT,
                            relied,
                        )
                    };
                }
                let rule = if h.rule == rules::FR_COMPLAINT.0 {
                    rules::FR_COMPLAINT
                } else {
                    rules::FR_FIRST
                };
                mk(p.clone(), Some(Until::None), true, rule, relied)
            }
            Preset::TeamRegistration => {
                let (owner, acts) = match (holder_left, self.team_of(p)) {
                    (true, Some(team)) => {
                        let members = self.team_parties(&team);
                        let acts: Vec<&Event> = view
                            .events
                            .iter()
                            .filter(|e| members.iter().any(|m| self.is_activity_of(e, m)))
                            .collect();
                        (Party::Team(team), acts)
                    }
                    _ => (p.clone(), self.activity(view, p)),
                };
                // TR-ACTIVE: after the strict window the claim lives while the owner's last
                // contact is within the last 15 days; the first such gap ends it for good, and
                // contacts after that revive nothing.
                let strict = self.end(h.since, Length::Days(self.params.strict_days));
                let mut active = self.end(h.since, Length::Days(self.params.active_days));
                let mut times: Vec<Instant> = acts
                    .iter()
                    .map(|e| e.at)
                    .filter(|t| *t >= h.since)
                    .collect();
                times.sort();
                let mut counted: Vec<&Event> = Vec::new();
                for t in times {
                    if t >= strict.max(active) {
                        break;
                    }
                    active = active.max(self.end(t, Length::Days(self.params.active_days)));
                    counted.extend(acts.iter().copied().filter(|e| e.at == t));
                }
                let until = strict.max(active);
                push_latest(&mut relied, &counted);
                let rule = if now < strict {
                    rules::TR_PROTECT
                } else {
                    rules::TR_ACTIVE
                };
                let left = owner != *p;
                let mut s = mk(owner, Some(Until::At(until)), now < until, rule, relied);
                if left {
                    s.via = Some(rules::TR_LEFT);
                }
                s
            }
            Preset::StoreRegistration => {
                let regs = self.registrations(view, p);
                let last = latest(&regs).unwrap_or(h.since).max(h.since);
                let inquiry = self.end(last, Length::Days(self.params.inquiry_days));
                let dep =
                    latest(&deposits).map(|d| self.end(d, Length::Days(self.params.deposit_days)));
                push_latest(&mut relied, &deposits);
                let (until, rule) = match dep {
                    Some(d) if d >= inquiry => (d, rules::ST_DEPOSIT),
                    _ => (inquiry, rules::ST_INQUIRY),
                };
                mk(p.clone(), Some(Until::At(until)), now < until, rule, relied)
            }
            Preset::ChannelSms => {
                if let Some(v) = self.first_counted_visit(view, p, h.since) {
                    let until = self.end_months(v, self.params.visit_months);
                    return mk(
                        p.clone(),
                        Some(Until::At(until)),
                        now < until,
                        rules::CS_MONTH,
                        relied,
                    );
                }
                let regs = self.registrations(view, p);
                let lead_end = regs
                    .iter()
                    .filter_map(|e| match &e.act {
                        Act::Register {
                            visit_at: Some(v), ..
                        } => Some(end_of_day(*v)),
                        _ => None,
                    })
                    .max()
                    .unwrap_or(end_of_day(h.since));
                push_latest(&mut relied, &regs);
                mk(
                    p.clone(),
                    Some(Until::At(lead_end)),
                    now < lead_end,
                    rules::CS_LEAD,
                    relied,
                )
            }
            Preset::ChannelDistribution => {
                if let Some(v) = self.first_counted_visit(view, p, h.since) {
                    let until = self.end(v, Length::Days(self.params.confirm_days));
                    return mk(
                        p.clone(),
                        Some(Until::At(until)),
                        now < until,
                        rules::CD_30DAYS,
                        relied,
                    );
                }
                let regs = self.registrations(view, p);
                let last = latest(&regs).unwrap_or(h.since).max(h.since);
                let until = self.end(last, Length::Days(self.params.pre_days));
                push_latest(&mut relied, &regs);
                mk(
                    p.clone(),
                    Some(Until::At(until)),
                    now < until,
                    rules::CD_7DAYS,
                    relied,
                )
            }
            Preset::ChannelLaunch => {
                let regs = self.registrations(view, p);
                let r = latest(&regs).unwrap_or(h.since).max(h.since);
                let until = match self.params.launch_date {
                    Some(l) if crate::time::date_of(r) < l => {
                        l.tomorrow().map(start_of_day).unwrap_or(r)
                    }
                    _ => self.end(r, Length::Days(self.params.after_launch_days)),
                };
                push_latest(&mut relied, &regs);
                mk(
                    p.clone(),
                    Some(Until::At(until)),
                    now < until,
                    rules::CL_LAUNCH,
                    relied,
                )
            }
            Preset::B2bProtection => {
                let deals: Vec<&Event> = view
                    .acts("deal")
                    .filter(|e| e.at >= h.since && e.verdict.credited.as_ref() == Some(p))
                    .collect();
                if !deals.is_empty() {
                    let mut money = deals.clone();
                    money.extend(deposits.iter().copied());
                    let last = latest(&money).unwrap_or(h.since);
                    let until = self.end_months(last, self.params.idle_months);
                    push_latest(&mut relied, &money);
                    let rule = if now < until {
                        rules::BP_SALE
                    } else {
                        rules::BP_IDLE
                    };
                    return mk(p.clone(), Some(Until::At(until)), now < until, rule, relied);
                }
                let mut acts = self.registrations(view, p);
                acts.extend(view.events.iter().filter(|e| {
                    matches!(&e.act, Act::Contact { by, kind: ContactKind::Visit, .. } if &self.party(by) == p)
                        || matches!(&e.act, Act::Visit { brought_by: Some(b), .. } if &self.party(b) == p)
                }));
                let last = latest(&acts).unwrap_or(h.since).max(h.since);
                let until = self.end_months(last, self.params.b2b_visit_months);
                push_latest(&mut relied, &acts);
                // BP-IDLE: without sale or payment for 6 months the customer goes to the pool;
                // until then its salesperson stays named, though no longer protected.
                let idle = self.end_months(
                    latest(&deposits).unwrap_or(h.since).max(h.since),
                    self.params.idle_months,
                );
                if now >= until && now < idle {
                    let mut s = mk(p.clone(), None, false, rules::BP_VISIT, relied);
                    s.owner = p.clone();
                    return s;
                }
                let rule = if now >= idle {
                    rules::BP_IDLE
                } else {
                    rules::BP_VISIT
                };
                mk(p.clone(), Some(Until::At(until)), now < until, rule, relied)
            }
            Preset::DirectSales => self.direct_sales_standing(view, h, relied),
        }
    }

    fn end_months(&self, start: Instant, n: i64) -> Instant {
        self.end(start, Length::Months(n))
    }

    fn direct_sales_standing(
        &self,
        view: &View,
        h: &Holding,
        mut relied: Vec<EventRef>,
    ) -> Standing {
        let now = self.now;
        let p = &h.party;
        let f = h.since;
        let has_deal = view.acts("deal").any(|e| {
            e.at >= f
                && e.at
                    < self
                        .end_months(f, self.params.filing_months)
                        .max(self.extension(view, f).unwrap_or(f))
        });
        let end3 = if has_deal {
            None
        } else {
            Some(
                self.extension(view, f)
                    .unwrap_or_else(|| self.end_months(f, self.params.filing_months)),
            )
        };
        let contacts: Vec<&Event> = view
            .events
            .iter()
            .filter(|e| {
                matches!(&e.act, Act::Contact { by, .. } if &self.party(by) == p) && e.at >= f
            })
            .collect();
        push_latest(&mut relied, &contacts);
        let mk =
            |protected: bool, until: Option<Until>, rule: RuleId, relied: Vec<EventRef>| Standing {
                owner: if protected { p.clone() } else { Party::Pool },
                until: if protected { until } else { None },
                protected,
                rule,
                holding: Some(h.clone()),
                via: None,
                relied,
            };
        // DS-CADENCE: every month that has ended must have had its contacts.
        let mut k = 0i64;
        loop {
            let start = self.end_months(f, k);
            let end = self.end_months(f, k + 1);
            if end > now || end3.is_some_and(|e| start >= e) {
                break;
            }
            let n = contacts
                .iter()
                .filter(|e| e.at >= start && e.at < end)
                .count() as u32;
            let need = if k == 0 {
                self.params.first_month_contacts
            } else {
                self.params.later_month_contacts
            };
            if n < need && end3.is_none_or(|e| end <= e) {
                return mk(false, None, rules::DS_CADENCE, relied);
            }
            k += 1;
        }
        match end3 {
            Some(e) if now >= e => mk(false, None, rules::DS_3MONTHS, relied),
            Some(e) => mk(true, Some(Until::At(e)), rules::DS_CADENCE, relied),
            None => mk(true, Some(Until::None), rules::DS_CADENCE, relied),
        }
    }

    /// DS-3MONTHS: the latest extension granted after the filing.
    fn extension(&self, view: &View, since: Instant) -> Option<Instant> {
        view.acts("extend")
            .filter(|e| e.at >= since && e.verdict.outcome == Outcome::Accepted)
            .filter_map(|e| match &e.act {
                Act::Extend { until, .. } => Some(*until),
                _ => None,
            })
            .last()
    }

    /// The customer's standing at `now`, resolving overlapping records (BP-OVERLAP, CD-FIRST).
    pub(crate) fn standing(&self, view: Option<&View>) -> Standing {
        let Some(view) = view else {
            return Standing::pool(self.first_rule());
        };
        let holdings = view.distinct_holdings();
        match holdings.len() {
            0 => Standing::pool(self.first_rule()),
            1 => self.standing_of(view, &holdings[0]),
            _ => {
                let all: Vec<Standing> =
                    holdings.iter().map(|h| self.standing_of(view, h)).collect();
                let valid: Vec<&Standing> = all.iter().filter(|s| s.protected).collect();
                let pick = match self.preset {
                    Preset::B2bProtection => {
                        let with_orders: Vec<&&Standing> = valid
                            .iter()
                            .filter(|s| {
                                view.acts("deal")
                                    .any(|d| d.verdict.credited.as_ref() == Some(&s.owner))
                            })
                            .collect();
                        with_orders
                            .first()
                            .map(|s| (**s).clone())
                            .or_else(|| valid.first().map(|s| (*s).clone()))
                    }
                    _ => valid.first().map(|s| (*s).clone()),
                };
                match pick {
                    Some(mut s) if valid.len() > 1 => {
                        s.rule = match self.preset {
                            Preset::B2bProtection => rules::BP_OVERLAP,
                            Preset::ChannelDistribution => rules::CD_FIRST,
                            _ => s.rule,
                        };
                        s
                    }
                    Some(s) => s,
                    None => all
                        .into_iter()
                        .last()
                        .unwrap_or_else(|| Standing::pool(self.first_rule())),
                }
            }
        }
    }

    /// The rule that grants a first claim in this rulebook.
    pub(crate) fn first_rule(&self) -> RuleId {
        match self.preset {
            Preset::SiteRotation => rules::SR_FIRST,
            Preset::SiteFirstReception => rules::FR_FIRST,
            Preset::TeamRegistration => rules::TR_PROTECT,
            Preset::StoreRegistration => rules::ST_INQUIRY,
            Preset::ChannelSms => rules::CS_LEAD,
            Preset::ChannelDistribution => rules::CD_PRE,
            Preset::ChannelLaunch => rules::CL_LAUNCH,
            Preset::B2bProtection => rules::BP_VISIT,
            Preset::DirectSales => rules::DS_3MONTHS,
        }
    }
}

fn push_latest(relied: &mut Vec<EventRef>, evs: &[&Event]) {
    if let Some(e) = evs.iter().max_by_key(|e| e.seq) {
        if !relied.iter().any(|r| r.seq == e.seq) {
            relied.push(e.reference());
        }
    }
}

/// A rule ID from its text (ledger rows keep rules as strings).
pub(crate) fn rule_of(s: &str) -> RuleId {
    rules::lookup(s)
        .map(|r| RuleId(r.id))
        .unwrap_or(rules::G_CLAIM)
}
