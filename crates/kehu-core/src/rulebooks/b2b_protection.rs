//! `b2b-protection`: B2B sales with visit protection (RULES.md §3.8, seed 003).
//!
//! Rules decided here: BP-SALE, BP-VISIT, BP-IDLE, BP-OVERLAP, BP-WALKIN, BP-LEFT.
//! The acts every family shares are in `engine`; this file holds what is this rulebook's own:
//! its standing (who owns a customer and until when), its visits, its deals.

use super::Family;
use crate::act;
use crate::engine::acts::*;
use crate::engine::deal::*;
use crate::engine::standing::*;
use crate::engine::{Ctx, Decision, Standing};
use crate::model::*;
use crate::policy::Preset;
use crate::rules::{self, RuleId};
use crate::state::{Event, Holding, View};
use crate::verdict::{EventRef, Until};

/// RULES.md §3.8.
pub(crate) struct B2bProtection;

/// The rule IDs of §3.8, each decided in this file.
pub(crate) const RULES: &[&str] = &[
    "BP-SALE",
    "BP-VISIT",
    "BP-IDLE",
    "BP-OVERLAP",
    "BP-WALKIN",
    "BP-LEFT",
];

impl Family for B2bProtection {
    fn preset(&self) -> Preset {
        Preset::B2bProtection
    }

    fn rules(&self) -> &'static [&'static str] {
        RULES
    }

    fn first_rule(&self) -> RuleId {
        rules::BP_VISIT
    }

    fn leaver_rule(&self) -> RuleId {
        rules::BP_LEFT
    }

    fn departure_rule(&self) -> RuleId {
        rules::BP_LEFT
    }

    fn reassign_rule(&self) -> RuleId {
        rules::BP_LEFT
    }

    /// BP-LEFT: the marketing VP reassigns a leaver's customers.
    fn reassigns(&self, role: Role) -> bool {
        matches!(role, Role::Vp | Role::Admin)
    }

    /// BP-OVERLAP: the record with orders keeps the customer, else the earlier one.
    fn overlap(&self, _cx: &Ctx, view: &View, valid: &[&Standing]) -> Option<Standing> {
        let with_orders = valid.iter().find(|s| {
            view.acts("deal")
                .any(|d| d.verdict.credited.as_ref() == Some(&s.owner))
        });
        let mut s = with_orders.or(valid.first()).map(|s| (*s).clone())?;
        if valid.len() > 1 {
            s.rule = rules::BP_OVERLAP;
        }
        Some(s)
    }

    /// BP-VISIT: the owner's registered visit renews the protection.
    fn contact_rule(&self, cx: &Ctx, st: &Standing, party: &Party) -> Option<RuleId> {
        let visit = matches!(
            cx.cmd.act,
            Act::Contact(act::Contact {
                kind: ContactKind::Visit,
                ..
            })
        );
        (visit && &st.owner == party).then_some(rules::BP_VISIT)
    }

    fn standing(&self, cx: &Ctx, view: &View, h: &Holding, relied: Vec<EventRef>) -> Standing {
        cx.standing_bp(view, h, relied)
    }

    fn visit(&self, cx: &Ctx, a: &VisitArgs) -> Decision {
        cx.visit_generic(a)
    }

    fn deal(&self, cx: &Ctx, st: &Standing) -> Result<Attribution, Box<Decision>> {
        Ok(cx.deal_bp(st))
    }
}

impl Ctx<'_> {
    /// §3.8 b2b-protection.
    pub(crate) fn deal_bp(&self, st: &super::Standing) -> Attribution {
        let (closed_by, _, _, named, _) = self.deal_args();
        if st.protected {
            let rule = if st.rule == rules::BP_OVERLAP {
                rules::BP_OVERLAP
            } else {
                rules::BP_SALE
            };
            return whole(&st.owner, rule);
        }
        let mut a = match (closed_by, named) {
            (None, Some(n)) => whole(&staff(n), rules::BP_WALKIN),
            (None, None) => whole(&Party::Company, rules::BP_WALKIN),
            (Some(c), _) => whole(&self.party(c), rules::BP_SALE),
        };
        a.hold = true;
        a
    }

    /// The standing of one holding at `now` (RULES.md §3.8).
    pub(crate) fn standing_bp(
        &self,
        view: &View,
        h: &Holding,
        mut relied: Vec<EventRef>,
    ) -> Standing {
        #[allow(unused_variables)]
        let (now, p) = (self.now, &h.party);
        #[allow(unused_variables)]
        let mk = |owner, until, protected, rule, relied| {
            mk_standing(h, owner, until, protected, rule, relied)
        };
        let deposits = self.deposits_since(view, h.since);
        let latest = |evs: &[&Event]| evs.iter().map(|e| e.at).max();
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
                    matches!(&e.act, Act::Contact(act::Contact { by, kind: ContactKind::Visit, .. }) if &self.party(by) == p)
                        || matches!(&e.act, Act::Visit(act::Visit { brought_by: Some(b), .. }) if &self.party(b) == p)
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
}
