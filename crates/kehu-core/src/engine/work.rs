//! The acts of §5 and the posts RULES.md calls configured staff members: appointments, leads and
//! their even distribution (DIST-EVEN), the cap on customers held (DIST-CAP), the closing of a
//! day's or a month's books, and the refusal of an act a rulebook gives no meaning.

use super::{zh_text, Ctx, Decision, Target};
use crate::act::{self, Post};
use crate::model::{Act, Party, Role, StaffId};
use crate::rules::{self, RuleId};
use crate::state::{DesignerProfile, Effect, ProjectChange, View};
use crate::time::{add_months, date_of, start_of_day, Instant};
use crate::verdict::{Outcome, Verdict, Violation};
use jiff::civil::Date;
use rand::seq::SliceRandom;
use rand::SeedableRng;

/// What a `close` found missing: a key (recorded once) and its violation.
pub(crate) type Missing = (String, Violation);

/// A note added to a close's reason, in Chinese and in English (each starting with its own
/// separator), e.g. the customers found on several divisions' lists.
pub(crate) type Note = (String, String);

impl Ctx<'_> {
    /// A decision with no customer record.
    pub(crate) fn plain(&self, v: Verdict, effects: Vec<Effect>) -> Decision {
        Decision {
            verdict: v,
            effects,
            target: Target::None,
        }
    }

    /// An act this rulebook gives no meaning (G-SCOPE).
    pub(crate) fn not_here(&self) -> Decision {
        let name = self.cmd.act.name();
        let v = self.verdict(
            Outcome::Rejected,
            rules::G_SCOPE,
            format!(
                "本项目的规则（{}）没有「{name}」这项操作 (the project's rulebook, {}, has no act {name})",
                self.preset.title_zh(),
                self.preset.name()
            ),
        );
        Decision {
            verdict: v,
            effects: vec![],
            target: self.target_or_none(),
        }
    }

    /// Whether `s` holds `post` in this project.
    pub(crate) fn has_post(&self, s: &StaffId, post: Post) -> bool {
        self.project.has_post(s, post)
    }

    /// The staff holding `post`, as parties to notify.
    pub(crate) fn post_parties(&self, post: Post) -> Vec<Party> {
        self.project
            .holders(post)
            .into_iter()
            .map(Party::Staff)
            .collect()
    }

    /// The staff of a role still with the company, as parties to notify.
    pub(crate) fn role_parties(&self, role: Role) -> Vec<Party> {
        self.dir
            .staff
            .iter()
            .filter(|s| s.role == role && !s.left)
            .map(|s| s.party())
            .collect()
    }

    pub(crate) fn is_manager(&self, s: &StaffId) -> bool {
        self.role(s).is_some_and(Role::is_manager)
    }

    // ----- appoint (任命) ------------------------------------------------------------------------

    pub(crate) fn appoint(&self) -> Decision {
        let Act::Appoint(a) = &self.cmd.act else {
            unreachable!("dispatched on appoint")
        };
        let rule = match a.post {
            Post::Coordinator => rules::CM_FIRSTINVITE,
            Post::ResourceDirector => rules::CM_LAPSE,
            Post::Chaser => rules::PF_CHASE,
            Post::MarketingManager => rules::PF_ORDER,
            Post::ContractAuthorised => rules::HD_CONTRACT,
            Post::Designer => rules::DSP_PRIORITY,
            Post::SalesControl => rules::INV_UNSOLD,
            Post::MarketingDirector => rules::CRD_OVER,
        };
        if !self.is_manager(&a.by) {
            let v = self.verdict(
                Outcome::Rejected,
                rule,
                format!(
                    "只有经理才能任命{} (only a manager appoints a {})",
                    a.post.zh(),
                    a.post.name()
                ),
            );
            return self.plain(v, vec![]);
        }
        if a.post == Post::Designer && !a.revoke && self.role(&a.staff) != Some(Role::Designer) {
            let v = self.verdict(
                Outcome::Rejected,
                rule,
                format!(
                    "{}不是设计师 ({} is not a designer)",
                    zh_text(self.name_of(&a.staff)),
                    self.name_of(&a.staff)
                ),
            );
            return self.plain(v, vec![]);
        }
        let mut eff = vec![self.project_change(ProjectChange::Post {
            staff: a.staff.clone(),
            post: a.post,
            on: !a.revoke,
        })];
        if a.post == Post::Designer {
            eff.push(self.project_change(ProjectChange::Designer {
                staff: a.staff.clone(),
                profile: (!a.revoke).then(|| DesignerProfile {
                    senior: a.senior,
                    design_fee: a.design_fee,
                    styles: a.styles.clone(),
                }),
            }));
        }
        let name = self.name_of(&a.staff);
        let reason = if a.revoke {
            format!(
                "{}不再担任{} ({name} no longer holds the post {})",
                zh_text(&name),
                a.post.zh(),
                a.post.name()
            )
        } else {
            format!(
                "{}担任{} ({name} holds the post {})",
                zh_text(&name),
                a.post.zh(),
                a.post.name()
            )
        };
        self.plain(self.verdict(Outcome::Accepted, rule, reason), eff)
    }

    // ----- leads (线索) and their distribution (DIST-EVEN) -----------------------------------------

    /// The party a lead is held by until it is handed out, and the rule that says so.
    pub(crate) fn lead_holder(&self) -> (Party, RuleId) {
        self.family().lead_holder()
    }

    pub(crate) fn lead(&self) -> Decision {
        let Act::Lead(act::Lead { batch, .. }) = &self.cmd.act else {
            unreachable!("dispatched on lead")
        };
        let (holder, rule) = self.lead_holder();
        let st = self.standing(self.view.as_ref());
        if self.view.is_some() && (st.protected || st.holding.is_some()) {
            // 对单: the customer is already recorded; the lead matches it.
            let v = self.with_standing(
                self.verdict(
                    Outcome::Accepted,
                    rule,
                    format!(
                        "线索与已登记客户对上（批次「{}」），归属不变 (the lead matches a recorded customer (batch {batch}); the owner does not change)",
                        zh_text(batch)
                    ),
                ),
                &st,
            );
            return Decision {
                verdict: v,
                effects: vec![],
                target: self.target(),
            };
        }
        let eff = vec![super::acts::holder(&holder, rule)];
        let v = self.settle(
            self.verdict(
                Outcome::Accepted,
                rule,
                format!(
                    "线索已录入（批次「{}」），分配前归{} (lead entered (batch {batch}); held by {holder} until it is handed out)",
                    zh_text(batch),
                    party_zh(&holder)
                ),
            ),
            &eff,
        );
        Decision {
            verdict: v,
            effects: eff,
            target: self.target(),
        }
    }

    /// The records of a batch's leads still held as entered.
    pub(crate) fn batch_leads(&self, batch: &str) -> Vec<&View> {
        let (holder, _) = self.lead_holder();
        self.held_by
            .iter()
            .filter(|v| {
                let Some(latest) = v.events.iter().rev().find(|e| {
                    e.effects
                        .iter()
                        .any(|x| matches!(x, Effect::Holder { .. } | Effect::Reassigned { .. }))
                }) else {
                    return false;
                };
                matches!(&latest.act, Act::Lead(l) if l.batch == batch)
                    && latest
                        .effects
                        .iter()
                        .any(|x| matches!(x, Effect::Holder { party, .. } if *party == holder))
            })
            .collect()
    }

    pub(crate) fn distribute(&self) -> Decision {
        let Act::Distribute(act::Distribute {
            by,
            batch,
            to,
            seed,
        }) = &self.cmd.act
        else {
            unreachable!("dispatched on distribute")
        };
        let rule = self.family().distribute_rule();
        if !self.is_manager(by) {
            let v = self.verdict(
                Outcome::Rejected,
                rule,
                "只有经理才能分配线索 (only a manager hands out leads)",
            );
            return self.plain(v, vec![]);
        }
        let leads = self.batch_leads(batch);
        let team = leads.iter().find_map(|v| {
            v.events.iter().find_map(|e| match &e.act {
                Act::Lead(l) if l.batch == *batch => l.team.clone(),
                _ => None,
            })
        });
        let mut targets: Vec<StaffId> = match to {
            Some(t) => t.clone(),
            None => self
                .dir
                .staff
                .iter()
                .filter(|s| s.role == Role::Sales && !s.left)
                .filter(|s| {
                    !self.family().distribute_within_team() || team.is_none() || s.team == team
                })
                .map(|s| s.id.clone())
                .collect(),
        };
        targets.retain(|s| self.presence(s) != crate::model::Presence::Left);
        if leads.is_empty() {
            let v = self.verdict(
                Outcome::Rejected,
                rule,
                format!(
                    "批次「{}」没有待分配的线索 (batch {batch} has no lead left to hand out)",
                    zh_text(batch)
                ),
            );
            return self.plain(v, vec![]);
        }
        // DIST-CAP: recipients who are full get nothing; the others as many as they have room.
        let mut room: Vec<(StaffId, Option<usize>)> = targets
            .iter()
            .map(|s| {
                let r = self.params.customer_cap.map(|cap| {
                    (cap as usize).saturating_sub(self.held_count(&Party::Staff(s.clone())))
                });
                (s.clone(), r)
            })
            .collect();
        room.retain(|(_, r)| r.is_none_or(|n| n > 0));
        if room.is_empty() {
            let v = self.verdict(
                Outcome::Rejected,
                if targets.is_empty() {
                    rule
                } else {
                    rules::DIST_CAP
                },
                if targets.is_empty() {
                    "没有可接收线索的人员 (nobody to hand the leads to)".to_string()
                } else {
                    "接收人都已达到持有客户上限 (every recipient holds the most customers allowed)"
                        .to_string()
                },
            );
            return self.plain(v, vec![]);
        }
        let mut ids: Vec<crate::model::CustomerId> = leads
            .iter()
            .filter_map(|v| v.ids.first().copied())
            .collect();
        ids.sort();
        ids.dedup();
        let mut rng = rand::rngs::StdRng::seed_from_u64(*seed);
        ids.shuffle(&mut rng);
        room.shuffle(&mut rng);
        // Dealt round by round, so that counts differ by at most one among those with room.
        let mut given: Vec<usize> = vec![0; room.len()];
        let mut eff = Vec::new();
        let mut left = ids.iter();
        'deal: loop {
            let mut any = false;
            for (i, (s, r)) in room.iter().enumerate() {
                if r.is_some_and(|n| given[i] >= n) {
                    continue;
                }
                let Some(id) = left.next() else {
                    break 'deal;
                };
                eff.push(Effect::Reassigned {
                    customer: *id,
                    party: Party::Staff(s.clone()),
                });
                given[i] += 1;
                any = true;
            }
            if !any {
                break;
            }
        }
        let dealt: Vec<crate::model::CustomerId> = eff
            .iter()
            .filter_map(|e| match e {
                Effect::Reassigned { customer, .. } => Some(*customer),
                _ => None,
            })
            .collect();
        let n = dealt.len();
        let k = room.len();
        let v = self.verdict(
            Outcome::Accepted,
            rule,
            format!(
                "批次「{}」的 {n} 条线索已平均分给 {k} 人（随机种子 {seed}） (batch {batch}: {n} leads dealt evenly to {k} people (seed {seed}))",
                zh_text(batch)
            ),
        );
        Decision {
            verdict: v,
            effects: eff,
            target: Target::Records(dealt),
        }
    }

    // ----- DIST-CAP --------------------------------------------------------------------------------

    /// How many customers `p` holds under protection now, besides this act's customer.
    pub(crate) fn held_count(&self, p: &Party) -> usize {
        let own: Vec<crate::model::CustomerId> = self
            .view
            .as_ref()
            .map(|v| v.ids.clone())
            .unwrap_or_default();
        self.held
            .iter()
            .filter(|(q, v)| q == p && !v.ids.iter().any(|i| own.contains(i)))
            .filter(|(_, v)| {
                let s = self.standing(Some(v));
                s.protected && &s.owner == p
            })
            .count()
    }

    /// DIST-CAP: the refusal of a claim that would take `p` over the cap.
    pub(crate) fn over_cap(&self, p: &Party, st: &super::Standing) -> Option<Verdict> {
        let cap = self.params.customer_cap?;
        if !matches!(p, Party::Staff(_)) {
            return None;
        }
        let n = self.held_count(p);
        (n >= cap as usize).then(|| {
            self.reject(
                st,
                rules::DIST_CAP,
                format!(
                    "已持有 {n} 个客户，达到上限 {cap} 个，不能再增加 (already holds {n} customers, the most allowed is {cap})"
                ),
            )
        })
    }

    // ----- close (日结/月结) -------------------------------------------------------------------------

    pub(crate) fn close(&self) -> Decision {
        let Act::Close(act::Close { by, day, month }) = &self.cmd.act else {
            unreachable!("dispatched on close")
        };
        let rule = self.family().close_rule();
        if !(self.is_manager(by) || self.has_post(by, Post::Coordinator)) {
            let v = self.verdict(
                Outcome::Rejected,
                rule,
                "只有经理或协调助理才能结账 (only a manager or the coordinator closes the books)",
            );
            return self.plain(v, vec![]);
        }
        let (missing, (note_zh, note_en)) = match (day, month) {
            (Some(d), None) => self.family().close_day(self, *d),
            (None, Some(m)) => {
                let end = add_months(start_of_day(*m), 1);
                if self.now < end {
                    let v = self.verdict(
                        Outcome::Accepted,
                        rule,
                        format!(
                            "{} 月尚未结束（{} 结束），不记录缺漏 (the month {} has not ended, it ends {}: nothing is recorded)",
                            &m.to_string()[..7],
                            crate::time::format_local(end),
                            &m.to_string()[..7],
                            crate::time::format_local(end)
                        ),
                    );
                    return self.plain(v, vec![]);
                }
                (self.family().close_month(self, *m), Default::default())
            }
            _ => {
                let v = self.verdict(
                    Outcome::Invalid,
                    rule,
                    "结账须指明 day（某日）或 month（某月）其中之一 (a close names either a day or a month)",
                );
                return self.plain(v, vec![]);
            }
        };
        let fresh: Vec<Missing> = missing
            .into_iter()
            .filter(|(k, _)| !self.project.closed.contains(k))
            .collect();
        let mut v = self.verdict(
            Outcome::Accepted,
            fresh
                .first()
                .and_then(|(_, x)| rules::lookup(&x.rule).map(|r| RuleId(r.id)))
                .unwrap_or(rule),
            if fresh.is_empty() {
                format!("已结账，没有缺漏{note_zh} (closed; nothing missing{note_en})")
            } else {
                format!(
                    "已结账，记录 {} 项缺漏{note_zh} (closed; {} missing items recorded{note_en})",
                    fresh.len(),
                    fresh.len(),
                )
            },
        );
        let keys: Vec<String> = fresh.iter().map(|(k, _)| k.clone()).collect();
        v.violations = fresh.into_iter().map(|(_, x)| x).collect();
        let eff = if keys.is_empty() {
            vec![]
        } else {
            vec![self.project_change(ProjectChange::Closed(keys))]
        };
        self.plain(v, eff)
    }

    /// A violation with no amount against `staff`.
    pub(crate) fn violation(
        &self,
        staff: &StaffId,
        rule: RuleId,
        amount: Option<i64>,
        note: String,
    ) -> Violation {
        Violation {
            staff: self.party(staff),
            rule: rule.0.into(),
            amount,
            note,
        }
    }
}

