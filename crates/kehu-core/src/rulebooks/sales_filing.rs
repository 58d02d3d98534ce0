//! `sales-filing`: salespeople file their customers and the department manager reviews each
//! filing (RULES.md §3.13, seed 003 业务员客户报备制度 and its 精华篇).
//!
//! Rules decided here: SF-FIELDS, SF-FIRST, SF-3DAYS, SF-REVIEW, SF-QUOTA, SF-ASSIGN, SF-TRIP.

use super::{DirectDecision, Family};
use crate::act;
use crate::engine::acts::{holder, VisitArgs};
use crate::engine::deal::Attribution;
use crate::engine::work::{at_hour, day_key, day_of, Missing, Note};
use crate::engine::{zh_text, Ctx, Decision, Standing};
use crate::model::{Act, ContactKind, CustomerInput, Party, Presence, Role, StaffId};
use crate::policy::Preset;
use crate::rules::{self, RuleId};
use crate::state::{Effect, Holding, ProjectChange, View};
use crate::time::{format_local, Counting};
use crate::verdict::{EventRef, Outcome, Until, Verdict};
use jiff::civil::Date;

/// RULES.md §3.13.
pub(crate) struct SalesFiling;

/// The rule IDs of §3.13, each decided in this file.
pub(crate) const RULES: &[&str] = &[
    "SF-FIELDS",
    "SF-FIRST",
    "SF-3DAYS",
    "SF-REVIEW",
    "SF-QUOTA",
    "SF-ASSIGN",
    "SF-TRIP",
];

impl Family for SalesFiling {
    fn preset(&self) -> Preset {
        Preset::SalesFiling
    }

    fn rules(&self) -> &'static [&'static str] {
        RULES
    }

    fn first_rule(&self) -> RuleId {
        rules::SF_FIRST
    }

    fn identity_ok(&self, _c: &CustomerInput) -> bool {
        true
    }

    fn required_on_form(&self, _agent: bool) -> &'static [&'static str] {
        &["name", "phone", "address", "needs"]
    }

    fn missing_phone_rule(&self, act: &Act) -> RuleId {
        match act {
            Act::Register(_) => rules::SF_FIELDS,
            _ => rules::G_PHONE,
        }
    }

    /// SF-FIELDS: name, a contact (phone or e-mail), location, needs and intent, and the company
    /// name of a company customer.
    fn required_fields(&self, cx: &Ctx, c: &CustomerInput) -> Option<Verdict> {
        if !matches!(cx.cmd.act, Act::Register(_)) {
            return None;
        }
        let blank = |f: &Option<String>| f.as_deref().is_none_or(|s| s.trim().is_empty());
        let mut missing: Vec<(&str, &str)> = Vec::new();
        if blank(&c.name) {
            missing.push(("客户名称", "name"));
        }
        if blank(&c.phone) && blank(&c.email) {
            missing.push(("联系方式（电话或邮箱）", "contact (phone or e-mail)"));
        }
        if blank(&c.address) {
            missing.push(("所在地", "location"));
        }
        if blank(&c.needs) {
            missing.push(("需求及意向", "needs and intent"));
        }
        if c.company.as_deref().is_some_and(|s| s.trim().is_empty()) {
            missing.push(("公司名称", "company name"));
        }
        (!missing.is_empty()).then(|| {
            let zh: Vec<&str> = missing.iter().map(|m| m.0).collect();
            let en: Vec<&str> = missing.iter().map(|m| m.1).collect();
            cx.verdict(
                Outcome::Invalid,
                rules::SF_FIELDS,
                format!(
                    "报备缺少{}，不予保护 (the filing lacks the customer's {}; it protects nothing)",
                    zh.join("、"),
                    en.join(", ")
                ),
            )
        })
    }

    fn own_act(&self, cx: &Ctx) -> Option<Decision> {
        Some(match &cx.cmd.act {
            Act::Register(a) => cx.sf_file(a),
            Act::Review(a) => cx.review(a),
            Act::TripReport(a) => cx.trip_report(a),
            Act::Contact(act::Contact { by, kind, .. }) => {
                let d = cx.contact();
                cx.with_points(d, by, *kind)
            }
            _ => return None,
        })
    }

    /// SF-ASSIGN: in the 精华篇 variant the leader names who works a filed project.
    fn direct_decision(
        &self,
        cx: &Ctx,
        owner: Option<&Party>,
        _former: Option<&Party>,
    ) -> Option<DirectDecision> {
        (!cx.params.review_filings && owner.is_some()).then(|| (rules::SF_ASSIGN, vec![], vec![]))
    }

    fn standing(&self, _cx: &Ctx, _view: &View, h: &Holding, relied: Vec<EventRef>) -> Standing {
        // SF-FIRST: a filing pending or approved holds the customer with no end.
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

    /// SF-TRIP: a salesperson out on a trip who made no report for the day.
    fn close_day(&self, cx: &Ctx, day: Date) -> (Vec<Missing>, Note) {
        if cx.now < at_hour(day, 21) {
            return (Vec::new(), Default::default());
        }
        let missing = cx
            .dir
            .staff
            .iter()
            .filter(|s| s.role == Role::Sales && cx.presence(&s.id) == Presence::Out)
            .map(|s| {
                let key = day_key(day, &format!("trip:{}", s.id));
                let v = cx.violation(
                    &s.id,
                    rules::SF_TRIP,
                    None,
                    format!("出差期间 {day} 未在 21:00 前向领导汇报当天工作 (on a business trip, no report of {day} to the leader before 21:00)"),
                );
                (key, v)
            })
            .collect();
        (missing, Default::default())
    }

    /// SF-QUOTA: a month's visit points short by the configured amount or more.
    fn close_month(&self, cx: &Ctx, month: Date) -> Vec<Missing> {
        let need = cx.params.quota_points;
        let limit = need.saturating_sub(cx.params.quota_shortfall);
        let m = &month.to_string()[..7];
        cx.dir
            .staff
            .iter()
            .filter(|s| s.role == Role::Sales && cx.presence(&s.id) != Presence::Left)
            .filter_map(|s| {
                let n = cx
                    .project
                    .points
                    .get(&points_key(&s.id, month))
                    .copied()
                    .unwrap_or(0);
                (n <= limit).then(|| {
                    let v = cx.violation(
                        &s.id,
                        rules::SF_QUOTA,
                        None,
                        format!("{m} 月拜访积分 {n} 分，要求 {need} 分：打扫办公室一次 ({m}: {n} visit points of the {need} required: clean the office once)"),
                    );
                    (day_key(month, &format!("quota:{}", s.id)), v)
                })
            })
            .collect()
    }

    fn close_rule(&self) -> RuleId {
        rules::SF_QUOTA
    }
}

