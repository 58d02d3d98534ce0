//! Pending matters and their approvals: a unit change to a smaller or cheaper unit and a refund
//! before signing (CHG-CHANGES), an order over the credit limit (CRD-OVER) and new credit terms
//! (CRD-TERMS). Each is the `pending` event that raised it; an `approve` decides the customer's
//! oldest undecided matter of its kind. A two-step matter (terms; an order far over the limit)
//! is first approved by the sales manager (the approval's verdict stays `pending`), then decided
//! by the marketing director.

use super::{Ctx, Decision};
use crate::act::{ChangeKind, Matter, Post};
use crate::model::{Act, Party, Role, StaffId};
use crate::rules::{self, RuleId};
use crate::state::{Event, View};
use crate::verdict::{Outcome, Verdict};

/// A matter and how far it is decided.
#[derive(Debug, Clone)]
pub struct MatterState<'v> {
    pub matter: Matter,
    pub event: &'v Event,
    /// The sales manager approved; the marketing director decides.
    pub first_done: bool,
    /// Approved (`true`) or refused.
    pub decided: Option<bool>,
}

/// The matter an event raised, if it is one.
fn raised(e: &Event) -> Option<Matter> {
    if e.verdict.outcome != Outcome::Pending {
        return None;
    }
    match &e.act {
        Act::Change(c) => match c.kind {
            ChangeKind::Unit => Some(Matter::UnitChange),
            ChangeKind::Refund => Some(Matter::Refund),
            ChangeKind::Name => None,
        },
        Act::OrderAct(_) => Some(Matter::Order),
        Act::Terms(_) => Some(Matter::Terms),
        _ => None,
    }
}

/// Every matter the record raised, in order, with its approvals applied.
pub fn all(view: &View) -> Vec<MatterState<'_>> {
    let mut out: Vec<MatterState> = Vec::new();
    for e in &view.events {
        if let Some(m) = raised(e) {
            out.push(MatterState {
                matter: m,
                event: e,
                first_done: false,
                decided: None,
            });
            continue;
        }
        let Act::Approve(a) = &e.act else { continue };
        let Some(m) = out
            .iter_mut()
            .find(|m| m.matter == a.matter && m.decided.is_none())
        else {
            continue;
        };
        match e.verdict.outcome {
            Outcome::Accepted => m.decided = Some(a.approved),
            Outcome::Pending => m.first_done = true,
            _ => {}
        }
    }
    out
}

/// The record's oldest undecided matter of a kind.
pub fn undecided(view: &View, matter: Matter) -> Option<MatterState<'_>> {
    all(view)
        .into_iter()
        .find(|m| m.matter == matter && m.decided.is_none())
}

fn rule_of(m: Matter) -> RuleId {
    match m {
        Matter::UnitChange | Matter::Refund => rules::CHG_CHANGES,
        Matter::Order => rules::CRD_OVER,
        Matter::Terms => rules::CRD_TERMS,
    }
}

impl Ctx<'_> {
    /// 营销总监: the holders of the post; with nobody in it, the marketing VP.
    pub(crate) fn is_director(&self, s: &StaffId) -> bool {
        if self.project.holders(Post::MarketingDirector).is_empty() {
            self.role(s) == Some(Role::Vp)
        } else {
            self.has_post(s, Post::MarketingDirector)
        }
    }

    pub(crate) fn directors(&self) -> Vec<Party> {
        let posts = self.post_parties(Post::MarketingDirector);
        if !posts.is_empty() {
            return posts;
        }
        self.role_parties(Role::Vp)
    }

    /// A decision on the customer's oldest undecided matter of the act's kind.
    pub(crate) fn approve(&self) -> Decision {
        let Act::Approve(a) = &self.cmd.act else {
            unreachable!("dispatched on approve")
        };
        let st = self.standing(self.view.as_ref());
        let rule = rule_of(a.matter);
        let done = |v: Verdict, eff| Decision {
            verdict: v,
            effects: eff,
            target: self.target_or_none(),
        };
        let Some(m) = self.view.as_ref().and_then(|v| undecided(v, a.matter)) else {
            return done(
                self.reject(
                    &st,
                    rule,
                    format!(
                        "该客户没有待审批的{} (the customer has no {} waiting for a decision)",
                        a.matter.zh(),
                        a.matter.name()
                    ),
                ),
                vec![],
            );
        };
        let two_steps = match a.matter {
            Matter::Terms => true,
            Matter::Order => self.order_needs_director(&m),
            Matter::UnitChange | Matter::Refund => false,
        };
        let manager_step = !m.first_done;
        if manager_step {
            // The sales manager of the customer's salesperson (a manager's authority is their
            // own team).
            let team = self.team_of(&m_party(self, &m, &st.owner));
            let mine = self.dir.get(&a.by).is_some_and(|s| {
                s.role == Role::Manager && (team.is_none() || s.team.is_none() || s.team == team)
            });
            if !mine {
                return done(
                    self.reject(
                        &st,
                        rule,
                        format!(
                            "{}须由客户所在部门的销售经理审批 (the {} is decided by the sales manager of the customer's team)",
                            a.matter.zh(),
                            a.matter.name()
                        ),
                    ),
                    vec![],
                );
            }
        } else if !self.is_director(&a.by) {
            return done(
                self.reject(
                    &st,
                    rule,
                    format!(
                        "销售经理已同意，{}还须营销总监审批 (the sales manager agreed; the marketing director decides the {})",
                        a.matter.zh(),
                        a.matter.name()
                    ),
                ),
                vec![],
            );
        }
        let note = a
            .note
            .as_deref()
            .map(|n| format!("；意见：{n}"))
            .unwrap_or_default();
        let mut v;
        let eff;
        if a.approved && manager_step && two_steps {
            v = self.verdict(
                Outcome::Pending,
                rule,
                format!(
                    "销售经理同意{}，待营销总监审批{note} (the sales manager approves the {}; the marketing director decides)",
                    a.matter.zh(),
                    a.matter.name()
                ),
            );
            v.notify = self.directors();
            eff = vec![];
        } else {
            let who = if manager_step {
                "销售经理"
            } else {
                "营销总监"
            };
            let (zh, en) = if a.approved {
                ("同意", "approves")
            } else {
                ("不同意", "refuses")
            };
            v = self.verdict(
                Outcome::Accepted,
                rule,
                format!(
                    "{who}{zh}{}{note} ({} {en} the {})",
                    a.matter.zh(),
                    if manager_step {
                        "the sales manager"
                    } else {
                        "the marketing director"
                    },
                    a.matter.name()
                ),
            );
            eff = match a.matter {
                Matter::UnitChange | Matter::Refund => self.change_decided(&m, a.approved),
                Matter::Order | Matter::Terms => vec![],
            };
            if let Some(p) = self.dir.get(&m_by(&m)).map(|s| s.party()) {
                v.notify.push(p);
            }
        }
        v.relied_on.push(m.event.reference());
        done(self.with_standing(v, &st), eff)
    }
}

/// Who raised the matter.
fn m_by(m: &MatterState) -> StaffId {
    match &m.event.act {
        Act::Change(c) => c.by.clone(),
        Act::OrderAct(o) => o.by.clone(),
        Act::Terms(t) => t.by.clone(),
        _ => StaffId(String::new()),
    }
}

/// The party whose team decides: the salesperson who raised a change or an order, else the
/// customer's owner.
fn m_party(cx: &Ctx, m: &MatterState, owner: &Party) -> Party {
    match (&m.event.act, m.matter) {
        (_, Matter::Terms) => owner.clone(),
        _ => cx.party(&m_by(m)),
    }
}
