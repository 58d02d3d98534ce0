//! Time-driven effects (G-CLOCK, POOL-RETURN): what falls due for a customer record without any
//! act, and the system act that records it at its instant.
//!
//! After every entry the store asks [`next_due`] for the record's next due instant and keeps it
//! in an index; a scheduler (or the scenario runner, when its steps move the time forward) asks
//! [`fire`] at that instant for the act to record, decided like any other. Pure: the instant is
//! always given.

use super::{Context, Ctx};
use crate::act;
use crate::model::{Act, Command, CustomerInput, Party};
use crate::state::View;
use crate::time::{add_days, Instant};
use crate::verdict::{Outcome, Until};

/// What falls due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DueKind {
    /// The owner is warned that the protection ends soon (POOL-RETURN, G-NOTIFY).
    Warn,
    /// The protection ends and the customer returns to the pool (POOL-RETURN).
    Return,
    /// A payment is unpaid at 00:00 after its date: the dunning notice (CHG-OVERDUE).
    Dunning,
    /// A payment is unpaid two months after its dunning notice: breach (CHG-OVERDUE).
    Breach,
    /// A return-visit period after delivery ends without a visit (FUP-RETURN).
    Missed,
    /// The customer's credit review falls due (CRD-LEVEL).
    Review,
}

impl DueKind {
    pub fn name(self) -> &'static str {
        match self {
            DueKind::Warn => "warn",
            DueKind::Return => "return",
            DueKind::Dunning => "dunning",
            DueKind::Breach => "breach",
            DueKind::Missed => "missed",
            DueKind::Review => "review",
        }
    }

    pub fn parse(s: &str) -> Option<DueKind> {
        match s {
            "warn" => Some(DueKind::Warn),
            "return" => Some(DueKind::Return),
            "dunning" => Some(DueKind::Dunning),
            "breach" => Some(DueKind::Breach),
            "missed" => Some(DueKind::Missed),
            "review" => Some(DueKind::Review),
            _ => None,
        }
    }
}

/// One effect due at an instant, concerning the protection that ends at `until`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    pub kind: DueKind,
    pub at: Instant,
    pub until: Instant,
}

/// A decision context over one record, at `now`, for a system act.
fn ctx_over<'a>(ctx: &'a Context, view: &View, cmd: &'a Command, now: Instant) -> Option<Ctx<'a>> {
    let (Some(rb), Some(dir)) = (ctx.rulebook, ctx.directory) else {
        return None;
    };
    Some(Ctx {
        rb,
        params: &rb.params,
        preset: rb.preset,
        dir,
        project: &ctx.project,
        now,
        cmd,
        view: Some(view.clone()),
        household: &[],
        referrer: None,
        held_by: &[],
        held: &[],
        candidates: &[],
    })
}

/// The customer of a record as its entries give it, each field the latest given (for a system
/// act's `customer`, or a claim on a customer taken from the pool).
pub fn record_customer(view: &View) -> CustomerInput {
    let mut c = CustomerInput::default();
    for e in &view.events {
        let Some(x) = e.act.customer() else { continue };
        // 换名 (CHG-CHANGES): the new buyer's name from then on.
        if let Act::Change(ch) = &e.act {
            if ch.kind == crate::act::ChangeKind::Name
                && e.verdict.outcome == crate::verdict::Outcome::Accepted
            {
                c.name = ch.name.clone();
                continue;
            }
        }
        let keep = |mine: &mut Option<String>, theirs: &Option<String>| {
            if theirs.as_deref().is_some_and(|t| !t.trim().is_empty()) {
                *mine = theirs.clone();
            }
        };
        keep(&mut c.name, &x.name);
        keep(&mut c.phone, &x.phone);
        keep(&mut c.address, &x.address);
        keep(&mut c.email, &x.email);
        keep(&mut c.company, &x.company);
        keep(&mut c.needs, &x.needs);
        c.gender = x.gender.or(c.gender);
        c.project |= x.project;
        c.off_plan |= x.off_plan;
    }
    // A full number is the record's, where one was given (a masked one names no one).
    if let Some(full) = view.events.iter().rev().find_map(|e| {
        e.act
            .customer()
            .and_then(|x| x.phone.clone())
            .filter(|p| crate::phone::Phone::parse(p).is_ok_and(|p| p.is_full()))
    }) {
        c.phone = Some(full);
    }
    if c.project {
        c.phone = None;
    }
    c
}

