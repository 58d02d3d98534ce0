//! `channel-sms`: agencies registering by SMS before a visit (RULES.md §3.5, seed 003).
//!
//! Rules decided here: CS-LEAD, CS-CONFIRM, CS-MONTH, CS-HOUSEHOLD, CS-SAMEGROUP, CS-DISPUTE.
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
use crate::time::*;
use crate::verdict::{EventRef, Outcome, Until, Verdict};

/// RULES.md §3.5.
pub(crate) struct ChannelSms;

/// The rule IDs of §3.5, each decided in this file.
pub(crate) const RULES: &[&str] = &[
    "CS-LEAD",
    "CS-CONFIRM",
    "CS-MONTH",
    "CS-HOUSEHOLD",
    "CS-SAMEGROUP",
    "CS-DISPUTE",
];

impl Family for ChannelSms {
    fn preset(&self) -> Preset {
        Preset::ChannelSms
    }

    fn rules(&self) -> &'static [&'static str] {
        RULES
    }

    fn first_rule(&self) -> RuleId {
        rules::CS_LEAD
    }

    fn required_on_form(&self, agent: bool) -> &'static [&'static str] {
        if agent {
            &["phone", "visit_at"]
        } else {
            &["phone"]
        }
    }

    fn register_form(&self, cx: &Ctx, st: &Standing) -> Option<Verdict> {
        let Act::Register(act::Register {
            visit_at,
            channel,
            by,
            ..
        }) = &cx.cmd.act
        else {
            return None;
        };
        // CS-LEAD is about what an agency sends by SMS before a visit. A salesperson's own
        // registration on site or by phone declares no visit; it is protected to the end of its
        // day like an SMS whose customer does not come (docs/decisions.md).
        if *channel != Channel::Sms && cx.role(by) != Some(Role::Agent) {
            return None;
        }
        let Some(v) = visit_at else {
            return Some(cx.verdict(
                Outcome::Invalid,
                rules::CS_LEAD,
                "短信报备须写明预计到访时间 (an SMS registration must declare the visit time (visit_at))",
            ));
        };
        (crate::time::add_minutes(cx.now, cx.params.lead_minutes) > *v).then(|| {
            cx.reject(
                st,
                rules::CS_LEAD,
                format!(
                    "短信报备须在声明的到访时间前至少 {n} 分钟发出 (an SMS registration must arrive at least {n} minutes before its declared visit)",
                    n = cx.params.lead_minutes
                ),
            )
        })
    }

    fn confirm_rule(&self) -> RuleId {
        rules::CS_CONFIRM
    }

    /// CS-CONFIRM: signed the same day as the visit, before the customer leaves.
    fn confirm_check(&self, cx: &Ctx, st: &Standing, _party: &Party) -> Option<Decision> {
        let view = cx.view.as_ref()?;
        let visits: Vec<_> = view.acts("visit").collect();
        (!visits.is_empty() && !visits.iter().any(|e| cx.same_day(e.at))).then(|| Decision {
            verdict: cx.reject(
                st,
                rules::CS_CONFIRM,
                "来访确认单须在到访当天、客户离开前签署 (a visit confirmation is signed the same day, before the customer leaves)",
            ),
            effects: vec![],
            target: cx.target(),
        })
    }

    /// CS-SAMEGROUP: another agency's confirmation the day the owner's visit counted.
    fn confirm_collision_rule(&self, cx: &Ctx, st: &Standing) -> RuleId {
        let owner_counted_today = cx
            .view
            .as_ref()
            .and_then(|v| {
                st.holding
                    .as_ref()
                    .and_then(|h| cx.first_counted_visit(v, &st.owner, h.since))
            })
            .is_some_and(|t| cx.same_day(t));
        if owner_counted_today {
            rules::CS_SAMEGROUP
        } else {
            st.rule
        }
    }

    /// CS-MONTH: an agency taking a customer from the market.
    fn confirm_claim_rule(&self, _cx: &Ctx, st: &Standing, party: &Party) -> RuleId {
        if st.lapsed_holder().is_some_and(|p| p != party) {
            rules::CS_MONTH
        } else {
            rules::CS_CONFIRM
        }
    }

    fn standing(&self, cx: &Ctx, view: &View, h: &Holding, relied: Vec<EventRef>) -> Standing {
        cx.standing_cs(view, h, relied)
    }

    fn visit(&self, cx: &Ctx, a: &VisitArgs) -> Decision {
        cx.visit_cs(a)
    }

    fn deal(&self, cx: &Ctx, st: &Standing) -> Result<Attribution, Box<Decision>> {
        Ok(cx.deal_cs(st))
    }
}

