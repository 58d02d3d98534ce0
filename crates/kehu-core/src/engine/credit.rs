//! Credit (§8): finance grades each company customer and sets its credit limit, and reviews it
//! every `credit_review_months` (CRD-LEVEL); an order that would take the outstanding balance
//! over the limit waits for the sales manager, and beyond `credit_excess_percent` over it for the
//! marketing director too (CRD-OVER); each grade carries sales terms, and finance's proposals of
//! new terms take effect once the sales manager and then the marketing director approve them; a
//! change in a customer's credit noticed on a visit is recorded for finance (CRD-TERMS).

use super::matters::{self, MatterState};
use super::{Ctx, Decision};
use crate::act::{Credit, CreditNote, Matter, OrderAct, Terms};
use crate::model::{Act, Role};
use crate::policy::{GradeTerms, Params};
use crate::rules;
use crate::state::View;
use crate::time::{add_months, date_of, Instant};
use crate::verdict::{Outcome, Verdict};

/// A customer's credit as finance last set it, with the terms in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditState {
    pub grade: String,
    pub limit: i64,
    /// The latest grading (the latest review).
    pub reviewed: Instant,
    pub terms: GradeTerms,
    /// The terms are the customer's own (an approved proposal), not its grade's.
    pub own_terms: bool,
}

impl CreditState {
    /// When the next review falls due (CRD-LEVEL).
    pub fn review_due(&self, params: &Params) -> Instant {
        add_months(self.reviewed, params.credit_review_months)
    }
}

fn grade_terms(params: &Params, grade: &str) -> GradeTerms {
    params
        .credit_terms
        .get(grade)
        .copied()
        .unwrap_or(GradeTerms {
            days: 0,
            discount: 0,
        })
}

