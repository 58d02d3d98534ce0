//! The sales control (销控, INV-UNSOLD) and the changes after a deposit (CHG-CHANGES).
//!
//! The project's units are in its state (`ProjectState::units`), each with the record that holds
//! it. A deposit on a unit is taken only if the unit is for sale and held by nobody else; the same
//! customer's later deposit on it (小定 → 大定) is the same hold, raised. A signed deal turns the
//! hold into a signed one. A unit is released only by a refund (退房) or a unit change (换房).
//! Because the writer decides acts one at a time against the state it has just written (one
//! writer per database: SQLite's, PostgreSQL's advisory lock), two customers' deposits on one
//! unit cannot both be taken, whatever arrives together.

use super::matters::{self, MatterState};
use super::{Ctx, Decision, Standing};
use crate::act::{Change, ChangeKind, Matter, Post, Units};
use crate::model::{Act, DepositKind, Party, Role};
use crate::rules;
use crate::state::{Effect, Hold, HoldKind, ProjectChange, UnitState, View};
use crate::verdict::{Outcome, Verdict};

/// The hold a deposit of this kind makes.
fn hold_kind(k: DepositKind) -> HoldKind {
    match k {
        DepositKind::Small => HoldKind::Small,
        DepositKind::Large => HoldKind::Large,
        DepositKind::Deposit | DepositKind::Measure | DepositKind::Promotion => HoldKind::Deposit,
    }
}

/// The units a record holds (its ids), by name.
pub fn held_units<'p>(
    units: &'p std::collections::BTreeMap<String, UnitState>,
    view: &View,
) -> Vec<(&'p String, &'p UnitState)> {
    units
        .iter()
        .filter(|(_, u)| {
            u.hold
                .as_ref()
                .is_some_and(|h| view.ids.iter().any(|c| c.0 == h.record))
        })
        .collect()
}

fn area_text(hundredths: i64) -> String {
    if hundredths % 100 == 0 {
        format!("{}", hundredths / 100)
    } else {
        format!("{}.{:02}", hundredths / 100, hundredths % 100)
    }
}

