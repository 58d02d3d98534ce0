//! Follow-ups (RULES.md §6: FUP-GRADE, FUP-DUE): a customer's grade sets how often its owner
//! contacts it; a customer is overdue from the owner's latest logged contact plus the grade's
//! interval, and due from `due_days` before. Being overdue is only reported: nothing is forfeited
//! here (TR-ACTIVE, DS-CADENCE and CM-LAPSE forfeit by their own rules).

use super::{Context, Ctx, Decision};
use crate::model::{Act, Party, StaffId};
use crate::rules;
use crate::state::View;
use crate::time::{add_days, format_local, Instant};
use crate::verdict::Outcome;

/// Where a customer stands in its owner's follow-ups.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FollowUp {
    pub owner: StaffId,
    pub grade: String,
    pub interval_days: i64,
    /// The owner's latest logged contact (or the claim, before any contact).
    pub last: Instant,
    /// Due from this instant (FUP-DUE).
    pub due_from: Instant,
    /// Overdue from this instant: the end of the grade's window from `last` (G-TIME).
    pub overdue_at: Instant,
}

impl FollowUp {
    pub fn overdue(&self, now: Instant) -> bool {
        now >= self.overdue_at
    }

    pub fn due(&self, now: Instant) -> bool {
        now >= self.due_from
    }
}

/// The customer's grade: the latest one given (a `grade`, a filing's `grade`), else the
/// rulebook's default.
pub fn grade_of(view: &View, default: &str) -> String {
    view.events
        .iter()
        .rev()
        .find_map(|e| match &e.act {
            Act::GradeAct(g) if e.verdict.outcome == Outcome::Accepted => Some(g.grade.clone()),
            Act::Register(r) if e.verdict.outcome != Outcome::Invalid => r.grade.clone(),
            _ => None,
        })
        .unwrap_or_else(|| default.to_string())
}

/// The follow-up of a record held by a salesperson at `now`; none for a customer nobody
/// (no person) holds, or a grade the rulebook does not list.
pub fn follow_up(ctx: &Context, view: &View, now: Instant) -> Option<FollowUp> {
    let st = super::due::standing_at(ctx, view, now)?;
    let (true, Party::Staff(owner), Some(h)) = (st.protected, &st.owner, st.holding.as_ref())
    else {
        return None;
    };
    let rb = ctx.rulebook?;
    let grade = grade_of(view, &rb.params.default_grade);
    let days = *rb.params.grade_days.get(&grade)?;
    let last = view
        .events
        .iter()
        .filter(|e| matches!(&e.act, Act::Contact(c) if &c.by == owner))
        .map(|e| e.at)
        .max()
        .unwrap_or(h.since)
        .max(h.since);
    let overdue_at = add_days(last, days);
    Some(FollowUp {
        owner: owner.clone(),
        grade,
        interval_days: days,
        last,
        due_from: add_days(overdue_at, -rb.params.due_days),
        overdue_at,
    })
}

/// FUP-NEXT: the next visit booked (the latest contact's booking) and the promises not yet kept,
/// with the instant each was made.
pub fn next_and_promises(view: &View) -> (Option<Instant>, Vec<(String, Instant)>) {
    let mut next = None;
    let mut open: Vec<(String, Instant)> = Vec::new();
    for e in &view.events {
        match &e.act {
            Act::Contact(c) if e.verdict.outcome == Outcome::Accepted => {
                if c.next_at.is_some() {
                    next = c.next_at;
                }
                if let Some(p) = c
                    .promise
                    .as_deref()
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                {
                    open.push((p.to_string(), e.at));
                }
            }
            Act::Kept(k) if e.verdict.outcome == Outcome::Accepted => {
                if let Some(i) = open.iter().position(|(p, _)| p == k.promise.trim()) {
                    open.remove(i);
                }
            }
            _ => {}
        }
    }
    (next, open)
}

