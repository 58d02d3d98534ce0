//! Deals (成交): who is credited and how the bonus splits (G-SHARES), per rulebook.

use super::{credited_by_shares, Ctx, Decision};
use crate::act;
use crate::model::{Act, Party, StaffId};
use crate::rules::{self, RuleId};
use crate::state::{Effect, Event, View};
use crate::verdict::{Outcome, Violation};

/// An attribution: credited party, shares, the deciding rule, and violations.
pub(crate) struct Attribution {
    pub(crate) credited: Party,
    pub(crate) shares: Vec<(Party, u32)>,
    pub(crate) rule: RuleId,
    pub(crate) violations: Vec<Violation>,
    /// Whether the credited party becomes the customer's holder.
    pub(crate) hold: bool,
}

pub(crate) fn whole(p: &Party, rule: RuleId) -> Attribution {
    Attribution {
        credited: p.clone(),
        shares: vec![(p.clone(), 100)],
        rule,
        violations: Vec::new(),
        hold: false,
    }
}

pub(crate) fn staff(s: &StaffId) -> Party {
    Party::Staff(s.clone())
}

impl Ctx<'_> {
    /// The same decision context as of an earlier instant, over the events before `seq`.
    pub(crate) fn as_of(&self, seq: i64, at: crate::time::Instant) -> Ctx<'_> {
        let view = self.view.as_ref().map(|v| {
            View::new(
                v.ids.clone(),
                v.events.iter().filter(|e| e.seq < seq).cloned().collect(),
            )
        });
        Ctx {
            rb: self.rb,
            params: self.params,
            preset: self.preset,
            dir: self.dir,
            project: self.project,
            now: at,
            cmd: self.cmd,
            view,
            household: self.household,
            referrer: self.referrer,
            held_by: self.held_by,
            held: self.held,
            candidates: self.candidates,
        }
    }

    /// Credit by G-SHARES when no rule names the credited party.
    pub(crate) fn split(&self, shares: Vec<(Party, u32)>, rule: RuleId) -> Attribution {
        let inv = self
            .view
            .as_ref()
            .map(|v| self.involvement(v))
            .unwrap_or_default();
        let credited = credited_by_shares(&shares, &inv).unwrap_or(Party::Company);
        Attribution {
            credited,
            shares,
            rule,
            violations: Vec::new(),
            hold: false,
        }
    }

    pub(crate) fn named_split(
        &self,
        credited: &Party,
        shares: Vec<(Party, u32)>,
        rule: RuleId,
    ) -> Attribution {
        Attribution {
            credited: credited.clone(),
            shares,
            rule,
            violations: Vec::new(),
            hold: false,
        }
    }

    pub(crate) fn deal(&self) -> Decision {
        let st = self.standing(self.view.as_ref());
        if let Some(d) = self.view.as_ref().and_then(View::open_dispute) {
            // G-DEAL-FIRST: the deal is not blocked; attribution waits for the manager.
            let mut v = self.with_standing(
                self.verdict(Outcome::Pending, rules::G_DEAL_FIRST, "争议未决时签约：经理裁定前，业绩和提成暂不分配 (signed while a dispute is open: commission stays unattributed until the manager resolves it)"),
                &st,
            );
            v.relied_on.push(d.reference());
            return Decision {
                verdict: v,
                effects: self.sign_units(),
                target: self.target(),
            };
        }
        let a = match self.family().deal(self, &st) {
            Ok(a) => a,
            Err(d) => return *d,
        };
        let mut eff = Vec::new();
        // SR-SIGNED: under site-rotation the customer stays with the party credited at signing.
        let hold = a.hold || self.family().signing_holds();
        if (hold || !st.protected)
            && a.credited.is_owner()
            && !(st.protected && st.owner == a.credited)
        {
            eff.push(Effect::Holder {
                party: a.credited.clone(),
                rule: a.rule.0.to_string(),
            });
        }
        let mut v = self.verdict(Outcome::Accepted, a.rule, "已签约成交 (deal signed)");
        if self.silent() {
            // CL-SILENT, G-NOTIFY: the collisions kept silent before signing (another party
            // bringing the customer on site) are told now, to the credited party and to them.
            v.notify = self.silent_collisions(&a.credited);
        }
        v.credited = Some(a.credited);
        v.shares = a.shares;
        v.violations = a.violations;
        v.relied_on.extend(st.relied.iter().cloned());
        let v = self.settle(v, &eff);
        eff.extend(self.sign_units());
        Decision {
            verdict: v,
            effects: eff,
            target: self.target(),
        }
    }

    pub(crate) fn deal_args(
        &self,
    ) -> (
        Option<&StaffId>,
        &[StaffId],
        Option<bool>,
        Option<&StaffId>,
        bool,
    ) {
        match &self.cmd.act {
            Act::Deal(act::Deal {
                closed_by,
                helped_by,
                knowing,
                named,
                group_purchase,
                ..
            }) => (
                closed_by.as_ref(),
                helped_by.as_slice(),
                *knowing,
                named.as_ref(),
                *group_purchase,
            ),
            _ => (None, &[], None, None, false),
        }
    }

    /// The latest visit or walk-in that received the customer.
    pub(crate) fn last_visit(&self) -> Option<&Event> {
        self.view.as_ref()?.events.iter().rev().find(|e| {
            matches!(e.act, Act::Visit(_) | Act::WalkIn(_)) && e.verdict.receiver.is_some()
        })
    }

    /// Unowned deal: the closer, else the company.
    pub(crate) fn deal_unowned(&self, rule: RuleId) -> Attribution {
        let (closed_by, ..) = self.deal_args();
        let mut a = match closed_by {
            Some(c) => whole(&self.party(c), rule),
            None => whole(&Party::Company, rule),
        };
        a.hold = true;
        a
    }

    /// The owner's deal, 100 %; with no valid claim the company's, citing `unowned` (or the
    /// lapsed claim's rule).
    pub(crate) fn deal_owner(&self, st: &super::Standing, unowned: Option<RuleId>) -> Attribution {
        if st.protected {
            whole(&st.owner, st.rule)
        } else {
            whole(&Party::Company, unowned.unwrap_or(st.rule))
        }
    }

    /// The agency that brought a household member, with the instant of that member's first counted
    /// visit (or of the claim).
    pub(crate) fn household_claims(&self) -> Vec<(Party, crate::time::Instant, i64)> {
        let mut out = Vec::new();
        let mut views: Vec<&View> = self.household.iter().collect();
        if let Some(v) = &self.view {
            views.push(v);
        }
        for v in views {
            let s = self.standing(Some(v));
            if let (true, Some(h)) = (s.protected, &s.holding) {
                let t = self
                    .first_counted_visit(v, &s.owner, h.since)
                    .unwrap_or(h.since);
                if !out.iter().any(|(p, _, _): &(Party, _, _)| *p == s.owner) {
                    out.push((s.owner.clone(), t, h.seq));
                }
            }
        }
        out.sort_by_key(|x| (x.1, x.2));
        out
    }
}
