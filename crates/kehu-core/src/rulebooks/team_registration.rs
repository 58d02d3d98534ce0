//! `team-registration`: team claims with arbitration (RULES.md §3.3, seed 003).
//!
//! Rules decided here: TR-SITE, TR-PROTECT, TR-ACTIVE, TR-SAMEDAY, TR-CLAIM3, TR-DUTY, TR-LEFT.
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

/// RULES.md §3.3.
pub(crate) struct TeamRegistration;

/// The rule IDs of §3.3, each decided in this file.
pub(crate) const RULES: &[&str] = &[
    "TR-SITE",
    "TR-PROTECT",
    "TR-ACTIVE",
    "TR-SAMEDAY",
    "TR-CLAIM3",
    "TR-DUTY",
    "TR-LEFT",
];

impl Family for TeamRegistration {
    fn preset(&self) -> Preset {
        Preset::TeamRegistration
    }

    fn rules(&self) -> &'static [&'static str] {
        RULES
    }

    fn first_rule(&self) -> RuleId {
        rules::TR_PROTECT
    }

    fn register_form(&self, cx: &Ctx, st: &Standing) -> Option<Verdict> {
        let Act::Register(act::Register { channel, kind, .. }) = &cx.cmd.act else {
            return None;
        };
        (*channel != Channel::Site || *kind == RegKind::Pre).then(|| {
            cx.reject(st, rules::TR_SITE, "销售员须带客户到场并在前台登记，报备才有效 (a claim is effective only when the salesperson brings the customer on site and registers at the front desk)")
        })
    }

    fn collision(&self, cx: &Ctx, st: &Standing, by: &StaffId) -> Option<Decision> {
        Some(cx.collision_tr(st, by))
    }

    fn reception_claims(&self) -> bool {
        true
    }

    fn departure_rule(&self) -> RuleId {
        rules::TR_LEFT
    }

    fn reassign_rule(&self) -> RuleId {
        rules::TR_LEFT
    }

    fn consent_rule(&self) -> RuleId {
        rules::TR_ACTIVE
    }

    /// TR-CLAIM3: an unclaimed deal claimed with evidence within the window after signing.
    fn claim_after_signing(&self, cx: &Ctx, deal: &Event, party: &Party) -> Option<Decision> {
        let within = cx.now
            < window_end(
                deal.at,
                Length::Days(cx.params.claim_days),
                cx.params.counting,
            );
        if !(unclaimed(deal) && within && deal.verdict.credited.as_ref() != Some(party)) {
            return None;
        }
        let eff = vec![holder(party, rules::TR_CLAIM3)];
        let mut v = cx.verdict(
            Outcome::Accepted,
            rules::TR_CLAIM3,
            "无主成交在期限内凭证据认领成功 (an unclaimed deal claimed with evidence within the window)",
        );
        v.credited = Some(party.clone());
        v.shares = vec![(party.clone(), 100)];
        v.relied_on.push(deal.reference());
        let v = cx.settle(v, &eff);
        Some(Decision {
            verdict: v,
            effects: eff,
            target: cx.target(),
        })
    }

    fn standing(&self, cx: &Ctx, view: &View, h: &Holding, relied: Vec<EventRef>) -> Standing {
        cx.standing_tr(view, h, relied)
    }

    fn visit(&self, cx: &Ctx, a: &VisitArgs) -> Decision {
        cx.visit_tr(a)
    }

    fn deal(&self, cx: &Ctx, st: &Standing) -> Result<Attribution, Box<Decision>> {
        Ok(cx.deal_tr(st))
    }
}

