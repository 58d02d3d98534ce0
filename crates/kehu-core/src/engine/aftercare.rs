//! After the sale and around it (§6): return visits after delivery (FUP-RETURN), the stale list
//! (FUP-STALE), the visit feedback form and the December needs survey (FUP-NEXT), and the A and B
//! customers' tracking sheet (FUP-GRADE). All are records and reports: none changes ownership.

use super::followup::grade_of;
use super::pipeline::reached;
use super::{Ctx, Decision};
use crate::act::{ReturnKind, ReturnVisit, Stage};
use crate::model::{Act, DepositKind};
use crate::rules;
use crate::state::View;
use crate::time::{add_months, date_of, Instant};
use crate::verdict::{Outcome, Verdict};

/// One return-visit period after delivery: `[from, until)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: Instant,
    pub until: Instant,
    pub visited: bool,
}

/// The record's return-visit schedule (FUP-RETURN): its delivery, the periods begun by `now`
/// (monthly for the first 12 months, then every 3 months), each with whether it had a visit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Returns {
    pub delivered: Instant,
    pub periods: Vec<Period>,
}

impl Returns {
    /// Periods that ended without a return visit.
    pub fn overdue(&self, now: Instant) -> Vec<Period> {
        self.periods
            .iter()
            .filter(|p| p.until <= now && !p.visited)
            .copied()
            .collect()
    }

    /// The period `now` is in.
    pub fn current(&self, now: Instant) -> Option<&Period> {
        self.periods.iter().find(|p| p.from <= now && now < p.until)
    }
}

/// 交付使用: an accepted `delivered` stage, or home-decoration's 完工.
pub fn delivered(view: &View) -> Option<Instant> {
    view.events.iter().find_map(|e| match &e.act {
        Act::StageAct(s)
            if e.verdict.outcome == Outcome::Accepted
                && matches!(s.stage, Stage::Delivered | Stage::Finished) =>
        {
            Some(e.at)
        }
        _ => None,
    })
}

/// The start of period `i` after delivery `d`: months 0..12, then every 3 months.
fn period_start(d: Instant, i: i64) -> Instant {
    if i <= 12 {
        add_months(d, i)
    } else {
        add_months(d, 12 + 3 * (i - 12))
    }
}

/// The return-visit schedule at `now`, if the customer was delivered.
pub fn returns(view: &View, now: Instant) -> Option<Returns> {
    let d = delivered(view)?;
    let visits = delivery_visits(view);
    let mut periods = Vec::new();
    let mut i = 0;
    // Forty years of quarters at most: the schedule of a record, never unbounded.
    while i < 12 + 160 {
        let from = period_start(d, i);
        if from > now {
            break;
        }
        let until = period_start(d, i + 1);
        let visited = visits.iter().any(|t| from <= *t && *t < until);
        periods.push(Period {
            from,
            until,
            visited,
        });
        i += 1;
    }
    Some(Returns {
        delivered: d,
        periods,
    })
}

/// The first return-visit period that has no visit and no `missed` recorded: at its end, if it
/// still has none, it is reported (FUP-RETURN). Periods are looked at from the delivery on, so a
/// server stopped for months reports each missed period once, with its own instant.
pub(crate) fn missed_due(view: &View) -> Option<super::due::Due> {
    let d = delivered(view)?;
    let visits: Vec<Instant> = delivery_visits(view);
    let reported: Vec<i64> = view
        .events
        .iter()
        .filter_map(|e| match &e.act {
            Act::Missed(m) => Some(m.until.as_millisecond()),
            _ => None,
        })
        .collect();
    (0..12 + 160).find_map(|i| {
        let (from, until) = (period_start(d, i), period_start(d, i + 1));
        let visited = visits.iter().any(|t| from <= *t && *t < until);
        (!visited && !reported.contains(&until.as_millisecond())).then_some(super::due::Due {
            kind: super::due::DueKind::Missed,
            at: until,
            until,
        })
    })
}