impl Ctx<'_> {
    /// FUP-NEXT: a promise made to the customer is marked kept.
    pub(crate) fn kept(&self) -> Decision {
        let Act::Kept(k) = &self.cmd.act else {
            unreachable!("dispatched on kept")
        };
        let st = self.standing(self.view.as_ref());
        let open = self
            .view
            .as_ref()
            .map(|v| next_and_promises(v).1)
            .unwrap_or_default();
        let v = if open.iter().any(|(p, _)| p == k.promise.trim()) {
            self.with_standing(
                self.verdict(
                    Outcome::Accepted,
                    rules::FUP_NEXT,
                    format!(
                        "承诺已兑现：{} (promise kept: {})",
                        super::zh_text(k.promise.trim()),
                        k.promise.trim()
                    ),
                ),
                &st,
            )
        } else {
            self.reject(
                &st,
                rules::FUP_NEXT,
                format!(
                    "没有未兑现的承诺「{}」 (no open promise {:?})",
                    super::zh_text(k.promise.trim()),
                    k.promise.trim()
                ),
            )
        };
        Decision {
            verdict: v,
            effects: vec![],
            target: self.target_or_none(),
        }
    }

    /// A grade the rulebook does not list: the refusal (FUP-GRADE).
    pub(crate) fn unknown_grade(&self) -> Option<crate::verdict::Verdict> {
        let g = match &self.cmd.act {
            Act::Register(r) => r.grade.as_ref()?,
            Act::GradeAct(g) => &g.grade,
            _ => return None,
        };
        if self.params.grade_days.contains_key(g) {
            return None;
        }
        let known: Vec<&str> = self.params.grade_days.keys().map(String::as_str).collect();
        Some(self.verdict(
            Outcome::Invalid,
            rules::FUP_GRADE,
            format!(
                "没有「{}」这个客户等级；本项目的等级：{} (no grade {g}; this project's grades: {})",
                super::zh_text(g),
                known.join("、"),
                known.join(", ")
            ),
        ))
    }

    /// FUP-GRADE: the owner (or a manager) grades the customer; the grade sets its contact
    /// interval.
    pub(crate) fn grade(&self) -> Decision {
        let Act::GradeAct(g) = &self.cmd.act else {
            unreachable!("dispatched on grade")
        };
        let st = self.standing(self.view.as_ref());
        let done = |v| Decision {
            verdict: v,
            effects: vec![],
            target: self.target_or_none(),
        };
        if self.view.is_none() {
            return done(self.verdict(
                Outcome::Rejected,
                rules::FUP_GRADE,
                "查无此客户 (no such customer)",
            ));
        }
        if st.owner != self.party(&g.by) && !self.is_manager(&g.by) {
            return done(self.reject(
                &st,
                rules::FUP_GRADE,
                "客户等级由归属人（或经理）设定 (the owner, or a manager, grades the customer)",
            ));
        }
        let days = self.params.grade_days.get(&g.grade).copied().unwrap_or(0);
        let mut v = self.with_standing(
            self.verdict(
                Outcome::Accepted,
                rules::FUP_GRADE,
                format!(
                    "客户定为 {} 类，至少每 {days} 天联系一次 (graded {}: contacted at least every {days} days)",
                    super::zh_text(&g.grade),
                    g.grade
                ),
            ),
            &st,
        );
        // The next follow-up under the new grade, in the reason.
        if let Some(view) = &self.view {
            let mut events = view.events.clone();
            events.push(crate::state::Event {
                seq: i64::MAX,
                project: self.cmd.project.clone(),
                at: self.now,
                customers: view.ids.clone(),
                act: self.cmd.act.clone(),
                verdict: v.clone(),
                effects: vec![],
            });
            let after = View::new(view.ids.clone(), events);
            let ctx = Context {
                directory: Some(self.dir),
                rulebook: Some(self.rb),
                project: self.project.clone(),
                ..Context::default()
            };
            if let Some(f) = follow_up(&ctx, &after, self.now) {
                v.reason = format!(
                    "客户定为 {} 类，至少每 {days} 天联系一次，下次应在 {} 前联系 (graded {}: contacted at least every {days} days; next before {})",
                    super::zh_text(&g.grade),
                    format_local(f.overdue_at),
                    g.grade,
                    format_local(f.overdue_at)
                );
            }
        }
        done(v)
    }
}
