//! The acts other than deals: claims, visits, rotation, confirmations and management acts.

use super::rotation::{self, Pick};
use super::{Ctx, Decision, Target};
use crate::model::{Act, ContactKind, CustomerInput, Party, Presence, Role, StaffId};
use crate::policy::Preset;
use crate::rules::{self, RuleId};
use crate::state::{Effect, Period, ProjectState, View};
use crate::verdict::{Outcome, Verdict, Violation};
use rand::seq::SliceRandom;
use rand::SeedableRng;

/// The fields of a visit, also used for a walk-in of a returning customer.
#[derive(Debug, Default, Clone)]
pub(crate) struct VisitArgs {
    pub brought_by: Option<StaffId>,
    pub names: Vec<StaffId>,
    pub designates: Option<StaffId>,
    pub refuses: Option<StaffId>,
    pub complains_about: Option<StaffId>,
    pub forgot: bool,
}

/// SR-SIGNED: the customer signed a deal and stays with its holder.
pub(crate) fn is_signed(st: &super::Standing) -> bool {
    st.protected && st.rule == rules::SR_SIGNED
}

pub(crate) fn holder(p: &Party, rule: RuleId) -> Effect {
    Effect::Holder {
        party: p.clone(),
        rule: rule.0.to_string(),
    }
}

