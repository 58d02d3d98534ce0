//! The acts other than deals: claims, visits, rotation, confirmations and management acts.

use super::rotation::{self, Pick};
use super::{zh_text, Ctx, Decision, Target};
use crate::act;
use crate::model::{Act, CustomerInput, Party, Presence, Role, StaffId};
use crate::rules::{self, RuleId};
use crate::state::{Effect, ProjectChange, View};
use crate::verdict::{Outcome, Verdict, Violation};

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

/// Whether a deal was signed without a salesperson's or an agency's claim (TR-CLAIM3, TR-DUTY).
pub(crate) fn unclaimed(deal: &crate::state::Event) -> bool {
    matches!(
        deal.verdict.credited,
        Some(Party::Team(_)) | Some(Party::Company) | Some(Party::Pool) | None
    ) || deal.verdict.rule == rules::TR_DUTY.0
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

    pub(crate) fn project_change(&self, c: ProjectChange) -> Effect {
        Effect::ProjectChange(c)
    }

    pub(crate) fn board_effect(&self, pick: &Pick) -> Effect {
        self.project_change(ProjectChange::Board(pick.board.clone()))
    }

    /// A person's name as the directory has it (their handle if it has none).
    pub(crate) fn name_of(&self, s: &StaffId) -> String {
        self.dir
            .get(s)
            .map(|x| x.name.clone())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| s.0.clone())
    }

    pub(crate) fn role(&self, s: &StaffId) -> Option<Role> {
        self.dir.get(s).map(|x| x.role)
    }

    /// Whether receptions of new customers are claims in this rulebook (visitor register).
    pub(crate) fn reception_claims(&self) -> bool {
        self.family().reception_claims()
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
        let Act::Register(act::Register {
            by,
            customer: _,
            channel: _,
            kind: _,
            visit_at: _,
            inbound: _,
            region: _,
            signed: _,
            grade: _,
            changed_at: _,
        }) = &self.cmd.act
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
                    "已离职的销售员不能再报备客户 (a departed salesperson cannot register customers)",
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
                "该客户已与归属人签约成交，由归属人长期持有，不设期限 (the customer signed with its holder, who keeps it with no end)"
            } else {
                "归属人再次报备，报备续期 (registration renewed by its holder)"
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
        // DIST-CAP: a claim that would take the party over the cap.
        if let Some(v) = self.over_cap(&party, &st) {
            return done(v, vec![]);
        }
        let rule = self.family().claim_rule(self, &st, lapsed.is_some());
        let eff = vec![holder(&party, rule)];
        let v = self.settle(
            self.verdict(
                Outcome::Accepted,
                rule,
                "报备已受理，客户归报备方 (claim accepted)",
            ),
            &eff,
        );
        done(v, eff)
    }

    /// A registration refused by a collision (撞单), citing `rule`, its sentence from the rule.
    pub(crate) fn collision_rejected(&self, st: &super::Standing, rule: RuleId) -> Verdict {
        let reason = match rule {
            rules::SR_SIGNED => "撞单：该客户已签约成交，仍归签约时记业绩的销售员（由其负责售后服务）；你今天仍可接待该客户 (collision (撞单): the customer signed a deal and stays with the salesperson credited at signing (after-sales service); you may still receive the customer today)",
            rules::TR_SAMEDAY => "撞单：归属人今天已联系过该客户；今天谁先带客户到场，客户归谁 (collision (撞单): the owner contacted the customer today; whoever brings the customer on site first today owns it)",
            rules::TR_ACTIVE => "撞单：归属人近15天内一直在跟进该客户，须经归属人同意才能报备（已记违规） (collision (撞单): the owner has kept in contact within the last 15 days; registering needs the owner's consent (a violation is recorded))",
            _ => "撞单：该客户在他方的保护期内 (collision (撞单): the customer is protected for another party)",
        };
        let mut v = self.reject(st, rule, reason);
        v.collision = true;
        v
    }

    /// A claim refused by a collision (撞单) with the rulebook's own sentence.
    pub(crate) fn collision_rejected_as(
        &self,
        st: &super::Standing,
        rule: RuleId,
        reason: &str,
    ) -> Verdict {
        let mut v = self.reject(st, rule, reason);
        v.collision = true;
        v
    }

    // ----- visits (到访) and walk-ins -----------------------------------------------------------

    pub(crate) fn visit(&self) -> Decision {
        let Act::Visit(act::Visit {
            brought_by,
            names,
            designates,
            refuses,
            complains_about,
            forgot,
            ..
        }) = &self.cmd.act
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
                "值班人员都不空闲，无人可以接待 (nobody on duty is available to receive)",
            );
            return Decision {
                verdict: v,
                effects: vec![],
                target: self.target_or_none(),
            };
        };
        let mut eff = vec![self.board_effect(&pick)];
        let mut v = self.verdict(
            Outcome::Accepted,
            pick.rule,
            "按轮流接待顺序接待 (received in rotation order)",
        );
        v.receiver = Some(pick.receiver.clone());
        v.turn = Some(true);
        let has_customer = self.cmd.act.customer().is_some();
        if has_customer && self.family().event_window_decides() {
            if let Some(ev) = self.project.event_at(self.now) {
                let mut v = self.open_dispute(v, rules::SR_EVENT, vec![]);
                v.rule = rules::SR_EVENT.0.into();
                v.reason = format!(
                    "活动「{}」期间，客户归属由经理裁定 (during {} the manager sets ownership)",
                    zh_text(&ev.name),
                    ev.name
                );
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
                Act::Register(act::Register { by, .. })
                    if e.verdict.outcome == Outcome::Accepted =>
                {
                    add(self.party(by))
                }
                Act::Visit(_) | Act::WalkIn(_) => {
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
                    "归属人带客户到场 (the owner brought the customer on site)",
                );
                v.receiver = Some(b.clone());
                v.turn = Some(false);
                return self.finish_visit(v, None, None);
            }
            let mut v = self.with_standing(
                self.verdict(Outcome::Accepted, st.rule, "到访已登记 (visit recorded)"),
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
                        "老客户再次到访，由归属人接待 (a returning customer goes to their owner)",
                    );
                    self.finish_visit(v, None, None)
                } else {
                    let helper = self.peek().unwrap_or(o.clone());
                    let mut v = self.received(rules::ROT_RETURN, &helper, "老客户再次到访，归属人不在：由同事代为接待，不占轮次 (a returning customer whose owner is absent: a colleague receives without a turn)");
                    v.assistant = None;
                    self.finish_visit(v, None, owner.as_ref())
                }
            }
            Some(o) => {
                // The customer came on their own: their owner (an agency, a team) is told.
                let mut v = self.with_standing(
                    self.verdict(Outcome::Accepted, st.rule, "到访已登记 (visit recorded)"),
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
                        "首次到访的客户指定销售员接待 (a first-time customer designates a salesperson)",
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
        let Act::WalkIn(act::WalkIn { customer, taken_by }) = &self.cmd.act else {
            unreachable!("dispatched on walk_in")
        };
        let st = self.standing(self.view.as_ref());
        if let Some(x) = taken_by {
            // ROT-FAIR: out of turn. The taker receives; no turn moves.
            let mut v = self.received(
                rules::ROT_FAIR,
                x,
                "不按轮次抢接上门客户（抢客） (took a walk-in out of turn (抢客))",
            );
            v.violations.push(Violation {
                staff: Party::Staff(x.clone()),
                rule: rules::ROT_FAIR.0.into(),
                amount: self.params.rotation_fine,
                note: "不按轮次抢接客户：罚一天底薪；情节严重的罚当月底薪及当月奖金的50% (took a customer out of turn: one day's base pay; serious cases the month's base pay and 50 % of the month's bonus)".into(),
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
        let Act::Confirm(act::Confirm {
            by,
            customer,
            signed_by,
        }) = &self.cmd.act
        else {
            unreachable!("dispatched on confirm")
        };
        let rule = self.family().confirm_rule();
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
            return invalid("来访确认单须填写客户的完整手机号 (a visit confirmation carries the customer's full phone number)".into());
        }
        let roles: Vec<Role> = signed_by.iter().filter_map(|s| self.role(s)).collect();
        let agent_signed = self.role(by) == Some(Role::Agent) || roles.contains(&Role::Agent);
        // (Chinese, English) of each missing signature.
        let mut missing: Vec<(&str, &str)> = Vec::new();
        if !agent_signed {
            missing.push(("分销经纪人", "the agency's agent (经纪人)"));
        }
        if !roles.contains(&Role::Sales) {
            missing.push(("置业顾问", "a site consultant (置业顾问)"));
        }
        if self.family().confirm_needs_manager() && !roles.iter().any(|r| r.is_manager()) {
            missing.push(("开发商销售经理", "the developer's sales manager (销售经理)"));
        }
        if !missing.is_empty() {
            let zh: Vec<&str> = missing.iter().map(|m| m.0).collect();
            let en: Vec<&str> = missing.iter().map(|m| m.1).collect();
            return invalid(format!(
                "来访确认单缺少{}的签字 (the confirmation lacks the signature of {})",
                zh.join("、"),
                en.join(" and ")
            ));
        }
        let party = self.party(by);
        let st = self.standing(self.view.as_ref());
        if let Some(d) = self.family().confirm_check(self, &st, &party) {
            return d;
        }
        let done = |v: Verdict, eff: Vec<Effect>| Decision {
            verdict: v,
            effects: eff,
            target: self.target(),
        };
        if st.protected && st.owner != party {
            let rule = self.family().confirm_collision_rule(self, &st);
            return done(
                self.reject(
                    &st,
                    rule,
                    "该客户在其他分销单位的保护期内 (the customer is protected for another agency)",
                ),
                vec![],
            );
        }
        if st.protected {
            let v = self.settle(
                self.verdict(
                    Outcome::Confirmed,
                    rule,
                    "来访确认单有效，到访已确认 (visit confirmed)",
                ),
                &[],
            );
            return done(v, vec![]);
        }
        if let Some(v) = self.family().confirm_unowned(self, &st) {
            return done(v, vec![]);
        }
        if let Some(v) = self.over_cap(&party, &st) {
            return done(v, vec![]);
        }
        let r = self.family().confirm_claim_rule(self, &st, &party);
        let eff = vec![holder(&party, r)];
        let v = self.settle(
            self.verdict(
                Outcome::Confirmed,
                r,
                "来访确认单有效，到访已确认 (visit confirmed)",
            ),
            &eff,
        );
        done(v, eff)
    }
}
