//! Pending matters and their approvals: a unit change to a smaller or cheaper unit and a refund
//! before signing (CHG-CHANGES), an order over the credit limit (CRD-OVER) and new credit terms
//! (CRD-TERMS). Each is the `pending` event that raised it; an `approve` decides the customer's
//! oldest undecided matter of its kind. A two-step matter (terms; an order far over the limit)
//! is first approved by the sales manager (the approval's verdict stays `pending`), then decided
//! by the marketing director.

use super::{Ctx, Decision};
use crate::act::{ChangeKind, Matter, Post};
use crate::model::{Act, Directory, Party, Role, StaffId};
use crate::rules::{self, RuleId};
use crate::state::{Event, ProjectState, View};
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

/// Whether a pending verdict under `rule` is a matter of this file (the caller's own act waiting
/// for an approval, about this customer only), not a dispute between parties.
pub fn is_matter_rule(rule: &str) -> bool {
    [rules::CHG_CHANGES, rules::CRD_OVER, rules::CRD_TERMS]
        .iter()
        .any(|r| r.0 == rule)
}

/// Whether `by` decides the matter's next step: the sales manager of the team of who raised it
/// (any manager when either has no team), then, for a second step, the marketing director (the
/// post's holders; with nobody in it, a VP).
pub fn may_decide(
    dir: &Directory,
    project: &ProjectState,
    by: &StaffId,
    m: &MatterState,
    owner: &Party,
) -> bool {
    if m.first_done {
        return if project.holders(Post::MarketingDirector).is_empty() {
            dir.get(by).is_some_and(|s| s.role == Role::Vp)
        } else {
            project.has_post(by, Post::MarketingDirector)
        };
    }
    let raiser = match m.matter {
        Matter::Terms => owner.clone(),
        _ => dir.party_of(&m_by(m)),
    };
    let team = raiser
        .staff()
        .and_then(|s| dir.get(s))
        .and_then(|s| s.team.clone());
    dir.get(by).is_some_and(|s| {
        s.role == Role::Manager && (team.is_none() || s.team.is_none() || s.team == team)
    })
}

fn rule_of(m: Matter) -> RuleId {
    match m {
        Matter::UnitChange | Matter::Refund => rules::CHG_CHANGES,
        Matter::Order => rules::CRD_OVER,
        Matter::Terms => rules::CRD_TERMS,
    }
}

impl Ctx<'_> {
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
        let mine = may_decide(self.dir, self.project, &a.by, &m, &st.owner);
        if manager_step {
            // The sales manager of the customer's salesperson (a manager's authority is their
            // own team).
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
        } else if !mine {
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