impl Ctx<'_> {
    /// §3.5 channel-sms visits.
    pub(crate) fn visit_cs(&self, a: &VisitArgs) -> Decision {
        let st = self.standing(self.view.as_ref());
        let owner = st.protected.then(|| st.owner.clone());
        let bp = a.brought_by.as_ref().map(|b| self.party(b));
        let others: Vec<Party> = a
            .names
            .iter()
            .filter(|n| self.role(n) == Some(Role::Agent))
            .map(|n| self.party(n))
            .filter(|p| Some(p) != bp.as_ref())
            .collect();
        if let (Some(b), Some(other)) = (&bp, others.first()) {
            let v = self.with_standing(self.verdict(Outcome::Pending, rules::CS_DISPUTE, "客户由一家分销单位带来，却说出另一家：开具待定确认单，由经理裁定 (brought by one agency while the customer names another: a 待定确认单 is opened)"), &st);
            let mut parties = Vec::new();
            if let Some(o) = &owner {
                parties.push(o.clone());
            }
            for p in [other, b] {
                if !parties.contains(p) {
                    parties.push(p.clone());
                }
            }
            let v = self.open_dispute(v, rules::CS_DISPUTE, parties);
            return Decision {
                verdict: v,
                effects: vec![],
                target: self.target(),
            };
        }
        let mut v = match (&owner, &bp) {
            (Some(o), Some(b)) if o != b => {
                self.reject(&st, st.rule, "该客户在其他分销单位的保护期内 (the customer is protected for another agency)")
            }
            (None, _) => self.with_standing(
                self.verdict(
                    Outcome::Accepted,
                    rules::CS_CONFIRM,
                    "到访已登记；须签来访确认单才计入分销单位 (visit recorded; it counts for an agency only with a visit confirmation)",
                ),
                &st,
            ),
            _ => self.with_standing(
                self.verdict(Outcome::Accepted, st.rule, "到访已登记 (visit recorded)"),
                &st,
            ),
        };
        if let Some(o) = &owner {
            let present: Vec<Party> = bp.iter().cloned().collect();
            self.notify_absent_owner(&mut v, o, &present);
        }
        Decision {
            verdict: v,
            effects: vec![],
            target: self.target(),
        }
    }

    /// §3.5 channel-sms.
    pub(crate) fn deal_cs(&self, st: &super::Standing) -> Attribution {
        let claims = self.household_claims();
        if claims.len() >= 2 || (!st.protected && !claims.is_empty()) {
            // The household is one customer: the agency that brought a member first owns it and is
            // credited; members brought the same day by different agencies split 50/50 (the credit
            // to the earliest involved, G-SHARES).
            let (p0, t0, _) = claims[0].clone();
            let mut a = match claims.get(1) {
                Some((p1, t1, _)) if crate::time::same_day(t0, *t1) => self.named_split(
                    &p0,
                    vec![(p0.clone(), 50), (p1.clone(), 50)],
                    rules::CS_HOUSEHOLD,
                ),
                _ => whole(&p0, rules::CS_HOUSEHOLD),
            };
            a.hold = true;
            return a;
        }
        if !st.protected {
            return whole(&Party::Company, rules::CS_MONTH);
        }
        let samegroup = self.view.as_ref().and_then(|v| {
            v.acts("confirm")
                .find(|e| e.verdict.rule == rules::CS_SAMEGROUP.0)
                .and_then(|e| match &e.act {
                    Act::Confirm(act::Confirm { by, .. }) => Some(self.party(by)),
                    _ => None,
                })
        });
        if let Some(q) = samegroup.filter(|q| *q != st.owner) {
            return self.named_split(
                &st.owner,
                vec![(st.owner.clone(), 50), (q, 50)],
                rules::CS_SAMEGROUP,
            );
        }
        whole(&st.owner, st.rule)
    }

    /// The standing of one holding at `now` (RULES.md §3.5).
    pub(crate) fn standing_cs(
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
        let _latest = |evs: &[&Event]| evs.iter().map(|e| e.at).max();
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
                Act::Register(act::Register {
                    visit_at: Some(v), ..
                }) => Some(end_of_day(*v)),
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
}
