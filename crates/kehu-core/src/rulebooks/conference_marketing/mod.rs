//! `conference-marketing`: divisions (事业部) share customers at joint events, with daily
//! invitation lists (RULES.md §3.10, seed 000 客户管理制度4).
//!
//! Rules decided here: CM-EVEN, CM-LAPSE, CM-REFER, CM-CUTOFF, CM-FIRSTINVITE, CM-CREDIT,
//! CM-QUARREL. The lists of CM-CUTOFF are in `lists.rs`.

mod lists;

pub use lists::deadline;

use super::Family;
use crate::act::{self, Part, Post};
use crate::engine::acts::{holder, VisitArgs};
use crate::engine::deal::Attribution;
use crate::engine::work::{Missing, Note};
use crate::engine::{zh_text, Ctx, Decision, Standing};
use crate::model::{Act, ContactKind, Party, Presence, Role, StaffId};
use crate::policy::Preset;
use crate::rules::{self, RuleId};
use crate::state::{Effect, Event, Holding, JointEventState, View};
use crate::time::{add_months, add_span_hours};
use crate::verdict::{EventRef, Outcome, Points, Until, Verdict};
use jiff::civil::Date;

/// RULES.md §3.10.
pub(crate) struct ConferenceMarketing;

/// The rule IDs of §3.10, each decided in this file.
pub(crate) const RULES: &[&str] = &[
    "CM-EVEN",
    "CM-LAPSE",
    "CM-REFER",
    "CM-CUTOFF",
    "CM-FIRSTINVITE",
    "CM-CREDIT",
    "CM-QUARREL",
];

/// CM-REFER: points for each new customer, and for each full 1000 yuan they buy at the meeting.
const REFER_POINTS: u32 = 100;

impl Family for ConferenceMarketing {
    fn preset(&self) -> Preset {
        Preset::ConferenceMarketing
    }

    fn rules(&self) -> &'static [&'static str] {
        RULES
    }

    fn first_rule(&self) -> RuleId {
        rules::CM_LAPSE
    }

    fn lead_holder(&self) -> (Party, RuleId) {
        (Party::Department, rules::CM_EVEN)
    }

    fn distribute_rule(&self) -> RuleId {
        rules::CM_EVEN
    }

    fn distribute_within_team(&self) -> bool {
        true
    }

    /// CM-LAPSE: an owner past the three months keeps the customer until another division
    /// invites it; nothing returns to a pool.
    fn returns_to_pool(&self) -> bool {
        false
    }

    fn consent_rule(&self) -> RuleId {
        rules::CM_CREDIT
    }

    fn close_rule(&self) -> RuleId {
        rules::CM_CUTOFF
    }

    /// CM-QUARREL and CM-FIRSTINVITE disputes are the coordinator's (or the general manager's);
    /// the others any manager's or the coordinator's.
    fn may_resolve(&self, cx: &Ctx, by: &StaffId) -> bool {
        let coordinator = cx.has_post(by, Post::Coordinator);
        let open = cx.view.as_ref().and_then(View::open_dispute);
        match open.map(|e| e.verdict.rule.as_str()) {
            Some("CM-QUARREL") | Some("CM-FIRSTINVITE") => {
                coordinator || matches!(cx.role(by), Some(Role::Vp | Role::Admin))
            }
            _ => coordinator || cx.is_manager(by),
        }
    }

    fn own_act(&self, cx: &Ctx) -> Option<Decision> {
        Some(match &cx.cmd.act {
            Act::Register(a) => cx.invite(&a.by, None, Part::Guest),
            Act::Invite(a) => cx.invite(&a.by, a.event.as_deref(), a.part),
            Act::JointEvent(a) => cx.joint_event(a),
            Act::List(a) => cx.list(a),
            Act::Attend(a) => cx.attend(&a.event, a.referred_by.as_deref()),
            Act::Quarrel(a) => cx.quarrel(&a.staff, a.event.as_deref()),
            Act::Deal(a) => cx.cm_deal(a.amount),
            Act::Resolve(a) => return cx.resolve_inviter(a),
            Act::Consent(a) => return cx.inviter_consent(&a.by, &a.to),
            _ => return None,
        })
    }

    /// CM-LAPSE: protected until `lapse_months` after the latest assignment, home visit by the
    /// owner, or attendance on the owner's invitation.
    fn standing(&self, cx: &Ctx, view: &View, h: &Holding, mut relied: Vec<EventRef>) -> Standing {
        let owner = &h.party;
        let mut anchor = h.since;
        for e in view
            .events
            .iter()
            .filter(|e| e.seq > h.seq && e.at <= cx.now)
        {
            let counts = match &e.act {
                Act::Contact(c) => c.kind == ContactKind::HomeVisit && &cx.party(&c.by) == owner,
                Act::Attend(_) => {
                    e.verdict.outcome == Outcome::Accepted
                        && e.verdict.receiver.as_ref().map(|r| cx.party(r)).as_ref() == Some(owner)
                }
                Act::Resolve(_) => e
                    .effects
                    .iter()
                    .any(|x| matches!(x, Effect::Holder { party, .. } if party == owner)),
                _ => false,
            };
            if counts && e.at > anchor {
                anchor = e.at;
                if !relied.iter().any(|r| r.seq == e.seq) {
                    relied.push(e.reference());
                }
            }
        }
        let until = add_months(anchor, cx.params.lapse_months);
        // After the lapse the customer stays with its owner, unprotected, until another division
        // invites it or a manager reassigns it (no pool return in this rulebook).
        Standing {
            owner: owner.clone(),
            until: Some(Until::At(until)),
            protected: cx.now < until,
            rule: rules::CM_LAPSE,
            holding: Some(h.clone()),
            via: None,
            relied,
        }
    }

    /// CM-LAPSE: a manager may reassign a customer to any division or staff member.
    fn direct_decision(
        &self,
        _cx: &Ctx,
        owner: Option<&Party>,
        _former: Option<&Party>,
    ) -> Option<super::DirectDecision> {
        owner.map(|_| (rules::CM_LAPSE, vec![], vec![]))
    }

    fn visit(&self, cx: &Ctx, a: &VisitArgs) -> Decision {
        cx.visit_generic(a)
    }

    fn deal(&self, cx: &Ctx, st: &Standing) -> Result<Attribution, Box<Decision>> {
        Ok(cx.deal_owner(st, None))
    }

    fn close_day(&self, cx: &Ctx, day: Date) -> (Vec<Missing>, Note) {
        cx.cm_close_day(day)
    }
}