fn query(view: &View, at: Instant) -> Command {
    Command {
        project: view
            .events
            .first()
            .map(|e| e.project.clone())
            .unwrap_or_default(),
        at,
        act: Act::Query(act::Query {
            customer: CustomerInput::default(),
        }),
    }
}

/// Two instants equal to the millisecond (the index keeps milliseconds; an act's instant may
/// carry more).
fn same_ms(a: Instant, b: Instant) -> bool {
    a.as_millisecond() == b.as_millisecond()
}

/// Whether the record already shows this effect for the protection ending at `until`.
fn recorded(view: &View, kind: DueKind, until: Instant) -> bool {
    view.events.iter().any(|e| match &e.act {
        Act::Warn(w) => kind == DueKind::Warn && same_ms(w.until, until),
        Act::Lapse(l) => kind == DueKind::Return && same_ms(l.until, until),
        _ => false,
    })
}

/// The record's next due effect as of `now` (the latest entry's instant): the warning
/// `warn_days` before its protection ends (if the protection began before then), else the end
/// itself, where the rulebook sends an expired customer to the pool. A rulebook whose standing
/// can end between entries (DS-CADENCE's month ends) adds that instant as a check.
pub fn next_due(ctx: &Context, view: &View, now: Instant) -> Option<Due> {
    [
        protection_due(ctx, view, now),
        super::payments::payment_due(view),
        super::aftercare::missed_due(view),
        ctx.rulebook
            .and_then(|rb| super::credit::review_due(view, &rb.params)),
    ]
    .into_iter()
    .flatten()
    .min_by_key(|d| d.at)
}

/// POOL-RETURN's next effect of a record (the warning, then the return).
fn protection_due(ctx: &Context, view: &View, now: Instant) -> Option<Due> {
    let cmd = query(view, now);
    let cx = ctx_over(ctx, view, &cmd, now)?;
    if !cx.family().returns_to_pool() {
        return None;
    }
    let st = cx.standing(Some(view));
    let owned = matches!(
        st.owner,
        Party::Staff(_) | Party::Agency(_) | Party::Team(_)
    );
    let (true, true, Some(Until::At(until)), Some(h)) =
        (st.protected, owned, st.until, st.holding.as_ref())
    else {
        return None;
    };
    let check = cx
        .family()
        .checkpoint(&cx, view, h)
        .filter(|t| *t > now && *t < until);
    let warn = add_days(until, -cx.params.warn_days);
    if cx.params.warn_days > 0
        && warn > h.since
        && check.is_none_or(|c| warn <= c)
        && !recorded(view, DueKind::Warn, until)
    {
        return Some(Due {
            kind: DueKind::Warn,
            at: warn.max(now),
            until,
        });
    }
    if recorded(view, DueKind::Return, until) {
        return None;
    }
    Some(Due {
        kind: DueKind::Return,
        at: ceil_ms(check.unwrap_or(until)),
        until,
    })
}

/// The first whole millisecond at or after `t` (the index keeps milliseconds: a return is looked
/// at once the protection is over, never a fraction before).
fn ceil_ms(t: Instant) -> Instant {
    let ms = t.as_millisecond();
    let whole = Instant::from_millisecond(ms).unwrap_or(t);
    if whole < t {
        Instant::from_millisecond(ms + 1).unwrap_or(t)
    } else {
        whole
    }
}