/// The `missed` act for a period ending at `due.until`, if it still had no visit by `at`.
pub(crate) fn fire_missed(
    view: &View,
    due: &super::due::Due,
    at: Instant,
    customer: crate::model::CustomerInput,
) -> Option<Act> {
    let r = returns(view, at)?;
    let p = r
        .periods
        .iter()
        .find(|p| p.until.as_millisecond() == due.until.as_millisecond())?;
    let reported = view
        .events
        .iter()
        .any(|e| matches!(&e.act, Act::Missed(m) if m.until.as_millisecond() == p.until.as_millisecond()));
    (!p.visited && p.until <= at && !reported).then_some(Act::Missed(crate::act::Missed {
        customer,
        from: p.from,
        until: p.until,
    }))
}

fn delivery_visits(view: &View) -> Vec<Instant> {
    view.events
        .iter()
        .filter(|e| {
            e.verdict.outcome == Outcome::Accepted
                && matches!(&e.act, Act::ReturnVisit(r) if r.kind == ReturnKind::Delivery)
        })
        .map(|e| e.at)
        .collect()
}

/// Which stale list a customer is on (FUP-STALE).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stale {
    /// Registered 3 months or more ago, unsigned, with a deposit, a design fee or a quote.
    Unsigned,
    /// Measured (assigned to a store) but not signed.
    Measured,
}

/// The record's place on the stale lists at `now`, if any.
pub fn stale(view: &View, now: Instant) -> Option<Stale> {
    if reached(view, Stage::Lost) || reached(view, Stage::Signed) {
        return None;
    }
    let registered = view
        .acts("register")
        .find(|e| e.verdict.outcome == Outcome::Accepted)
        .or_else(|| view.events.first())?
        .at;
    let paid = view.events.iter().any(|e| {
        e.verdict.outcome == Outcome::Accepted
            && matches!(&e.act, Act::Deposit(d) if matches!(d.kind, DepositKind::Measure | DepositKind::Promotion))
    }) || reached(view, Stage::DesignFee)
        || reached(view, Stage::Quote);
    if paid && add_months(registered, 3) <= now {
        return Some(Stale::Unsigned);
    }
    reached(view, Stage::Measured).then_some(Stale::Measured)
}

/// The grades with a tracking sheet (客户追踪表): A and B.
pub const TRACKED: [&str; 2] = ["A", "B"];

