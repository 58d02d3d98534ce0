//! `project-filing`: salespeople file customers and projects with their field office by e-mail
//! (RULES.md §3.12, seed 003 客户及项目备案制度).
//!
//! Rules decided here: PF-PROJECT, PF-ORDER, PF-CHASE.

use super::Family;
use crate::act::{self, Post};
use crate::engine::acts::{holder, VisitArgs};
use crate::engine::deal::Attribution;
use crate::engine::{zh_text, Ctx, Decision, Standing};
use crate::model::{Act, Channel, CustomerInput, Party, Presence, Role, StaffId};
use crate::policy::Preset;
use crate::rules::{self, RuleId};
use crate::state::{Effect, Holding, View};
use crate::time::{add_days, format_local};
use crate::verdict::{EventRef, Outcome, Until, Verdict};

/// RULES.md §3.12.
pub(crate) struct ProjectFiling;

/// The rule IDs of §3.12, each decided in this file.
pub(crate) const RULES: &[&str] = &["PF-PROJECT", "PF-ORDER", "PF-CHASE"];

impl Family for ProjectFiling {
    fn preset(&self) -> Preset {
        Preset::ProjectFiling
    }

    fn rules(&self) -> &'static [&'static str] {
        RULES
    }

    fn first_rule(&self) -> RuleId {
        rules::PF_PROJECT
    }

    fn identity_ok(&self, c: &CustomerInput) -> bool {
        c.project
    }

    fn own_act(&self, cx: &Ctx) -> Option<Decision> {
        Some(match &cx.cmd.act {
            Act::Register(a) => cx.pf_file(a),
            Act::SpotCheck(a) => cx.spot_check(&a.by),
            _ => return None,
        })
    }

    fn standing(&self, _cx: &Ctx, _view: &View, h: &Holding, relied: Vec<EventRef>) -> Standing {
        // PF-PROJECT: an accepted filing is its filer's with no end, subject to PF-ORDER.
        crate::engine::standing::mk_standing(
            h,
            h.party.clone(),
            Some(Until::None),
            true,
            crate::engine::standing::rule_of(&h.rule),
            relied,
        )
    }

    fn visit(&self, cx: &Ctx, a: &VisitArgs) -> Decision {
        cx.visit_generic(a)
    }

    fn deal(&self, cx: &Ctx, st: &Standing) -> Result<Attribution, Box<Decision>> {
        Ok(cx.deal_owner(st, None))
    }
}

/// Which PF-ORDER step decided a match, and for whom.
enum Order {
    Later(&'static str, &'static str),
    Earlier(&'static str, &'static str),
    Pending,
}

