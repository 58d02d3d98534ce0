//! `channel-distribution`: distributor SMS registration and visit confirmation (RULES.md §3.6, seed 003).
//!
//! Rules decided here: CD-PRE, CD-7DAYS, CD-GROUP, CD-FIRST, CD-CONFIRM, CD-30DAYS, CD-SELF.
//! The acts every family shares are in `engine`; this file holds what is this rulebook's own:
//! its standing (who owns a customer and until when), its visits, its deals.

use super::Family;
use crate::act;
use crate::engine::acts::*;
use crate::engine::deal::*;
use crate::engine::standing::*;
use crate::engine::{Ctx, Decision, Standing, Target};
use crate::model::*;
use crate::policy::Preset;
use crate::rules::{self, RuleId};
use crate::state::{Event, Holding, View};
use crate::time::*;
use crate::verdict::{EventRef, Outcome, Until, Verdict};

/// RULES.md §3.6.
pub(crate) struct ChannelDistribution;

/// The rule IDs of §3.6, each decided in this file.
pub(crate) const RULES: &[&str] = &[
    "CD-PRE",
    "CD-7DAYS",
    "CD-GROUP",
    "CD-FIRST",
    "CD-CONFIRM",
    "CD-30DAYS",
    "CD-SELF",
];

impl Family for ChannelDistribution {
    fn preset(&self) -> Preset {
        Preset::ChannelDistribution
    }

    fn rules(&self) -> &'static [&'static str] {
        RULES
    }

    fn first_rule(&self) -> RuleId {
        rules::CD_PRE
    }

    fn register_form(&self, cx: &Ctx, _st: &Standing) -> Option<Verdict> {
        let Act::Register(act::Register {
            customer, channel, ..
        }) = &cx.cmd.act
        else {
            return None;
        };
        let named = customer
            .name
            .as_deref()
            .is_some_and(|n| !n.trim().is_empty());
        if *channel == Channel::Site {
            return (!named).then(|| {
                cx.verdict(
                    Outcome::Invalid,
                    rules::CD_GROUP,
                    "带团客户须同时报姓名和电话才算报备 (a tour group counts as registered only with both name and phone)",
                )
            });
        }
        (!named || customer.gender().is_none()).then(|| {
            cx.verdict(
                Outcome::Invalid,
                rules::CD_PRE,
                "预报备须写明客户姓名、性别（先生/女士）和电话（前四后五） (a pre-registration needs the customer's name, gender (先生/女士) and phone (前四后五))",
            )
        })
    }

    fn renewal(&self, cx: &Ctx, st: &Standing, party: &Party) -> Option<Verdict> {
        (!cx.recontacted(party)).then(|| {
            cx.reject(
                st,
                rules::CD_7DAYS,
                format!(
                    "续报须至少每 {n} 天有一次跟进记录 (re-registering needs a logged contact at least every {n} days)",
                    n = cx.params.recontact_days
                ),
            )
        })
    }

    fn before_claim(
        &self,
        cx: &Ctx,
        st: &Standing,
        party: &Party,
        lapsed: Option<&Party>,
    ) -> Option<Verdict> {
        // CD-7DAYS: re-registering only while the claim is valid.
        (lapsed == Some(party)).then(|| {
            cx.reject(
                st,
                rules::CD_7DAYS,
                "预报备已过期：只有在报备有效期内才能续报 (the pre-registration has ended: re-registering is allowed only while the claim is valid)",
            )
        })
    }

    fn claim_rule(&self, cx: &Ctx, st: &Standing, lapsed: bool) -> RuleId {
        match &cx.cmd.act {
            Act::Register(act::Register {
                channel: Channel::Site,
                ..
            }) => rules::CD_GROUP,
            _ if lapsed => st.rule,
            _ => rules::CD_PRE,
        }
    }

    fn overlap(&self, _cx: &Ctx, _view: &View, valid: &[&Standing]) -> Option<Standing> {
        let mut s = valid.first().map(|s| (*s).clone())?;
        if valid.len() > 1 {
            s.rule = rules::CD_FIRST;
        }
        Some(s)
    }

    fn missing_phone_rule(&self, act: &Act) -> RuleId {
        match act {
            Act::Register(act::Register {
                channel: Channel::Site,
                ..
            }) => rules::CD_GROUP,
            Act::Register(_) => rules::CD_PRE,
            _ => rules::G_PHONE,
        }
    }

    fn confirm_rule(&self) -> RuleId {
        rules::CD_CONFIRM
    }

    fn confirm_needs_manager(&self) -> bool {
        true
    }

    fn confirm_check(&self, cx: &Ctx, _st: &Standing, party: &Party) -> Option<Decision> {
        cx.confirm_inconsistent_cd(party)
    }

    fn confirm_collision_rule(&self, _cx: &Ctx, _st: &Standing) -> RuleId {
        rules::CD_FIRST
    }

    fn confirm_unowned(&self, cx: &Ctx, st: &Standing) -> Option<Verdict> {
        Some(cx.reject(
            st,
            rules::CD_PRE,
            "没有预报备：该客户归公司公海 (no pre-registration: the customer is company pool)",
        ))
    }

    fn standing(&self, cx: &Ctx, view: &View, h: &Holding, relied: Vec<EventRef>) -> Standing {
        cx.standing_cd(view, h, relied)
    }

    fn visit(&self, cx: &Ctx, a: &VisitArgs) -> Decision {
        cx.visit_cd(a)
    }

    fn deal(&self, cx: &Ctx, st: &Standing) -> Result<Attribution, Box<Decision>> {
        Ok(cx.deal_owner(st, Some(rules::CD_PRE)))
    }
}