impl Ctx<'_> {
    /// The accepted invitations of the customer for `event`, in order.
    fn invitations<'v>(&'v self, event: &'v str) -> Vec<&'v Event> {
        self.view
            .iter()
            .flat_map(|v| v.events.iter())
            .filter(|e| {
                e.verdict.outcome == Outcome::Accepted
                    && matches!(&e.act, Act::Invite(i) if i.event.as_deref() == Some(event))
            })
            .collect()
    }

    /// A confirmed invitation (CM-LAPSE outside a joint event, CM-FIRSTINVITE at one). A
    /// registration is an invitation outside any event.
    fn invite(&self, by: &StaffId, event: Option<&str>, _part: Part) -> Decision {
        let party = self.party(by);
        let st = self.standing(self.view.as_ref());
        let done = |v: Verdict, eff: Vec<Effect>| Decision {
            verdict: v,
            effects: eff,
            target: self.target(),
        };
        if self.presence(by) == Presence::Left {
            return done(
                self.reject(
                    &st,
                    rules::SEC_LEAVE,
                    "已离职的员工不能再邀约顾客 (a departed staff member cannot invite customers)",
                ),
                vec![],
            );
        }
        if let Some(ev) = event.and_then(|n| self.project.joint_event(n)) {
            // CM-FIRSTINVITE: another division's confirmation already on its timely list holds.
            let team = self.team_of(&party);
            let held = self.invitations(&ev.name).into_iter().find(|e| {
                let Act::Invite(i) = &e.act else { return false };
                let other = self.dir.get(&i.by).and_then(|s| s.team.clone());
                other != team && self.on_timely_list(e, &ev.name)
            });
            if let Some(e) = held {
                let mut v = self.reject(
                    &st,
                    rules::CM_FIRSTINVITE,
                    format!(
                        "联合活动「{}」：其他事业部已先敲定邀约该顾客并按时报了名单 (joint event {}: another division confirmed this customer first, on a list submitted in time)",
                        zh_text(&ev.name),
                        ev.name
                    ),
                );
                v.collision = true;
                v.relied_on.push(e.reference());
                return done(v, vec![]);
            }
            let v = self.with_standing(
                self.verdict(
                    Outcome::Accepted,
                    rules::CM_FIRSTINVITE,
                    format!(
                        "联合活动「{}」邀约已敲定；须列入当天按时上报的名单才算数 (invitation to joint event {} confirmed; it counts only on a list submitted in time)",
                        zh_text(&ev.name),
                        ev.name
                    ),
                ),
                &st,
            );
            return done(v, vec![]);
        }
        if st.protected && st.owner == party {
            let v = self.with_standing(
                self.verdict(
                    Outcome::Accepted,
                    rules::CM_LAPSE,
                    "归属人邀约已记录（顾客参会才续保护期） (the owner's invitation is recorded; attendance renews the protection)",
                ),
                &st,
            );
            return done(v, vec![]);
        }
        if st.protected {
            return done(
                self.collision_rejected_as(
                    &st,
                    rules::CM_LAPSE,
                    "撞单：该顾客在归属人的三个月服务保护期内 (collision (撞单): the customer is within its owner's three months of service)",
                ),
                vec![],
            );
        }
        let mut v;
        if let Some(former) = st.lapsed_holder().cloned() {
            if former.staff().is_some() && self.team_of(&former) == self.team_of(&party) {
                let v = self.reject(
                    &st,
                    rules::CM_LAPSE,
                    "本事业部的顾客超过三个月未有效服务，由事业部经理重新分配 (a customer of your own division not served for three months is reassigned by the division head)",
                );
                return done(v, vec![]);
            }
            v = self.verdict(
                Outcome::Accepted,
                rules::CM_LAPSE,
                "原归属人三个月未有效服务，其他事业部邀约，顾客改归邀约人 (the owner gave no real service for three months: another division's invitation takes the customer over)",
            );
            for p in std::iter::once(former).chain(self.post_parties(Post::ResourceDirector)) {
                if p.is_notifiable() && !v.notify.contains(&p) {
                    v.notify.push(p);
                }
            }
        } else {
            v = self.verdict(
                Outcome::Accepted,
                rules::CM_LAPSE,
                "邀约新顾客，顾客归邀约人服务 (a new customer invited: the inviter serves it)",
            );
        }
        // DIST-CAP: a new customer or a takeover is a claim like any other.
        if let Some(capped) = self.over_cap(&party, &st) {
            return done(capped, vec![]);
        }
        let eff = vec![holder(&party, rules::CM_LAPSE)];
        let v = self.settle(v, &eff);
        done(v, eff)
    }

    /// The event's inviter (CM-FIRSTINVITE): the earliest confirmation on a timely list; or for
    /// a meeting that is not a joint event, the earliest invitation. `Err` when confirmations
    /// exist but none is on a timely list (the coordinator decides).
    fn inviter<'s>(&'s self, event: &'s str) -> Result<Option<&'s Event>, ()> {
        let invites = self.invitations(event);
        if self.project.joint_event(event).is_none() {
            return Ok(invites.first().copied());
        }
        if let Some(e) = invites.iter().find(|e| self.on_timely_list(e, event)) {
            return Ok(Some(e));
        }
        let guests = invites
            .iter()
            .any(|e| matches!(&e.act, Act::Invite(i) if i.part == Part::Guest));
        if guests {
            Err(())
        } else {
            Ok(None)
        }
    }

    fn attend(&self, event: &str, referred_by: Option<&str>) -> Decision {
        let st = self.standing(self.view.as_ref());
        let joint = self.project.joint_event(event).is_some();
        let new = self.view.is_none();
        // CM-REFER: a club member brings a new customer.
        if let (Some(_), true) = (referred_by, new) {
            if let Some(member) = self.referrer {
                let inviter = member.events.iter().find_map(|e| match &e.act {
                    Act::Invite(i)
                        if e.verdict.outcome == Outcome::Accepted
                            && i.event.as_deref() == Some(event) =>
                    {
                        Some(i.by.clone())
                    }
                    _ => None,
                });
                let mut eff = Vec::new();
                if let Some(s) = &inviter {
                    eff.push(holder(&Party::Staff(s.clone()), rules::CM_REFER));
                }
                let mut v = self.verdict(
                    Outcome::Accepted,
                    rules::CM_REFER,
                    format!(
                        "联谊会会员带来新顾客参加「{}」：会员得 {REFER_POINTS} 积分{} (a club member brought a new customer to {event}: {REFER_POINTS} points to the member{})",
                        zh_text(event),
                        if inviter.is_some() { "，新顾客归邀约该会员的员工" } else { "" },
                        if inviter.is_some() { "; the new customer goes to the staff member who invited the member" } else { "" }
                    ),
                );
                v.points = member.ids.first().map(|m| Points {
                    member: *m,
                    points: REFER_POINTS,
                });
                let v = self.settle(v, &eff);
                return Decision {
                    verdict: v,
                    effects: eff,
                    target: self.target(),
                };
            }
        }
        let inviter = match self.inviter(event) {
            Ok(i) => i,
            Err(()) => {
                let v = self.with_standing(
                    self.verdict(
                        Outcome::Pending,
                        rules::CM_FIRSTINVITE,
                        format!(
                            "「{}」：该顾客的邀约都不在按时上报的名单上，由协调助理裁定邀约人 (at {event} no confirmation of this customer is on a list submitted in time: the coordinator decides the inviter)",
                            zh_text(event)
                        ),
                    ),
                    &st,
                );
                let mut v = self.open_dispute(v, rules::CM_FIRSTINVITE, vec![]);
                v.rule = rules::CM_FIRSTINVITE.0.into();
                for p in self.post_parties(Post::Coordinator) {
                    if !v.notify.contains(&p) {
                        v.notify.push(p);
                    }
                }
                return Decision {
                    verdict: v,
                    effects: vec![],
                    target: self.target(),
                };
            }
        };
        let rule = if joint {
            rules::CM_FIRSTINVITE
        } else {
            rules::CM_LAPSE
        };
        let reason = match inviter.and_then(|e| e.act.handles().first().map(|h| self.name_of(h))) {
            Some(n) => format!(
                "顾客参加「{}」，邀约人是{} (the customer attends {event}; the inviter is {n})",
                zh_text(event),
                zh_text(&n)
            ),
            None => format!(
                "顾客参加「{}」，没有有效邀约人 (the customer attends {event}; no invitation counts)",
                zh_text(event)
            ),
        };
        let mut v = self.verdict(Outcome::Accepted, rule, reason);
        v.receiver = inviter.and_then(|e| match &e.act {
            Act::Invite(i) => Some(i.by.clone()),
            _ => None,
        });
        if let Some(e) = inviter {
            v.relied_on.push(e.reference());
        }
        // A customer nobody holds who attends on a staff member's invitation is that staff
        // member's to serve (the attendance is the assignment, as an invitation outside an event).
        let mut eff = Vec::new();
        if let (Some(i), None) = (&v.receiver, st.holding.as_ref()) {
            eff.push(holder(&self.party(i), rules::CM_LAPSE));
        }
        let v = self.settle(v, &eff);
        Decision {
            verdict: v,
            effects: eff,
            target: self.target(),
        }
    }

    fn quarrel(&self, staff: &[StaffId], event: Option<&str>) -> Decision {
        let st = self.standing(self.view.as_ref());
        let mut v = self.with_standing(
            self.verdict(
                Outcome::Pending,
                rules::CM_QUARREL,
                "事业部员工当着顾客争执：每人记违规，由协调助理会同两事业部经理处理，协调不了由总经理裁定 (staff of two divisions argued in front of the customer: a violation each; the coordinator settles it with both division heads, or the general manager)",
            ),
            &st,
        );
        v = self.open_dispute(v, rules::CM_QUARREL, vec![]);
        v.rule = rules::CM_QUARREL.0.into();
        let ends = event
            .and_then(|n| self.project.joint_event(n))
            .map(|e| e.ends)
            .unwrap_or(self.now)
            .max(self.now);
        if let Some(d) = v.dispute.as_mut() {
            d.deadline = add_span_hours(ends, self.params.dispute_hours);
        }
        for s in staff {
            v.violations.push(self.violation(
                s,
                rules::CM_QUARREL,
                Some(self.params.quarrel_fine),
                "当着顾客与其他事业部员工争执 (argued with another division's staff in front of a customer)".into(),
            ));
        }
        for p in self.post_parties(Post::Coordinator) {
            if !v.notify.contains(&p) {
                v.notify.push(p);
            }
        }
        Decision {
            verdict: v,
            effects: vec![],
            target: self.target(),
        }
    }

    /// The joint event (or meeting) the customer attended whose window holds now, with the
    /// attendance.
    fn attended_now(&self) -> Option<(&Event, Option<&JointEventState>)> {
        let view = self.view.as_ref()?;
        view.events.iter().rev().find_map(|e| {
            let Act::Attend(a) = &e.act else { return None };
            if !matches!(e.verdict.outcome, Outcome::Accepted | Outcome::Pending) {
                return None;
            }
            match self.project.joint_event(&a.event) {
                Some(ev) if ev.starts <= self.now && self.now < ev.ends => Some((e, Some(ev))),
                Some(_) => None,
                None => self.same_day(e.at).then_some((e, None)),
            }
        })
    }

    /// CM-CREDIT: a sale at a joint event goes 100 % to the event's inviter; CM-REFER: the club
    /// member earns points on a referred customer's purchase at the meeting.
    fn cm_deal(&self, amount: i64) -> Decision {
        let attended = self.attended_now();
        let open = self.view.as_ref().and_then(View::open_dispute).is_some();
        let inviter = attended.and_then(|(e, ev)| {
            ev?;
            // The coordinator's ruling names the inviter where the lists did not.
            let ruled = self.view.as_ref().and_then(|v| {
                v.events.iter().rev().find_map(|r| match &r.act {
                    Act::Resolve(_)
                        if r.seq > e.seq && r.verdict.rule == rules::CM_FIRSTINVITE.0 =>
                    {
                        r.verdict.receiver.clone()
                    }
                    _ => None,
                })
            });
            ruled.or_else(|| e.verdict.receiver.clone())
        });
        let mut d = match (&inviter, open) {
            (Some(i), false) => {
                let st = self.standing(self.view.as_ref());
                let p = self.party(i);
                let mut v = self.with_standing(
                    self.verdict(
                        Outcome::Accepted,
                        rules::CM_CREDIT,
                        format!(
                            "联合活动现场成交，业绩 100% 归该顾客本次活动的邀约人{} (a sale at a joint event is credited 100 % to the customer's inviter, {})",
                            zh_text(self.name_of(i)),
                            self.name_of(i)
                        ),
                    ),
                    &st,
                );
                v.credited = Some(p.clone());
                v.shares = vec![(p, 100)];
                Decision {
                    verdict: v,
                    // INV-UNSOLD: the units the customer holds are signed for.
                    effects: self.sign_units(),
                    target: self.target(),
                }
            }
            _ => self.deal(),
        };
        // CM-REFER: 100 points per full 1000 yuan bought at the meeting the member brought them to.
        if let Some((e, _)) = attended {
            if let (Act::Attend(a), Some(p)) = (&e.act, &e.verdict.points) {
                if a.referred_by.is_some() {
                    let n = u32::try_from(amount / 1000)
                        .unwrap_or(u32::MAX)
                        .saturating_mul(REFER_POINTS);
                    d.verdict.points = Some(Points {
                        member: p.member,
                        points: n,
                    });
                }
            }
        }
        d
    }

    /// CM-CREDIT: the inviter of a joint event lets the former server help; the split does not
    /// change. Anyone else's consent is the owner's (G-CLAIM).
    fn inviter_consent(&self, by: &StaffId, to: &StaffId) -> Option<Decision> {
        let view = self.view.as_ref()?;
        let invited = view.events.iter().any(|e| {
            e.verdict.outcome == Outcome::Accepted
                && matches!(&e.act, Act::Invite(i) if &i.by == by
                    && i.event.as_deref().is_some_and(|n| self.project.joint_event(n).is_some()))
        });
        if !invited {
            return None;
        }
        let st = self.standing(self.view.as_ref());
        let v = self.with_standing(
            self.verdict(
                Outcome::Accepted,
                rules::CM_CREDIT,
                format!(
                    "邀约人同意{}协助；成交业绩仍 100% 归邀约人，协助者不得与邀约人同时向顾客推介 (the inviter lets {} help; the sale stays 100 % the inviter's, and the helper never pitches at the same time)",
                    zh_text(self.name_of(to)),
                    self.name_of(to)
                ),
            ),
            &st,
        );
        Some(Decision {
            verdict: v,
            effects: vec![],
            target: self.target(),
        })
    }

    /// CM-FIRSTINVITE: the coordinator's ruling names the inviter; the owner does not change.
    fn resolve_inviter(&self, a: &act::Resolve) -> Option<Decision> {
        let view = self.view.as_ref()?;
        let open = view.open_dispute()?;
        if open.verdict.rule != rules::CM_FIRSTINVITE.0 {
            return None;
        }
        let st = self.standing(self.view.as_ref());
        if !self.family().may_resolve(self, &a.by) {
            let v = self.reject(
                &st,
                rules::CM_FIRSTINVITE,
                "邀约人由协调助理（或总经理）裁定 (the coordinator, or the general manager, decides the inviter)",
            );
            return Some(Decision {
                verdict: v,
                effects: vec![],
                target: self.target(),
            });
        }
        let inviter = a.owner.as_ref().and_then(Party::staff).cloned();
        let mut v = self.with_standing(
            self.verdict(
                Outcome::Accepted,
                rules::CM_FIRSTINVITE,
                match &inviter {
                    Some(i) => format!(
                        "协调助理裁定邀约人为{} (the coordinator names {} the inviter)",
                        zh_text(self.name_of(i)),
                        self.name_of(i)
                    ),
                    None => "协调助理裁定：没有邀约人 (the coordinator names no inviter)".into(),
                },
            ),
            &st,
        );
        v.receiver = inviter;
        v.relied_on.push(open.reference());
        Some(Decision {
            verdict: v,
            effects: vec![Effect::DisputeClosed],
            target: self.target(),
        })
    }
}
