//! `site-rotation`: sales office, first visit and reception (RULES.md §3.1, seed 000).
//!
//! Rules decided here: SR-FIRST, SR-VALID, SR-DESIG, SR-RETURN, SR-HANDBACK, SR-REFUSE, SR-ABSENT, SR-SAMEDAY, SR-COMPLAINT, SR-MULTI, SR-DISCOUNT, SR-FORGOT, SR-NTH, SR-SIGNED, SR-REFERRAL, SR-HOUSEHOLD, SR-LEAVE, SR-EVENT, SR-QUARREL.
//! The acts every family shares are in `engine`; this file holds what is this rulebook's own:
//! its standing (who owns a customer and until when), its visits, its deals.

use super::Family;
use crate::act;
use crate::engine::acts::*;
use crate::engine::deal::*;
use crate::engine::standing::*;
use crate::engine::{equal_split, zh_text, Ctx, Decision, Standing};
use crate::model::*;
use crate::policy::Preset;
use crate::rules::{self, RuleId};
use crate::state::{Effect, Event, Holding, View};
use crate::verdict::{EventRef, Outcome, Until, Verdict};

/// RULES.md §3.1.
pub(crate) struct SiteRotation;

/// The rule IDs of §3.1, each decided in this file.
pub(crate) const RULES: &[&str] = &[
    "SR-FIRST",
    "SR-VALID",
    "SR-DESIG",
    "SR-RETURN",
    "SR-HANDBACK",
    "SR-REFUSE",
    "SR-ABSENT",
    "SR-SAMEDAY",
    "SR-COMPLAINT",
    "SR-MULTI",
    "SR-DISCOUNT",
    "SR-FORGOT",
    "SR-NTH",
    "SR-SIGNED",
    "SR-REFERRAL",
    "SR-HOUSEHOLD",
    "SR-LEAVE",
    "SR-EVENT",
    "SR-QUARREL",
];

impl Family for SiteRotation {
    fn preset(&self) -> Preset {
        Preset::SiteRotation
    }

    fn rules(&self) -> &'static [&'static str] {
        RULES
    }

    fn first_rule(&self) -> RuleId {
        rules::SR_FIRST
    }

    fn before_claim(
        &self,
        cx: &Ctx,
        st: &Standing,
        _party: &Party,
        _lapsed: Option<&Party>,
    ) -> Option<Verdict> {
        // SR-EVENT: during an event window the manager sets ownership.
        let ev = cx.project.event_at(cx.now)?;
        let v = cx
            .verdict(
                Outcome::Pending,
                rules::SR_EVENT,
                format!(
                    "活动「{}」期间，客户归属由经理裁定 (during {} the manager sets ownership)",
                    zh_text(&ev.name),
                    ev.name
                ),
            )
            .owner(Some(st.owner.clone()));
        Some(cx.open_dispute(v, rules::SR_EVENT, vec![]))
    }

    fn reception_claims(&self) -> bool {
        true
    }

    fn event_window_decides(&self) -> bool {
        true
    }

    fn departure_rule(&self) -> RuleId {
        rules::SR_LEAVE
    }

    fn reassign_rule(&self) -> RuleId {
        rules::SR_LEAVE
    }

    fn signing_holds(&self) -> bool {
        true
    }

    /// SR-QUARREL: the manager gives a quarrelled customer to the department.
    fn direct_decision(
        &self,
        _cx: &Ctx,
        owner: Option<&Party>,
        _former: Option<&Party>,
    ) -> Option<super::DirectDecision> {
        (owner == Some(&Party::Department)).then(|| (rules::SR_QUARREL, vec![], vec![]))
    }

    /// SR-QUARREL: a claim on a deal credited to another salesperson is a quarrel; the deal and
    /// its bonus go to the department.
    fn after_signing_rule(&self) -> RuleId {
        rules::SR_QUARREL
    }

    fn claim_after_signing(&self, cx: &Ctx, deal: &Event, party: &Party) -> Option<Decision> {
        let other = deal
            .verdict
            .credited
            .as_ref()
            .is_some_and(|c| c != party && matches!(c, Party::Staff(_)));
        if !other {
            return None;
        }
        let eff = vec![holder(&Party::Department, rules::SR_QUARREL)];
        let mut v = cx.verdict(
            Outcome::Accepted,
            rules::SR_QUARREL,
            "双方争抢客户：该成交的业绩和奖金归部门 (parties quarrel over the customer: the deal and its bonus go to the department)",
        );
        v.owner = Some(Party::Department);
        v.credited = Some(Party::Department);
        v.shares = vec![(Party::Department, 100)];
        v.protected_until = Some(Until::None);
        v.relied_on.push(deal.reference());
        Some(Decision {
            verdict: v,
            effects: eff,
            target: cx.target(),
        })
    }

    fn standing(&self, cx: &Ctx, view: &View, h: &Holding, relied: Vec<EventRef>) -> Standing {
        cx.standing_sr(view, h, relied)
    }

    fn visit(&self, cx: &Ctx, a: &VisitArgs) -> Decision {
        if matches!(
            &cx.cmd.act,
            Act::Visit(act::Visit {
                referred_by: Some(_),
                ..
            })
        ) {
            if let Some(d) = cx.referral() {
                return d;
            }
        }
        cx.visit_sr(a)
    }

    fn deal(&self, cx: &Ctx, st: &Standing) -> Result<Attribution, Box<Decision>> {
        Ok(cx.deal_sr(st))
    }
}