/// The key of a salesperson's points in the month of `day` (SF-QUOTA).
pub(crate) fn points_key(s: &StaffId, day: Date) -> String {
    format!("{s}|{}", &day.first_of_month().to_string()[..7])
}

impl Ctx<'_> {
    fn sf_file(&self, a: &act::Register) -> Decision {
        let by = &a.by;
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
                    "已离职的业务员不能再报备客户 (a departed salesperson cannot file customers)",
                ),
                vec![],
            );
        }
        // SF-3DAYS: due within N working days of the first contact's date (or of a change).
        let mut violations = Vec::new();
        let start = a.changed_at.or_else(|| {
            self.view.as_ref().and_then(|v| {
                v.events
                    .iter()
                    .filter(|e| matches!(&e.act, Act::Contact(c) if &c.by == by))
                    .map(|e| e.at)
                    .min()
            })
        });
        if let Some(t) = start {
            let n = self.params.filing_workdays as u32;
            let due = self.rb.calendar.window_end(t, n, Counting::CalendarDays);
            if self.now >= due {
                violations.push(self.violation(
                    by,
                    rules::SF_3DAYS,
                    None,
                    format!(
                        "报备超过时限：应在 {} 之前（{}起 {n} 个工作日内）报备 (filed late: due before {}, {n} working days from {})",
                        format_local(due),
                        format_local(t),
                        format_local(due),
                        format_local(t)
                    ),
                ));
            }
        }
        // SF-FIRST: the earliest filing pending or approved holds; a late filing refused here is
        // still late (SF-3DAYS).
        if st.protected && st.owner != party {
            let mut v = self.collision_rejected_as(
                &st,
                rules::SF_FIRST,
                "撞单：该客户已由他人先报备（待审核或已通过），谁先报备算谁的 (collision (撞单): another salesperson filed the customer first (pending or approved); the first filing holds)",
            );
            v.violations = violations;
            return done(v, vec![]);
        }
        // DIST-CAP: a new filing that would take the filer over the cap.
        if !(st.protected && st.owner == party) {
            if let Some(mut v) = self.over_cap(&party, &st) {
                v.violations = violations;
                return done(v, vec![]);
            }
        }
        let reviewed = self.params.review_filings;
        let rule = if reviewed {
            rules::SF_REVIEW
        } else {
            rules::SF_ASSIGN
        };
        let eff = vec![holder(&party, rule)];
        let mut v = if reviewed {
            let v = self.verdict(
                Outcome::Pending,
                rules::SF_REVIEW,
                "报备已提交，待部门经理审核；审核前由报备人占位 (filed; waiting for the department manager's review, the filer holds the customer's place meanwhile)",
            );
            let mut v = self.open_dispute(v, rules::SF_REVIEW, vec![]);
            v.rule = rules::SF_REVIEW.0.into();
            v
        } else {
            self.verdict(
                Outcome::Accepted,
                rules::SF_ASSIGN,
                "报备已受理（精华篇：先报先得，由领导决定谁跟进） (filed and accepted: the first filing holds; the leader decides who works it)",
            )
        };
        v.violations = violations;
        let pending = v.outcome == Outcome::Pending;
        let dispute = v.dispute.clone();
        let mut v = self.settle(v, &eff);
        if pending {
            v.outcome = Outcome::Pending;
            v.dispute = dispute;
        }
        done(v, eff)
    }

    /// SF-REVIEW: the department manager approves or rejects a pending filing.
    fn review(&self, a: &act::Review) -> Decision {
        let st = self.standing(self.view.as_ref());
        let done = |v: Verdict, eff: Vec<Effect>| Decision {
            verdict: v,
            effects: eff,
            target: self.target_or_none(),
        };
        if !self.is_manager(&a.by) {
            return done(
                self.reject(
                    &st,
                    rules::SF_REVIEW,
                    "只有部门经理才能审核报备 (only the department manager reviews filings)",
                ),
                vec![],
            );
        }
        let open = self
            .view
            .as_ref()
            .and_then(View::open_dispute)
            .filter(|e| e.verdict.rule == rules::SF_REVIEW.0)
            .cloned();
        let Some(open) = open else {
            return done(
                self.reject(
                    &st,
                    rules::SF_REVIEW,
                    "该客户没有待审核的报备 (the customer has no filing waiting for review)",
                ),
                vec![],
            );
        };
        let filer = match &open.act {
            Act::Register(r) => self.party(&r.by),
            _ => st.owner.clone(),
        };
        // The filer's own department manager (the VP and the admin any department's).
        let other_team = self.role(&a.by) == Some(Role::Manager)
            && self.team_of(&self.party(&a.by)) != self.team_of(&filer);
        if other_team {
            return done(
                self.reject(
                    &st,
                    rules::SF_REVIEW,
                    "报备由报备人所在部门的经理审核 (the filer's own department manager reviews the filing)",
                ),
                vec![],
            );
        }
        // A correction of a filing already approved: its rejection leaves the approval standing
        // (SF-FIRST: an approved filing protects until a manager reassigns the customer).
        let approved_before = self.view.as_ref().is_some_and(|v| {
            v.events.iter().any(|e| {
                e.seq < open.seq
                    && e.verdict.outcome == Outcome::Accepted
                    && match &e.act {
                        Act::Review(r) => r.approve,
                        Act::Register(r) => self.party(&r.by) == filer,
                        _ => false,
                    }
            })
        });
        if a.approve {
            let mut v = self.verdict(
                Outcome::Accepted,
                rules::SF_REVIEW,
                "报备审核通过，客户归报备人 (filing approved: the customer is the filer's)",
            );
            v.relied_on.push(open.reference());
            if filer.is_notifiable() {
                v.notify.push(filer.clone());
            }
            let eff = vec![Effect::DisputeClosed];
            let v = self.settle(v, &eff);
            return done(v, eff);
        }
        let Some(reason) = a.reason.as_deref().filter(|r| !r.trim().is_empty()) else {
            return done(
                self.verdict(
                    Outcome::Invalid,
                    rules::SF_REVIEW,
                    "驳回报备须写明理由 (a rejection must give its reason)",
                ),
                vec![],
            );
        };
        if approved_before {
            let mut v = self.verdict(
                Outcome::Rejected,
                rules::SF_REVIEW,
                format!(
                    "修改的报备被驳回：{}；原已通过的报备仍然有效 (the corrected filing is rejected: {reason}; the approved filing stands)",
                    zh_text(reason)
                ),
            );
            v.relied_on.push(open.reference());
            if filer.is_notifiable() {
                v.notify.push(filer.clone());
            }
            let eff = vec![Effect::DisputeClosed];
            let mut v = self.settle(v, &eff);
            v.outcome = Outcome::Rejected;
            return done(v, eff);
        }
        let eff = vec![
            Effect::DisputeClosed,
            holder(&Party::Pool, rules::SF_REVIEW),
        ];
        let mut v = self.verdict(
            Outcome::Rejected,
            rules::SF_REVIEW,
            format!(
                "报备被驳回：{}；客户回归公海 (filing rejected: {reason}; the customer goes to the pool)",
                zh_text(reason)
            ),
        );
        v.relied_on.push(open.reference());
        if filer.is_notifiable() {
            v.notify.push(filer);
        }
        let mut v = self.settle(v, &eff);
        v.outcome = Outcome::Rejected;
        v.owner = Some(Party::Pool);
        v.protected_until = None;
        done(v, eff)
    }

    /// SF-TRIP: the day's report on a business trip, due before 21:00.
    fn trip_report(&self, a: &act::TripReport) -> Decision {
        if self.role(&a.by) != Some(Role::Sales) {
            let v = self.verdict(
                Outcome::Rejected,
                rules::SF_TRIP,
                "出差日报由出差的业务员汇报 (a salesperson on a trip makes the trip report)",
            );
            return self.plain(v, vec![]);
        }
        if !matches!(
            a.channel,
            crate::model::Channel::Sms | crate::model::Channel::Phone
        ) {
            let v = self.verdict(
                Outcome::Invalid,
                rules::SF_TRIP,
                "出差日报用短信或电话向领导汇报 (a trip report goes to the leader by SMS or phone)",
            );
            return self.plain(v, vec![]);
        }
        let day = a.day.unwrap_or_else(|| day_of(self.now));
        let due = at_hour(day, 21);
        let key = day_key(day, &format!("trip:{}", a.by));
        let mut v = self.verdict(
            Outcome::Accepted,
            rules::SF_TRIP,
            format!("{day} 出差日报已汇报 (trip report for {day} made)"),
        );
        if self.now >= due && !self.project.closed.contains(&key) {
            v.reason = format!(
                "{day} 出差日报在 21:00 之后才汇报，已记录给领导 (trip report for {day} made at or after 21:00; recorded for the leader)"
            );
            v.violations.push(self.violation(
                &a.by,
                rules::SF_TRIP,
                None,
                format!("{day} 出差日报晚于 21:00 (trip report for {day} after 21:00)"),
            ));
        }
        let eff = vec![self.project_change(ProjectChange::Closed(vec![key]))];
        self.plain(v, eff)
    }

    /// SF-QUOTA: a logged visit earns its salesperson a point, one per customer per day.
    fn with_points(&self, mut d: Decision, by: &StaffId, kind: ContactKind) -> Decision {
        if kind != ContactKind::Visit || d.verdict.outcome != Outcome::Accepted {
            return d;
        }
        let again = self.view.as_ref().is_some_and(|v| {
            v.events.iter().any(|e| {
                e.verdict.outcome == Outcome::Accepted
                    && self.same_day(e.at)
                    && matches!(&e.act, Act::Contact(c) if &c.by == by && c.kind == ContactKind::Visit)
            })
        });
        if again {
            return d;
        }
        let key = points_key(by, day_of(self.now));
        let n = self.project.points.get(&key).copied().unwrap_or(0) + 1;
        d.effects
            .push(self.project_change(ProjectChange::Points { key, n }));
        d
    }
}