impl Ctx<'_> {
    fn record_id(&self) -> Option<i64> {
        self.view.as_ref()?.ids.first().map(|c| c.0)
    }

    /// The master sales control (总销控): the holders of the post, else the managers.
    fn sales_control(&self) -> Vec<Party> {
        let posts = self.post_parties(Post::SalesControl);
        if !posts.is_empty() {
            return posts;
        }
        self.role_parties(Role::Manager)
    }

    fn unit_effect(&self, key: &str, hold: Option<Hold>, reserved: Option<i64>) -> Effect {
        self.project_change(ProjectChange::Unit {
            key: key.to_string(),
            hold,
            reserved,
        })
    }

    /// 销控表: the sheet's units are set (managers, the master sales control).
    pub(crate) fn units_act(&self) -> Decision {
        let Act::Units(Units { by, units }) = &self.cmd.act else {
            unreachable!("dispatched on units")
        };
        if !self.is_manager(by) && !self.has_post(by, Post::SalesControl) {
            return self.plain(
                self.verdict(
                    Outcome::Rejected,
                    rules::INV_UNSOLD,
                    "销控表由经理或总销控维护 (the sales control is kept by a manager or the master sales control)",
                ),
                vec![],
            );
        }
        let new = units
            .iter()
            .filter(|u| !self.project.units.contains_key(&u.key()))
            .count();
        let kept = units
            .iter()
            .filter(|u| {
                self.project
                    .units
                    .get(&u.key())
                    .is_some_and(|s| s.hold.is_some() || s.reserved.is_some())
            })
            .count();
        let v = self.verdict(
            Outcome::Accepted,
            rules::INV_UNSOLD,
            format!(
                "销控表已更新：{} 套，其中新增 {new} 套；已定或已签约的 {kept} 套保留原客户 ({} units set, {new} new; the {kept} held keep their customers)",
                units.len(),
                units.len()
            ),
        );
        self.plain(
            v,
            vec![self.project_change(ProjectChange::Units(units.clone()))],
        )
    }

    /// INV-UNSOLD for a deposit that names a unit: `Err` refuses the deposit; `Ok` gives the
    /// hold to record and whom to tell.
    pub(crate) fn unit_deposit(
        &self,
        st: &Standing,
        unit: &str,
        kind: DepositKind,
    ) -> Result<(Effect, Vec<Party>), Box<Verdict>> {
        let refuse = |why: String| Box::new(self.reject(st, rules::INV_UNSOLD, why));
        let Some(record) = self.record_id() else {
            return Err(refuse(
                "收定金前须先登记客户 (register the customer before taking a deposit)".into(),
            ));
        };
        let Some(u) = self.project.units.get(unit) else {
            return Err(refuse(format!(
                "销控表中没有房源 {unit} (no unit {unit} in the sales control)"
            )));
        };
        let ids = self.view.as_ref().map(|v| v.ids.as_slice()).unwrap_or(&[]);
        if !u.free_for(ids) {
            let (word, class) = u.status();
            return Err(refuse(format!(
                "{unit} 销控状态为「{word}」，不能收定金 ({unit} is not free for a deposit: {class})"
            )));
        }
        let mut k = hold_kind(kind);
        if let Some(h) = &u.hold {
            if h.kind == HoldKind::Signed {
                return Err(refuse(format!(
                    "{unit} 已签约 ({unit} is already signed for)"
                )));
            }
            k = k.max(h.kind);
        }
        let eff = self.unit_effect(unit, Some(Hold { record, kind: k }), None);
        Ok((eff, self.sales_control()))
    }

    /// A signed deal: the units the customer holds are signed for.
    pub(crate) fn sign_units(&self) -> Vec<Effect> {
        let Some(view) = self.view.as_ref() else {
            return vec![];
        };
        held_units(&self.project.units, view)
            .into_iter()
            .filter_map(|(k, u)| {
                let h = u.hold.as_ref()?;
                (h.kind != HoldKind::Signed).then(|| {
                    self.unit_effect(
                        k,
                        Some(Hold {
                            record: h.record,
                            kind: HoldKind::Signed,
                        }),
                        u.reserved,
                    )
                })
            })
            .collect()
    }

    fn signed(&self) -> bool {
        self.view.as_ref().is_some_and(|v| {
            v.acts("deal")
                .any(|e| matches!(e.verdict.outcome, Outcome::Accepted | Outcome::Pending))
                || held_units(&self.project.units, v)
                    .iter()
                    .any(|(_, u)| u.hold.as_ref().is_some_and(|h| h.kind == HoldKind::Signed))
        })
    }

    /// 换房, 换名, 退房 (CHG-CHANGES).
    pub(crate) fn change(&self) -> Decision {
        let Act::Change(c) = &self.cmd.act else {
            unreachable!("dispatched on change")
        };
        let st = self.standing(self.view.as_ref());
        let done = |v: Verdict, eff: Vec<Effect>| Decision {
            verdict: v,
            effects: eff,
            target: self.target_or_none(),
        };
        let Some(view) = self.view.as_ref() else {
            return done(
                self.verdict(
                    Outcome::Rejected,
                    rules::CHG_CHANGES,
                    "查无此客户 (no such customer)",
                ),
                vec![],
            );
        };
        let me = self.party(&c.by);
        let credited = view.last_deal().and_then(|d| d.verdict.credited.clone());
        if !self.is_manager(&c.by) && st.owner != me && credited.as_ref() != Some(&me) {
            return done(
                self.reject(
                    &st,
                    rules::CHG_CHANGES,
                    "换房、换名、退房由客户的置业顾问或经理办理 (a change is made by the customer's salesperson or a manager)",
                ),
                vec![],
            );
        }
        match c.kind {
            ChangeKind::Unit => self.unit_change(c, &st, view, done),
            ChangeKind::Name => {
                let Some(name) = &c.name else {
                    return done(
                        self.verdict(
                            Outcome::Invalid,
                            rules::CHG_CHANGES,
                            "换名须写明新的买受人姓名（name） (a name change names the new buyer: name)",
                        ),
                        vec![],
                    );
                };
                let signed = self.signed();
                let why = match (signed, c.fee) {
                    (true, Some(fee)) if fee > 0 => format!(
                        "签约后换名为「{name}」，按过户办理，过户费 {fee} 元；业绩归属不变 (renamed to {name} after signing: a transfer, fee {fee} yuan; the deal's credit is unchanged)"
                    ),
                    (true, _) => {
                        return done(
                            self.reject(
                                &st,
                                rules::CHG_CHANGES,
                                "签约后换名按过户办理，须登记过户费（fee） (a name change after signing is a transfer: record its fee)",
                            ),
                            vec![],
                        )
                    }
                    (false, _) => format!(
                        "签约前换名为「{name}」，不收费；业绩归属不变 (renamed to {name} before signing, free; the deal's credit is unchanged)"
                    ),
                };
                done(
                    self.with_standing(
                        self.verdict(Outcome::Accepted, rules::CHG_CHANGES, why),
                        &st,
                    ),
                    vec![],
                )
            }
            ChangeKind::Refund => {
                if self.signed() {
                    return done(
                        self.reject(
                            &st,
                            rules::CHG_CHANGES,
                            "已签约，不予退房 (signed: no refund)",
                        ),
                        vec![],
                    );
                }
                if matters::undecided(view, Matter::Refund).is_some() {
                    return done(
                        self.reject(
                            &st,
                            rules::CHG_CHANGES,
                            "已有待经理审批的退房申请 (a refund already waits for the manager)",
                        ),
                        vec![],
                    );
                }
                let (Some(reason), Some(retention)) = (&c.reason, &c.retention) else {
                    return done(
                        self.reject(
                            &st,
                            rules::CHG_CHANGES,
                            "退房须先记录挽留经过（retention）和客户的退房原因（reason） (record the attempt to keep the customer, retention, and the reason first)",
                        ),
                        vec![],
                    );
                };
                let mut v = self.with_standing(
                    self.verdict(
                        Outcome::Pending,
                        rules::CHG_CHANGES,
                        format!(
                            "签约前退房，待经理审批；原因：{reason}；挽留：{retention} (refund before signing, for the manager to decide; reason: {reason}; retention: {retention})"
                        ),
                    ),
                    &st,
                );
                v.notify = self.team_managers(&self.party(&c.by));
                done(v, vec![])
            }
        }
    }

    fn unit_change(
        &self,
        c: &Change,
        st: &Standing,
        view: &View,
        done: impl Fn(Verdict, Vec<Effect>) -> Decision,
    ) -> Decision {
        let Some(to) = &c.to else {
            return done(
                self.verdict(
                    Outcome::Invalid,
                    rules::CHG_CHANGES,
                    "换房须写明新房源（to，楼栋-房号） (a unit change names the new unit: to)",
                ),
                vec![],
            );
        };
        let held = held_units(&self.project.units, view);
        let Some((from, old)) = held.last() else {
            return done(
                self.reject(
                    st,
                    rules::CHG_CHANGES,
                    "该客户没有已定的房源可换 (the customer holds no unit to change)",
                ),
                vec![],
            );
        };
        if matters::undecided(view, Matter::UnitChange).is_some() {
            return done(
                self.reject(
                    st,
                    rules::CHG_CHANGES,
                    "已有待经理审批的换房申请 (a unit change already waits for the manager)",
                ),
                vec![],
            );
        }
        let Some(new) = self.project.units.get(to) else {
            return done(
                self.reject(
                    st,
                    rules::INV_UNSOLD,
                    format!("销控表中没有房源 {to} (no unit {to} in the sales control)"),
                ),
                vec![],
            );
        };
        if *from == to || !new.free_for(&view.ids) || new.hold.is_some() {
            let (word, class) = new.status();
            return done(
                self.reject(
                    st,
                    rules::INV_UNSOLD,
                    format!("{to} 销控状态为「{word}」，不能换入 ({to} is not free: {class})"),
                ),
                vec![],
            );
        }
        let Some(hold) = old.hold.clone() else {
            unreachable!("held units have a hold")
        };
        let (a0, p0, a1, p1) = (old.row.area, old.row.price, new.row.area, new.row.price);
        let facts = format!(
            "{from}（{} ㎡，{p0} 元）换 {to}（{} ㎡，{p1} 元）",
            area_text(a0),
            area_text(a1)
        );
        if a1 >= a0 && p1 >= p0 {
            let eff = vec![
                self.unit_effect(from, None, None),
                self.unit_effect(to, Some(hold), None),
            ];
            let mut v = self.with_standing(
                self.verdict(
                    Outcome::Accepted,
                    rules::CHG_CHANGES,
                    format!(
                        "{facts}：以小换大、以金额小换金额大，同意；原房源释放 (to a unit at least as large and as dear: accepted; {from} released)"
                    ),
                ),
                st,
            );
            v.notify = self.sales_control();
            return done(v, eff);
        }
        let mut v = self.with_standing(
            self.verdict(
                Outcome::Pending,
                rules::CHG_CHANGES,
                format!(
                    "{facts}：新房源面积或总价较小，待经理审批；{to} 为其保留 (to a smaller or cheaper unit: for the manager to decide; {to} is reserved meanwhile)"
                ),
            ),
            st,
        );
        v.notify = self.team_managers(&self.party(&c.by));
        done(v, vec![self.unit_effect(to, None, Some(hold.record))])
    }

    /// The managers of a party's team (all managers when it has none).
    pub(crate) fn team_managers(&self, p: &Party) -> Vec<Party> {
        let team = self.team_of(p);
        self.dir
            .staff
            .iter()
            .filter(|s| s.role == Role::Manager && !s.left && (team.is_none() || s.team == team))
            .map(|s| s.party())
            .collect()
    }

    /// The effects of a decided unit change or refund.
    pub(crate) fn change_decided(&self, m: &MatterState, approved: bool) -> Vec<Effect> {
        let Some(view) = self.view.as_ref() else {
            return vec![];
        };
        let Act::Change(c) = &m.event.act else {
            return vec![];
        };
        let held = held_units(&self.project.units, view);
        match (c.kind, approved) {
            (ChangeKind::Unit, _) => {
                let Some(to) = c.to.as_deref() else {
                    return vec![];
                };
                let Some(new) = self.project.units.get(to) else {
                    return vec![];
                };
                if !approved {
                    return vec![self.unit_effect(to, new.hold.clone(), None)];
                }
                let Some((from, old)) = held.last() else {
                    return vec![self.unit_effect(to, None, None)];
                };
                vec![
                    self.unit_effect(from, None, None),
                    self.unit_effect(to, old.hold.clone(), None),
                ]
            }
            (ChangeKind::Refund, true) => {
                let mut eff: Vec<Effect> = held
                    .iter()
                    .map(|(k, _)| self.unit_effect(k, None, None))
                    .collect();
                // A unit reserved for a pending change is released with the refund.
                for (k, u) in &self.project.units {
                    if u.reserved
                        .is_some_and(|r| view.ids.iter().any(|c| c.0 == r))
                    {
                        eff.push(self.unit_effect(k, u.hold.clone(), None));
                    }
                }
                eff
            }
            _ => vec![],
        }
    }
}
