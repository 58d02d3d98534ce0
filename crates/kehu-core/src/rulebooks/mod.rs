//! The rulebook families of RULES.md §3, one file each: a family's own rules (its standing, its
//! visits, its deals, its parameters' meaning) live in its file, with the rule IDs it decides at
//! its top; the acts every family shares are in `engine`. The registry below is exhaustive: a new
//! preset does not compile until its family is written.

use crate::engine::acts::VisitArgs;
use crate::engine::deal::Attribution;
use crate::engine::{Ctx, Decision, Standing};
use crate::model::{Party, StaffId};
use crate::policy::Preset;
use crate::rules::RuleId;
use crate::state::{Holding, View};
use crate::verdict::EventRef;
use crate::verdict::Verdict;

mod b2b_protection;
mod channel_distribution;
mod channel_launch;
mod channel_sms;
mod direct_sales;
mod first_reception;
mod site_rotation;
mod store_registration;
mod team_registration;

/// What a rulebook family decides itself.
pub(crate) trait Family: Sync {
    fn preset(&self) -> Preset;

    /// The rule IDs of its section of RULES.md.
    fn rules(&self) -> &'static [&'static str];

    /// The rule that grants a first claim.
    fn first_rule(&self) -> RuleId;

    /// CL-SILENT: no collision or dispute notice before signing.
    fn silent(&self) -> bool {
        false
    }

    /// The rule that refuses a departed salesperson's registration.
    fn leaver_rule(&self) -> RuleId {
        crate::rules::SEC_LEAVE
    }

    /// The rulebook's rules about a registration's own form and timing (a channel, a lead time,
    /// required fields, a signature): the verdict when they refuse it.
    fn register_form(&self, _cx: &Ctx, _st: &Standing) -> Option<Verdict> {
        None
    }

    /// A registration colliding with another party's valid claim, where the rulebook decides more
    /// than the plain refusal citing the protecting rule (TR: consent, the same day).
    fn collision(&self, _cx: &Ctx, _st: &Standing, _by: &StaffId) -> Option<Decision> {
        None
    }

    /// The holder registering again while protected: the verdict when the rulebook refuses it.
    fn renewal(&self, _cx: &Ctx, _st: &Standing, _party: &Party) -> Option<Verdict> {
        None
    }

    /// A registration of a customer nobody holds (or whose claim lapsed): the verdict when the
    /// rulebook does not simply accept it (a dispute, an event, a region, a lapse of one's own).
    fn before_claim(
        &self,
        _cx: &Ctx,
        _st: &Standing,
        _party: &Party,
        _lapsed: Option<&Party>,
    ) -> Option<Verdict> {
        None
    }

    /// The rule an accepted claim is held under: the first rule, or after a lapse the rule that
    /// protected the lapsed claim.
    fn claim_rule(&self, cx: &Ctx, st: &Standing, lapsed: bool) -> RuleId {
        if lapsed {
            st.rule
        } else {
            cx.first_rule()
        }
    }

    /// Who owns the customer of this holding at `now`, until when, under which rule.
    fn standing(&self, cx: &Ctx, view: &View, h: &Holding, relied: Vec<EventRef>) -> Standing;

    /// A customer's visit: who receives, and what it does to the claim.
    fn visit(&self, cx: &Ctx, a: &VisitArgs) -> Decision;

    /// A signed deal: who is credited and how the bonus splits (or a decision of its own, such as
    /// a dispute opened).
    fn deal(&self, cx: &Ctx, st: &Standing) -> Result<Attribution, Box<Decision>>;
}

/// The family of a preset.
pub(crate) fn family(p: Preset) -> &'static dyn Family {
    match p {
        Preset::SiteRotation => &site_rotation::SiteRotation,
        Preset::SiteFirstReception => &first_reception::SiteFirstReception,
        Preset::TeamRegistration => &team_registration::TeamRegistration,
        Preset::StoreRegistration => &store_registration::StoreRegistration,
        Preset::ChannelSms => &channel_sms::ChannelSms,
        Preset::ChannelDistribution => &channel_distribution::ChannelDistribution,
        Preset::ChannelLaunch => &channel_launch::ChannelLaunch,
        Preset::B2bProtection => &b2b_protection::B2bProtection,
        Preset::DirectSales => &direct_sales::DirectSales,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each family names exactly the rule IDs of its section of RULES.md, and every preset has
    /// its family.
    #[test]
    fn each_family_holds_its_sections_rules() {
        for p in Preset::ALL {
            let f = family(p);
            assert_eq!(f.preset(), p);
            let section = crate::rules::CATALOGUE
                .iter()
                .find(|r| r.id == f.rules()[0])
                .map(|r| r.section)
                .unwrap_or_default();
            let want: Vec<&str> = crate::rules::CATALOGUE
                .iter()
                .filter(|r| r.section == section)
                .map(|r| r.id)
                .collect();
            assert_eq!(f.rules(), want.as_slice(), "{p:?}");
        }
    }
}
