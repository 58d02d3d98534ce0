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
pub(crate) mod conference_marketing;
mod direct_sales;
mod first_reception;
pub(crate) mod home_decoration;
mod project_filing;
mod sales_filing;
mod site_rotation;
mod store_registration;
mod team_registration;

/// A manager's direct decision: its rule, violations and effects.
pub(crate) type DirectDecision = (
    RuleId,
    Vec<crate::verdict::Violation>,
    Vec<crate::state::Effect>,
);

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

    /// Whether the reception of a new customer is a claim (a visitor register entry).
    fn reception_claims(&self) -> bool {
        false
    }

    /// Whether new customers received during an event window wait for the manager (SR-EVENT).
    fn event_window_decides(&self) -> bool {
        false
    }

    /// The rule cited when a salesperson is marked as departed (SEC-LEAVE by default).
    fn departure_rule(&self) -> RuleId {
        crate::rules::SEC_LEAVE
    }

    /// The rule of a leaver's customers redistributed (DIST-RANDOM by default).
    fn reassign_rule(&self) -> RuleId {
        crate::rules::DIST_RANDOM
    }

    /// Whether `role` reassigns a leaver's customers (a manager by default).
    fn reassigns(&self, role: crate::model::Role) -> bool {
        role.is_manager()
    }

    /// The rule of an owner's consent for another party to register (G-CLAIM by default).
    fn consent_rule(&self) -> RuleId {
        crate::rules::G_CLAIM
    }

    /// The rule a deposit is recorded under, where the rulebook names one.
    fn deposit_rule(&self, _st: &Standing) -> Option<RuleId> {
        None
    }

    /// Whether a signed deal makes the credited party the customer's holder (SR-SIGNED).
    fn signing_holds(&self) -> bool {
        false
    }

    /// Whether a pre-registration is a claim (CL-PRE: evidence only).
    fn pre_registration_claims(&self) -> bool {
        true
    }

    /// Several valid claims on one customer (records found to be one): the standing that wins
    /// and the rule it cites (BP-OVERLAP, CD-FIRST); by default the earliest, citing its rule.
    fn overlap(&self, _cx: &Ctx, _view: &View, valid: &[&Standing]) -> Option<Standing> {
        valid.first().map(|s| (*s).clone())
    }

    /// A customer's fields the rulebook requires on this act (ST-FIELDS): the refusal.
    fn required_fields(&self, _cx: &Ctx, _c: &crate::model::CustomerInput) -> Option<Verdict> {
        None
    }

    /// The rule a claim on a signed deal is decided under (TR-CLAIM3; SR-QUARREL under
    /// site-rotation, where a quarrel over a signed deal goes to the department).
    fn after_signing_rule(&self) -> RuleId {
        crate::rules::TR_CLAIM3
    }

    /// The fields a registration form must ask for under this rulebook (`phone`, `name`,
    /// `address`, `visit_at`), for an agent's form or a staff member's: what the rules above
    /// refuse a registration without.
    fn required_on_form(&self, _agent: bool) -> &'static [&'static str] {
        &["phone"]
    }

    /// The rule cited when the customer has no phone (the rule that requires one).
    fn missing_phone_rule(&self, _act: &crate::model::Act) -> RuleId {
        crate::rules::G_PHONE
    }

    /// The rule of a visit confirmation (来访确认单); G-PHONE where the rulebook has none.
    fn confirm_rule(&self) -> RuleId {
        crate::rules::G_PHONE
    }

    /// Whether a confirmation also needs a manager's signature (CD-CONFIRM).
    fn confirm_needs_manager(&self) -> bool {
        false
    }

    /// The rulebook's own checks of a well-signed confirmation by `party`, before the claim is
    /// looked at (CD: inconsistent with the registration; CS: signed on a later day).
    fn confirm_check(&self, _cx: &Ctx, _st: &Standing, _party: &Party) -> Option<Decision> {
        None
    }

    /// The rule citing a confirmation refused because another party holds the customer.
    fn confirm_collision_rule(&self, _cx: &Ctx, st: &Standing) -> RuleId {
        st.rule
    }

    /// A confirmation of a customer nobody holds: the refusal, where the rulebook needs an
    /// earlier registration (CD-PRE).
    fn confirm_unowned(&self, _cx: &Ctx, _st: &Standing) -> Option<Verdict> {
        None
    }

    /// The rule a confirmation of a customer nobody holds claims it under.
    fn confirm_claim_rule(&self, _cx: &Ctx, _st: &Standing, _party: &Party) -> RuleId {
        self.confirm_rule()
    }

    /// A follow-up logged by `party`: the refusal, where the rulebook gives it no standing
    /// (ST-UNREGISTERED).
    fn contact_refused(&self, _cx: &Ctx, _st: &Standing, _party: &Party) -> Option<Verdict> {
        None
    }

    /// The rule a follow-up is logged under, where the rulebook names one (BP-VISIT).
    fn contact_rule(&self, _cx: &Ctx, _st: &Standing, _party: &Party) -> Option<RuleId> {
        None
    }

    /// A claim after signing (`claim`) by `party` of the `deal`: the rulebook's decision where
    /// it has one (SR-QUARREL, TR-CLAIM3).
    fn claim_after_signing(
        &self,
        _cx: &Ctx,
        _deal: &crate::state::Event,
        _party: &Party,
    ) -> Option<Decision> {
        None
    }

    /// A manager's decision with no dispute open, where the rulebook gives the manager one: its
    /// rule, the violations it records and its effects (SR-QUARREL, ST-FAKE).
    fn direct_decision(
        &self,
        _cx: &Ctx,
        _owner: Option<&Party>,
        _former: Option<&Party>,
    ) -> Option<DirectDecision> {
        None
    }

    /// The rulebook's own acts (§3.10–§3.13: dispatch, lists, reviews …), and its own reading of a
    /// shared one (a lead, a distribution, a close); `None` hands the act to the shared handler,
    /// or refuses it as having no meaning here (G-SCOPE).
    fn own_act(&self, _cx: &Ctx) -> Option<Decision> {
        None
    }

    /// Whether a customer without a phone, identified as a project or by e-mail, is accepted.
    fn identity_ok(&self, _c: &crate::model::CustomerInput) -> bool {
        false
    }

    /// The party a lead is held by until it is handed out, and the rule that says so.
    fn lead_holder(&self) -> (Party, RuleId) {
        (Party::Pool, crate::rules::DIST_EVEN)
    }

    /// POOL-RETURN: whether a protection that ends sends the customer to the pool (a returned
    /// customer is recorded at that instant). Not where the customer stays with its owner
    /// (CM-LAPSE).
    fn returns_to_pool(&self) -> bool {
        true
    }

    /// An instant before the protection's end at which the standing may change without an act
    /// (DS-CADENCE: the end of each filing month), for the scheduler to look again.
    fn checkpoint(&self, _cx: &Ctx, _view: &View, _h: &Holding) -> Option<crate::time::Instant> {
        None
    }

    /// Whether `by` may settle the customer's open dispute (a manager by default).
    fn may_resolve(&self, cx: &Ctx, by: &StaffId) -> bool {
        cx.is_manager(by)
    }

    /// The rule a distribution of leads cites.
    fn distribute_rule(&self) -> RuleId {
        crate::rules::DIST_EVEN
    }

    /// Whether a batch's leads go by default to the staff of the division that collected them.
    fn distribute_within_team(&self) -> bool {
        false
    }

    /// The rule a close cites when nothing is missing.
    fn close_rule(&self) -> RuleId {
        crate::rules::G_VIOLATION
    }

    /// What was due on `day` and is missing (CM-CUTOFF, SF-TRIP), with a note for the reason.
    fn close_day(
        &self,
        _cx: &Ctx,
        _day: jiff::civil::Date,
    ) -> (Vec<crate::engine::work::Missing>, crate::engine::work::Note) {
        (Vec::new(), Default::default())
    }

    /// What was due in the month starting `month` and is missing (SF-QUOTA).
    fn close_month(
        &self,
        _cx: &Ctx,
        _month: jiff::civil::Date,
    ) -> Vec<crate::engine::work::Missing> {
        Vec::new()
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
        Preset::ConferenceMarketing => &conference_marketing::ConferenceMarketing,
        Preset::HomeDecoration => &home_decoration::HomeDecoration,
        Preset::ProjectFiling => &project_filing::ProjectFiling,
        Preset::SalesFiling => &sales_filing::SalesFiling,
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
