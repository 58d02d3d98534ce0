//! `direct-sales`: self-sourced customers with a contact cadence (RULES.md §3.9, seed 003).
//!
//! Rules decided here: DS-SELF, DS-REGION, DS-CADENCE, DS-3MONTHS, DS-QUOTA.
//! The acts every family shares are in `engine`; this file holds what is this rulebook's own:
//! its standing (who owns a customer and until when), its visits, its deals.

use super::Family;
use crate::act;
use crate::engine::acts::*;
use crate::engine::deal::*;
use crate::engine::standing::*;
use crate::engine::{zh_text, Ctx, Decision, Standing};
use crate::model::*;
use crate::policy::Preset;
use crate::rules::{self, RuleId};
use crate::state::{Event, Holding, View};
use crate::time::*;
use crate::verdict::{EventRef, Outcome, Until, Verdict};

/// RULES.md §3.9.
pub(crate) struct DirectSales;

/// The rule IDs of §3.9, each decided in this file.
pub(crate) const RULES: &[&str] = &[
    "DS-SELF",
    "DS-REGION",
    "DS-CADENCE",
    "DS-3MONTHS",
    "DS-QUOTA",
];

impl Family for DirectSales {
    fn preset(&self) -> Preset {
        Preset::DirectSales
    }

    fn rules(&self) -> &'static [&'static str] {
        RULES
    }

    fn first_rule(&self) -> RuleId {
        rules::DS_3MONTHS
    }

    fn register_form(&self, cx: &Ctx, st: &Standing) -> Option<Verdict> {
        matches!(
            cx.cmd.act,
            Act::Register(act::Register { inbound: true, .. })
        )
        .then(|| {
            cx.reject(
                st,
                rules::DS_SELF,
                "只能备案自己开发的客户；来电客户不能备案 (only self-sourced customers may be filed; an inbound-call customer may not)",
            )
        })
    }

    fn before_claim(
        &self,
        cx: &Ctx,
        st: &Standing,
        _party: &Party,
        _lapsed: Option<&Party>,
    ) -> Option<Verdict> {
        let Act::Register(act::Register { by, region, .. }) = &cx.cmd.act else {
            return None;
        };
        let own = cx.dir.get(by).and_then(|s| s.region.as_deref())?;
        let r = region.as_deref()?;
        (own != r).then(|| {
            let v = cx
                .verdict(
                    Outcome::Pending,
                    rules::DS_REGION,
                    format!(
                        "跨区备案（{}→{}）须经经理批准 (filing across regions ({own} → {r}) needs the manager's approval)",
                        zh_text(own),
                        zh_text(r)
                    ),
                )
                .owner(Some(st.owner.clone()));
            cx.open_dispute(v, rules::DS_REGION, vec![])
        })
    }

    fn standing(&self, cx: &Ctx, view: &View, h: &Holding, relied: Vec<EventRef>) -> Standing {
        cx.standing_ds(view, h, relied)
    }

    /// DS-CADENCE: a filing month that ends short of contacts ends the filing then.
    fn checkpoint(&self, cx: &Ctx, _view: &View, h: &Holding) -> Option<Instant> {
        (1..=cx.params.filing_months.max(1) * 12)
            .map(|k| cx.end_months(h.since, k))
            .find(|t| *t > cx.now)
    }

    fn visit(&self, cx: &Ctx, a: &VisitArgs) -> Decision {
        cx.visit_generic(a)
    }

    fn deal(&self, cx: &Ctx, st: &Standing) -> Result<Attribution, Box<Decision>> {
        Ok(cx.deal_owner(st, None))
    }
}

impl Ctx<'_> {
    pub(crate) fn direct_sales_standing(
        &self,
        view: &View,
        h: &Holding,
        mut relied: Vec<EventRef>,
    ) -> Standing {
        let now = self.now;
        let p = &h.party;
        let f = h.since;
        let has_deal = view.acts("deal").any(|e| {
            e.at >= f
                && e.at
                    < self
                        .end_months(f, self.params.filing_months)
                        .max(self.extension(view, f).unwrap_or(f))
        });
        let end3 = if has_deal {
            None
        } else {
            Some(
                self.extension(view, f)
                    .unwrap_or_else(|| self.end_months(f, self.params.filing_months)),
            )
        };
        let contacts: Vec<&Event> = view
            .events
            .iter()
            .filter(|e| {
                matches!(&e.act, Act::Contact(act::Contact { by, .. }) if &self.party(by) == p)
                    && e.at >= f
            })
            .collect();
        push_latest(&mut relied, &contacts);
        let mk =
            |protected: bool, until: Option<Until>, rule: RuleId, relied: Vec<EventRef>| Standing {
                owner: if protected { p.clone() } else { Party::Pool },
                until: if protected { until } else { None },
                protected,
                rule,
                holding: Some(h.clone()),
                via: None,
                relied,
            };
        // DS-CADENCE: every month that has ended must have had its contacts.
        let mut k = 0i64;
        loop {
            let start = self.end_months(f, k);
            let end = self.end_months(f, k + 1);
            if end > now || end3.is_some_and(|e| start >= e) {
                break;
            }
            let n = contacts
                .iter()
                .filter(|e| e.at >= start && e.at < end)
                .count() as u32;
            let need = if k == 0 {
                self.params.first_month_contacts
            } else {
                self.params.later_month_contacts
            };
            if n < need && end3.is_none_or(|e| end <= e) {
                return mk(false, None, rules::DS_CADENCE, relied);
            }
            k += 1;
        }
        match end3 {
            Some(e) if now >= e => mk(false, None, rules::DS_3MONTHS, relied),
            Some(e) => mk(true, Some(Until::At(e)), rules::DS_CADENCE, relied),
            None => mk(true, Some(Until::None), rules::DS_CADENCE, relied),
        }
    }

    /// DS-3MONTHS: the latest extension granted after the filing.
    pub(crate) fn extension(&self, view: &View, since: Instant) -> Option<Instant> {
        view.acts("extend")
            .filter(|e| e.at >= since && e.verdict.outcome == Outcome::Accepted)
            .filter_map(|e| match &e.act {
                Act::Extend(act::Extend { until, .. }) => Some(*until),
                _ => None,
            })
            .last()
    }

    /// The standing of one holding at `now` (RULES.md §3.9).
    pub(crate) fn standing_ds(&self, view: &View, h: &Holding, relied: Vec<EventRef>) -> Standing {
        #[allow(unused_variables)]
        let (now, p) = (self.now, &h.party);
        #[allow(unused_variables)]
        let mk = |owner, until, protected, rule, relied| {
            mk_standing(h, owner, until, protected, rule, relied)
        };
        self.direct_sales_standing(view, h, relied)
    }
}
