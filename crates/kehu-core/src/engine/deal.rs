//! Deals (成交): who is credited and how the bonus splits (G-SHARES), per rulebook.

use super::{credited_by_shares, equal_split, Ctx, Decision};
use crate::model::{Act, Party, StaffId};
use crate::policy::Preset;
use crate::rules::{self, RuleId};
use crate::state::{Effect, Event, View};
use crate::verdict::{Outcome, Verdict, Violation};

/// An attribution: credited party, shares, the deciding rule, and violations.
struct Attribution {
    credited: Party,
    shares: Vec<(Party, u32)>,
    rule: RuleId,
    violations: Vec<Violation>,
    /// Whether the credited party becomes the customer's holder.
    hold: bool,
}

fn whole(p: &Party, rule: RuleId) -> Attribution {
    Attribution {
        credited: p.clone(),
        shares: vec![(p.clone(), 100)],
        rule,
        violations: Vec::new(),
        hold: false,
    }
}

fn staff(s: &StaffId) -> Party {
    Party::Staff(s.clone())
}

impl Ctx<'_> {
    /// The same decision context as of an earlier instant, over the events before `seq`.
    fn as_of(&self, seq: i64, at: crate::time::Instant) -> Ctx<'_> {
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
            candidates: self.candidates,
        }
    }

    /// Credit by G-SHARES when no rule names the credited party.
    fn split(&self, shares: Vec<(Party, u32)>, rule: RuleId) -> Attribution {
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

    fn named_split(
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
                self.verdict(Outcome::Pending, rules::G_DEAL_FIRST, "signed while a dispute is open: commission stays unattributed until the manager resolves it"),
                &st,
            );
            v.relied_on.push(d.reference());
            return Decision {
                verdict: v,
                effects: vec![],
                target: self.target(),
            };
        }
        let a = match self.preset {
            Preset::SiteRotation => self.deal_sr(&st),
            Preset::SiteFirstReception => self.deal_fr(&st),
            Preset::TeamRegistration => self.deal_tr(&st),
            Preset::StoreRegistration => match self.deal_st(&st) {
                Ok(a) => a,
                Err(d) => return *d,
            },
            Preset::ChannelSms => self.deal_cs(&st),
            Preset::ChannelDistribution | Preset::DirectSales => self.deal_owner(&st),
            Preset::ChannelLaunch => self.deal_cl(&st),
            Preset::B2bProtection => self.deal_bp(&st),
        };
        let mut eff = Vec::new();
        // SR-SIGNED: under site-rotation the customer stays with the party credited at signing.
        let hold = a.hold || self.preset == Preset::SiteRotation;
        if (hold || !st.protected)
            && a.credited.is_owner()
            && !(st.protected && st.owner == a.credited)
        {
            eff.push(Effect::Holder {
                party: a.credited.clone(),
                rule: a.rule.0.to_string(),
            });
        }
        let mut v = self.verdict(Outcome::Accepted, a.rule, "deal signed");
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
        Decision {
            verdict: v,
            effects: eff,
            target: self.target(),
        }
    }

    /// The parties who brought the customer on site while it was another's (CL-SILENT kept
    /// them silent), with the credited party first; empty when there were none.
    fn silent_collisions(&self, credited: &Party) -> Vec<Party> {
        let Some(view) = self.view.as_ref() else {
            return Vec::new();
        };
        let mut out: Vec<Party> = Vec::new();
        for e in &view.events {
            if let Act::Visit {
                brought_by: Some(b),
                ..
            } = &e.act
            {
                let p = self.party(b);
                if &p != credited && p.is_notifiable() && !out.contains(&p) {
                    out.push(p);
                }
            }
        }
        if !out.is_empty() && credited.is_notifiable() {
            out.insert(0, credited.clone());
        }
        out
    }

    fn deal_args(
        &self,
    ) -> (
        Option<&StaffId>,
        &[StaffId],
        Option<bool>,
        Option<&StaffId>,
        bool,
    ) {
        match &self.cmd.act {
            Act::Deal {
                closed_by,
                helped_by,
                knowing,
                named,
                group_purchase,
                ..
            } => (
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
    fn last_visit(&self) -> Option<&Event> {
        self.view.as_ref()?.events.iter().rev().find(|e| {
            matches!(e.act, Act::Visit { .. } | Act::WalkIn { .. }) && e.verdict.receiver.is_some()
        })
    }

    /// Unowned deal: the closer, else the company.
    fn deal_unowned(&self, rule: RuleId) -> Attribution {
        let (closed_by, ..) = self.deal_args();
        let mut a = match closed_by {
            Some(c) => whole(&self.party(c), rule),
            None => whole(&Party::Company, rule),
        };
        a.hold = true;
        a
    }

    fn deal_owner(&self, st: &super::Standing) -> Attribution {
        if st.protected {
            whole(&st.owner, st.rule)
        } else {
            let rule = if self.preset == Preset::ChannelDistribution {
                rules::CD_PRE
            } else {
                st.rule
            };
            whole(&Party::Company, rule)
        }
    }

    /// §3.1 site-rotation.
    fn deal_sr(&self, st: &super::Standing) -> Attribution {
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
                        Act::Visit {
                            refuses: Some(b), ..
                        } => Some(staff(b)),
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
                                Act::Register { by, .. }
                                    if e.verdict.outcome == Outcome::Accepted =>
                                {
                                    add(self.party(by))
                                }
                                Act::Visit { .. } | Act::WalkIn { .. } => {
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
    fn household_first(&self) -> Option<((StaffId, i64), ())> {
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

    /// §3.2 site-first-reception.
    fn deal_fr(&self, st: &super::Standing) -> Attribution {
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
                    note: "knowingly served another salesperson's customer".into(),
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

    /// §3.3 team-registration.
    fn deal_tr(&self, st: &super::Standing) -> Attribution {
        if st.protected {
            return whole(&st.owner, st.rule);
        }
        // TR-LEFT: relatives of a leaver's customer are not credited to the former team.
        let via_left_team = self.household.iter().any(|h| {
            let s = self.standing(Some(h));
            s.protected && matches!(s.owner, Party::Team(_)) && s.rule == rules::TR_LEFT
        });
        let mut a = match self.project.duty_at(self.now) {
            Some(d) => whole(&Party::Team(d.name.clone()), rules::TR_DUTY),
            None => whole(&Party::Company, rules::TR_CLAIM3),
        };
        if via_left_team {
            a.rule = rules::TR_LEFT;
        }
        a.hold = true;
        a
    }

    /// §3.4 store-registration.
    fn deal_st(&self, st: &super::Standing) -> Result<Attribution, Box<Decision>> {
        let (closed_by, helped_by, ..) = self.deal_args();
        if !st.protected {
            return Ok(self.deal_unowned(st.rule));
        }
        let o = st.owner.clone();
        let registered = |s: &StaffId| {
            self.view.as_ref().is_some_and(|v| {
                v.acts("register")
                    .any(|e| matches!(&e.act, Act::Register { by, .. } if by == s))
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
                Verdict::new(Outcome::Pending, rules::ST_ASSIST, "another salesperson helped to close: the manager and the two salespeople agree the split (三方协商)"),
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

    /// The agency that brought a household member, with the instant of that member's first counted
    /// visit (or of the claim).
    fn household_claims(&self) -> Vec<(Party, crate::time::Instant, i64)> {
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

    /// §3.5 channel-sms.
    fn deal_cs(&self, st: &super::Standing) -> Attribution {
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
                    Act::Confirm { by, .. } => Some(self.party(by)),
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

    /// §3.7 channel-launch.
    fn deal_cl(&self, st: &super::Standing) -> Attribution {
        if !st.protected {
            return whole(&Party::Company, rules::CL_LAUNCH);
        }
        // CL-AREA: the agreed promotion area is the agency's agents' region.
        let area: Vec<&str> = self
            .dir
            .staff
            .iter()
            .filter(|s| s.party() == st.owner)
            .filter_map(|s| s.region.as_deref())
            .collect();
        let region = self.view.as_ref().and_then(|v| {
            v.acts("register")
                .filter(|e| e.verdict.outcome == Outcome::Accepted)
                .filter_map(|e| match &e.act {
                    Act::Register {
                        region: Some(r),
                        by,
                        ..
                    } if self.party(by) == st.owner => Some(r.as_str()),
                    _ => None,
                })
                .last()
        });
        if let Some(r) = region {
            if !area.is_empty() && !area.contains(&r) {
                return whole(&Party::Company, rules::CL_AREA);
            }
        }
        whole(&st.owner, rules::CL_LAUNCH)
    }

    /// §3.8 b2b-protection.
    fn deal_bp(&self, st: &super::Standing) -> Attribution {
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
}
