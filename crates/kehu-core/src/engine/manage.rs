//! The acts after the claim and the management acts: follow-ups, deposits, claims after signing,
//! consent, presence, settlements, queries, extensions, duty, events and reassignments.

use super::acts::{holder, unclaimed};
use super::{zh_text, Ctx, Decision, Target};
use crate::act;
use crate::model::{Act, Party, Presence, Role, StaffId};
use crate::rules::{self};
use crate::state::{Effect, Period, ProjectChange, View};
use crate::verdict::Outcome;
use rand::seq::SliceRandom;
use rand::SeedableRng;

/// A presence in Chinese, for reasons (ROT-*).
fn presence_zh(p: Presence) -> &'static str {
    match p {
        Presence::Available => "空闲",
        Presence::Busy => "忙碌",
        Presence::Away => "离开",
        Presence::Out => "外出",
        Presence::Leave => "请假",
        Presence::Left => "离职",
    }
}

impl Ctx<'_> {
    // ----- follow-ups, deposits --------------------------------------------------------------

    pub(crate) fn contact(&self) -> Decision {
        let Act::Contact(act::Contact { by, .. }) = &self.cmd.act else {
            unreachable!("dispatched on contact")
        };
        let st = self.standing(self.view.as_ref());
        let party = self.party(by);
        if let Some(v) = self.family().contact_refused(self, &st, &party) {
            return Decision {
                verdict: v,
                effects: vec![],
                target: self.target(),
            };
        }
        let rule = match self.family().contact_rule(self, &st, &party) {
            Some(r) => r,
            None if st.protected => st.rule,
            None => self.first_rule(),
        };
        let v = self.settle(
            self.verdict(Outcome::Accepted, rule, "跟进已记录 (follow-up logged)"),
            &[],
        );
        Decision {
            verdict: v,
            effects: vec![],
            target: self.target(),
        }
    }

    pub(crate) fn deposit(&self) -> Decision {
        let Act::Deposit(d) = &self.cmd.act else {
            unreachable!("dispatched on deposit")
        };
        let st = self.standing(self.view.as_ref());
        let own = self.family().deposit_rule(&st);
        // INV-UNSOLD: a deposit on a unit holds it, if the sales control shows it free.
        let unit = match d.unit.as_deref() {
            Some(u) => match self.unit_deposit(&st, u, d.kind) {
                Ok(x) => Some((u, x)),
                Err(v) => {
                    return Decision {
                        verdict: *v,
                        effects: vec![],
                        target: self.target_or_none(),
                    }
                }
            },
            None => None,
        };
        let rule = match own {
            Some(r) => r,
            None if unit.is_some() => rules::INV_UNSOLD,
            None if st.protected => st.rule,
            None => self.first_rule(),
        };
        let (reason, eff, notify) = match unit {
            Some((u, (e, n))) => (
                format!(
                    "定金已登记，房源 {u} 已锁定，已通知总销控 (deposit recorded; unit {u} held, the master sales control told)"
                ),
                vec![e],
                n,
            ),
            None => ("定金已登记 (deposit recorded)".to_string(), vec![], vec![]),
        };
        let mut v = self.settle(self.verdict(Outcome::Accepted, rule, reason), &[]);
        for p in notify {
            if !v.notify.contains(&p) {
                v.notify.push(p);
            }
        }
        Decision {
            verdict: v,
            effects: eff,
            target: self.target(),
        }
    }

    // ----- claims after signing, consent ------------------------------------------------------

    pub(crate) fn claim(&self) -> Decision {
        let Act::Claim(act::Claim { by, .. }) = &self.cmd.act else {
            unreachable!("dispatched on claim")
        };
        let party = self.party(by);
        let st = self.standing(self.view.as_ref());
        let deal = self.view.as_ref().and_then(View::last_deal).cloned();
        let Some(deal) = deal else {
            let v = self.reject(
                &st,
                self.family().after_signing_rule(),
                "没有可认领的已签约成交 (there is no signed deal to claim)",
            );
            return Decision {
                verdict: v,
                effects: vec![],
                target: self.target_or_none(),
            };
        };
        if let Some(d) = self.family().claim_after_signing(self, &deal, &party) {
            return d;
        }
        let credited = deal.verdict.credited.clone();
        let unclaimed = unclaimed(&deal);
        let why = if !unclaimed {
            "该成交签约时已有业绩归属 (the deal was claimed at signing)"
        } else {
            "签约后的认领期限已过 (the claim window after signing has ended)"
        };
        let mut v = self.reject(&st, self.family().after_signing_rule(), why);
        v.credited = credited;
        v.shares = deal.verdict.shares.clone();
        v.relied_on.push(deal.reference());
        Decision {
            verdict: v,
            effects: vec![],
            target: self.target(),
        }
    }

    pub(crate) fn consent(&self) -> Decision {
        let Act::Consent(act::Consent { by, .. }) = &self.cmd.act else {
            unreachable!("dispatched on consent")
        };
        let st = self.standing(self.view.as_ref());
        if self.presence(by) == Presence::Left {
            let rule = self.family().leaver_rule();
            let v = self.reject(
                &st,
                rule,
                "已离职的销售员不能转交客户 (a departed salesperson cannot hand customers over)",
            );
            return Decision {
                verdict: v,
                effects: vec![],
                target: self.target(),
            };
        }
        let rule = self.family().consent_rule();
        if st.owner != self.party(by) {
            let v = self.reject(
                &st,
                rule,
                "只有归属人才能同意他人报备 (only the owner can consent)",
            );
            return Decision {
                verdict: v,
                effects: vec![],
                target: self.target(),
            };
        }
        let v = self.with_standing(
            self.verdict(
                Outcome::Accepted,
                rule,
                "归属人同意他人报备 (the owner consents)",
            ),
            &st,
        );
        Decision {
            verdict: v,
            effects: vec![],
            target: self.target(),
        }
    }

    // ----- staff, management ---------------------------------------------------------------

    pub(crate) fn status(&self) -> Decision {
        let Act::Status(act::Status { staff, state }) = &self.cmd.act else {
            unreachable!("dispatched on status")
        };
        let rule = match state {
            Presence::Busy => rules::ROT_BUSY,
            Presence::Away => rules::ROT_AWAY,
            Presence::Out => rules::ROT_OUT,
            Presence::Left => self.family().departure_rule(),
            _ => rules::ROT_ORDER,
        };
        let eff = self.project_change(ProjectChange::Presence {
            staff: staff.clone(),
            state: *state,
        });
        let v = self.verdict(
            Outcome::Accepted,
            rule,
            format!(
                "{}当前状态：{} ({} is now {state:?})",
                zh_text(self.name_of(staff)),
                presence_zh(*state),
                self.name_of(staff)
            ),
        );
        Decision {
            verdict: v,
            effects: vec![eff],
            target: Target::None,
        }
    }

    pub(crate) fn resolve(&self) -> Decision {
        let Act::Resolve(act::Resolve {
            by, owner, shares, ..
        }) = &self.cmd.act
        else {
            unreachable!("dispatched on resolve")
        };
        let st = self.standing(self.view.as_ref());
        if !self.family().may_resolve(self, by) {
            let v = self.reject(
                &st,
                rules::G_DISPUTE,
                "只有经理才能裁定争议 (only a manager settles a dispute)",
            );
            return Decision {
                verdict: v,
                effects: vec![],
                target: self.target_or_none(),
            };
        }
        let Some(view) = &self.view else {
            let v = self.verdict(
                Outcome::Rejected,
                rules::G_DISPUTE,
                "查无此客户 (no such customer)",
            );
            return Decision {
                verdict: v,
                effects: vec![],
                target: Target::None,
            };
        };
        if let Some(sh) = shares {
            let sum: u32 = sh.iter().map(|(_, n)| *n).sum();
            if sum != 100 {
                let v = self.verdict(
                    Outcome::Invalid,
                    rules::G_SHARES,
                    format!("分成比例合计为 {sum}，不是 100 (shares sum to {sum}, not 100)"),
                );
                return Decision {
                    verdict: v,
                    effects: vec![],
                    target: Target::None,
                };
            }
        }
        let open = view.open_dispute().cloned();
        let former = st
            .holding
            .as_ref()
            .map(|h| h.party.clone())
            .filter(|p| p.is_owner());
        let mut eff = Vec::new();
        let mut rule = rules::G_DISPUTE;
        let mut violations = Vec::new();
        if let Some(o) = &open {
            eff.push(Effect::DisputeClosed);
            let _ = o;
        } else if let Some((r, vs, effs)) =
            self.family()
                .direct_decision(self, owner.as_ref(), former.as_ref())
        {
            rule = r;
            violations = vs;
            eff.extend(effs);
        }
        let has_pending_deal = view
            .acts("deal")
            .last()
            .is_some_and(|d| d.verdict.outcome == Outcome::Pending);
        if open.is_none() && !has_pending_deal && rule == rules::G_DISPUTE {
            // Nothing to settle: no open dispute, no deal waiting for its split, and no rule that
            // gives the manager this decision (SR-QUARREL, ST-FAKE).
            let v = self.reject(
                &st,
                rules::G_DISPUTE,
                "没有待裁定的争议 (there is no open dispute to settle)",
            );
            return Decision {
                verdict: v,
                effects: vec![],
                target: self.target_or_none(),
            };
        }
        let credited_from_shares = shares.as_ref().and_then(|sh| {
            let list: Vec<(Party, u32)> = sh.clone();
            let inv = self.involvement(view);
            super::credited_by_shares(&list, &inv).map(|c| (c, list))
        });
        let new_owner = owner
            .clone()
            .or_else(|| credited_from_shares.as_ref().map(|(c, _)| c.clone()));
        if let Some(o) = &new_owner {
            eff.push(holder(o, rule));
        }
        let mut v = self.verdict(
            Outcome::Accepted,
            rule,
            "经理已裁定 (settled by the manager)",
        );
        v.violations = violations;
        // Attribute a deal left pending (G-DEAL-FIRST, ST-ASSIST).
        let pending_deal = view
            .acts("deal")
            .last()
            .filter(|d| d.verdict.outcome == Outcome::Pending)
            .cloned();
        if let Some(d) = &pending_deal {
            let ordered = self.order_shares(
                credited_from_shares
                    .as_ref()
                    .map(|(_, l)| l.clone())
                    .unwrap_or_else(|| new_owner.iter().map(|o| (o.clone(), 100)).collect()),
                view,
            );
            v.credited = credited_from_shares
                .as_ref()
                .map(|(c, _)| c.clone())
                .or_else(|| new_owner.clone());
            v.shares = ordered;
            v.relied_on.push(d.reference());
            if let Act::Deal(deal) = &d.act {
                v.amount = Some(deal.amount);
            }
        } else if let Some((c, l)) = &credited_from_shares {
            v.credited = Some(c.clone());
            v.shares = self.order_shares(l.clone(), view);
        } else if rule == rules::SR_QUARREL && view.last_deal().is_some() {
            v.credited = Some(Party::Department);
            v.shares = vec![(Party::Department, 100)];
        }
        if let Some(o) = &open {
            v.relied_on.push(o.reference());
        }
        let mut v = self.settle(v, &eff);
        if let Some(o) = &new_owner {
            v.owner = Some(o.clone());
        }
        if open.is_some() && !self.silent() {
            for p in former.iter().chain(new_owner.iter()) {
                if p.is_notifiable() && !v.notify.contains(p) {
                    v.notify.push(p.clone());
                }
            }
        }
        Decision {
            verdict: v,
            effects: eff,
            target: self.target(),
        }
    }

    /// Parties in order of their first involvement with the customer (G-SHARES tie-breaks).
    pub(crate) fn involvement(&self, view: &View) -> Vec<Party> {
        let mut out: Vec<Party> = Vec::new();
        let mut add = |p: Party| {
            if !out.contains(&p) {
                out.push(p);
            }
        };
        for e in &view.events {
            for h in e.act.handles() {
                if matches!(e.act, Act::Resolve(_) | Act::Status(_) | Act::Reassign(_)) {
                    continue;
                }
                add(self.party(h));
            }
            if let Some(r) = &e.verdict.receiver {
                add(self.party(r));
            }
            for eff in &e.effects {
                if let Effect::Holder { party, .. } = eff {
                    add(party.clone());
                }
            }
        }
        out
    }

    pub(crate) fn order_shares(&self, mut l: Vec<(Party, u32)>, view: &View) -> Vec<(Party, u32)> {
        let inv = self.involvement(view);
        l.sort_by_key(|(p, _)| inv.iter().position(|x| x == p).unwrap_or(usize::MAX));
        l
    }

    pub(crate) fn query(&self) -> Decision {
        let st = self.standing(self.view.as_ref());
        let rule = st.via.unwrap_or(st.rule);
        let mut v = self.with_standing(
            self.verdict(
                Outcome::Accepted,
                rule,
                "该客户当前的归属与保护期 (the customer's standing)",
            ),
            &st,
        );
        if let Some(d) = self.view.as_ref().and_then(View::last_deal) {
            v.credited = d.verdict.credited.clone();
            v.shares = d.verdict.shares.clone();
        }
        if let Some(view) = &self.view {
            let _ = view;
        }
        // A query is a read: nothing is appended to the ledger.
        Decision {
            verdict: v,
            effects: vec![],
            target: Target::None,
        }
    }

    pub(crate) fn extend(&self) -> Decision {
        let Act::Extend(act::Extend { by, .. }) = &self.cmd.act else {
            unreachable!("dispatched on extend")
        };
        let st = self.standing(self.view.as_ref());
        if !self.role(by).is_some_and(Role::is_manager) {
            let v = self.reject(
                &st,
                rules::DS_3MONTHS,
                "只有总经理才能延长备案期 (only the general manager extends a filing)",
            );
            return Decision {
                verdict: v,
                effects: vec![],
                target: self.target_or_none(),
            };
        }
        if !st.protected {
            let v = self.reject(&st, st.rule, "备案已失效 (the filing has already ended)");
            return Decision {
                verdict: v,
                effects: vec![],
                target: self.target_or_none(),
            };
        }
        let v = self.settle(
            self.verdict(
                Outcome::Accepted,
                rules::DS_3MONTHS,
                "总经理已延长备案期 (filing extended by the general manager)",
            ),
            &[],
        );
        Decision {
            verdict: v,
            effects: vec![],
            target: self.target(),
        }
    }

    pub(crate) fn duty(&self) -> Decision {
        let Act::Duty(act::Duty { team, until }) = &self.cmd.act else {
            unreachable!("dispatched on duty")
        };
        // Windows that have ended leave the project state as this one is set
        // (`ProjectState::apply`).
        let eff = self.project_change(ProjectChange::Duty(Period {
            name: team.clone(),
            from: self.now,
            until: *until,
        }));
        let v = self.verdict(
            Outcome::Accepted,
            rules::TR_DUTY,
            format!(
                "团队「{}」值班接待 (team {team} on reception duty)",
                zh_text(team)
            ),
        );
        Decision {
            verdict: v,
            effects: vec![eff],
            target: Target::None,
        }
    }

    pub(crate) fn event(&self) -> Decision {
        let Act::Event(act::Event { until, name }) = &self.cmd.act else {
            unreachable!("dispatched on event")
        };
        let eff = self.project_change(ProjectChange::EventWindow(Period {
            name: name.clone(),
            from: self.now,
            until: *until,
        }));
        let v = self.verdict(
            Outcome::Accepted,
            rules::SR_EVENT,
            format!(
                "已设活动「{}」：活动期间客户归属由经理裁定 (event {name}: ownership is set by the manager)",
                zh_text(name)
            ),
        );
        Decision {
            verdict: v,
            effects: vec![eff],
            target: Target::None,
        }
    }

    /// SR-LEAVE, FR-LEFT, TR-LEFT, BP-LEFT, DIST-RANDOM: a leaver's customers redistributed at
    /// random, evenly, reproducibly from the recorded seed.
    pub(crate) fn reassign(&self) -> Decision {
        let Act::Reassign(act::Reassign { by, from, to, seed }) = &self.cmd.act else {
            unreachable!("dispatched on reassign")
        };
        let rule = self.family().reassign_rule();
        let allowed = self.role(by).is_some_and(|r| self.family().reassigns(r));
        if !allowed {
            let (who_zh, who) = if self.family().reassigns(Role::Manager) {
                ("经理", "a manager")
            } else {
                ("营销副总", "the marketing VP")
            };
            let v = self.verdict(
                Outcome::Rejected,
                rule,
                format!(
                    "只有{who_zh}才能重新分配离职人员的客户 (only {who} reassigns a leaver's customers)"
                ),
            );
            return Decision {
                verdict: v,
                effects: vec![],
                target: Target::None,
            };
        }
        // Only a leaver's customers are redistributed (SR-LEAVE: long leave or transfer; the
        // others: departure); a manager cannot take a present salesperson's customers this way.
        if !matches!(self.presence(from), Presence::Left | Presence::Leave) {
            let v = self.verdict(
                Outcome::Rejected,
                rule,
                format!(
                    "{}既未离职也未长假，其客户仍归本人 ({from} has neither left nor gone on long leave: their customers stay theirs)",
                    zh_text(from)
                ),
            );
            return Decision {
                verdict: v,
                effects: vec![],
                target: Target::None,
            };
        }
        let from_p = Party::Staff(from.clone());
        let mut targets: Vec<StaffId> = match to {
            Some(t) => t.clone(),
            None => self
                .order()
                .into_iter()
                .filter(|s| {
                    s != from && !matches!(self.presence(s), Presence::Left | Presence::Leave)
                })
                .collect(),
        };
        let mut ids: Vec<crate::model::CustomerId> = self
            .held_by
            .iter()
            .filter(|v| {
                let hs = v.holdings();
                hs.values().any(|h| h.party == from_p)
            })
            .flat_map(|v| v.ids.iter().copied())
            .collect();
        ids.sort();
        ids.dedup();
        if targets.is_empty() {
            let v = self.verdict(
                Outcome::Rejected,
                rule,
                "没有可接收这些客户的人员 (nobody to reassign the customers to)",
            );
            return Decision {
                verdict: v,
                effects: vec![],
                target: Target::None,
            };
        }
        let mut rng = rand::rngs::StdRng::seed_from_u64(*seed);
        ids.shuffle(&mut rng);
        targets.shuffle(&mut rng);
        let eff: Vec<Effect> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| Effect::Reassigned {
                customer: *id,
                party: Party::Staff(targets[i % targets.len()].clone()),
            })
            .collect();
        let v = self.verdict(
            Outcome::Accepted,
            rule,
            format!(
                "{}的 {n} 个客户已随机重新分配（随机种子 {seed}） ({n} customers of {name} redistributed at random (seed {seed}))",
                zh_text(self.name_of(from)),
                n = ids.len(),
                name = self.name_of(from)
            ),
        );
        Decision {
            verdict: v,
            effects: eff,
            target: if ids.is_empty() {
                Target::None
            } else {
                Target::Records(ids)
            },
        }
    }
}