/// A party in Chinese (company, department, pool, a team).
pub(crate) fn party_zh(p: &Party) -> String {
    match p {
        Party::Pool => "公海".into(),
        Party::Company => "公司".into(),
        Party::Department => "部门".into(),
        Party::Team(t) => format!("{}组", zh_text(t)),
        Party::Staff(s) => zh_text(s),
        Party::Agency(a) => zh_text(a),
    }
}

/// The key of a day's missing item: its date first, so that old keys can be let go.
pub(crate) fn day_key(day: Date, what: &str) -> String {
    format!("{day}|{what}")
}

/// `hour`:00 local on `day`.
pub(crate) fn at_hour(day: Date, hour: i8) -> Instant {
    crate::time::from_local(day.to_datetime(jiff::civil::Time::constant(hour, 0, 0, 0)))
}

/// The local date of `t` (re-exported for the rulebooks).
pub(crate) fn day_of(t: Instant) -> Date {
    date_of(t)
}

#[cfg(test)]
mod tests {
    use crate::act::{self, Distribute};
    use crate::engine::{decide, Context};
    use crate::model::{
        Act, Command, CustomerId, CustomerInput, Directory, Party, Role, Staff, StaffId,
    };
    use crate::policy::{Preset, Rulebook};
    use crate::state::{Effect, Event, View};
    use crate::verdict::{Outcome, Verdict};
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    fn staff(id: &str, role: Role) -> Staff {
        Staff {
            id: StaffId(id.into()),
            name: id.into(),
            role,
            team: Some("一部".into()),
            agency: None,
            region: None,
            left: false,
        }
    }

