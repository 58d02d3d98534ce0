//! Payments (CHG-OVERDUE): a signed deal's payment schedule; a payment not received by the end
//! of its date gets a dunning notice (催款通知单) at 00:00 after it, and still unpaid two
//! calendar months after that instant the contract is in breach, the manager and the credited
//! salesperson told. Both are recorded by the scheduler at their instants (`engine::due`).

use super::due::{Due, DueKind};
use super::{Ctx, Decision};
use crate::act::{Breach, Dun};
use crate::model::{Act, CustomerInput, Party, Role};
use crate::rules;
use crate::state::View;
use crate::time::{add_months, start_of_day, Instant};
use crate::verdict::{Outcome, Verdict};
use jiff::civil::Date;

/// One payment of the schedule: its date, what is due, what was received, what kehu recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    pub due: Date,
    pub amount: i64,
    pub paid: i64,
    pub dunned: bool,
    pub breached: bool,
}

impl Payment {
    pub fn outstanding(&self) -> i64 {
        (self.amount - self.paid).max(0)
    }

    /// 00:00 after the payment's date: the dunning notice's instant.
    pub fn dunning_at(&self) -> Instant {
        start_of_day(self.due.tomorrow().unwrap_or(self.due))
    }

    /// Two calendar months after the dunning notice: breach (that instant is already breach).
    pub fn breach_at(&self) -> Instant {
        add_months(self.dunning_at(), 2)
    }
}

/// The record's payment schedule, by date.
pub fn payments(view: &View) -> Vec<Payment> {
    let mut out: Vec<Payment> = Vec::new();
    let slot = |out: &mut Vec<Payment>, due: Date| -> usize {
        match out.iter().position(|p| p.due == due) {
            Some(i) => i,
            None => {
                out.push(Payment {
                    due,
                    amount: 0,
                    paid: 0,
                    dunned: false,
                    breached: false,
                });
                out.len() - 1
            }
        }
    };
    for e in view
        .events
        .iter()
        .filter(|e| e.verdict.outcome == Outcome::Accepted)
    {
        match &e.act {
            Act::PaymentDue(p) => {
                let i = slot(&mut out, p.due);
                out[i].amount += p.amount;
            }
            Act::Paid(p) => {
                let Some(due) = p.due else { continue };
                let i = slot(&mut out, due);
                out[i].paid += p.amount;
            }
            Act::Dun(d) => {
                let i = slot(&mut out, d.due);
                out[i].dunned = true;
            }
            Act::Breach(b) => {
                let i = slot(&mut out, b.due);
                out[i].breached = true;
            }
            _ => {}
        }
    }
    out.sort_by_key(|p| p.due);
    out
}

/// The record's next payment effect: the earliest dunning notice or breach still to record.
pub(crate) fn payment_due(view: &View) -> Option<Due> {
    payments(view)
        .iter()
        .filter(|p| p.outstanding() > 0 && !p.breached)
        .map(|p| Due {
            kind: if p.dunned {
                DueKind::Breach
            } else {
                DueKind::Dunning
            },
            at: if p.dunned {
                p.breach_at()
            } else {
                p.dunning_at()
            },
            until: start_of_day(p.due),
        })
        .min_by_key(|d| d.at)
}

/// The act a payment effect records, if the payment is still unpaid and the effect not
/// recorded.
pub(crate) fn fire_payment(view: &View, due: &Due, customer: CustomerInput) -> Option<Act> {
    let p = payments(view)
        .into_iter()
        .find(|p| start_of_day(p.due).as_millisecond() == due.until.as_millisecond())?;
    if p.outstanding() == 0 {
        return None;
    }
    match due.kind {
        DueKind::Dunning if !p.dunned => Some(Act::Dun(Dun {
            customer,
            due: p.due,
            amount: p.outstanding(),
        })),
        DueKind::Breach if p.dunned && !p.breached => Some(Act::Breach(Breach {
            customer,
            due: p.due,
            amount: p.outstanding(),
        })),
        _ => None,
    }
}