impl Ctx<'_> {
    // ----- helpers -----------------------------------------------------------------------------

    pub(crate) fn presence(&self, s: &StaffId) -> Presence {
        self.project.presence(s)
    }

    pub(crate) fn present(&self, s: &StaffId) -> bool {
        self.presence(s).is_present()
    }

    pub(crate) fn order(&self) -> Vec<StaffId> {
        self.dir.rotation()
    }

    /// Consumes a rotation turn (ROT-*).
    pub(crate) fn rotate(&self) -> Option<Pick> {
        rotation::pick(
            &self.project.board,
            &self.order(),
            |s| self.presence(s),
            self.params.out_turns,
        )
    }

    /// Who would receive a walk-in now, consuming nothing (SR-ABSENT's C).
    pub(crate) fn peek(&self) -> Option<StaffId> {
        rotation::would_receive(
            &self.project.board,
            &self.order(),
            |s| self.presence(s),
            self.params.out_turns,
        )
    }

    pub(crate) fn project_with(&self, f: impl FnOnce(&mut ProjectState)) -> Effect {
        let mut p = self.project.clone();
        f(&mut p);
        Effect::Project(p)
    }

    pub(crate) fn board_effect(&self, pick: &Pick) -> Effect {
        self.project_with(|p| p.board = pick.board.clone())
    }

    pub(crate) fn role(&self, s: &StaffId) -> Option<Role> {
        self.dir.get(s).map(|x| x.role)
    }

    /// Whether receptions of new customers are claims in this rulebook (visitor register).
    pub(crate) fn reception_claims(&self) -> bool {
        self.preset.reception_claims() || self.preset == Preset::TeamRegistration
    }

    pub(crate) fn customer_input(&self) -> CustomerInput {
        self.cmd.act.customer().cloned().unwrap_or_default()
    }

    /// A rejected act on the customer, with the standing shown to managers.
    pub(crate) fn reject(
        &self,
        s: &super::Standing,
        rule: RuleId,
        reason: impl Into<String>,
    ) -> Verdict {
        self.with_standing(self.verdict(Outcome::Rejected, rule, reason), s)
    }

    pub(crate) fn target_or_none(&self) -> Target {
        match &self.view {
            Some(v) => Target::Records(v.ids.clone()),
            None => Target::None,
        }
    }

    // ----- register (报备) ----------------------------------------------------------------------

    pub(crate) fn register(&self) -> Decision {
        let Act::Register {
            by,
            customer: _,
            channel: _,
            kind: _,
            visit_at: _,
            inbound: _,
            region: _,
            signed: _,
        } = &self.cmd.act
        else {
            unreachable!("dispatched on register")
        };
        let party = self.party(by);
        let st = self.standing(self.view.as_ref());
        let target = self.target();
        let done = |v: Verdict, eff: Vec<Effect>| Decision {
            verdict: v,
            effects: eff,
            target: target.clone(),
        };

        // SEC-LEAVE: a departed person's access ends at once; they claim nobody any more.
        if self.presence(by) == Presence::Left {
            let rule = self.family().leaver_rule();
            return done(
                self.reject(
                    &st,
                    rule,
                    "a departed salesperson cannot register customers",
                ),
                vec![],
            );
        }

        // The rulebook's rules about the registration's own form and timing.
        if let Some(v) = self.family().register_form(self, &st) {
            return done(v, vec![]);
        }

        // A collision with a valid claim (撞单).
        if st.protected && st.owner != party {
            if let Some(d) = self.family().collision(self, &st, by) {
                return d;
            }
            return done(self.collision_rejected(&st, st.rule), vec![]);
        }

        // A renewal by the holder.
        if st.protected {
            if let Some(v) = self.family().renewal(self, &st, &party) {
                return done(v, vec![]);
            }
            let reason = if st.rule == rules::SR_SIGNED {
                "the customer signed with its holder, who keeps it with no end"
            } else {
                "registration renewed by its holder"
            };
            let v = self.settle(self.verdict(Outcome::Accepted, st.rule, reason), &[]);
            return done(v, vec![]);
        }

        let lapsed = st.lapsed_holder().cloned();
        if let Some(v) = self
            .family()
            .before_claim(self, &st, &party, lapsed.as_ref())
        {
            return done(v, vec![]);
        }
        let rule = self.family().claim_rule(self, &st, lapsed.is_some());
        let eff = vec![holder(&party, rule)];
        let v = self.settle(
            self.verdict(Outcome::Accepted, rule, "claim accepted"),
            &eff,
        );
        done(v, eff)
    }

    /// A registration refused by a collision (撞单), citing `rule`, its sentence from the rule.
    pub(crate) fn collision_rejected(&self, st: &super::Standing, rule: RuleId) -> Verdict {
        let reason = match rule {
            rules::SR_SIGNED => "collision (撞单): the customer signed a deal and stays with the salesperson credited at signing (after-sales service); you may still receive the customer today",
            rules::TR_SAMEDAY => "collision (撞单): the owner contacted the customer today; whoever brings the customer on site first today owns it",
            rules::TR_ACTIVE => "collision (撞单): the owner has kept in contact within the last 15 days; registering needs the owner's consent (a violation is recorded)",
            _ => "collision (撞单): the customer is protected for another party",
        };
        self.reject(st, rule, reason)
    }

    // ----- visits (到访) and walk-ins -----------------------------------------------------------

    pub(crate) fn visit(&self) -> Decision {
        let Act::Visit {
            brought_by,
            names,
            designates,
            refuses,
            complains_about,
            forgot,
            ..
        } = &self.cmd.act
        else {
            unreachable!("dispatched on visit")
        };
        let args = VisitArgs {
            brought_by: brought_by.clone(),
            names: names.clone(),
            designates: designates.clone(),
            refuses: refuses.clone(),
            complains_about: complains_about.clone(),
            forgot: *forgot,
        };
        self.family().visit(self, &args)
    }

    /// A receiver who consumed no turn.
    pub(crate) fn received(&self, rule: RuleId, receiver: &StaffId, reason: &str) -> Verdict {
        let mut v = self.verdict(Outcome::Accepted, rule, reason);
        v.receiver = Some(receiver.clone());
        v.turn = Some(false);
        v
    }

    /// A new customer through the rotation; `claim` records the reception as the receiver's claim.
    pub(crate) fn rotation_reception(&self, claim: bool) -> Decision {
        let Some(pick) = self.rotate() else {
            let st = self.standing(self.view.as_ref());
            let v = self.reject(
                &st,
                rules::ROT_ORDER,
                "nobody on duty is available to receive",
            );
            return Decision {
                verdict: v,
                effects: vec![],
                target: self.target_or_none(),
            };
        };
        let mut eff = vec![self.board_effect(&pick)];
        let mut v = self.verdict(Outcome::Accepted, pick.rule, "received in rotation order");
        v.receiver = Some(pick.receiver.clone());
        v.turn = Some(true);
        let has_customer = self.cmd.act.customer().is_some();
        if has_customer && self.preset == Preset::SiteRotation {
            if let Some(ev) = self.project.event_at(self.now) {
                let mut v = self.open_dispute(v, rules::SR_EVENT, vec![]);
                v.rule = rules::SR_EVENT.0.into();
                v.reason = format!("during {} the manager sets ownership", ev.name);
                v.owner = Some(Party::Pool);
                return Decision {
                    verdict: v,
                    effects: eff,
                    target: self.target(),
                };
            }
        }
        let signed = is_signed(&self.standing(self.view.as_ref()));
        if has_customer && claim && !signed {
            eff.push(holder(
                &Party::Staff(pick.receiver.clone()),
                self.first_rule(),
            ));
            let v = self.settle(v, &eff);
            return Decision {
                verdict: v,
                effects: eff,
                target: self.target(),
            };
        }
        if has_customer {
            let v = self.settle(v, &eff);
            return Decision {
                verdict: v,
                effects: eff,
                target: self.target(),
            };
        }
        Decision {
            verdict: v,
            effects: eff,
            target: Target::None,
        }
    }

    /// Finishes a visit verdict received without a turn: holder change when `new_holder` differs.
    pub(crate) fn finish_visit(
        &self,
        mut v: Verdict,
        new_holder: Option<(&Party, RuleId)>,
        notify_owner: Option<&Party>,
    ) -> Decision {
        let st = self.standing(self.view.as_ref());
        let mut eff = Vec::new();
        // SR-SIGNED: a visit chooses who receives a signed customer, never the owner.
        let new_holder = new_holder.filter(|_| !is_signed(&st));
        if let Some((p, rule)) = new_holder {
            if !(st.protected && &st.owner == p) {
                eff.push(holder(p, rule));
            }
        }
        if let Some(o) = notify_owner {
            let present: Vec<Party> = v.receiver.iter().map(|r| self.party(r)).collect();
            self.notify_absent_owner(&mut v, o, &present);
        }
        let v = if v.outcome == Outcome::Pending && v.owner.is_some() {
            v
        } else {
            self.settle(v, &eff)
        };
        Decision {
            verdict: v,
            effects: eff,
            target: self.target(),
        }
    }

    /// The staff who received or registered the customer, in order of involvement.
    pub(crate) fn earlier_servers(&self, view: &View) -> Vec<Party> {
        let mut out: Vec<Party> = Vec::new();
        for e in &view.events {
            let mut add = |p: Party| {
                if matches!(p, Party::Staff(_)) && !out.contains(&p) {
                    out.push(p);
                }
            };
            match &e.act {
                Act::Register { by, .. } if e.verdict.outcome == Outcome::Accepted => {
                    add(self.party(by))
                }
                Act::Visit { .. } | Act::WalkIn { .. } => {
                    if let Some(r) = &e.verdict.receiver {
                        add(self.party(r));
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
        out
    }

    /// Visits in rulebooks without visit rules of their own (§4 for the receiver).
    pub(crate) fn visit_generic(&self, a: &VisitArgs) -> Decision {
        let st = self.standing(self.view.as_ref());
        let owner = st.protected.then(|| st.owner.clone());
        if let Some(b) = &a.brought_by {
            let bp = self.party(b);
            if owner.as_ref() == Some(&bp) {
                let mut v = self.verdict(
                    Outcome::Accepted,
                    st.rule,
                    "the owner brought the customer on site",
                );
                v.receiver = Some(b.clone());
                v.turn = Some(false);
                return self.finish_visit(v, None, None);
            }
            let mut v = self.with_standing(
                self.verdict(Outcome::Accepted, st.rule, "visit recorded"),
                &st,
            );
            // Another party bringing the owner's customer is a collision: under CL-SILENT nobody
            // is told before signing.
            if let (Some(o), false) = (&owner, self.silent()) {
                self.notify_absent_owner(&mut v, o, &[bp]);
            }
            return Decision {
                verdict: v,
                effects: vec![],
                target: self.target(),
            };
        }
        match &owner {
            Some(Party::Staff(o)) => {
                if self.present(o) {
                    let v = self.received(
                        rules::ROT_RETURN,
                        o,
                        "a returning customer goes to their owner",
                    );
                    self.finish_visit(v, None, None)
                } else {
                    let helper = self.peek().unwrap_or(o.clone());
                    let mut v = self.received(rules::ROT_RETURN, &helper, "a returning customer whose owner is absent: a colleague receives without a turn");
                    v.assistant = None;
                    self.finish_visit(v, None, owner.as_ref())
                }
            }
            Some(o) => {
                // The customer came on their own: their owner (an agency, a team) is told.
                let mut v = self.with_standing(
                    self.verdict(Outcome::Accepted, st.rule, "visit recorded"),
                    &st,
                );
                self.notify_absent_owner(&mut v, o, &[]);
                Decision {
                    verdict: v,
                    effects: vec![],
                    target: self.target(),
                }
            }
            None => {
                if let Some(x) = a.designates.clone() {
                    let v = self.received(
                        rules::ROT_DESIG,
                        &x,
                        "a first-time customer designates a salesperson",
                    );
                    let xp = Party::Staff(x);
                    let claim = self.reception_claims().then_some((&xp, self.first_rule()));
                    return self.finish_visit(v, claim, None);
                }
                self.rotation_reception(self.reception_claims())
            }
        }
    }

    pub(crate) fn walk_in(&self) -> Decision {
        let Act::WalkIn { customer, taken_by } = &self.cmd.act else {
            unreachable!("dispatched on walk_in")
        };
        let st = self.standing(self.view.as_ref());
        if let Some(x) = taken_by {
            // ROT-FAIR: out of turn. The taker receives; no turn moves.
            let mut v = self.received(rules::ROT_FAIR, x, "took a walk-in out of turn (抢客)");
            v.violations.push(Violation {
                staff: Party::Staff(x.clone()),
                rule: rules::ROT_FAIR.0.into(),
                amount: self.params.rotation_fine,
                note: "took a customer out of turn: one day's base pay; serious cases the month's base pay and 50 % of the month's bonus".into(),
            });
            if customer.is_none() {
                return Decision {
                    verdict: v,
                    effects: vec![],
                    target: Target::None,
                };
            }
            let xp = Party::Staff(x.clone());
            let claim =
                (!st.protected && self.reception_claims()).then_some((&xp, self.first_rule()));
            let mut d = self.finish_visit(v, claim, st.protected.then_some(&st.owner));
            d.verdict.rule = rules::ROT_FAIR.0.into();
            return d;
        }
        if customer.is_some() && st.protected {
            // A returning customer walks in (ROT-RETURN, SR-RETURN).
            return self.family().visit(self, &VisitArgs::default());
        }
        self.rotation_reception(self.reception_claims())
    }

    // ----- confirmations (来访确认单) -------------------------------------------------------------

    pub(crate) fn confirm(&self) -> Decision {
        let Act::Confirm {
            by,
            customer,
            signed_by,
        } = &self.cmd.act
        else {
            unreachable!("dispatched on confirm")
        };
        let rule = match self.preset {
            Preset::ChannelDistribution => rules::CD_CONFIRM,
            Preset::ChannelSms => rules::CS_CONFIRM,
            _ => rules::G_PHONE,
        };
        let invalid = |why: String| Decision {
            verdict: self.verdict(Outcome::Invalid, rule, why),
            effects: vec![],
            target: Target::None,
        };
        let full = customer
            .parsed_phone()
            .and_then(Result::ok)
            .is_some_and(|p| p.is_full());
        if !full {
            return invalid("a visit confirmation carries the customer's full phone number".into());
        }
        let roles: Vec<Role> = signed_by.iter().filter_map(|s| self.role(s)).collect();
        let agent_signed = self.role(by) == Some(Role::Agent) || roles.contains(&Role::Agent);
        let mut missing = Vec::new();
        if !agent_signed {
            missing.push("the agency's agent (经纪人)");
        }
        if !roles.contains(&Role::Sales) {
            missing.push("a site consultant (置业顾问)");
        }
        if self.preset == Preset::ChannelDistribution && !roles.iter().any(|r| r.is_manager()) {
            missing.push("the developer's sales manager (销售经理)");
        }
        if !missing.is_empty() {
            return invalid(format!(
                "the confirmation lacks the signature of {}",
                missing.join(" and ")
            ));
        }
        let party = self.party(by);
        if self.preset == Preset::ChannelDistribution {
            // CD-CONFIRM: inconsistent with the agency's own registration → invalid, claim lost.
            let bad: Vec<&View> = self
                .candidates
                .iter()
                .filter(|v| {
                    self.standing(Some(v))
                        .holding
                        .is_some_and(|h| h.party == party)
                        && crate::name::surnames_differ(
                            v.names().first().copied(),
                            customer.name.as_deref(),
                        )
                })
                .collect();
            if !bad.is_empty() {
                let ids: Vec<_> = bad.iter().flat_map(|v| v.ids.iter().copied()).collect();
                let mut v = self.verdict(Outcome::Invalid, rules::CD_CONFIRM, "the confirmation is inconsistent with the registration: the registration loses its claim");
                v.owner = Some(Party::Pool);
                return Decision {
                    verdict: v,
                    effects: vec![holder(&Party::Pool, rules::CD_CONFIRM)],
                    target: Target::Records(ids),
                };
            }
        }
        let st = self.standing(self.view.as_ref());
        let done = |v: Verdict, eff: Vec<Effect>| Decision {
            verdict: v,
            effects: eff,
            target: self.target(),
        };
        if self.preset == Preset::ChannelSms {
            if let Some(view) = &self.view {
                let visits: Vec<_> = view.acts("visit").collect();
                if !visits.is_empty() && !visits.iter().any(|e| self.same_day(e.at)) {
                    return done(self.reject(&st, rules::CS_CONFIRM, "a visit confirmation is signed the same day, before the customer leaves"), vec![]);
                }
            }
        }
        if st.protected && st.owner != party {
            let owner_counted_today = self
                .view
                .as_ref()
                .and_then(|v| {
                    st.holding
                        .as_ref()
                        .and_then(|h| self.first_counted_visit(v, &st.owner, h.since))
                })
                .is_some_and(|t| self.same_day(t));
            let rule = match self.preset {
                Preset::ChannelSms if owner_counted_today => rules::CS_SAMEGROUP,
                Preset::ChannelDistribution => rules::CD_FIRST,
                _ => st.rule,
            };
            return done(
                self.reject(&st, rule, "the customer is protected for another agency"),
                vec![],
            );
        }
        if st.protected {
            let v = self.settle(
                self.verdict(Outcome::Confirmed, rule, "visit confirmed"),
                &[],
            );
            return done(v, vec![]);
        }
        if self.preset == Preset::ChannelDistribution {
            return done(
                self.reject(
                    &st,
                    rules::CD_PRE,
                    "no pre-registration: the customer is company pool",
                ),
                vec![],
            );
        }
        let r = if st.lapsed_holder().is_some_and(|p| p != &party)
            && self.preset == Preset::ChannelSms
        {
            rules::CS_MONTH
        } else {
            rule
        };
        let eff = vec![holder(&party, r)];
        let v = self.settle(self.verdict(Outcome::Confirmed, r, "visit confirmed"), &eff);
        done(v, eff)
    }

    // ----- follow-ups, deposits --------------------------------------------------------------

    pub(crate) fn contact(&self) -> Decision {
        let Act::Contact { by, kind, .. } = &self.cmd.act else {
            unreachable!("dispatched on contact")
        };
        let st = self.standing(self.view.as_ref());
        let party = self.party(by);
        if self.preset == Preset::StoreRegistration && st.protected && st.owner != party {
            let registered = self.view.as_ref().is_some_and(|v| {
                v.acts("register").any(
                    |e| matches!(&e.act, Act::Register { by: b, .. } if self.party(b) == party),
                )
            });
            if !registered {
                let v = self.reject(
                    &st,
                    rules::ST_UNREGISTERED,
                    "a party that never registered the customer has no claim",
                );
                return Decision {
                    verdict: v,
                    effects: vec![],
                    target: self.target(),
                };
            }
        }
        let rule = if self.preset == Preset::B2bProtection
            && *kind == ContactKind::Visit
            && st.owner == party
        {
            rules::BP_VISIT
        } else if st.protected {
            st.rule
        } else {
            self.first_rule()
        };
        let v = self.settle(
            self.verdict(Outcome::Accepted, rule, "follow-up logged"),
            &[],
        );
        Decision {
            verdict: v,
            effects: vec![],
            target: self.target(),
        }
    }

    pub(crate) fn deposit(&self) -> Decision {
        let st = self.standing(self.view.as_ref());
        let rule = match self.preset {
            Preset::StoreRegistration if st.protected => rules::ST_DEPOSIT,
            Preset::SiteFirstReception => rules::FR_DEPOSIT,
            _ if st.protected => st.rule,
            _ => self.first_rule(),
        };
        let v = self.settle(
            self.verdict(Outcome::Accepted, rule, "deposit recorded"),
            &[],
        );
        Decision {
            verdict: v,
            effects: vec![],
            target: self.target(),
        }
    }

    // ----- claims after signing, consent ------------------------------------------------------

    pub(crate) fn claim(&self) -> Decision {
        let Act::Claim { by, .. } = &self.cmd.act else {
            unreachable!("dispatched on claim")
        };
        let party = self.party(by);
        let st = self.standing(self.view.as_ref());
        let deal = self.view.as_ref().and_then(View::last_deal).cloned();
        let Some(deal) = deal else {
            let v = self.reject(&st, rules::TR_CLAIM3, "there is no signed deal to claim");
            return Decision {
                verdict: v,
                effects: vec![],
                target: self.target_or_none(),
            };
        };
        let credited = deal.verdict.credited.clone();
        if self.preset == Preset::SiteRotation
            && credited
                .as_ref()
                .is_some_and(|c| c != &party && matches!(c, Party::Staff(_)))
        {
            let eff = vec![holder(&Party::Department, rules::SR_QUARREL)];
            let mut v = self.verdict(
                Outcome::Accepted,
                rules::SR_QUARREL,
                "parties quarrel over the customer: the deal and its bonus go to the department",
            );
            v.owner = Some(Party::Department);
            v.credited = Some(Party::Department);
            v.shares = vec![(Party::Department, 100)];
            v.protected_until = Some(crate::verdict::Until::None);
            v.relied_on.push(deal.reference());
            return Decision {
                verdict: v,
                effects: eff,
                target: self.target(),
            };
        }
        let unclaimed = matches!(
            credited,
            Some(Party::Team(_)) | Some(Party::Company) | Some(Party::Pool) | None
        ) || deal.verdict.rule == rules::TR_DUTY.0;
        let within = self.now
            < crate::time::window_end(
                deal.at,
                crate::time::Length::Days(self.params.claim_days),
                self.params.counting,
            );
        if self.preset == Preset::TeamRegistration
            && unclaimed
            && within
            && credited.as_ref() != Some(&party)
        {
            let eff = vec![holder(&party, rules::TR_CLAIM3)];
            let mut v = self.verdict(
                Outcome::Accepted,
                rules::TR_CLAIM3,
                "an unclaimed deal claimed with evidence within the window",
            );
            v.credited = Some(party.clone());
            v.shares = vec![(party.clone(), 100)];
            v.relied_on.push(deal.reference());
            let v = self.settle(v, &eff);
            return Decision {
                verdict: v,
                effects: eff,
                target: self.target(),
            };
        }
        let why = if !unclaimed {
            "the deal was claimed at signing"
        } else {
            "the claim window after signing has ended"
        };
        let mut v = self.reject(&st, rules::TR_CLAIM3, why);
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
        let Act::Consent { by, .. } = &self.cmd.act else {
            unreachable!("dispatched on consent")
        };
        let st = self.standing(self.view.as_ref());
        if self.presence(by) == Presence::Left {
            let rule = if self.preset == Preset::B2bProtection {
                rules::BP_LEFT
            } else {
                rules::SEC_LEAVE
            };
            let v = self.reject(
                &st,
                rule,
                "a departed salesperson cannot hand customers over",
            );
            return Decision {
                verdict: v,
                effects: vec![],
                target: self.target(),
            };
        }
        let rule = if self.preset == Preset::TeamRegistration {
            rules::TR_ACTIVE
        } else {
            rules::G_CLAIM
        };
        if st.owner != self.party(by) {
            let v = self.reject(&st, rule, "only the owner can consent");
            return Decision {
                verdict: v,
                effects: vec![],
                target: self.target(),
            };
        }
        let v = self.with_standing(
            self.verdict(Outcome::Accepted, rule, "the owner consents"),
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
        let Act::Status { staff, state } = &self.cmd.act else {
            unreachable!("dispatched on status")
        };
        let rule = match state {
            Presence::Busy => rules::ROT_BUSY,
            Presence::Away => rules::ROT_AWAY,
            Presence::Out => rules::ROT_OUT,
            Presence::Left => match self.preset {
                Preset::SiteFirstReception => rules::FR_LEFT,
                Preset::TeamRegistration => rules::TR_LEFT,
                Preset::B2bProtection => rules::BP_LEFT,
                Preset::SiteRotation => rules::SR_LEAVE,
                _ => rules::SEC_LEAVE,
            },
            _ => rules::ROT_ORDER,
        };
        let eff = self.project_with(|p| {
            p.presence.insert(staff.clone(), *state);
        });
        let v = self.verdict(Outcome::Accepted, rule, format!("{staff} is now {state:?}"));
        Decision {
            verdict: v,
            effects: vec![eff],
            target: Target::None,
        }
    }

    pub(crate) fn resolve(&self) -> Decision {
        let Act::Resolve {
            by, owner, shares, ..
        } = &self.cmd.act
        else {
            unreachable!("dispatched on resolve")
        };
        let st = self.standing(self.view.as_ref());
        if !self.role(by).is_some_and(Role::is_manager) {
            let v = self.reject(&st, rules::G_DISPUTE, "only a manager settles a dispute");
            return Decision {
                verdict: v,
                effects: vec![],
                target: self.target_or_none(),
            };
        }
        let Some(view) = &self.view else {
            let v = self.verdict(Outcome::Rejected, rules::G_DISPUTE, "no such customer");
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
                    format!("shares sum to {sum}, not 100"),
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
        } else if self.preset == Preset::SiteRotation && owner.as_ref() == Some(&Party::Department)
        {
            rule = rules::SR_QUARREL;
        } else if self.preset == Preset::StoreRegistration && owner.as_ref() == Some(&Party::Pool) {
            if let Some(Party::Staff(s)) = &former {
                rule = rules::ST_FAKE;
                let n = self.project.fakes.get(s).copied().unwrap_or(0) + 1;
                let amount = self.params.fake_fines.get(n as usize - 1).copied();
                violations.push(Violation {
                    staff: Party::Staff(s.clone()),
                    rule: rules::ST_FAKE.0.into(),
                    amount,
                    note: if amount.is_some() {
                        format!("false registration no. {n} (虚假报备)")
                    } else {
                        format!("false registration no. {n}: dismissal (辞退)")
                    },
                });
                let s = s.clone();
                eff.push(self.project_with(|p| {
                    p.fakes.insert(s, n);
                }));
            }
        }
        let has_pending_deal = view
            .acts("deal")
            .last()
            .is_some_and(|d| d.verdict.outcome == Outcome::Pending);
        if open.is_none() && !has_pending_deal && rule == rules::G_DISPUTE {
            // Nothing to settle: no open dispute, no deal waiting for its split, and no rule that
            // gives the manager this decision (SR-QUARREL, ST-FAKE).
            let v = self.reject(&st, rules::G_DISPUTE, "there is no open dispute to settle");
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
        let mut v = self.verdict(Outcome::Accepted, rule, "settled by the manager");
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
                if matches!(
                    e.act,
                    Act::Resolve { .. } | Act::Status { .. } | Act::Reassign { .. }
                ) {
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
            self.verdict(Outcome::Accepted, rule, "the customer's standing"),
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
        let Act::Extend { by, .. } = &self.cmd.act else {
            unreachable!("dispatched on extend")
        };
        let st = self.standing(self.view.as_ref());
        if !self.role(by).is_some_and(Role::is_manager) {
            let v = self.reject(
                &st,
                rules::DS_3MONTHS,
                "only the general manager extends a filing",
            );
            return Decision {
                verdict: v,
                effects: vec![],
                target: self.target_or_none(),
            };
        }
        if !st.protected {
            let v = self.reject(&st, st.rule, "the filing has already ended");
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
                "filing extended by the general manager",
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
        let Act::Duty { team, until } = &self.cmd.act else {
            unreachable!("dispatched on duty")
        };
        let eff = self.project_with(|p| {
            p.duties.push(Period {
                name: team.clone(),
                from: self.now,
                until: *until,
            })
        });
        let v = self.verdict(
            Outcome::Accepted,
            rules::TR_DUTY,
            format!("team {team} on reception duty"),
        );
        Decision {
            verdict: v,
            effects: vec![eff],
            target: Target::None,
        }
    }

    pub(crate) fn event(&self) -> Decision {
        let Act::Event { until, name } = &self.cmd.act else {
            unreachable!("dispatched on event")
        };
        let eff = self.project_with(|p| {
            p.events.push(Period {
                name: name.clone(),
                from: self.now,
                until: *until,
            })
        });
        let v = self.verdict(
            Outcome::Accepted,
            rules::SR_EVENT,
            format!("event {name}: ownership is set by the manager"),
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
        let Act::Reassign { by, from, to, seed } = &self.cmd.act else {
            unreachable!("dispatched on reassign")
        };
        let rule = match self.preset {
            Preset::SiteRotation => rules::SR_LEAVE,
            Preset::SiteFirstReception => rules::FR_LEFT,
            Preset::TeamRegistration => rules::TR_LEFT,
            Preset::B2bProtection => rules::BP_LEFT,
            _ => rules::DIST_RANDOM,
        };
        let allowed = match self.preset {
            Preset::B2bProtection => matches!(self.role(by), Some(Role::Vp | Role::Admin)),
            _ => self.role(by).is_some_and(Role::is_manager),
        };
        if !allowed {
            let who = if self.preset == Preset::B2bProtection {
                "the marketing VP"
            } else {
                "a manager"
            };
            let v = self.verdict(
                Outcome::Rejected,
                rule,
                format!("only {who} reassigns a leaver's customers"),
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
                    "{from} has neither left nor gone on long leave: their customers stay theirs"
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
                "nobody to reassign the customers to",
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
                "{} customers of {from} redistributed at random (seed {seed})",
                ids.len()
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