impl Ctx<'_> {
    /// CD-CONFIRM: a confirmation inconsistent with the agency's own registration is invalid,
    /// and the registration loses its claim.
    pub(crate) fn confirm_inconsistent_cd(&self, party: &Party) -> Option<Decision> {
        let Act::Confirm(act::Confirm { customer, .. }) = &self.cmd.act else {
            return None;
        };
        let bad: Vec<&View> = self
            .candidates
            .iter()
            .filter(|v| {
                self.standing(Some(v))
                    .holding
                    .is_some_and(|h| &h.party == party)
                    && crate::name::surnames_differ(
                        v.names().first().copied(),
                        customer.name.as_deref(),
                    )
            })
            .collect();
        if bad.is_empty() {
            return None;
        }
        let ids: Vec<_> = bad.iter().flat_map(|v| v.ids.iter().copied()).collect();
        let mut v = self.verdict(Outcome::Invalid, rules::CD_CONFIRM, "来访确认单与报备信息不符：该报备失去归属 (the confirmation is inconsistent with the registration: the registration loses its claim)");
        v.owner = Some(Party::Pool);
        Some(Decision {
            verdict: v,
            effects: vec![holder(&Party::Pool, rules::CD_CONFIRM)],
            target: Target::Records(ids),
        })
    }

    /// §3.6 channel-distribution visits.
    pub(crate) fn visit_cd(&self, a: &VisitArgs) -> Decision {
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
                            "报备的分销单位带客到访；签来访确认单后才计入 (visit by the registered agency; a confirmation makes it count)",
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
                        "其他分销单位更早的报备与该客户相符 (an earlier registration of another agency matches the customer)",
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
                            "未发短信带团到访，须同时报姓名和电话才算报备 (a group brought without SMS counts only with both name and phone)",
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
                            "当日带团到访并报了姓名和电话，视为已报备 (a group brought the same day with name and phone counts as registered)",
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
                        .any(|e| matches!(&e.act, Act::Contact(act::Contact { by, .. }) if &self.party(by) == o))
                });
                if named || logged {
                    let v = self.verdict(
                        Outcome::Accepted,
                        rules::CD_SELF,
                        if named {
                            "客户自行上门，说出了分销单位 (the customer came alone and named the agency)"
                        } else {
                            "客户自行上门；分销单位的跟进记录中有该客户 (the customer came alone; the agency's contact log shows the customer)"
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
                    let mut v = self.verdict(Outcome::Accepted, rules::CD_SELF, "客户自行上门，说不出分销单位，跟进记录中也没有：归公司公海 (the customer came alone, could not name the agency and no contact log shows them: company pool)");
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
                let v = self.with_standing(
                    self.verdict(
                        Outcome::Accepted,
                        rules::CD_PRE,
                        "没有有效的预报备：归公司公海 (no valid pre-registration: company pool)",
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

    /// CD-7DAYS: from the first registration to now, the agency logged contact at least every
    /// `recontact_days`.
    pub(crate) fn recontacted(&self, p: &Party) -> bool {
        let Some(view) = &self.view else { return true };
        let mut times: Vec<Instant> = view
            .events
            .iter()
            .filter(|e| match &e.act {
                Act::Register(act::Register { by, .. }) => {
                    e.verdict.outcome == Outcome::Accepted && &self.party(by) == p
                }
                Act::Contact(act::Contact { by, .. }) => &self.party(by) == p,
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

    /// The standing of one holding at `now` (RULES.md §3.6).
    pub(crate) fn standing_cd(
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
        if let Some(v) = self.first_counted_visit(view, p, h.since) {
            let until = self.end(v, Length::Days(self.params.confirm_days));
            return mk(
                p.clone(),
                Some(Until::At(until)),
                now < until,
                rules::CD_30DAYS,
                relied,
            );
        }
        let regs = self.registrations(view, p);
        let last = latest(&regs).unwrap_or(h.since).max(h.since);
        let until = self.end(last, Length::Days(self.params.pre_days));
        push_latest(&mut relied, &regs);
        mk(
            p.clone(),
            Some(Until::At(until)),
            now < until,
            rules::CD_7DAYS,
            relied,
        )
    }
}