/// The record's credit, if finance graded it: the latest `credit`, then the terms approved
/// since (a new grading returns the customer to its grade's terms).
pub fn credit(view: &View, params: &Params) -> Option<CreditState> {
    let approved: Vec<i64> = matters::all(view)
        .into_iter()
        .filter(|m| m.matter == Matter::Terms && m.decided == Some(true))
        .map(|m| m.event.seq)
        .collect();
    let mut out: Option<CreditState> = None;
    for e in &view.events {
        match &e.act {
            Act::Credit(c) if e.verdict.outcome == Outcome::Accepted => {
                out = Some(CreditState {
                    grade: c.grade.clone(),
                    limit: c.limit,
                    reviewed: e.at,
                    terms: grade_terms(params, &c.grade),
                    own_terms: false,
                });
            }
            Act::Terms(t) if approved.contains(&e.seq) => {
                if let Some(s) = out.as_mut() {
                    s.terms = GradeTerms {
                        days: t.days,
                        discount: t.discount,
                    };
                    s.own_terms = true;
                    if let Some(l) = t.limit {
                        s.limit = l;
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// The outstanding balance: orders taken (within the limit, or approved) less what was paid.
pub fn balance(view: &View) -> i64 {
    let approved: Vec<i64> = matters::all(view)
        .into_iter()
        .filter(|m| m.matter == Matter::Order && m.decided == Some(true))
        .map(|m| m.event.seq)
        .collect();
    let mut b = 0i64;
    for e in &view.events {
        match &e.act {
            Act::OrderAct(o)
                if e.verdict.outcome == Outcome::Accepted || approved.contains(&e.seq) =>
            {
                b += o.amount
            }
            Act::Paid(p) if p.due.is_none() && e.verdict.outcome == Outcome::Accepted => {
                b -= p.amount
            }
            _ => {}
        }
    }
    b.max(0)
}

/// The record's credit review, when it falls due and has not been recorded as due (CRD-LEVEL).
pub(crate) fn review_due(view: &View, params: &Params) -> Option<super::due::Due> {
    let c = credit(view, params)?;
    let at = c.review_due(params);
    let recorded = view.events.iter().any(
        |e| matches!(&e.act, Act::ReviewDue(r) if r.due.as_millisecond() == at.as_millisecond()),
    );
    (!recorded).then_some(super::due::Due {
        kind: super::due::DueKind::Review,
        at,
        until: at,
    })
}

/// The `review_due` act, if the review still falls due then (no grading since).
pub(crate) fn fire_review(
    view: &View,
    params: &Params,
    due: &super::due::Due,
    customer: crate::model::CustomerInput,
) -> Option<Act> {
    let d = review_due(view, params)?;
    (d.at.as_millisecond() == due.until.as_millisecond()).then_some(Act::ReviewDue(
        crate::act::ReviewDue {
            customer,
            due: d.at,
        },
    ))
}

fn terms_text(t: &GradeTerms) -> String {
    format!("账期 {} 天，折扣 {}%", t.days, t.discount)
}

impl Ctx<'_> {
    fn credit_done(&self, v: Verdict) -> Decision {
        Decision {
            verdict: v,
            effects: vec![],
            target: self.target_or_none(),
        }
    }

    /// The excess over the limit beyond which the marketing director approves too.
    fn over_excess(&self, limit: i64, total: i64) -> bool {
        total > limit + limit * self.params.credit_excess_percent / 100
    }

    /// An order waiting for approval: whether it went beyond the excess when it was taken.
    pub(crate) fn order_needs_director(&self, m: &MatterState) -> bool {
        let Act::OrderAct(o) = &m.event.act else {
            return false;
        };
        let Some(view) = self.view.as_ref() else {
            return false;
        };
        let before = View::new(
            view.ids.clone(),
            view.events
                .iter()
                .filter(|e| e.seq < m.event.seq)
                .cloned()
                .collect(),
        );
        // A customer never graded: the sales manager alone (there is no limit to exceed by much).
        credit(&before, self.params)
            .is_some_and(|c| self.over_excess(c.limit, balance(&before) + o.amount))
    }

    /// CRD-LEVEL: finance grades the customer and sets its limit (a review, after the first).
    pub(crate) fn credit_act(&self) -> Decision {
        let Act::Credit(Credit {
            by, grade, limit, ..
        }) = &self.cmd.act
        else {
            unreachable!("dispatched on credit")
        };
        let st = self.standing(self.view.as_ref());
        if self.role(by) != Some(Role::Finance) {
            return self.credit_done(self.reject(
                &st,
                rules::CRD_LEVEL,
                "信用等级和额度由财务评定 (finance sets the credit grade and limit)",
            ));
        }
        let Some(view) = self.view.as_ref() else {
            return self.credit_done(self.verdict(
                Outcome::Rejected,
                rules::CRD_LEVEL,
                "查无此客户 (no such customer)",
            ));
        };
        if !self.params.credit_terms.contains_key(grade) {
            let grades: Vec<&str> = self
                .params
                .credit_terms
                .keys()
                .map(String::as_str)
                .collect();
            return self.credit_done(self.verdict(
                Outcome::Invalid,
                rules::CRD_LEVEL,
                format!(
                    "本项目没有信用等级 {grade}；等级：{} (no credit grade {grade} here; the grades: {})",
                    grades.join("、"),
                    grades.join(", ")
                ),
            ));
        }
        let review = date_of(add_months(self.now, self.params.credit_review_months));
        let was = credit(view, self.params);
        let what = match &was {
            Some(w) => format!("复评：{} 级→{grade} 级", w.grade),
            None => format!("评定为 {grade} 级"),
        };
        let t = grade_terms(self.params, grade);
        self.credit_done(self.with_standing(
            self.verdict(
                Outcome::Accepted,
                rules::CRD_LEVEL,
                format!(
                    "信用{what}，额度 {limit} 元，{}；下次复评 {review} 前 (credit grade {grade}, limit {limit} yuan, {} payment days, {}% discount; next review by {review})",
                    terms_text(&t),
                    t.days,
                    t.discount
                ),
            ),
            &st,
        ))
    }

    /// CRD-OVER: an order on credit.
    pub(crate) fn order_act(&self) -> Decision {
        let Act::OrderAct(OrderAct { by, amount, .. }) = &self.cmd.act else {
            unreachable!("dispatched on order")
        };
        let st = self.standing(self.view.as_ref());
        let Some(view) = self.view.as_ref() else {
            return self.credit_done(self.verdict(
                Outcome::Rejected,
                rules::CRD_OVER,
                "查无此客户 (no such customer)",
            ));
        };
        let cr = credit(view, self.params);
        let limit = cr.as_ref().map_or(0, |c| c.limit);
        let b = balance(view);
        let total = b + amount;
        let (terms, terms_en) = cr
            .as_ref()
            .map(|c| {
                (
                    format!(
                        "按{}条件：{}",
                        if c.own_terms {
                            "客户专项".to_string()
                        } else {
                            format!(" {} 级", c.grade)
                        },
                        terms_text(&c.terms)
                    ),
                    format!(
                        "{} payment days, {}% discount",
                        c.terms.days, c.terms.discount
                    ),
                )
            })
            .unwrap_or_else(|| ("未评定信用等级".into(), "no credit grade".into()));
        if total <= limit {
            return self.credit_done(self.with_standing(
                self.verdict(
                    Outcome::Accepted,
                    rules::CRD_OVER,
                    format!(
                        "订单 {amount} 元，欠款合计 {total} 元，在信用额度 {limit} 元内；{terms} (order of {amount} yuan: {total} outstanding, within the limit of {limit}; {terms_en})"
                    ),
                ),
                &st,
            ));
        }
        // A customer never graded: the sales manager alone (there is no limit to exceed by much).
        let director = cr.is_some() && self.over_excess(limit, total);
        let mut v = self.with_standing(
            self.verdict(
                Outcome::Pending,
                rules::CRD_OVER,
                format!(
                    "订单 {amount} 元将使欠款合计 {total} 元，超出信用额度 {limit} 元，待销售经理{}审批；{terms} (order of {amount} yuan: {total} outstanding, over the limit of {limit}; the sales manager{} decides; {terms_en})",
                    if director { "和营销总监" } else { "" },
                    if director {
                        " and then the marketing director"
                    } else {
                        ""
                    }
                ),
            ),
            &st,
        );
        v.notify = self.team_managers(&self.party(by));
        if director {
            v.notify.extend(self.directors());
        }
        self.credit_done(v)
    }

    /// CRD-TERMS: finance proposes new terms after a review.
    pub(crate) fn terms_act(&self) -> Decision {
        let Act::Terms(Terms {
            by,
            days,
            discount,
            limit,
            ..
        }) = &self.cmd.act
        else {
            unreachable!("dispatched on terms")
        };
        let st = self.standing(self.view.as_ref());
        if self.role(by) != Some(Role::Finance) {
            return self.credit_done(self.reject(
                &st,
                rules::CRD_TERMS,
                "信用条件由财务提出 (finance proposes credit terms)",
            ));
        }
        let Some(view) = self.view.as_ref() else {
            return self.credit_done(self.verdict(
                Outcome::Rejected,
                rules::CRD_TERMS,
                "查无此客户 (no such customer)",
            ));
        };
        if credit(view, self.params).is_none() {
            return self.credit_done(self.reject(
                &st,
                rules::CRD_TERMS,
                "客户尚未评定信用等级，先评级再调整条件 (grade the customer first)",
            ));
        }
        if *days > 365 || *discount > 50 {
            return self.credit_done(self.verdict(
                Outcome::Invalid,
                rules::CRD_TERMS,
                "账期 0–365 天，折扣 0–50% (payment days 0 to 365, discount 0 to 50 percent)",
            ));
        }
        let lim = limit.map(|l| format!("，额度 {l} 元")).unwrap_or_default();
        let mut v = self.with_standing(
            self.verdict(
                Outcome::Pending,
                rules::CRD_TERMS,
                format!(
                    "财务提出新信用条件：账期 {days} 天，折扣 {discount}%{lim}；待销售经理、营销总监依次审批 (new terms proposed: {days} payment days, {discount}% discount; the sales manager and then the marketing director approve)"
                ),
            ),
            &st,
        );
        v.notify = self.team_managers(&st.owner);
        self.credit_done(v)
    }

    /// CRD-TERMS: a change in credit noticed on a visit, for finance.
    pub(crate) fn credit_note(&self) -> Decision {
        let Act::CreditNote(CreditNote { note, .. }) = &self.cmd.act else {
            unreachable!("dispatched on credit_note")
        };
        let st = self.standing(self.view.as_ref());
        if self.view.is_none() {
            return self.credit_done(self.verdict(
                Outcome::Rejected,
                rules::CRD_TERMS,
                "查无此客户 (no such customer)",
            ));
        }
        let mut v = self.with_standing(
            self.verdict(
                Outcome::Accepted,
                rules::CRD_TERMS,
                format!(
                    "信用异动已记录，转财务：{note} (a change in credit recorded for finance: {note})"
                ),
            ),
            &st,
        );
        v.notify = self.role_parties(Role::Finance);
        self.credit_done(v)
    }

    /// 信用复评到期, recorded by the scheduler: finance is told.
    pub(crate) fn review_due_act(&self) -> Decision {
        let st = self.standing(self.view.as_ref());
        let grade = self
            .view
            .as_ref()
            .and_then(|v| credit(v, self.params))
            .map(|c| c.grade)
            .unwrap_or_default();
        let mut v = self.with_standing(
            self.verdict(
                Outcome::Accepted,
                rules::CRD_LEVEL,
                format!(
                    "信用等级（{grade} 级）到期复评，请财务复核 (the credit grade, {grade}, is due for finance's review)"
                ),
            ),
            &st,
        );
        v.notify = self.role_parties(Role::Finance);
        self.credit_done(v)
    }

    /// A payment of the customer's orders on credit (a `paid` without a date).
    pub(crate) fn order_paid(&self, may: bool) -> Decision {
        let Act::Paid(p) = &self.cmd.act else {
            unreachable!("dispatched on paid")
        };
        let st = self.standing(self.view.as_ref());
        if !may {
            return self.credit_done(self.reject(
                &st,
                rules::CRD_OVER,
                "收款由财务登记 (finance records payments received)",
            ));
        }
        let b = self.view.as_ref().map(balance).unwrap_or(0);
        if b == 0 {
            return self.credit_done(self.reject(
                &st,
                rules::CRD_OVER,
                "该客户没有未付的订单款 (nothing is owed on the customer's orders)",
            ));
        }
        let left = (b - p.amount).max(0);
        self.credit_done(self.with_standing(
            self.verdict(
                Outcome::Accepted,
                rules::CRD_OVER,
                format!(
                    "收到订单款 {} 元，尚欠 {left} 元 ({} yuan received on orders; {left} outstanding)",
                    p.amount, p.amount
                ),
            ),
            &st,
        ))
    }
}
