//! `store-registration`: store registration with deposit extension (RULES.md §3.4, seed 003).
//!
//! Rules decided here: ST-FIELDS, ST-INQUIRY, ST-DEPOSIT, ST-EXPIRED, ST-ASSIST, ST-UNREGISTERED, ST-FAKE.
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
use crate::verdict::{EventRef, Outcome, Until, Verdict, Violation};

/// RULES.md §3.4.
pub(crate) struct StoreRegistration;

/// The rule IDs of §3.4, each decided in this file.
pub(crate) const RULES: &[&str] = &[
    "ST-FIELDS",
    "ST-INQUIRY",
    "ST-DEPOSIT",
    "ST-EXPIRED",
    "ST-ASSIST",
    "ST-UNREGISTERED",
    "ST-FAKE",
];

impl Family for StoreRegistration {
    fn preset(&self) -> Preset {
        Preset::StoreRegistration
    }

    fn rules(&self) -> &'static [&'static str] {
        RULES
    }

    fn first_rule(&self) -> RuleId {
        rules::ST_INQUIRY
    }

    fn before_claim(
        &self,
        cx: &Ctx,
        _st: &Standing,
        party: &Party,
        lapsed: Option<&Party>,
    ) -> Option<Verdict> {
        let prev @ Party::Staff(prev_id) = lapsed? else {
            return None;
        };
        (prev != party && cx.followed_up_recently(prev_id)).then(|| {
            let v = cx.verdict(Outcome::Pending, rules::ST_EXPIRED, "保护期已过，但原销售员仍在跟进：由客户选择 (the protection expired but the original salesperson is still following up: the customer chooses)").owner(Some(prev.clone()));
            cx.open_dispute(v, rules::ST_EXPIRED, vec![prev.clone(), party.clone()])
        })
    }

    fn claim_rule(&self, cx: &Ctx, _st: &Standing, lapsed: bool) -> RuleId {
        if lapsed {
            rules::ST_EXPIRED
        } else {
            cx.first_rule()
        }
    }

    fn reception_claims(&self) -> bool {
        true
    }

    fn deposit_rule(&self, st: &Standing) -> Option<RuleId> {
        st.protected.then_some(rules::ST_DEPOSIT)
    }

    /// ST-FIELDS: a registration has name, phone and address.
    fn required_on_form(&self, _agent: bool) -> &'static [&'static str] {
        &["name", "phone", "address"]
    }

    fn required_fields(&self, cx: &Ctx, c: &CustomerInput) -> Option<Verdict> {
        if !matches!(cx.cmd.act, Act::Register(_)) {
            return None;
        }
        // (Chinese, English) names of the missing fields.
        let missing: Vec<(&str, &str)> = [
            ("姓名", "name", c.name.as_deref()),
            ("电话", "phone", c.phone.as_deref()),
            ("地址", "address", c.address.as_deref()),
        ]
        .into_iter()
        .filter(|(_, _, v)| v.is_none_or(|s| s.trim().is_empty()))
        .map(|(zh, en, _)| (zh, en))
        .collect();
        (!missing.is_empty()).then(|| {
            let zh: Vec<&str> = missing.iter().map(|m| m.0).collect();
            let en: Vec<&str> = missing.iter().map(|m| m.1).collect();
            Verdict::new(
                Outcome::Invalid,
                rules::ST_FIELDS,
                format!(
                    "报备信息不全：缺少{}；姓名、电话、地址均为必填 (incomplete registration (报备信息不全): missing {}; name, phone and address are required)",
                    zh.join("、"),
                    en.join(", ")
                ),
            )
        })
    }

    /// ST-UNREGISTERED: a party that never registered another's customer has no claim.
    fn contact_refused(&self, cx: &Ctx, st: &Standing, party: &Party) -> Option<Verdict> {
        if !st.protected || &st.owner == party {
            return None;
        }
        let registered = cx.view.as_ref().is_some_and(|v| {
            v.acts("register")
                .any(|e| matches!(&e.act, Act::Register(act::Register { by: b, .. }) if &cx.party(b) == party))
        });
        (!registered).then(|| {
            cx.reject(
                st,
                rules::ST_UNREGISTERED,
                "未报备过该客户的一方无权归属 (a party that never registered the customer has no claim)",
            )
        })
    }

    /// ST-FAKE: a registration proved false goes to the pool, with the violation of its number
    /// (50, 100 yuan, then dismissal).
    fn direct_decision(
        &self,
        cx: &Ctx,
        owner: Option<&Party>,
        former: Option<&Party>,
    ) -> Option<super::DirectDecision> {
        if owner != Some(&Party::Pool) {
            return None;
        }
        let Some(Party::Staff(s)) = former else {
            return None;
        };
        let n = cx.project.fakes.get(s).copied().unwrap_or(0) + 1;
        let amount = cx.params.fake_fines.get(n as usize - 1).copied();
        let violation = Violation {
            staff: Party::Staff(s.clone()),
            rule: rules::ST_FAKE.0.into(),
            amount,
            note: if amount.is_some() {
                format!("第 {n} 次虚假报备 (false registration no. {n} (虚假报备))")
            } else {
                format!("第 {n} 次虚假报备：辞退 (false registration no. {n}: dismissal (辞退))")
            },
        };
        let eff = cx.project_change(crate::state::ProjectChange::Fakes {
            staff: s.clone(),
            n,
        });
        Some((rules::ST_FAKE, vec![violation], vec![eff]))
    }

    fn standing(&self, cx: &Ctx, view: &View, h: &Holding, relied: Vec<EventRef>) -> Standing {
        cx.standing_st(view, h, relied)
    }

    fn visit(&self, cx: &Ctx, a: &VisitArgs) -> Decision {
        cx.visit_generic(a)
    }

    fn deal(&self, cx: &Ctx, st: &Standing) -> Result<Attribution, Box<Decision>> {
        cx.deal_st(st)
    }
}