    /// A lead of `batch` entered for the department (CM-EVEN).
    fn lead(id: i64, batch: &str) -> View {
        let at = crate::time::parse_local("2026-11-01 10:00").unwrap_or_default();
        let e = Event {
            seq: id,
            project: "p".into(),
            at,
            customers: vec![CustomerId(id)],
            act: Act::Lead(act::Lead {
                by: StaffId("M".into()),
                customer: CustomerInput {
                    phone: Some(format!("138{id:08}")),
                    ..CustomerInput::default()
                },
                batch: batch.into(),
                team: Some("一部".into()),
            }),
            verdict: Verdict::new(Outcome::Accepted, crate::rules::CM_EVEN, ""),
            effects: vec![Effect::Holder {
                party: Party::Department,
                rule: "CM-EVEN".into(),
            }],
        };
        View::new(vec![CustomerId(id)], vec![e])
    }

    proptest! {
        /// DIST-EVEN: every lead of the batch is dealt exactly once, and the recipients' counts
        /// differ by at most one, whatever the seed; leads of another batch stay.
        #[test]
        fn a_batch_is_dealt_evenly(n in 0usize..40, k in 1usize..8, other in 0usize..5, seed in any::<u64>()) {
            let mut dir = Directory::default();
            dir.staff.push(staff("M", Role::Manager));
            let to: Vec<StaffId> = (0..k).map(|i| StaffId(format!("S{i}"))).collect();
            for s in &to {
                dir.staff.push(staff(&s.0, Role::Sales));
            }
            let rb = Rulebook::preset(Preset::ConferenceMarketing);
            let mut held_by: Vec<View> = (0..n as i64).map(|i| lead(i + 1, "b")).collect();
            held_by.extend((0..other as i64).map(|i| lead(1000 + i, "other")));
            let ctx = Context {
                directory: Some(&dir),
                rulebook: Some(&rb),
                held_by,
                ..Context::default()
            };
            let at = crate::time::parse_local("2026-11-02 10:00").unwrap_or_default();
            let cmd = Command {
                project: "p".into(),
                at,
                act: Act::Distribute(Distribute { by: StaffId("M".into()), batch: "b".into(), to: Some(to.clone()), seed }),
            };
            let d = decide(&ctx, &cmd, at).map_err(|e| TestCaseError::fail(e.to_string()))?;
            if n == 0 {
                prop_assert_eq!(d.verdict.outcome, Outcome::Rejected);
                return Ok(());
            }
            let mut per: BTreeMap<Party, usize> = BTreeMap::new();
            let mut dealt: Vec<CustomerId> = Vec::new();
            for e in &d.effects {
                if let Effect::Reassigned { customer, party } = e {
                    *per.entry(party.clone()).or_default() += 1;
                    dealt.push(*customer);
                }
            }
            dealt.sort();
            let want: Vec<CustomerId> = (1..=n as i64).map(CustomerId).collect();
            prop_assert_eq!(dealt, want, "each lead of the batch once, no other");
            let counts: Vec<usize> = to.iter().map(|s| per.get(&Party::Staff(s.clone())).copied().unwrap_or(0)).collect();
            let (lo, hi) = (counts.iter().min().copied().unwrap_or(0), counts.iter().max().copied().unwrap_or(0));
            prop_assert!(hi - lo <= 1, "counts {:?}", counts);
        }
    }
}