impl Ctx<'_> {
    /// Whether `p` was responsible for the customer before the current holding (an earlier
    /// holding, or a deal closed or credited to them).
    fn previously_responsible(&self, view: &View, p: &Party, before: i64) -> bool {
        view.events.iter().any(|e| {
            let held = e.seq < before
                && e.effects.iter().any(|x| {
                    matches!(x, Effect::Holder { party, .. } | Effect::Reassigned { party, .. } if party == p)
                });
            let dealt = e.verdict.outcome == Outcome::Accepted
                && matches!(&e.act, Act::Deal(d)
                    if d.closed_by.as_ref().is_some_and(|c| &self.party(c) == p)
                        || e.verdict.credited.as_ref() == Some(p));
            held || dealt
        })
    }

    fn territory(&self, s: &StaffId) -> Option<&str> {
        self.dir.get(s).and_then(|x| x.region.as_deref())
    }

    fn pf_file(&self, a: &act::Register) -> Decision {
        let by = &a.by;
        let party = self.party(by);
        let st = self.standing(self.view.as_ref());
        let done = |v: Verdict, eff: Vec<Effect>| Decision {
            verdict: v,
            effects: eff,
            target: self.target(),
        };
        if !matches!(a.channel, Channel::Email | Channel::Online) {
            let v = self.verdict(
                Outcome::Invalid,
                rules::PF_PROJECT,
                "备案一律通过电子邮件（或系统在线）报工作站，口头、电话、现场报备无效 (a filing is made by e-mail or online only; an oral, phone or on-site filing is invalid)",
            );
            return Decision {
                verdict: v,
                effects: vec![],
                target: crate::engine::Target::None,
            };
        }
        if self.presence(by) == Presence::Left {
            return done(
                self.reject(
                    &st,
                    rules::SEC_LEAVE,
                    "已离职的业务员不能再备案 (a departed salesperson cannot file)",
                ),
                vec![],
            );
        }
        let managers = self.post_parties(Post::MarketingManager);
        let is_project = a.customer.project;
        // PF-ORDER decides a match with another salesperson's filing; a customer the company
        // (or a team, or the department) holds is filed like a new one.
        if st.protected && st.owner != party && matches!(st.owner, Party::Staff(_)) {
            let d = done(self.pf_order(a, &st, &managers), vec![]);
            if d.verdict.outcome == Outcome::Accepted {
                if let Some(v) = self.over_cap(&party, &st) {
                    return done(v, vec![]);
                }
            }
            return d.with_effects(|v| self.pf_takeover_effects(v, &party));
        }
        if !(st.protected && st.owner == party) {
            if let Some(v) = self.over_cap(&party, &st) {
                return done(v, vec![]);
            }
        }
        let eff = vec![holder(&party, rules::PF_PROJECT)];
        let reason = if is_project {
            "项目备案已受理，立即上报总经理和营销副总 (project filed; reported at once to the general manager and the marketing VP)"
        } else {
            "客户备案已受理，由工作站汇总每周上报 (customer filed; the office reports it in the weekly summary)"
        };
        let mut v = self.settle(
            self.verdict(Outcome::Accepted, rules::PF_PROJECT, reason),
            &eff,
        );
        if is_project {
            for s in self
                .dir
                .staff
                .iter()
                .filter(|s| s.role == Role::Vp && !s.left)
            {
                let p = s.party();
                if !v.notify.contains(&p) {
                    v.notify.push(p);
                }
            }
        }
        done(v, eff)
    }

    /// The effects of a PF-ORDER verdict: the later filer takes the customer over when accepted.
    fn pf_takeover_effects(&self, v: &Verdict, party: &Party) -> Vec<Effect> {
        if v.outcome == Outcome::Accepted {
            vec![holder(party, rules::PF_ORDER)]
        } else {
            vec![]
        }
    }

    /// PF-ORDER: a match decided at once, in its order.
    fn pf_order(&self, a: &act::Register, st: &Standing, managers: &[Party]) -> Verdict {
        let by = &a.by;
        let Party::Staff(earlier) = &st.owner else {
            return self.collision_rejected(st, rules::PF_ORDER);
        };
        // The customer's region: this filing's, else the latest an earlier filing gave.
        let earlier_region = self.view.as_ref().and_then(|v| {
            v.events.iter().rev().find_map(|e| match &e.act {
                Act::Register(r) if e.verdict.outcome != Outcome::Invalid => r.region.clone(),
                _ => None,
            })
        });
        let region = a.region.as_deref().or(earlier_region.as_deref());
        let x_has = region.is_some() && self.territory(earlier) == region;
        let y_has = region.is_some() && self.territory(by) == region;
        let view = self.view.as_ref();
        let since = st.holding.as_ref().map(|h| h.seq).unwrap_or(i64::MAX);
        let y_prev = view.is_some_and(|v| self.previously_responsible(v, &self.party(by), since));
        let x_prev = view.is_some_and(|v| self.previously_responsible(v, &st.owner, since));
        let order = if x_has != y_has {
            if y_has {
                Order::Later(
                    "(1) 客户在其业务归属地",
                    "(1) the customer is in their territory",
                )
            } else {
                Order::Earlier(
                    "(1) 客户在原备案人的业务归属地",
                    "(1) the customer is in the earlier filer's territory",
                )
            }
        } else if y_prev && !x_prev {
            Order::Later(
                "(2) 尊重原业务关系：后备案人曾负责该客户",
                "(2) the later filer was previously responsible for it",
            )
        } else if x_prev && !y_prev {
            Order::Earlier(
                "(2) 尊重原业务关系：原备案人曾负责该客户",
                "(2) the earlier filer was previously responsible for it",
            )
        } else if region.is_none() || (x_has && y_has) {
            Order::Earlier(
                "(3) 无划定归属地，先到先得",
                "(3) no territory decides: the earlier filing wins",
            )
        } else {
            Order::Pending
        };
        let ename = self.name_of(earlier);
        let mut v = match order {
            Order::Later(zh, en) => {
                let mut v = self.verdict(
                    Outcome::Accepted,
                    rules::PF_ORDER,
                    format!("备案撞单，按{zh}，客户改归后备案人 (filings match: by {en}, the later filer takes the customer over)"),
                );
                v.owner = Some(self.party(by));
                v.protected_until = Some(Until::None);
                v.notify.push(st.owner.clone());
                v
            }
            Order::Earlier(zh, en) => {
                let mut v = self.reject(
                    st,
                    rules::PF_ORDER,
                    format!("备案撞单，按{zh}，客户仍归{} (filings match: by {en}, the customer stays with {ename})", zh_text(&ename)),
                );
                v.collision = true;
                v
            }
            Order::Pending => {
                let v = self.with_standing(
                    self.verdict(
                        Outcome::Pending,
                        rules::PF_ORDER,
                        "备案撞单，客户所在地不属于任何一方的业务归属地：由市场管理部经理按成效裁定 (filings match in a region that is neither filer's: the marketing-management manager decides by who is likelier to close)",
                    ),
                    st,
                );
                let mut v = self.open_dispute(v, rules::PF_ORDER, vec![]);
                v.rule = rules::PF_ORDER.0.into();
                v
            }
        };
        for m in managers {
            if !v.notify.contains(m) {
                v.notify.push(m.clone());
            }
        }
        v
    }

    /// PF-CHASE: the chaser checks that the owner keeps the grade's contact frequency.
    fn spot_check(&self, by: &StaffId) -> Decision {
        let st = self.standing(self.view.as_ref());
        let done = |v: Verdict| Decision {
            verdict: v,
            effects: vec![],
            target: self.target_or_none(),
        };
        if !self.has_post(by, Post::Chaser) {
            return done(self.reject(
                &st,
                rules::PF_CHASE,
                "只有市场管理部的催办员才能抽查备案 (only the marketing-management chaser spot-checks filings)",
            ));
        }
        let (Some(view), Party::Staff(owner), Some(h)) =
            (self.view.as_ref(), &st.owner, st.holding.as_ref())
        else {
            return done(self.reject(
                &st,
                rules::PF_CHASE,
                "该客户没有有效备案 (the customer has no filing to check)",
            ));
        };
        let g = crate::engine::followup::grade_of(view, &self.params.default_grade);
        let days = self.params.grade_days.get(&g).copied().unwrap_or(30);
        let last = view
            .events
            .iter()
            .filter(|e| matches!(&e.act, Act::Contact(c) if &c.by == owner))
            .map(|e| e.at)
            .max()
            .unwrap_or(h.since)
            .max(h.since);
        let due = add_days(last, days);
        let name = self.name_of(owner);
        let mut v = self.with_standing(
            self.verdict(
                Outcome::Accepted,
                rules::PF_CHASE,
                format!(
                    "抽查：{g} 类客户每 {days} 天至少联系一次，最近一次 {}，下次应在 {} 前，联系频率合格 (spot check: a grade {g} customer is contacted every {days} days; last {}, next due {}; kept)",
                    format_local(last),
                    format_local(due),
                    format_local(last),
                    format_local(due)
                ),
            ),
            &st,
        );
        if self.now >= due {
            v.reason = format!(
                "抽查：{g} 类客户每 {days} 天至少联系一次，{}最近一次联系是 {}，已逾期；上报，不取消备案 (spot check: a grade {g} customer is contacted every {days} days; {name} last contacted it {}: overdue, reported; the filing stands)",
                zh_text(&name),
                format_local(last),
                format_local(last)
            );
            v.violations.push(self.violation(
                owner,
                rules::PF_CHASE,
                None,
                format!(
                    "未按客户等级 {g} 的频率联系（最近一次 {}） (did not keep grade {g}'s contact frequency (last {}))",
                    format_local(last),
                    format_local(last)
                ),
            ));
        }
        done(v)
    }
}

/// A decision whose effects follow from its verdict.
trait WithEffects {
    fn with_effects(self, f: impl FnOnce(&Verdict) -> Vec<Effect>) -> Self;
}

impl WithEffects for Decision {
    fn with_effects(mut self, f: impl FnOnce(&Verdict) -> Vec<Effect>) -> Decision {
        self.effects = f(&self.verdict);
        self
    }
}
