//! `site-first-reception`: sales office, first reception (RULES.md §3.2, seed 003).
//!
//! Rules decided here: FR-FIRST, FR-LEFT, FR-ASSIST, FR-GROUP, FR-SCOPE, FR-UNKNOWING, FR-KNOWING, FR-DEPOSIT, FR-COMPLAINT.
//! The acts every family shares are in `engine`; this file holds what is this rulebook's own:
//! its standing (who owns a customer and until when), its visits, its deals.

use super::Family;
use crate::engine::acts::*;
use crate::engine::deal::*;
use crate::engine::standing::*;
use crate::engine::{rotation, Ctx, Decision, Standing};
use crate::model::*;
use crate::policy::Preset;
use crate::rules::{self, RuleId};
use crate::state::{Holding, View};
use crate::verdict::{EventRef, Outcome, Until, Violation};

/// RULES.md §3.2.
pub(crate) struct SiteFirstReception;

/// The rule IDs of §3.2, each decided in this file.
pub(crate) const RULES: &[&str] = &[
    "FR-FIRST",
    "FR-LEFT",
    "FR-ASSIST",
    "FR-GROUP",
    "FR-SCOPE",
    "FR-UNKNOWING",
    "FR-KNOWING",
    "FR-DEPOSIT",
    "FR-COMPLAINT",
];

impl Family for SiteFirstReception {
    fn preset(&self) -> Preset {
        Preset::SiteFirstReception
    }

    fn rules(&self) -> &'static [&'static str] {
        RULES
    }

    fn first_rule(&self) -> RuleId {
        rules::FR_FIRST
    }

    fn claim_rule(&self, _cx: &Ctx, _st: &Standing, _lapsed: bool) -> RuleId {
        rules::FR_FIRST
    }

    fn reception_claims(&self) -> bool {
        true
    }

    fn departure_rule(&self) -> RuleId {
        rules::FR_LEFT
    }

    fn reassign_rule(&self) -> RuleId {
        rules::FR_LEFT
    }

    fn deposit_rule(&self, _st: &Standing) -> Option<RuleId> {
        Some(rules::FR_DEPOSIT)
    }

    fn standing(&self, cx: &Ctx, view: &View, h: &Holding, relied: Vec<EventRef>) -> Standing {
        cx.standing_fr(view, h, relied)
    }

    fn visit(&self, cx: &Ctx, a: &VisitArgs) -> Decision {
        cx.visit_fr(a)
    }

    fn deal(&self, cx: &Ctx, st: &Standing) -> Result<Attribution, Box<Decision>> {
        Ok(cx.deal_fr(st))
    }
}