impl Ctx<'_> {
    /// §3.1 site-rotation visits.
    pub(crate) fn visit_sr(&self, a: &VisitArgs) -> Decision {
        let st = self.standing(self.view.as_ref());
        let owner = st.protected.then(|| st.owner.clone());
        let owner_staff = owner.as_ref().and_then(|o| o.staff().cloned());
        let history = self
            .view
            .as_ref()
            .is_some_and(|v| !self.earlier_servers(v).is_empty());

        if owner.is_none() {
            if let Some((h, relied)) = self.household_receiver() {
                let receiver = if self.present(&h) {
                    h.clone()
                } else {
                    self.peek().unwrap_or(h.clone())
                };
                let mut v = self.received(
                    rules::SR_HOUSEHOLD,
                    &receiver,
                    "老客户的家庭成员来访：全家归最先接待的销售员 (a family member of a customer: the first receiver keeps the household)",
                );
                v.relied_on.extend(relied);
                return self.finish_visit(v, Some((&Party::Staff(h), rules::SR_HOUSEHOLD)), None);
            }
        }
        if let Some(b) = &a.complains_about {
            let new = a
                .designates
                .clone()
                .or_else(|| a.names.iter().find(|n| *n != b && self.present(n)).cloned())
                .or_else(|| self.peek());
            let Some(new) = new else {
                return self.rotation_reception(true);
            };
            let mut v = self.received(
                rules::SR_COMPLAINT,
                &new,
                "客户不找原接待并投诉：待经理核实 (the customer refuses and complains about their salesperson: the manager confirms)",
            );
            let former = Party::Staff(b.clone());
            v.owner = Some(Party::Staff(new.clone()));
            let v = self.open_dispute(v, rules::SR_COMPLAINT, vec![former]);
            return self.finish_visit(v, Some((&Party::Staff(new), rules::SR_COMPLAINT)), None);
        }
        if let Some(b) = &a.refuses {
            let new = a
                .designates
                .clone()
                .or_else(|| a.names.iter().find(|n| *n != b && self.present(n)).cloned())
                .or_else(|| self.peek());
            let Some(new) = new else {
                return self.rotation_reception(true);
            };
            let v = self.received(
                rules::SR_REFUSE,
                &new,
                "客户不找原接待，要求换人，由新销售员跟进 (the customer refuses their salesperson and asks for another, who follows up)",
            );
            let former = Party::Staff(b.clone());
            let notify = (owner.as_ref() == Some(&former)).then_some(&former);
            return self.finish_visit(v, Some((&Party::Staff(new), rules::SR_REFUSE)), notify);
        }
        if a.forgot {
            let mut d = self.rotation_reception(true);
            if d.verdict.receiver.is_some() {
                d.verdict.rule = rules::SR_FORGOT.0.into();
                if let Some(o) = &owner {
                    let present: Vec<Party> =
                        d.verdict.receiver.iter().map(|r| self.party(r)).collect();
                    self.notify_absent_owner(&mut d.verdict, o, &present);
                }
            }
            return d;
        }
        if a.designates.is_none() && a.names.len() >= 2 {
            // None of them present: the rotation's receiver, who consumes a turn as for a
            // walk-in (SR-MULTI).
            let first = a.names.iter().find(|n| self.present(n)).cloned();
            let (receiver, turn_pick) = match first {
                Some(r) => (r, None),
                None => match self.rotate() {
                    Some(p) => (p.receiver.clone(), Some(p)),
                    None => return self.rotation_reception(true),
                },
            };
            let mut v = self.received(
                rules::SR_MULTI,
                &receiver,
                "客户说出多名销售员：由第一位在场者接待 (the customer names several salespeople: the first named who is present receives)",
            );
            // The receiver of a customer nobody holds claims it; another's customer stays
            // theirs (SR-MULTI never changes the owner; a deal follows SR-DISCOUNT).
            let new_holder = match &owner {
                Some(_) => None,
                None => Some(Party::Staff(receiver.clone())),
            };
            let mut d = if let Some(p) = &turn_pick {
                v.turn = Some(true);
                let mut eff = vec![self.board_effect(p)];
                if let Some(h) = &new_holder {
                    eff.push(holder(h, rules::SR_MULTI));
                }
                let v = self.settle(v, &eff);
                Decision {
                    verdict: v,
                    effects: eff,
                    target: self.target(),
                }
            } else {
                self.finish_visit(
                    v,
                    new_holder.as_ref().map(|h| (h, rules::SR_MULTI)),
                    owner.as_ref(),
                )
            };
            d.verdict.rule = rules::SR_MULTI.0.into();
            return d;
        }
        let named = a.designates.clone().or_else(|| a.names.first().cloned());
        if let Some(x) = named {
            let xp = Party::Staff(x.clone());
            if owner_staff.as_ref() == Some(&x)
                || (!history && owner.is_none())
                || (owner.is_none() && self.only_server_is(&x))
            {
                let rule = if owner_staff.as_ref() == Some(&x) || self.only_server_is(&x) {
                    rules::SR_RETURN
                } else {
                    rules::SR_DESIG
                };
                if self.present(&x) {
                    let v = self.received(
                        rule,
                        &x,
                        "客户点名自己的销售员 (the customer names their salesperson)",
                    );
                    return self.finish_visit(v, Some((&xp, rule)), None);
                }
                return self.absent_owner_sr(&x, owner_staff.is_none());
            }
            // The customer designates someone on a later visit: SR-NTH chooses the receiver
            // (and a later deal's split), never the owner; a customer nobody holds any more is
            // the designee's.
            if self.present(&x) {
                let v = self.received(
                    rules::SR_NTH,
                    &x,
                    "客户再次到访时指定销售员接待 (on a later visit the customer designates a salesperson)",
                );
                let claim = owner.is_none().then_some((&xp, rules::SR_NTH));
                return self.finish_visit(v, claim, owner.as_ref());
            }
            return self.absent_owner_sr(&x, true);
        }
        if let Some(o) = &owner_staff {
            if self.present(o) {
                // A visit of a returning customer is SR-RETURN; a walk-in the front desk puts in the
                // rotation is handed back by the one on turn, who knows who served it (SR-HANDBACK).
                let rule = if matches!(self.cmd.act, Act::WalkIn(_)) {
                    rules::SR_HANDBACK
                } else {
                    rules::SR_RETURN
                };
                let v = self.received(
                    rule,
                    o,
                    "老客户再次到访，交回原接待销售员 (a returning customer goes back to the salesperson who served them)",
                );
                return self.finish_visit(v, None, None);
            }
            return self.absent_owner_sr(o, false);
        }
        self.rotation_reception(true)
    }

    /// Whether every earlier server of the customer is `x` (a returning customer of x's).
    pub(crate) fn only_server_is(&self, x: &StaffId) -> bool {
        self.view.as_ref().is_some_and(|v| {
            let s = self.earlier_servers(v);
            !s.is_empty() && s.iter().all(|p| p == &Party::Staff(x.clone()))
        })
    }

    /// SR-ABSENT: the named salesperson B is absent; C, who would receive a walk-in now, assists
    /// without consuming a turn; B keeps (or gains) the customer.
    pub(crate) fn absent_owner_sr(&self, b: &StaffId, claim: bool) -> Decision {
        let Some(c) = self.peek() else {
            let st = self.standing(self.view.as_ref());
            let v = self.reject(
                &st,
                rules::ROT_ORDER,
                "值班人员都不空闲，无人可以协助接待 (nobody on duty is available to assist)",
            );
            return Decision {
                verdict: v,
                effects: vec![],
                target: self.target(),
            };
        };
        let mut v = self.received(
            rules::SR_ABSENT,
            &c,
            "客户点名的销售员不在：由轮到的销售员协助接待，不占轮次 (the named salesperson is absent: the one on turn assists without consuming a turn)",
        );
        v.assistant = Some(c.clone());
        let bp = Party::Staff(b.clone());
        let st = self.standing(self.view.as_ref());
        let new_holder =
            (claim || !(st.protected && st.owner == bp)).then_some((&bp, rules::SR_ABSENT));
        self.finish_visit(v, new_holder, Some(&bp))
    }

    /// SR-REFERRAL: a customer brought by an existing customer belongs to that customer's owner.
    pub(crate) fn referral(&self) -> Option<Decision> {
        let r = self.referrer?;
        let rs = self.standing(Some(r));
        let owner = rs.owner.staff()?.clone();
        let receiver = if self.present(&owner) {
            owner.clone()
        } else {
            self.peek()?
        };
        let mut v = self.received(
            rules::SR_REFERRAL,
            &receiver,
            "老客户带来的新客户：归老客户的销售员 (brought by an existing customer: the referrer's owner keeps the new customer)",
        );
        if receiver != owner {
            v.assistant = Some(receiver.clone());
        }
        v.relied_on.extend(r.events.last().map(|e| e.reference()));
        Some(self.finish_visit(v, Some((&Party::Staff(owner), rules::SR_REFERRAL)), None))
    }

    /// SR-HOUSEHOLD: the first receiver of the customer's household.
    pub(crate) fn household_receiver(&self) -> Option<(StaffId, Vec<crate::verdict::EventRef>)> {
        self.household
            .iter()
            .filter_map(|h| {
                let s = self.standing(Some(h));
                let first = h.holdings().into_values().min_by_key(|x| x.seq)?;
                let staff = first.party.staff()?.clone();
                s.protected.then_some((first.seq, staff, s.relied))
            })
            .min_by_key(|(seq, _, _)| *seq)
            .map(|(_, s, r)| (s, r))
    }

    /// §3.1 site-rotation.
    pub(crate) fn deal_sr(&self, st: &super::Standing) -> Attribution {
        let (closed_by, ..) = self.deal_args();
        if st.owner == Party::Department {
            return whole(&Party::Department, rules::SR_QUARREL);
        }
        // SR-HOUSEHOLD: a family member of a customer received earlier.
        let own_first = self
            .view
            .as_ref()
            .and_then(|v| v.holdings().into_values().map(|h| h.seq).min());
        if let Some((h, _)) = self.household_first() {
            if own_first.is_none_or(|s| h.1 < s) {
                return whole(&staff(&h.0), rules::SR_HOUSEHOLD);
            }
        }
        let lv = self.last_visit().cloned();
        if let Some(lv) = &lv {
            let receiver = lv
                .verdict
                .receiver
                .clone()
                .unwrap_or_else(|| StaffId(String::new()));
            match lv.verdict.rule.as_str() {
                "SR-ABSENT" => {
                    let b = lv.verdict.owner.clone().unwrap_or(st.owner.clone());
                    let c = lv.verdict.assistant.clone().unwrap_or(receiver);
                    if self.same_day(lv.at) && closed_by == Some(&c) {
                        return self.named_split(
                            &b,
                            vec![(b.clone(), 50), (staff(&c), 50)],
                            rules::SR_SAMEDAY,
                        );
                    }
                    return self.named_split(
                        &b,
                        vec![(b.clone(), 80), (staff(&c), 20)],
                        rules::SR_ABSENT,
                    );
                }
                "SR-REFUSE" => {
                    let a = staff(&receiver);
                    let refused = match &lv.act {
                        Act::Visit(act::Visit {
                            refuses: Some(b), ..
                        }) => Some(staff(b)),
                        _ => None,
                    };
                    let before = self.as_of(lv.seq, lv.at);
                    let bs = before.standing(before.view.as_ref());
                    return match refused {
                        Some(b) if bs.protected && bs.owner == b => {
                            self.named_split(&a, vec![(a.clone(), 80), (b, 20)], rules::SR_REFUSE)
                        }
                        _ => whole(&a, rules::SR_REFUSE),
                    };
                }
                "SR-FORGOT" => {
                    let a = staff(&receiver);
                    let before = self.as_of(lv.seq, lv.at);
                    let bs = before.standing(before.view.as_ref());
                    return if bs.protected && bs.owner != a && matches!(bs.owner, Party::Staff(_)) {
                        self.split(vec![(bs.owner.clone(), 50), (a, 50)], rules::SR_FORGOT)
                    } else {
                        whole(&a, rules::SR_FORGOT)
                    };
                }
                "SR-NTH" => {
                    let a = staff(&receiver);
                    let before = self.as_of(lv.seq, lv.at);
                    let mut earlier: Vec<Party> = Vec::new();
                    if let Some(v) = &before.view {
                        for e in &v.events {
                            let mut add = |p: Party| {
                                if p != a && matches!(p, Party::Staff(_)) && !earlier.contains(&p) {
                                    earlier.push(p);
                                }
                            };
                            match &e.act {
                                Act::Register(act::Register { by, .. })
                                    if e.verdict.outcome == Outcome::Accepted =>
                                {
                                    add(self.party(by))
                                }
                                Act::Visit(_) | Act::WalkIn(_) => {
                                    if let Some(r) = &e.verdict.receiver {
                                        add(self.party(r));
                                    }
                                    if let Some(x) = &e.verdict.assistant {
                                        add(self.party(x));
                                    }
                                    for eff in &e.effects {
                                        if let Effect::Holder { party, .. } = eff {
                                            add(party.clone());
                                        }
                                    }
                                }
                                _ => {}
                            }
                        }
                    }
                    if earlier.is_empty() {
                        return whole(&a, rules::SR_NTH);
                    }
                    let mut shares = vec![(a.clone(), 50)];
                    shares.extend(equal_split(50, &earlier));
                    let mut merged: Vec<(Party, u32)> = Vec::new();
                    for (p, s) in shares {
                        match merged.iter_mut().find(|(q, _)| *q == p) {
                            Some(x) => x.1 += s,
                            None => merged.push((p, s)),
                        }
                    }
                    return self.split(merged, rules::SR_NTH);
                }
                "SR-COMPLAINT" => return whole(&st.owner, rules::SR_COMPLAINT),
                _ => {}
            }
        }
        if !st.protected {
            return self.deal_unowned(rules::SR_VALID);
        }
        if let Some(x) = closed_by {
            if staff(x) != st.owner && matches!(st.owner, Party::Staff(_)) {
                return whole(&st.owner, rules::SR_DISCOUNT);
            }
        }
        let rule = match lv.as_ref().map(|e| e.verdict.rule.as_str()) {
            Some("SR-HANDBACK") => rules::SR_HANDBACK,
            Some("SR-REFERRAL") => rules::SR_REFERRAL,
            Some("SR-HOUSEHOLD") => rules::SR_HOUSEHOLD,
            Some("SR-MULTI") => rules::SR_MULTI,
            _ => rules::SR_FIRST,
        };
        whole(&st.owner, rule)
    }

    /// The first receiver of the customer's household, with the seq of that first claim.
    pub(crate) fn household_first(&self) -> Option<((StaffId, i64), ())> {
        self.household
            .iter()
            .filter_map(|h| {
                let first = h.holdings().into_values().min_by_key(|x| x.seq)?;
                let s = first.party.staff()?.clone();
                Some((s, first.seq))
            })
            .min_by_key(|(_, seq)| *seq)
            .map(|x| (x, ()))
    }

    /// The standing of one holding at `now` (RULES.md §3.1).
    pub(crate) fn standing_sr(
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
        let latest = |evs: &[&Event]| evs.iter().map(|e| e.at).max();
        // SR-SIGNED: once a deal is signed the customer stays with its holder (the party
        // credited at signing, or whom a manager reassigned it to since), with no end.
        let signed: Vec<&Event> = view
            .acts("deal")
            .filter(|e| e.verdict.outcome == Outcome::Accepted && e.verdict.credited.is_some())
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
}
