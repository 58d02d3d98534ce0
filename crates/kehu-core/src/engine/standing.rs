//! A customer's standing at an instant: owner, protection end and the rule that protects it.

use super::Ctx;
use crate::act;
use crate::model::{Act, Party, Presence};
use crate::rules::{self, RuleId};
use crate::state::{Event, Holding, View};
use crate::time::{window_end, Instant, Length};
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
            Act::Register(act::Register { by, .. }) => ok && &self.party(by) == p,
            Act::Contact(act::Contact { by, .. }) => &self.party(by) == p,
            Act::Confirm(act::Confirm { by, .. }) => {
                e.verdict.outcome == Outcome::Confirmed && &self.party(by) == p
            }
            Act::Visit(act::Visit { brought_by, .. }) => {
                brought_by.as_ref().is_some_and(|b| &self.party(b) == p)
                    || e.verdict
                        .receiver
                        .as_ref()
                        .is_some_and(|r| &self.party(r) == p)
            }
            Act::WalkIn(_) => e
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
                Act::Register(act::Register { by, kind, .. }) => {
                    matches!(e.verdict.outcome, Outcome::Accepted | Outcome::Pending)
                        && &self.party(by) == p
                        && (*kind != crate::model::RegKind::Pre
                            || self.family().pre_registration_claims())
                }
                Act::WalkIn(_) | Act::Visit(_) => e
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
                Act::Confirm(act::Confirm { by, .. })
                    if e.verdict.outcome == Outcome::Confirmed && &self.party(by) == p =>
                {
                    Some(super::confirmed_visit_at(view, e))
                }
                Act::Visit(_)
                    if e.verdict.rule == rules::CD_SELF.0
                        && e.verdict.owner.as_ref() == Some(p)
                        && e.verdict.outcome == Outcome::Accepted =>
                {
                    Some(e.at)
                }
                _ => None,
            })
    }

    pub(crate) fn end(&self, start: Instant, len: Length) -> Instant {
        window_end(start, len, self.params.counting)
    }

    /// The standing of one holding at `now`.
    pub(crate) fn standing_of(&self, view: &View, h: &Holding) -> Standing {
        let _now = self.now;
        let relied: Vec<EventRef> = view
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
        self.family().standing(self, view, h, relied)
    }

    pub(crate) fn end_months(&self, start: Instant, n: i64) -> Instant {
        self.end(start, Length::Months(n))
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
                let picked = self.family().overlap(self, view, &valid);
                match picked {
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
        self.family().first_rule()
    }

    /// Whether the holder (a salesperson) has left (SEC-LEAVE).
    pub(crate) fn holder_left(&self, p: &Party) -> bool {
        p.staff()
            .is_some_and(|s| self.project.presence(s) == Presence::Left)
    }

    /// The deposits paid since `since`.
    pub(crate) fn deposits_since<'v>(&self, view: &'v View, since: Instant) -> Vec<&'v Event> {
        view.acts("deposit").filter(|e| e.at >= since).collect()
    }
}

/// A standing of holding `h`: the owner and end only while protected (else the pool's).
pub(crate) fn mk_standing(
    h: &Holding,
    owner: Party,
    until: Option<Until>,
    protected: bool,
    rule: RuleId,
    relied: Vec<EventRef>,
) -> Standing {
    Standing {
        owner: if protected { owner } else { Party::Pool },
        until: if protected { until } else { None },
        protected,
        rule,
        holding: Some(h.clone()),
        via: None,
        relied,
    }
}

pub(crate) fn push_latest(relied: &mut Vec<EventRef>, evs: &[&Event]) {
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