impl Ctx<'_> {
    /// 回访逾期, recorded by the scheduler: the salesperson credited with the sale (else the
    /// holder) and their team's managers are told.
    pub(crate) fn missed(&self) -> Decision {
        let Act::Missed(m) = &self.cmd.act else {
            unreachable!("dispatched on missed")
        };
        let st = self.standing(self.view.as_ref());
        let (from, until) = (
            crate::time::format_local(m.from),
            crate::time::format_local(m.until),
        );
        let mut v = self.with_standing(
            self.verdict(
                Outcome::Accepted,
                rules::FUP_RETURN,
                format!(
                    "交付回访逾期：{from} 至 {until} 期间未回访 (return visit overdue: none between {from} and {until})"
                ),
            ),
            &st,
        );
        // The salesperson credited with the sale serves the customer after it; else its holder.
        let who = self
            .view
            .as_ref()
            .and_then(|v| v.last_deal())
            .and_then(|d| d.verdict.credited.clone())
            .unwrap_or_else(|| st.owner.clone());
        if who.is_notifiable() {
            v.notify.push(who.clone());
        }
        for p in self.team_managers(&who) {
            if !v.notify.contains(&p) {
                v.notify.push(p);
            }
        }
        Decision {
            verdict: v,
            effects: vec![],
            target: self.target_or_none(),
        }
    }

    fn missing(
        &self,
        r: &ReturnVisit,
        fields: &[&str],
        rule: crate::rules::RuleId,
    ) -> Option<Verdict> {
        let given = |f: &str| match f {
            "purpose" => r.purpose.is_some(),
            "form" => r.form.is_some(),
            "content" => r.content.is_some(),
            "summary" => r.summary.is_some(),
            "cause" => r.cause.is_some(),
            "needs" => r.needs.is_some(),
            _ => true,
        };
        let zh = |f: &str| match f {
            "purpose" => "目的",
            "form" => "形式",
            "content" => "内容",
            "summary" => "小结",
            "cause" => "原因",
            "needs" => "来年需求",
            _ => "",
        };
        let missing: Vec<&str> = fields.iter().copied().filter(|f| !given(f)).collect();
        let missing_zh: Vec<&str> = missing.iter().map(|f| zh(f)).collect();
        (!missing.is_empty()).then(|| {
            self.verdict(
                Outcome::Invalid,
                rule,
                format!(
                    "回访记录缺少{} (the record needs: {})",
                    missing_zh.join("、"),
                    missing.join(", ")
                ),
            )
        })
    }

    /// 回访 and the other follow-up records.
    pub(crate) fn return_visit(&self) -> Decision {
        let Act::ReturnVisit(r) = &self.cmd.act else {
            unreachable!("dispatched on return_visit")
        };
        let st = self.standing(self.view.as_ref());
        let done = |v: Verdict| Decision {
            verdict: v,
            effects: vec![],
            target: self.target_or_none(),
        };
        let rule = match r.kind {
            ReturnKind::Delivery => rules::FUP_RETURN,
            ReturnKind::Feedback | ReturnKind::Survey => rules::FUP_NEXT,
            ReturnKind::Stale => rules::FUP_STALE,
            ReturnKind::Tracking => rules::FUP_GRADE,
        };
        let Some(view) = self.view.as_ref() else {
            return done(self.verdict(Outcome::Rejected, rule, "查无此客户 (no such customer)"));
        };
        let accept = |zh: String, en: String| {
            done(self.with_standing(
                self.verdict(Outcome::Accepted, rule, format!("{zh} ({en})")),
                &st,
            ))
        };
        match r.kind {
            ReturnKind::Delivery => {
                if let Some(v) = self.missing(r, &["purpose", "form", "content", "summary"], rule) {
                    return done(v);
                }
                let Some(sched) = returns(view, self.now) else {
                    return done(self.reject(
                        &st,
                        rule,
                        "客户尚未交付使用，无交付回访 (not delivered yet: no return visits)",
                    ));
                };
                let n = sched.periods.len();
                let overdue = sched.overdue(self.now).len();
                let (zh_kind, en_kind) = if n <= 12 {
                    (
                        format!("交付后第 {n} 个月"),
                        format!("month {n} after delivery"),
                    )
                } else {
                    (
                        format!("交付一年后第 {} 个季度", n - 12),
                        format!("quarter {} after the first year", n - 12),
                    )
                };
                let late = if overdue > 0 {
                    (
                        format!("；此前有 {overdue} 期逾期未回访"),
                        format!("; {overdue} earlier period(s) overdue"),
                    )
                } else {
                    (String::new(), String::new())
                };
                accept(
                    format!("{zh_kind}的回访已记录{}", late.0),
                    format!("return visit of {en_kind} recorded{}", late.1),
                )
            }
            ReturnKind::Feedback => {
                if let Some(v) = self.missing(r, &["content"], rule) {
                    return done(v);
                }
                accept(
                    "拜访反馈表已记录".into(),
                    "visit feedback form recorded".into(),
                )
            }
            ReturnKind::Survey => {
                if let Some(v) = self.missing(r, &["needs"], rule) {
                    return done(v);
                }
                if date_of(self.now).month() != 12 {
                    return done(self.reject(
                        &st,
                        rule,
                        "年度新年礼品与需求调查在十二月进行 (the New Year gift and needs survey is December's)",
                    ));
                }
                let gift = if r.gift { "，新年礼品已送" } else { "" };
                accept(
                    format!("来年需求已记录{gift}"),
                    format!(
                        "next year's needs recorded{}",
                        if r.gift { ", New Year gift sent" } else { "" }
                    ),
                )
            }
            ReturnKind::Stale => {
                if let Some(v) = self.missing(r, &["cause", "content"], rule) {
                    return done(v);
                }
                if stale(view, self.now).is_none() {
                    return done(self.reject(
                        &st,
                        rule,
                        "客户不在呆滞客户名单上（已签约、已跑单，或未满三个月且未量房） (the customer is on no stale list)",
                    ));
                }
                let home = if r.home_visit.is_some() {
                    "，已上门"
                } else {
                    ""
                };
                accept(
                    format!("呆滞原因与回访已记录{home}"),
                    "the cause and the return visit recorded".into(),
                )
            }
            ReturnKind::Tracking => {
                if let Some(v) = self.missing(r, &["content"], rule) {
                    return done(v);
                }
                let grade = grade_of(view, &self.params.default_grade);
                if !TRACKED.contains(&grade.as_str()) {
                    return done(self.reject(
                        &st,
                        rule,
                        format!(
                            "客户追踪表只记 A、B 级客户，该客户为 {grade} 级 (the tracking sheet is for A and B customers; this one is {grade})"
                        ),
                    ));
                }
                accept(
                    format!("{grade} 级客户追踪表已记录"),
                    format!("tracking sheet entry for a grade {grade} customer recorded"),
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::act::{ReturnVisit, StageAct};
    use crate::model::{CustomerId, CustomerInput, StaffId};
    use crate::state::Event;
    use crate::time::parse_local;
    use crate::verdict::Verdict;

    fn event(seq: i64, at: &str, act: Act) -> Event {
        Event {
            seq,
            project: "p".into(),
            at: parse_local(at).unwrap(),
            customers: vec![CustomerId(1)],
            act,
            verdict: Verdict::new(Outcome::Accepted, rules::FUP_RETURN, ""),
            effects: vec![],
        }
    }

    fn visit() -> Act {
        Act::ReturnVisit(ReturnVisit {
            by: StaffId("A".into()),
            customer: CustomerInput::default(),
            kind: ReturnKind::Delivery,
            purpose: None,
            form: None,
            content: None,
            summary: None,
            cause: None,
            home_visit: None,
            gift: false,
            needs: None,
        })
    }

    /// Monthly periods for the first 12 months from the delivery instant, then 3-month ones; a
    /// period with no visit in it is overdue once it has ended.
    #[test]
    fn return_periods_are_monthly_then_quarterly() {
        let delivered = Act::StageAct(StageAct {
            by: StaffId("A".into()),
            customer: CustomerInput::default(),
            stage: Stage::Delivered,
            reason: None,
            amount: None,
        });
        let view = View::new(
            vec![CustomerId(1)],
            vec![
                event(1, "2026-01-15 10:00", delivered),
                event(2, "2026-02-14 09:00", visit()),
                event(3, "2027-03-01 09:00", visit()),
            ],
        );
        let now = parse_local("2027-05-01 00:00").unwrap();
        let r = returns(&view, now).unwrap();
        // 12 months, then the quarter from 2027-01-15 and the one from 2027-04-15.
        assert_eq!(r.periods.len(), 14);
        assert_eq!(r.periods[12].from, parse_local("2027-01-15 10:00").unwrap());
        assert_eq!(
            r.periods[12].until,
            parse_local("2027-04-15 10:00").unwrap()
        );
        assert!(r.periods[0].visited && r.periods[12].visited);
        // Months 2..12 ended unvisited; the current quarter has not ended.
        assert_eq!(r.overdue(now).len(), 11);
        assert_eq!(
            r.current(now).map(|p| p.from),
            Some(parse_local("2027-04-15 10:00").unwrap())
        );
        // The last instant of the first month is still in it; its end is the next one's start.
        let edge = parse_local("2026-02-15 10:00").unwrap();
        assert_eq!(r.periods[1].from, edge);
    }
}