impl Ctx<'_> {
    fn deal_credited(&self) -> Option<Party> {
        self.view
            .as_ref()?
            .acts("deal")
            .filter(|e| e.verdict.outcome == Outcome::Accepted)
            .filter_map(|e| e.verdict.credited.clone())
            .last()
    }

    fn pay_done(&self, v: Verdict) -> Decision {
        Decision {
            verdict: v,
            effects: vec![],
            target: self.target_or_none(),
        }
    }

    /// A payment of the signed deal falls due on a date (the schedule).
    pub(crate) fn payment_due_act(&self) -> Decision {
        let Act::PaymentDue(p) = &self.cmd.act else {
            unreachable!("dispatched on payment_due")
        };
        let st = self.standing(self.view.as_ref());
        if self.deal_credited().is_none() {
            return self.pay_done(self.reject(
                &st,
                rules::CHG_OVERDUE,
                "该客户没有已签约的成交，无付款计划 (the customer has no signed deal to schedule payments of)",
            ));
        }
        self.pay_done(self.with_standing(
            self.verdict(
                Outcome::Accepted,
                rules::CHG_OVERDUE,
                format!(
                    "付款计划：{} 前付 {} 元；逾期次日零点发催款通知单 (payment of {} yuan due by {}; unpaid, a dunning notice at 00:00 after)",
                    p.due, p.amount, p.amount, p.due
                ),
            ),
            &st,
        ))
    }

    /// A payment received (finance, or a manager).
    pub(crate) fn paid_act(&self) -> Decision {
        let Act::Paid(p) = &self.cmd.act else {
            unreachable!("dispatched on paid")
        };
        let st = self.standing(self.view.as_ref());
        let may = matches!(self.role(&p.by), Some(Role::Finance)) || self.is_manager(&p.by);
        let Some(date) = p.due else {
            return self.order_paid(may);
        };
        if !may {
            return self.pay_done(self.reject(
                &st,
                rules::CHG_OVERDUE,
                "收款由财务登记 (finance records payments received)",
            ));
        }
        let schedule = self.view.as_ref().map(payments).unwrap_or_default();
        let Some(due) = schedule
            .iter()
            .find(|x| x.due == date && x.outstanding() > 0)
        else {
            return self.pay_done(self.reject(
                &st,
                rules::CHG_OVERDUE,
                format!(
                    "{} 没有待收的款项 (nothing is outstanding for {})",
                    date, date
                ),
            ));
        };
        let left = (due.outstanding() - p.amount).max(0);
        self.pay_done(self.with_standing(
            self.verdict(
                Outcome::Accepted,
                rules::CHG_OVERDUE,
                format!(
                    "已收 {} 前应付款 {} 元，尚欠 {left} 元 ({} yuan received for {}; {left} yuan outstanding)",
                    date, p.amount, p.amount, date
                ),
            ),
            &st,
        ))
    }

    /// The dunning notice (催款通知单), recorded by the scheduler; the credited salesperson is
    /// told.
    pub(crate) fn dun_act(&self) -> Decision {
        let Act::Dun(d) = &self.cmd.act else {
            unreachable!("dispatched on dun")
        };
        let st = self.standing(self.view.as_ref());
        let mut v = self.with_standing(
            self.verdict(
                Outcome::Accepted,
                rules::CHG_OVERDUE,
                format!(
                    "{} 应付的 {} 元逾期未付，已发催款通知单 ({} yuan due by {} unpaid: dunning notice issued)",
                    d.due, d.amount, d.amount, d.due
                ),
            ),
            &st,
        );
        if let Some(c) = self.deal_credited().filter(Party::is_notifiable) {
            v.notify.push(c);
        }
        self.pay_done(v)
    }

    /// Breach: still unpaid two months after the dunning notice; the manager and the credited
    /// salesperson are told.
    pub(crate) fn breach_act(&self) -> Decision {
        let Act::Breach(b) = &self.cmd.act else {
            unreachable!("dispatched on breach")
        };
        let st = self.standing(self.view.as_ref());
        let mut v = self.with_standing(
            self.verdict(
                Outcome::Accepted,
                rules::CHG_OVERDUE,
                format!(
                    "{} 应付的 {} 元催款两个月仍未付，合同违约，由经理按合同违约条款处理 ({} yuan due by {} still unpaid two months after the dunning notice: the contract is in breach; the manager applies its breach terms)",
                    b.due, b.amount, b.amount, b.due
                ),
            ),
            &st,
        );
        let credited = self.deal_credited();
        let managers = match &credited {
            Some(c) => self.team_managers(c),
            None => self.role_parties(Role::Manager),
        };
        for p in managers {
            if !v.notify.contains(&p) {
                v.notify.push(p);
            }
        }
        if let Some(c) = credited.filter(Party::is_notifiable) {
            if !v.notify.contains(&c) {
                v.notify.push(c);
            }
        }
        self.pay_done(v)
    }
}
