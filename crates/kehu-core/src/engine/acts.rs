//! The acts other than deals: claims, visits, rotation, confirmations and management acts.

use super::rotation::{self, Pick};
use super::{Ctx, Decision, Target};
use crate::model::{
    Act, Channel, ContactKind, CustomerInput, Party, Presence, RegKind, Role, StaffId,
};
use crate::policy::Preset;
use crate::rules::{self, RuleId};
use crate::state::{Effect, Period, ProjectState, View};
use crate::time::{date_of, Instant};
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
fn is_signed(st: &super::Standing) -> bool {
    st.protected && st.rule == rules::SR_SIGNED
}

fn holder(p: &Party, rule: RuleId) -> Effect {
    Effect::Holder {
        party: p.clone(),
        rule: rule.0.to_string(),
    }
}

impl Ctx<'_> {
    // ----- helpers -----------------------------------------------------------------------------

    fn presence(&self, s: &StaffId) -> Presence {
        self.project.presence(s)
    }

    fn present(&self, s: &StaffId) -> bool {
        self.presence(s).is_present()
    }

    fn order(&self) -> Vec<StaffId> {
        self.dir.rotation()
    }

    /// Consumes a rotation turn (ROT-*).
    fn rotate(&self) -> Option<Pick> {
        rotation::pick(
            &self.project.board,
            &self.order(),
            |s| self.presence(s),
            self.params.out_turns,
        )
    }

    /// Who would receive a walk-in now, consuming nothing (SR-ABSENT's C).
    fn peek(&self) -> Option<StaffId> {
        rotation::would_receive(
            &self.project.board,
            &self.order(),
            |s| self.presence(s),
            self.params.out_turns,
        )
    }

    fn project_with(&self, f: impl FnOnce(&mut ProjectState)) -> Effect {
        let mut p = self.project.clone();
        f(&mut p);
        Effect::Project(p)
    }

    fn board_effect(&self, pick: &Pick) -> Effect {
        self.project_with(|p| p.board = pick.board.clone())
    }

    fn role(&self, s: &StaffId) -> Option<Role> {
        self.dir.get(s).map(|x| x.role)
    }

    /// Whether receptions of new customers are claims in this rulebook (visitor register).
    fn reception_claims(&self) -> bool {
        self.preset.reception_claims() || self.preset == Preset::TeamRegistration
    }

    fn customer_input(&self) -> CustomerInput {
        self.cmd.act.customer().cloned().unwrap_or_default()
    }

    /// A rejected act on the customer, with the standing shown to managers.
    fn reject(&self, s: &super::Standing, rule: RuleId, reason: impl Into<String>) -> Verdict {
        self.with_standing(self.verdict(Outcome::Rejected, rule, reason), s)
    }

    fn target_or_none(&self) -> Target {
        match &self.view {
            Some(v) => Target::Records(v.ids.clone()),
            None => Target::None,
        }
    }

    // ----- register (报备) ----------------------------------------------------------------------

    pub(crate) fn register(&self) -> Decision {
        let Act::Register {
            by,
            customer,
            channel,
            kind,
            visit_at,
            inbound,
            region,
            signed,
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
            let rule = if self.preset == Preset::B2bProtection {
                rules::BP_LEFT
            } else {
                rules::SEC_LEAVE
            };
            return done(
                self.reject(
                    &st,
                    rule,
                    "a departed salesperson cannot register customers",
                ),
                vec![],
            );
        }

        // Rules about the registration's own form and timing.
        match self.preset {
            Preset::TeamRegistration if *channel != Channel::Site || *kind == RegKind::Pre => {
                return done(self.reject(&st, rules::TR_SITE, "a claim is effective only when the salesperson brings the customer on site and registers at the front desk"), vec![]);
            }
            Preset::ChannelSms => {
                let Some(v) = visit_at else {
                    return done(
                        self.verdict(
                            Outcome::Invalid,
                            rules::CS_LEAD,
                            "an SMS registration must declare the visit time (visit_at)",
                        ),
                        vec![],
                    );
                };
                if crate::time::add_minutes(self.now, self.params.lead_minutes) > *v {
                    return done(self.reject(&st, rules::CS_LEAD, format!("an SMS registration must arrive at least {} minutes before its declared visit", self.params.lead_minutes)), vec![]);
                }
            }
            Preset::ChannelDistribution => {
                let named = customer
                    .name
                    .as_deref()
                    .is_some_and(|n| !n.trim().is_empty());
                if *channel == Channel::Site {
                    if !named {
                        return done(
                            self.verdict(
                                Outcome::Invalid,
                                rules::CD_GROUP,
                                "a tour group counts as registered only with both name and phone",
                            ),
                            vec![],
                        );
                    }
                } else if !named || customer.gender().is_none() {
                    return done(self.verdict(Outcome::Invalid, rules::CD_PRE, "a pre-registration needs the customer's name, gender (先生/女士) and phone (前四后五)"), vec![]);
                }
            }
            Preset::ChannelLaunch if *kind == RegKind::Pre => {
                let Some(v) = visit_at else {
                    return done(
                        self.verdict(
                            Outcome::Invalid,
                            rules::CL_PRE,
                            "a pre-registration must declare its visit date (visit_at)",
                        ),
                        vec![],
                    );
                };
                if date_of(self.now) >= date_of(*v) {
                    return done(
                        self.reject(
                            &st,
                            rules::CL_PRE,
                            "a pre-registration must be sent on an earlier date than its visit",
                        ),
                        vec![],
                    );
                }
                let v = self.with_standing(
                    self.verdict(
                        Outcome::Accepted,
                        rules::CL_PRE,
                        "pre-registration recorded as evidence; it gives no ownership",
                    ),
                    &st,
                );
                return done(v, vec![]);
            }
            Preset::ChannelLaunch if !*signed => {
                return done(
                    self.verdict(
                        Outcome::Invalid,
                        rules::CL_FORMAL,
                        "a formal registration needs the customer's signature",
                    ),
                    vec![],
                );
            }
            Preset::ChannelLaunch if *channel != Channel::Site => {
                return done(
                    self.reject(
                        &st,
                        rules::CL_FORMAL,
                        "a formal registration happens on site; without it there is no claim",
                    ),
                    vec![],
                );
            }
            Preset::DirectSales if *inbound => {
                return done(self.reject(&st, rules::DS_SELF, "only self-sourced customers may be filed; an inbound-call customer may not"), vec![]);
            }
            _ => {}
        }

        // A collision with a valid claim (撞单).
        if st.protected && st.owner != party {
            if self.preset == Preset::TeamRegistration && self.consented(&st, &party) {
                let eff = vec![holder(&party, rules::TR_ACTIVE)];
                let v = self.settle(
                    self.verdict(
                        Outcome::Accepted,
                        rules::TR_ACTIVE,
                        "registered with the owner's consent",
                    ),
                    &eff,
                );
                return done(v, eff);
            }
            // TR-SAMEDAY: a collision on the day of the owner's last contact; the refused party
            // may still win by bringing the customer on site first that day.
            let same_day = self.preset == Preset::TeamRegistration
                && self
                    .owner_last_contact(&st)
                    .is_some_and(|t| self.same_day(t));
            let rule = if same_day { rules::TR_SAMEDAY } else { st.rule };
            let reason = match rule {
                rules::SR_SIGNED => "collision (撞单): the customer signed a deal and stays with the salesperson credited at signing (after-sales service); you may still receive the customer today",
                rules::TR_SAMEDAY => "collision (撞单): the owner contacted the customer today; whoever brings the customer on site first today owns it",
                rules::TR_ACTIVE => "collision (撞单): the owner has kept in contact within the last 15 days; registering needs the owner's consent (a violation is recorded)",
                _ => "collision (撞单): the customer is protected for another party",
            };
            let mut v = self.reject(&st, rule, reason);
            // A TR-ACTIVE violation whichever rule is cited.
            if st.rule == rules::TR_ACTIVE {
                v.violations.push(Violation {
                    staff: Party::Staff(by.clone()),
                    rule: rules::TR_ACTIVE.0.into(),
                    amount: None,
                    note: "registered a customer under active maintenance without the owner's consent (恶意抢单)".into(),
                });
            }
            return done(v, vec![]);
        }

        // A renewal by the holder.
        if st.protected {
            if self.preset == Preset::ChannelDistribution && !self.recontacted(&party) {
                return done(
                    self.reject(
                        &st,
                        rules::CD_7DAYS,
                        format!(
                            "re-registering needs a logged contact at least every {} days",
                            self.params.recontact_days
                        ),
                    ),
                    vec![],
                );
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
        if self.preset == Preset::StoreRegistration {
            if let Some(prev @ Party::Staff(prev_id)) = &lapsed {
                if prev != &party && self.followed_up_recently(prev_id) {
                    let v = self.verdict(Outcome::Pending, rules::ST_EXPIRED, "the protection expired but the original salesperson is still following up: the customer chooses").owner(Some(prev.clone()));
                    let v =
                        self.open_dispute(v, rules::ST_EXPIRED, vec![prev.clone(), party.clone()]);
                    return done(v, vec![]);
                }
            }
        }
        if self.preset == Preset::ChannelDistribution && lapsed.as_ref() == Some(&party) {
            // CD-7DAYS: re-registering only while the claim is valid.
            return done(
                self.reject(
                    &st,
                    rules::CD_7DAYS,
                    "the pre-registration has ended: re-registering is allowed only while the claim is valid",
                ),
                vec![],
            );
        }
        if self.preset == Preset::DirectSales {
            let own = self.dir.get(by).and_then(|s| s.region.as_deref());
            if let (Some(own), Some(r)) = (own, region.as_deref()) {
                if own != r {
                    let v = self
                        .verdict(
                            Outcome::Pending,
                            rules::DS_REGION,
                            format!(
                                "filing across regions ({own} → {r}) needs the manager's approval"
                            ),
                        )
                        .owner(Some(st.owner.clone()));
                    let v = self.open_dispute(v, rules::DS_REGION, vec![]);
                    return done(v, vec![]);
                }
            }
        }
        if self.preset == Preset::SiteRotation {
            if let Some(ev) = self.project.event_at(self.now) {
                let v = self
                    .verdict(
                        Outcome::Pending,
                        rules::SR_EVENT,
                        format!("during {} the manager sets ownership", ev.name),
                    )
                    .owner(Some(st.owner.clone()));
                let v = self.open_dispute(v, rules::SR_EVENT, vec![]);
                return done(v, vec![]);
            }
        }
        let rule = match (&lapsed, self.preset) {
            (_, Preset::SiteFirstReception) => rules::FR_FIRST,
            (_, Preset::ChannelDistribution) if *channel == Channel::Site => rules::CD_GROUP,
            (Some(_), Preset::StoreRegistration) => rules::ST_EXPIRED,
            (Some(_), _) => st.rule,
            (None, _) => self.first_rule(),
        };
        let eff = vec![holder(&party, rule)];
        let v = self.settle(
            self.verdict(Outcome::Accepted, rule, "claim accepted"),
            &eff,
        );
        done(v, eff)
    }

    /// The owner's last contact with the customer before now (TR-ACTIVE's list: registrations,
    /// visits with the customer, logged contacts), or the claim's start.
    fn owner_last_contact(&self, st: &super::Standing) -> Option<Instant> {
        let h = st.holding.as_ref()?;
        let view = self.view.as_ref()?;
        let owner = if st.owner.is_owner() {
            &st.owner
        } else {
            &h.party
        };
        let mut parties = vec![owner.clone()];
        if let Party::Team(team) = owner {
            parties = self.team_parties(team);
        }
        view.events
            .iter()
            .filter(|e| e.at >= h.since && e.at <= self.now)
            .filter(|e| parties.iter().any(|p| self.is_activity_of(e, p)))
            .map(|e| e.at)
            .chain(std::iter::once(h.since))
            .max()
    }

    /// TR-SAMEDAY: when `by` was refused today citing TR-SAMEDAY, whether it brings the customer
    /// on site first (`owner` has not brought them today: an on-site registration or a visit it
    /// brought); `None` when there is no such race.
    fn same_day_race(&self, owner: &Party, by: &Party) -> Option<bool> {
        let view = self.view.as_ref()?;
        let today: Vec<&crate::state::Event> =
            view.events.iter().filter(|e| self.same_day(e.at)).collect();
        let refused = today.iter().any(|e| {
            matches!(&e.act, Act::Register { by: b, .. } if &self.party(b) == by)
                && e.verdict.rule == rules::TR_SAMEDAY.0
        });
        let owner_came = today.iter().any(|e| match &e.act {
            Act::Register { by: b, .. } => {
                e.verdict.outcome == Outcome::Accepted && &self.party(b) == owner
            }
            Act::Visit {
                brought_by: Some(b),
                ..
            } => &self.party(b) == owner,
            _ => false,
        });
        refused.then_some(!owner_came)
    }

    /// TR-ACTIVE: the owner consented to this party after the claim began.
    fn consented(&self, st: &super::Standing, to: &Party) -> bool {
        let (Some(view), Some(h)) = (&self.view, &st.holding) else {
            return false;
        };
        view.acts("consent").any(|e| {
            e.at >= h.since
                && e.verdict.outcome == Outcome::Accepted
                && matches!(&e.act, Act::Consent { by, to: t, .. } if self.party(by) == st.owner && &self.party(t) == to)
        })
    }

    /// ST-EXPIRED: a logged contact by the salesperson within the last `follow_days`.
    fn followed_up_recently(&self, s: &StaffId) -> bool {
        let Some(view) = &self.view else { return false };
        // G-TIME: "within the last N days" is the N-day window from the contact containing now.
        view.acts("contact").any(|e| {
            matches!(&e.act, Act::Contact { by, .. } if by == s)
                && self.now
                    < crate::time::window_end(
                        e.at,
                        crate::time::Length::Days(self.params.follow_days),
                        self.params.counting,
                    )
        })
    }

    /// CD-7DAYS: from the first registration to now, the agency logged contact at least every
    /// `recontact_days`.
    fn recontacted(&self, p: &Party) -> bool {
        let Some(view) = &self.view else { return true };
        let mut times: Vec<Instant> = view
            .events
            .iter()
            .filter(|e| match &e.act {
                Act::Register { by, .. } => {
                    e.verdict.outcome == Outcome::Accepted && &self.party(by) == p
                }
                Act::Contact { by, .. } => &self.party(by) == p,
                _ => false,
            })
            .map(|e| e.at)
            .collect();
        times.push(self.now);
        times.sort();
        times
            .windows(2)
            .all(|w| crate::time::add_days(w[0], self.params.recontact_days) >= w[1])
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
            referred_by,
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
        if referred_by.is_some() && self.preset == Preset::SiteRotation {
            if let Some(d) = self.referral() {
                return d;
            }
        }
        self.visit_with(&args)
    }

    fn visit_with(&self, a: &VisitArgs) -> Decision {
        match self.preset {
            Preset::SiteRotation => self.visit_sr(a),
            Preset::SiteFirstReception => self.visit_fr(a),
            Preset::ChannelSms => self.visit_cs(a),
            Preset::ChannelDistribution => self.visit_cd(a),
            _ => self.visit_generic(a),
        }
    }

    /// A receiver who consumed no turn.
    fn received(&self, rule: RuleId, receiver: &StaffId, reason: &str) -> Verdict {
        let mut v = self.verdict(Outcome::Accepted, rule, reason);
        v.receiver = Some(receiver.clone());
        v.turn = Some(false);
        v
    }

    /// A new customer through the rotation; `claim` records the reception as the receiver's claim.
    fn rotation_reception(&self, claim: bool) -> Decision {
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
    fn finish_visit(
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

    /// SR-REFERRAL: a customer brought by an existing customer belongs to that customer's owner.
    fn referral(&self) -> Option<Decision> {
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
            "brought by an existing customer: the referrer's owner keeps the new customer",
        );
        if receiver != owner {
            v.assistant = Some(receiver.clone());
        }
        v.relied_on.extend(r.events.last().map(|e| e.reference()));
        Some(self.finish_visit(v, Some((&Party::Staff(owner), rules::SR_REFERRAL)), None))
    }

    /// SR-HOUSEHOLD: the first receiver of the customer's household.
    fn household_receiver(&self) -> Option<(StaffId, Vec<crate::verdict::EventRef>)> {
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

    /// §3.1 site-rotation visits.
    fn visit_sr(&self, a: &VisitArgs) -> Decision {
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
                    "a family member of a customer: the first receiver keeps the household",
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
                "the customer refuses and complains about their salesperson: the manager confirms",
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
                "the customer refuses their salesperson and asks for another, who follows up",
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
                "the customer names several salespeople: the first named who is present receives",
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
                    let v = self.received(rule, &x, "the customer names their salesperson");
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
                    "on a later visit the customer designates a salesperson",
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
                let rule = if matches!(self.cmd.act, Act::WalkIn { .. }) {
                    rules::SR_HANDBACK
                } else {
                    rules::SR_RETURN
                };
                let v = self.received(
                    rule,
                    o,
                    "a returning customer goes back to the salesperson who served them",
                );
                return self.finish_visit(v, None, None);
            }
            return self.absent_owner_sr(o, false);
        }
        self.rotation_reception(true)
    }

    /// Whether every earlier server of the customer is `x` (a returning customer of x's).
    fn only_server_is(&self, x: &StaffId) -> bool {
        self.view.as_ref().is_some_and(|v| {
            let s = self.earlier_servers(v);
            !s.is_empty() && s.iter().all(|p| p == &Party::Staff(x.clone()))
        })
    }

    /// SR-ABSENT: the named salesperson B is absent; C, who would receive a walk-in now, assists
    /// without consuming a turn; B keeps (or gains) the customer.
    fn absent_owner_sr(&self, b: &StaffId, claim: bool) -> Decision {
        let Some(c) = self.peek() else {
            let st = self.standing(self.view.as_ref());
            let v = self.reject(
                &st,
                rules::ROT_ORDER,
                "nobody on duty is available to assist",
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
            "the named salesperson is absent: the one on turn assists without consuming a turn",
        );
        v.assistant = Some(c.clone());
        let bp = Party::Staff(b.clone());
        let st = self.standing(self.view.as_ref());
        let new_holder =
            (claim || !(st.protected && st.owner == bp)).then_some((&bp, rules::SR_ABSENT));
        self.finish_visit(v, new_holder, Some(&bp))
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

    /// §3.2 site-first-reception visits.
    fn visit_fr(&self, a: &VisitArgs) -> Decision {
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
                        "the customer complained and asked for another salesperson",
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
                        "the customer complained: the next in rotation takes over",
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
                        "a returning customer goes to their owner",
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
                    let v = self.received(rules::FR_ASSIST, &helper, "the owner is busy: a colleague assists without recording; the owner keeps 100 %");
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
                    let mut v = self.received(rules::FR_ASSIST, &l, "the owner is absent: the last in the rotation queue assists without consuming a turn");
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
                "a first-time customer designates a salesperson",
            );
            return self.finish_visit(v, Some((&Party::Staff(x), rules::FR_FIRST)), None);
        }
        self.rotation_reception(true)
    }

    /// Visits in rulebooks without visit rules of their own (§4 for the receiver).
    fn visit_generic(&self, a: &VisitArgs) -> Decision {
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
            if self.preset == Preset::TeamRegistration {
                let race = owner.as_ref().map(|o| (o, self.same_day_race(o, &bp)));
                if let Some((o, Some(false))) = race {
                    // TR-SAMEDAY: refused today, the party brings the customer after the owner did.
                    let mut v = self.reject(
                        &st,
                        rules::TR_SAMEDAY,
                        "both contacted the customer today and the owner brought the customer on site first",
                    );
                    self.notify_absent_owner(&mut v, o, std::slice::from_ref(&bp));
                    return Decision {
                        verdict: v,
                        effects: vec![],
                        target: self.target(),
                    };
                }
                if let Some((o, Some(true))) = race {
                    // TR-SAMEDAY: refused today, the party brings the customer on site before
                    // the owner, who last contacted the customer today too: it owns it.
                    let mut v = self.verdict(
                        Outcome::Accepted,
                        rules::TR_SAMEDAY,
                        "both contacted the customer today: whoever brings the customer on site first owns it",
                    );
                    v.receiver = Some(b.clone());
                    v.turn = Some(false);
                    v.relied_on.extend(st.relied.iter().cloned());
                    return self.finish_visit(v, Some((&bp, rules::TR_SAMEDAY)), Some(o));
                }
                let mut v = self.reject(
                    &st,
                    rules::TR_SITE,
                    "bringing a customer without registering at the front desk gives no claim",
                );
                if let Some(o) = &owner {
                    self.notify_absent_owner(&mut v, o, &[bp]);
                }
                return Decision {
                    verdict: v,
                    effects: vec![],
                    target: self.target(),
                };
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

    /// §3.5 channel-sms visits.
    fn visit_cs(&self, a: &VisitArgs) -> Decision {
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
            let v = self.with_standing(self.verdict(Outcome::Pending, rules::CS_DISPUTE, "brought by one agency while the customer names another: a 待定确认单 is opened"), &st);
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
                self.reject(&st, st.rule, "the customer is protected for another agency")
            }
            (None, _) => self.with_standing(
                self.verdict(
                    Outcome::Accepted,
                    rules::CS_CONFIRM,
                    "visit recorded; it counts for an agency only with a visit confirmation",
                ),
                &st,
            ),
            _ => self.with_standing(
                self.verdict(Outcome::Accepted, st.rule, "visit recorded"),
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

    /// §3.6 channel-distribution visits.
    fn visit_cd(&self, a: &VisitArgs) -> Decision {
        let st = self.standing(self.view.as_ref());
        let owner = st.protected.then(|| st.owner.clone());
        let input = self.customer_input();
        if let Some(b) = &a.brought_by {
            let bp = self.party(b);
            return match &owner {
                Some(o) if o == &bp => {
                    let v = self.with_standing(
                        self.verdict(
                            Outcome::Accepted,
                            st.rule,
                            "visit by the registered agency; a confirmation makes it count",
                        ),
                        &st,
                    );
                    Decision {
                        verdict: v,
                        effects: vec![],
                        target: self.target(),
                    }
                }
                Some(o) => {
                    let mut v = self.reject(
                        &st,
                        rules::CD_FIRST,
                        "an earlier registration of another agency matches the customer",
                    );
                    self.notify_absent_owner(&mut v, o, &[bp]);
                    Decision {
                        verdict: v,
                        effects: vec![],
                        target: self.target(),
                    }
                }
                None => {
                    if input.name.as_deref().is_none_or(|n| n.trim().is_empty()) {
                        let v = self.verdict(
                            Outcome::Invalid,
                            rules::CD_GROUP,
                            "a group brought without SMS counts only with both name and phone",
                        );
                        return Decision {
                            verdict: v,
                            effects: vec![],
                            target: Target::None,
                        };
                    }
                    let eff = vec![holder(&bp, rules::CD_GROUP)];
                    let v = self.settle(
                        self.verdict(
                            Outcome::Accepted,
                            rules::CD_GROUP,
                            "a group brought the same day with name and phone counts as registered",
                        ),
                        &eff,
                    );
                    Decision {
                        verdict: v,
                        effects: eff,
                        target: self.target(),
                    }
                }
            };
        }
        match &owner {
            Some(o @ Party::Agency(_)) => {
                let named = a
                    .names
                    .iter()
                    .chain(a.designates.iter())
                    .any(|n| &self.party(n) == o);
                let logged = self.view.as_ref().is_some_and(|v| {
                    v.acts("contact")
                        .any(|e| matches!(&e.act, Act::Contact { by, .. } if &self.party(by) == o))
                });
                if named || logged {
                    let v = self.verdict(
                        Outcome::Accepted,
                        rules::CD_SELF,
                        if named {
                            "the customer came alone and named the agency"
                        } else {
                            "the customer came alone; the agency's contact log shows the customer"
                        },
                    );
                    let v = Verdict {
                        owner: Some(o.clone()),
                        ..v
                    };
                    let mut v = self.settle(v, &[]);
                    self.notify_absent_owner(&mut v, o, &[]);
                    Decision {
                        verdict: v,
                        effects: vec![],
                        target: self.target(),
                    }
                } else {
                    let eff = vec![holder(&Party::Pool, rules::CD_SELF)];
                    let mut v = self.verdict(Outcome::Accepted, rules::CD_SELF, "the customer came alone, could not name the agency and no contact log shows them: company pool");
                    v.owner = Some(Party::Pool);
                    self.notify_absent_owner(&mut v, o, &[]);
                    Decision {
                        verdict: v,
                        effects: eff,
                        target: self.target(),
                    }
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
                let v = self.with_standing(
                    self.verdict(
                        Outcome::Accepted,
                        rules::CD_PRE,
                        "no valid pre-registration: company pool",
                    ),
                    &st,
                );
                Decision {
                    verdict: v,
                    effects: vec![],
                    target: self.target(),
                }
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
            return self.visit_with(&VisitArgs::default());
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

    fn order_shares(&self, mut l: Vec<(Party, u32)>, view: &View) -> Vec<(Party, u32)> {
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