impl Ctx<'_> {
    /// A collision: the owner's consent lets the party register (TR-ACTIVE); on the day of the
    /// owner's last contact the refusal cites TR-SAMEDAY (the party may still win by bringing the
    /// customer on site first that day); in the TR-ACTIVE phase a violation is recorded whichever
    /// rule is cited.
    pub(crate) fn collision_tr(&self, st: &Standing, by: &StaffId) -> Decision {
        let party = self.party(by);
        if self.consented(st, &party) {
            let eff = vec![holder(&party, rules::TR_ACTIVE)];
            let v = self.settle(
                self.verdict(
                    Outcome::Accepted,
                    rules::TR_ACTIVE,
                    "经归属人同意后报备 (registered with the owner's consent)",
                ),
                &eff,
            );
            return Decision {
                verdict: v,
                effects: eff,
                target: self.target(),
            };
        }
        let same_day = self
            .owner_last_contact(st)
            .is_some_and(|t| self.same_day(t));
        let rule = if same_day { rules::TR_SAMEDAY } else { st.rule };
        let mut v = self.collision_rejected(st, rule);
        if st.rule == rules::TR_ACTIVE {
            v.violations.push(Violation {
                staff: Party::Staff(by.clone()),
                rule: rules::TR_ACTIVE.0.into(),
                amount: None,
                note: "未经归属人同意，报备其正在跟进的客户（恶意抢单） (registered a customer under active maintenance without the owner's consent (恶意抢单))".into(),
            });
        }
        Decision {
            verdict: v,
            effects: vec![],
            target: self.target(),
        }
    }

    /// Visits: a salesperson bringing another's customer without a claim records nothing for
    /// them (TR-SITE), unless the same-day race of TR-SAMEDAY decides it; else as every rulebook.
    pub(crate) fn visit_tr(&self, a: &VisitArgs) -> Decision {
        let st = self.standing(self.view.as_ref());
        let owner = st.protected.then(|| st.owner.clone());
        if let Some(b) = &a.brought_by {
            let bp = self.party(b);
            if owner.as_ref() != Some(&bp) {
                let race = owner.as_ref().map(|o| (o, self.same_day_race(o, &bp)));
                if let Some((o, Some(false))) = race {
                    // TR-SAMEDAY: refused today, the party brings the customer after the owner did.
                    let mut v = self.reject(
                        &st,
                        rules::TR_SAMEDAY,
                        "双方今天都联系过该客户，归属人先带客户到场 (both contacted the customer today and the owner brought the customer on site first)",
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
                        "双方今天都联系过该客户：谁先带客户到场，客户归谁 (both contacted the customer today: whoever brings the customer on site first owns it)",
                    );
                    v.receiver = Some(b.clone());
                    v.turn = Some(false);
                    v.relied_on.extend(st.relied.iter().cloned());
                    return self.finish_visit(v, Some((&bp, rules::TR_SAMEDAY)), Some(o));
                }
                let mut v = self.reject(
                    &st,
                    rules::TR_SITE,
                    "带客户到场但未在前台登记，不产生归属 (bringing a customer without registering at the front desk gives no claim)",
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
        }
        self.visit_generic(a)
    }

    /// The owner's last contact with the customer before now (TR-ACTIVE's list: registrations,
    /// visits with the customer, logged contacts), or the claim's start.
    pub(crate) fn owner_last_contact(&self, st: &super::Standing) -> Option<Instant> {
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
    pub(crate) fn same_day_race(&self, owner: &Party, by: &Party) -> Option<bool> {
        let view = self.view.as_ref()?;
        let today: Vec<&crate::state::Event> =
            view.events.iter().filter(|e| self.same_day(e.at)).collect();
        let refused = today.iter().any(|e| {
            matches!(&e.act, Act::Register(act::Register { by: b, .. }) if &self.party(b) == by)
                && e.verdict.rule == rules::TR_SAMEDAY.0
        });
        let owner_came = today.iter().any(|e| match &e.act {
            Act::Register(act::Register { by: b, .. }) => {
                e.verdict.outcome == Outcome::Accepted && &self.party(b) == owner
            }
            Act::Visit(act::Visit {
                brought_by: Some(b),
                ..
            }) => &self.party(b) == owner,
            _ => false,
        });
        refused.then_some(!owner_came)
    }

    /// TR-ACTIVE: the owner consented to this party after the claim began.
    pub(crate) fn consented(&self, st: &super::Standing, to: &Party) -> bool {
        let (Some(view), Some(h)) = (&self.view, &st.holding) else {
            return false;
        };
        view.acts("consent").any(|e| {
            e.at >= h.since
                && e.verdict.outcome == Outcome::Accepted
                && matches!(&e.act, Act::Consent(act::Consent { by, to: t, .. }) if self.party(by) == st.owner && &self.party(t) == to)
        })
    }

    /// §3.3 team-registration.
    pub(crate) fn deal_tr(&self, st: &super::Standing) -> Attribution {
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

    /// The standing of one holding at `now` (RULES.md §3.3).
    pub(crate) fn standing_tr(
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
        let holder_left = self.holder_left(p);
        let _latest = |evs: &[&Event]| evs.iter().map(|e| e.at).max();
        let (owner, acts) = match (holder_left, self.team_of(p)) {
            (true, Some(team)) => {
                let members = self.team_parties(&team);
                let acts: Vec<&Event> = view
                    .events
                    .iter()
                    .filter(|e| members.iter().any(|m| self.is_activity_of(e, m)))
                    .collect();
                (Party::Team(team), acts)
            }
            _ => (p.clone(), self.activity(view, p)),
        };
        // TR-ACTIVE: after the strict window the claim lives while the owner's last
        // contact is within the last 15 days; the first such gap ends it for good, and
        // contacts after that revive nothing.
        let strict = self.end(h.since, Length::Days(self.params.strict_days));
        let mut active = self.end(h.since, Length::Days(self.params.active_days));
        let mut times: Vec<Instant> = acts
            .iter()
            .map(|e| e.at)
            .filter(|t| *t >= h.since)
            .collect();
        times.sort();
        let mut counted: Vec<&Event> = Vec::new();
        for t in times {
            if t >= strict.max(active) {
                break;
            }
            active = active.max(self.end(t, Length::Days(self.params.active_days)));
            counted.extend(acts.iter().copied().filter(|e| e.at == t));
        }
        let until = strict.max(active);
        push_latest(&mut relied, &counted);
        let rule = if now < strict {
            rules::TR_PROTECT
        } else {
            rules::TR_ACTIVE
        };
        let left = owner != *p;
        let mut s = mk(owner, Some(Until::At(until)), now < until, rule, relied);
        if left {
            s.via = Some(rules::TR_LEFT);
        }
        s
    }
}