/// The system act a due effect records at `at`, if it still holds then: a warning of a
/// protection that still ends at `until`; a return of a customer whose protection has ended by
/// `at` (at `until`, or earlier by a rule such as DS-CADENCE). `None`: nothing to record (an
/// act in between changed the protection; the store asks [`next_due`] again).
pub fn fire(ctx: &Context, view: &View, due: &Due, at: Instant) -> Option<Command> {
    let cmd = query(view, at);
    let cx = ctx_over(ctx, view, &cmd, at)?;
    let st = cx.standing(Some(view));
    let customer = record_customer(view);
    let other = match due.kind {
        DueKind::Dunning | DueKind::Breach => {
            Some(super::payments::fire_payment(view, due, customer.clone()))
        }
        DueKind::Missed => Some(super::aftercare::fire_missed(
            view,
            due,
            at,
            customer.clone(),
        )),
        DueKind::Review => Some(super::credit::fire_review(
            view,
            &cx.rb.params,
            due,
            customer.clone(),
        )),
        DueKind::Warn | DueKind::Return => None,
    };
    if let Some(act) = other {
        return Some(Command {
            project: cmd.project,
            at,
            act: act?,
        });
    }
    let act = match due.kind {
        DueKind::Warn => {
            let ends_then = matches!(st.until, Some(Until::At(t)) if same_ms(t, due.until));
            if !(st.protected && ends_then) {
                return None;
            }
            Act::Warn(act::Warn {
                customer,
                until: due.until,
            })
        }
        DueKind::Return => {
            let former = st.lapsed_holder()?.clone();
            if st.protected
                || !matches!(former, Party::Staff(_) | Party::Agency(_) | Party::Team(_))
            {
                return None;
            }
            Act::Lapse(act::Lapse {
                customer,
                until: due.until.min(at),
            })
        }
        DueKind::Dunning | DueKind::Breach | DueKind::Missed | DueKind::Review => return None,
    };
    Some(Command {
        project: cmd.project,
        at,
        act,
    })
}

impl Ctx<'_> {
    /// POOL-RETURN's warning: the owner is told when the protection ends.
    pub(crate) fn warn(&self) -> super::Decision {
        let Act::Warn(w) = &self.cmd.act else {
            unreachable!("dispatched on warn")
        };
        let st = self.standing(self.view.as_ref());
        let mut v = self.with_standing(
            self.verdict(
                Outcome::Accepted,
                crate::rules::POOL_RETURN,
                format!(
                    "保护期将于 {} 结束，届时客户回归公海 (the protection ends {}; the customer then returns to the pool)",
                    crate::time::format_local(w.until),
                    crate::time::format_local(w.until)
                ),
            ),
            &st,
        );
        if st.owner.is_notifiable() {
            v.notify.push(st.owner.clone());
        }
        super::Decision {
            verdict: v,
            effects: vec![],
            target: self.target_or_none(),
        }
    }

    /// POOL-RETURN: the customer returned to the pool at the end of its protection.
    pub(crate) fn lapse(&self) -> super::Decision {
        let Act::Lapse(l) = &self.cmd.act else {
            unreachable!("dispatched on lapse")
        };
        let st = self.standing(self.view.as_ref());
        let former = st.lapsed_holder().cloned();
        let v = self.verdict(
            Outcome::Accepted,
            crate::rules::POOL_RETURN,
            format!(
                "保护期于 {} 结束（{}），客户回归公海 (the protection ended {} under {}; the customer returned to the pool)",
                crate::time::format_local(l.until),
                st.rule.0,
                crate::time::format_local(l.until),
                st.rule.0
            ),
        );
        let mut v = self.with_standing(v, &st);
        if st.protected || former.is_none() {
            v.outcome = Outcome::Rejected;
            v.reason = "保护期尚未结束 (the protection has not ended)".into();
        } else {
            v.owner = Some(Party::Pool);
            v.protected_until = None;
        }
        super::Decision {
            verdict: v,
            effects: vec![],
            target: self.target_or_none(),
        }
    }
}

/// A record's standing at `now` (who owns it, until when, under which rule), for the pages that
/// list records rather than decide an act (the pool, the week's returns).
pub fn standing_at(ctx: &Context, view: &View, now: Instant) -> Option<super::Standing> {
    let cmd = query(view, now);
    let cx = ctx_over(ctx, view, &cmd, now)?;
    Some(cx.standing(Some(view)))
}
