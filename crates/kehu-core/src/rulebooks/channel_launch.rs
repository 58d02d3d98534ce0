//! `channel-launch`: pre-registration around a launch date (RULES.md §3.7, seed 003).
//!
//! Rules decided here: CL-PRE, CL-FORMAL, CL-LAUNCH, CL-AREA, CL-SILENT.
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
use crate::verdict::{EventRef, Outcome, Until, Verdict};

/// RULES.md §3.7.
pub(crate) struct ChannelLaunch;

/// The rule IDs of §3.7, each decided in this file.
pub(crate) const RULES: &[&str] = &["CL-PRE", "CL-FORMAL", "CL-LAUNCH", "CL-AREA", "CL-SILENT"];

impl Family for ChannelLaunch {
    fn preset(&self) -> Preset {
        Preset::ChannelLaunch
    }

    fn rules(&self) -> &'static [&'static str] {
        RULES
    }

    fn first_rule(&self) -> RuleId {
        rules::CL_LAUNCH
    }

    fn silent(&self) -> bool {
        true
    }

    fn register_form(&self, cx: &Ctx, st: &Standing) -> Option<Verdict> {
        let Act::Register(act::Register {
            channel,
            kind,
            visit_at,
            signed,
            ..
        }) = &cx.cmd.act
        else {
            return None;
        };
        if *kind == RegKind::Pre {
            let Some(v) = visit_at else {
                return Some(cx.verdict(
                    Outcome::Invalid,
                    rules::CL_PRE,
                    "预报备须写明到访日期 (a pre-registration must declare its visit date (visit_at))",
                ));
            };
            if date_of(cx.now) >= date_of(*v) {
                return Some(cx.reject(
                    st,
                    rules::CL_PRE,
                    "预报备须在到访日之前（至少提前一天）发出 (a pre-registration must be sent on an earlier date than its visit)",
                ));
            }
            return Some(cx.with_standing(
                cx.verdict(
                    Outcome::Accepted,
                    rules::CL_PRE,
                    "预报备已登记，仅作凭证，不产生归属 (pre-registration recorded as evidence; it gives no ownership)",
                ),
                st,
            ));
        }
        if !*signed {
            return Some(cx.verdict(
                Outcome::Invalid,
                rules::CL_FORMAL,
                "正式报备须有客户签字 (a formal registration needs the customer's signature)",
            ));
        }
        (*channel != Channel::Site).then(|| {
            cx.reject(
                st,
                rules::CL_FORMAL,
                "正式报备须在现场办理；没有正式报备就没有归属 (a formal registration happens on site; without it there is no claim)",
            )
        })
    }

    fn pre_registration_claims(&self) -> bool {
        false
    }

    fn missing_phone_rule(&self, act: &Act) -> RuleId {
        match act {
            Act::Register(act::Register {
                kind: RegKind::Pre, ..
            }) => rules::CL_PRE,
            _ => rules::G_PHONE,
        }
    }

    fn standing(&self, cx: &Ctx, view: &View, h: &Holding, relied: Vec<EventRef>) -> Standing {
        cx.standing_cl(view, h, relied)
    }

    fn visit(&self, cx: &Ctx, a: &VisitArgs) -> Decision {
        cx.visit_generic(a)
    }

    fn deal(&self, cx: &Ctx, st: &Standing) -> Result<Attribution, Box<Decision>> {
        Ok(cx.deal_cl(st))
    }
}

impl Ctx<'_> {
    /// §3.7 channel-launch.
    pub(crate) fn deal_cl(&self, st: &super::Standing) -> Attribution {
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
                    Act::Register(act::Register {
                        region: Some(r),
                        by,
                        ..
                    }) if self.party(by) == st.owner => Some(r.as_str()),
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

    /// The parties who brought the customer on site while it was another's (CL-SILENT kept
    /// them silent), with the credited party first; empty when there were none.
    pub(crate) fn silent_collisions(&self, credited: &Party) -> Vec<Party> {
        let Some(view) = self.view.as_ref() else {
            return Vec::new();
        };
        let mut out: Vec<Party> = Vec::new();
        for e in &view.events {
            if let Act::Visit(act::Visit {
                brought_by: Some(b),
                ..
            }) = &e.act
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

    /// The standing of one holding at `now` (RULES.md §3.7).
    pub(crate) fn standing_cl(
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
        let regs = self.registrations(view, p);
        let r = latest(&regs).unwrap_or(h.since).max(h.since);
        let until = match self.params.launch_date {
            Some(l) if crate::time::date_of(r) < l => l.tomorrow().map(start_of_day).unwrap_or(r),
            _ => self.end(r, Length::Days(self.params.after_launch_days)),
        };
        push_latest(&mut relied, &regs);
        mk(
            p.clone(),
            Some(Until::At(until)),
            now < until,
            rules::CL_LAUNCH,
            relied,
        )
    }
}