impl Ctx<'_> {
    /// ST-EXPIRED: a logged contact by the salesperson within the last `follow_days`.
    pub(crate) fn followed_up_recently(&self, s: &StaffId) -> bool {
        let Some(view) = &self.view else { return false };
        // G-TIME: "within the last N days" is the N-day window from the contact containing now.
        view.acts("contact").any(|e| {
            matches!(&e.act, Act::Contact(act::Contact { by, .. }) if by == s)
                && self.now
                    < crate::time::window_end(
                        e.at,
                        crate::time::Length::Days(self.params.follow_days),
                        self.params.counting,
                    )
        })
    }

    /// §3.4 store-registration.
    pub(crate) fn deal_st(&self, st: &super::Standing) -> Result<Attribution, Box<Decision>> {
        let (closed_by, helped_by, ..) = self.deal_args();
        if !st.protected {
            return Ok(self.deal_unowned(st.rule));
        }
        let o = st.owner.clone();
        let registered = |s: &StaffId| {
            self.view.as_ref().is_some_and(|v| {
                v.acts("register")
                    .any(|e| matches!(&e.act, Act::Register(act::Register { by, .. }) if by == s))
            })
        };
        let mut helpers: Vec<Party> = helped_by.iter().map(staff).filter(|p| *p != o).collect();
        if let Some(c) = closed_by.filter(|c| staff(c) != o) {
            if registered(c) {
                helpers.insert(0, staff(c));
            } else if helpers.is_empty() {
                return Ok(whole(&o, rules::ST_UNREGISTERED));
            }
        }
        if !helpers.is_empty() {
            let mut parties = vec![o.clone()];
            parties.extend(helpers);
            let v = self.with_standing(
                Verdict::new(Outcome::Pending, rules::ST_ASSIST, "其他销售员协助成交：由经理与两位销售员三方协商分成 (another salesperson helped to close: the manager and the two salespeople agree the split (三方协商))"),
                st,
            );
            let v = self.open_dispute(v, rules::ST_ASSIST, parties);
            return Err(Box::new(Decision {
                verdict: v,
                effects: vec![],
                target: self.target(),
            }));
        }
        Ok(whole(&o, st.rule))
    }

    /// The standing of one holding at `now` (RULES.md §3.4).
    pub(crate) fn standing_st(
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
        let regs = self.registrations(view, p);
        let last = latest(&regs).unwrap_or(h.since).max(h.since);
        let inquiry = self.end(last, Length::Days(self.params.inquiry_days));
        let dep = latest(&deposits).map(|d| self.end(d, Length::Days(self.params.deposit_days)));
        push_latest(&mut relied, &deposits);
        let (until, rule) = match dep {
            Some(d) if d >= inquiry => (d, rules::ST_DEPOSIT),
            _ => (inquiry, rules::ST_INQUIRY),
        };
        mk(p.clone(), Some(Until::At(until)), now < until, rule, relied)
    }
}