impl Ctx<'_> {
    /// §3.2 site-first-reception visits.
    pub(crate) fn visit_fr(&self, a: &VisitArgs) -> Decision {
        let st = self.standing(self.view.as_ref());
        let owner = st.protected.then(|| st.owner.clone());
        if let Some(b) = &a.complains_about {
            let named = a
                .designates
                .clone()
                .or_else(|| a.names.iter().find(|n| *n != b).cloned());
            let former = Party::Staff(b.clone());
            let (v, eff) = match named {
                Some(n) => (
                    self.received(
                        rules::FR_COMPLAINT,
                        &n,
                        "客户投诉并要求换销售员 (the customer complained and asked for another salesperson)",
                    ),
                    vec![],
                ),
                None => {
                    let Some(p) = self.rotate() else {
                        return self.rotation_reception(true);
                    };
                    let mut v = self.verdict(
                        Outcome::Accepted,
                        rules::FR_COMPLAINT,
                        "客户投诉：由轮到的下一位销售员接手 (the customer complained: the next in rotation takes over)",
                    );
                    v.receiver = Some(p.receiver.clone());
                    v.turn = Some(true);
                    (v, vec![self.board_effect(&p)])
                }
            };
            let new = Party::Staff(v.receiver.clone().unwrap_or_else(|| b.clone()));
            let mut eff = eff;
            eff.push(holder(&new, rules::FR_COMPLAINT));
            let mut v = self.settle(v, &eff);
            self.notify_absent_owner(&mut v, &former, &[new]);
            return Decision {
                verdict: v,
                effects: eff,
                target: self.target(),
            };
        }
        if let Some(Party::Staff(o)) = &owner {
            match self.presence(o) {
                Presence::Available => {
                    let v = self.received(
                        rules::ROT_RETURN,
                        o,
                        "老客户再次到访，由归属人接待 (a returning customer goes to their owner)",
                    );
                    return self.finish_visit(v, None, None);
                }
                Presence::Busy => {
                    let helper = rotation::last_in_queue(
                        &self.project.board,
                        &self.order(),
                        |s| self.presence(s),
                        o,
                    )
                    .unwrap_or(o.clone());
                    let v = self.received(rules::FR_ASSIST, &helper, "原接待正忙：同事协助接待，不作登记；业绩100%归原接待 (the owner is busy: a colleague assists without recording; the owner keeps 100 %)");
                    return self.finish_visit(v, None, None);
                }
                _ => {
                    let Some(l) = rotation::last_in_queue(
                        &self.project.board,
                        &self.order(),
                        |s| self.presence(s),
                        o,
                    ) else {
                        return self.rotation_reception(false);
                    };
                    let mut v = self.received(rules::FR_ASSIST, &l, "原接待不在：由轮排队列最后一位协助接待，不占轮次 (the owner is absent: the last in the rotation queue assists without consuming a turn)");
                    v.assistant = Some(l.clone());
                    return self.finish_visit(v, None, owner.as_ref());
                }
            }
        }
        if owner.is_some() {
            // Held by the department (FR-LEFT): a returning customer, received without a turn.
            return self.visit_generic(a);
        }
        if let Some(x) = a.designates.clone().or_else(|| a.names.first().cloned()) {
            let v = self.received(
                rules::ROT_DESIG,
                &x,
                "首次到访的客户指定销售员接待 (a first-time customer designates a salesperson)",
            );
            return self.finish_visit(v, Some((&Party::Staff(x), rules::FR_FIRST)), None);
        }
        self.rotation_reception(true)
    }

    /// §3.2 site-first-reception.
    pub(crate) fn deal_fr(&self, st: &super::Standing) -> Attribution {
        let (closed_by, helped_by, knowing, _, group) = self.deal_args();
        let o = st.owner.clone();
        if !st.protected {
            return self.deal_unowned(rules::FR_FIRST);
        }
        if !matches!(o, Party::Staff(_)) {
            return whole(&o, rules::FR_LEFT);
        }
        let servers: Vec<StaffId> = closed_by
            .into_iter()
            .chain(helped_by.iter())
            .filter(|s| staff(s) != o)
            .cloned()
            .collect();
        let deposit = self
            .view
            .as_ref()
            .is_some_and(|v| v.acts("deposit").next().is_some());
        // FR-SCOPE: the colleague who assisted a present but busy owner (received the last visit
        // without being recorded as an assistant) is under FR-ASSIST: the owner keeps 100 %,
        // whatever the deal states about knowing.
        let busy_assist = self.last_visit().is_some_and(|lv| {
            lv.verdict.rule == rules::FR_ASSIST.0
                && lv.verdict.assistant.is_none()
                && lv
                    .verdict
                    .receiver
                    .as_ref()
                    .is_some_and(|r| servers.contains(r))
        });
        if busy_assist {
            return whole(&o, rules::FR_ASSIST);
        }
        if knowing == Some(true) && !servers.is_empty() {
            let mut a = whole(&o, rules::FR_KNOWING);
            for s in &servers {
                a.violations.push(Violation {
                    staff: staff(s),
                    rule: rules::FR_KNOWING.0.into(),
                    amount: Some(self.params.knowing_fine),
                    note: "明知是其他销售员的客户仍接待（明知故抢） (knowingly served another salesperson's customer)".into(),
                });
            }
            return a;
        }
        if deposit {
            return whole(&o, rules::FR_DEPOSIT);
        }
        if group {
            return whole(&Party::Company, rules::FR_GROUP);
        }
        if let Some(lv) = self.last_visit() {
            if lv.verdict.rule == rules::FR_ASSIST.0 {
                if let Some(l) = &lv.verdict.assistant {
                    return if closed_by == Some(l) {
                        self.split(vec![(o.clone(), 50), (staff(l), 50)], rules::FR_ASSIST)
                    } else {
                        self.split(vec![(o.clone(), 70), (staff(l), 30)], rules::FR_ASSIST)
                    };
                }
            }
        }
        if knowing == Some(false) {
            if let Some(x) = closed_by.filter(|x| staff(x) != o) {
                return self.split(vec![(o.clone(), 50), (staff(x), 50)], rules::FR_UNKNOWING);
            }
            if let Some(h) = servers.first() {
                return self.split(vec![(o.clone(), 70), (staff(h), 30)], rules::FR_UNKNOWING);
            }
        }
        if !servers.is_empty() {
            return whole(&o, rules::FR_SCOPE);
        }
        whole(&o, rules::FR_FIRST)
    }

    /// The standing of one holding at `now` (RULES.md §3.2).
    pub(crate) fn standing_fr(&self, view: &View, h: &Holding, relied: Vec<EventRef>) -> Standing {
        #[allow(unused_variables)]
        let (now, p) = (self.now, &h.party);
        #[allow(unused_variables)]
        let mk = |owner, until, protected, rule, relied| {
            mk_standing(h, owner, until, protected, rule, relied)
        };
        let holder_left = self.holder_left(p);
        let deposits = self.deposits_since(view, h.since);
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
}
