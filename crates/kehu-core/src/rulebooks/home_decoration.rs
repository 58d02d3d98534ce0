//! `home-decoration`: a store whose customer manager registers every customer and dispatches it to
//! a designer (RULES.md §3.11, seed 002), with the dispatch rules of §5.
//!
//! Rules decided here: HD-OWNER, HD-LEADS, HD-HANDOVER, HD-DEPOSIT, HD-CONTRACT, and DSP-CAP,
//! DSP-STALL, DSP-REFUSE, DSP-PRIORITY (§5), which only this rulebook has.

use super::Family;
use crate::act::{self, Post, Purpose, Stage};
use crate::engine::acts::{holder, VisitArgs};
use crate::engine::deal::Attribution;
use crate::engine::{zh_text, Ctx, Decision, Standing};
use crate::model::{Act, CustomerInput, Party, Presence, Role, StaffId};
use crate::policy::Preset;
use crate::rules::{self, RuleId};
use crate::state::{Effect, Event, Holding, Order, ProjectChange, View};
use crate::time::{add_months, format_local, Instant};
use crate::verdict::{EventRef, Outcome, Until, Verdict};

/// RULES.md §3.11.
pub(crate) struct HomeDecoration;

/// The rule IDs of §3.11, each decided in this file.
pub(crate) const RULES: &[&str] = &[
    "HD-OWNER",
    "HD-LEADS",
    "HD-HANDOVER",
    "HD-DEPOSIT",
    "HD-CONTRACT",
];

impl Family for HomeDecoration {
    fn preset(&self) -> Preset {
        Preset::HomeDecoration
    }

    fn rules(&self) -> &'static [&'static str] {
        RULES
    }

    fn first_rule(&self) -> RuleId {
        rules::HD_OWNER
    }

    fn lead_holder(&self) -> (Party, RuleId) {
        (Party::Company, rules::HD_LEADS)
    }

    fn required_on_form(&self, _agent: bool) -> &'static [&'static str] {
        &["name", "phone", "address"]
    }

    fn missing_phone_rule(&self, act: &Act) -> RuleId {
        match act {
            Act::Register(_) => rules::HD_OWNER,
            _ => rules::G_PHONE,
        }
    }

    /// HD-OWNER: a registration has the customer's name, phone and address (as ST-FIELDS).
    fn required_fields(&self, cx: &Ctx, c: &CustomerInput) -> Option<Verdict> {
        if !matches!(cx.cmd.act, Act::Register(_)) {
            return None;
        }
        let blank = |f: &Option<String>| f.as_deref().is_none_or(|s| s.trim().is_empty());
        let mut missing: Vec<(&str, &str)> = Vec::new();
        if blank(&c.name) {
            missing.push(("姓名", "name"));
        }
        if blank(&c.phone) {
            missing.push(("电话", "phone"));
        }
        if blank(&c.address) {
            missing.push(("地址", "address"));
        }
        (!missing.is_empty()).then(|| {
            let zh: Vec<&str> = missing.iter().map(|m| m.0).collect();
            let en: Vec<&str> = missing.iter().map(|m| m.1).collect();
            cx.verdict(
                Outcome::Invalid,
                rules::HD_OWNER,
                format!(
                    "客户登记缺少{}，登记无效 (the registration lacks the customer's {})",
                    zh.join("、"),
                    en.join(", ")
                ),
            )
        })
    }

    fn deposit_rule(&self, _st: &Standing) -> Option<RuleId> {
        Some(rules::HD_DEPOSIT)
    }

    fn own_act(&self, cx: &Ctx) -> Option<Decision> {
        Some(match &cx.cmd.act {
            Act::Register(a) => cx.hd_register(&a.by),
            Act::Dispatch(a) => cx.dispatch(a),
            Act::Refuse(a) => cx.refuse(&a.by),
            Act::StageAct(a) => cx.hd_stage(a),
            Act::HandOver(a) => cx.hand_over(a),
            Act::Deposit(_) => {
                let d = cx.deposit();
                cx.with_order(d, |o| o.deposit = true)
            }
            Act::Deal(_) => {
                let d = cx.deal();
                cx.without_order(d)
            }
            Act::Distribute(_) => cx.plain(
                cx.verdict(
                    Outcome::Rejected,
                    rules::DSP_PRIORITY,
                    "家装门店的客户由客户经理逐个派给设计师，不成批平均分配 (a store dispatches each customer to a designer; leads are not handed out in batches)",
                ),
                vec![],
            ),
            _ => return None,
        })
    }

    fn standing(&self, _cx: &Ctx, _view: &View, h: &Holding, relied: Vec<EventRef>) -> Standing {
        // HD-OWNER: a dispatched designer holds the customer with no end.
        crate::engine::standing::mk_standing(
            h,
            h.party.clone(),
            Some(Until::None),
            true,
            rules::HD_OWNER,
            relied,
        )
    }

    fn visit(&self, cx: &Ctx, a: &VisitArgs) -> Decision {
        cx.visit_generic(a)
    }

    fn deal(&self, cx: &Ctx, st: &Standing) -> Result<Attribution, Box<Decision>> {
        Ok(cx.deal_owner(st, Some(rules::HD_OWNER)))
    }
}

/// A designer's row on the store's dispatch board (派单看板, DSP-*): their profile, their orders,
/// whether a dispatch to them is allowed now and why, and their rank as advice (DSP-PRIORITY).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DesignerRow {
    pub staff: StaffId,
    pub senior: bool,
    pub design_fee: bool,
    pub styles: Vec<String>,
    /// Dispatched customers with a deposit, neither signed nor lost (DSP-CAP).
    pub active: usize,
    /// Dispatched customers held in all.
    pub held: usize,
    pub suspended_until: Option<Instant>,
    /// The registration of a stalled customer with a plan drawn (DSP-STALL).
    pub stalled_since: Option<Instant>,
    /// The rule that bars a dispatch now, if any.
    pub barred_by: Option<String>,
    /// 1 for the first choice among those not barred.
    pub rank: Option<usize>,
    /// Why the designer ranks where they do, `中文 (English)`.
    pub why: String,
}

/// The dispatch board of a store at `now`: every designer, ranked (DSP-PRIORITY: senior or
/// fee-charging first, then fewer active orders), those barred by DSP-REFUSE, DSP-CAP or
/// DSP-STALL last with their rule.
pub fn dispatch_board(
    rb: &crate::policy::Rulebook,
    dir: &crate::model::Directory,
    project: &crate::state::ProjectState,
    now: Instant,
) -> Vec<DesignerRow> {
    let cmd = crate::model::Command {
        project: String::new(),
        at: now,
        act: Act::Query(act::Query {
            customer: CustomerInput::default(),
        }),
    };
    let cx = Ctx {
        rb,
        params: &rb.params,
        preset: rb.preset,
        dir,
        project,
        now,
        cmd: &cmd,
        view: None,
        household: &[],
        referrer: None,
        held_by: &[],
        held: &[],
        candidates: &[],
    };
    let ranked = cx.ranking(None);
    let mut rows: Vec<DesignerRow> = dir
        .staff
        .iter()
        .filter(|s| s.role == Role::Designer && !s.left)
        .map(|s| {
            let d = &s.id;
            let profile = project.designers.get(d).cloned().unwrap_or_default();
            let suspended_until = cx.suspended_until(d);
            let stalled_since = cx.stalled(d);
            let active = cx.active_orders(d);
            let barred_by = if suspended_until.is_some() {
                Some(rules::DSP_REFUSE)
            } else if active >= rb.params.order_cap as usize {
                Some(rules::DSP_CAP)
            } else if stalled_since.is_some() {
                Some(rules::DSP_STALL)
            } else {
                None
            };
            let pos = ranked.iter().position(|(x, _)| x == d);
            let why = match (pos, barred_by) {
                (Some(i), _) => ranked[i].1.clone(),
                (None, Some(r)) if r == rules::DSP_REFUSE => format!(
                    "拒单后停止派单至 {} (refused a dispatch: none until {})",
                    suspended_until.map(format_local).unwrap_or_default(),
                    suspended_until.map(format_local).unwrap_or_default()
                ),
                (None, Some(r)) if r == rules::DSP_CAP => format!(
                    "在手 {active} 单已满 (holds {active} active orders, the most allowed)"
                ),
                (None, _) => format!(
                    "有 {} 登记、已出图仍未签约的客户 (holds a customer registered {} with a plan drawn and unsigned)",
                    stalled_since.map(format_local).unwrap_or_default(),
                    stalled_since.map(format_local).unwrap_or_default()
                ),
            };
            DesignerRow {
                staff: d.clone(),
                senior: profile.senior,
                design_fee: profile.design_fee,
                styles: profile.styles,
                active,
                held: cx.orders_of(d).count(),
                suspended_until,
                stalled_since,
                barred_by: barred_by.map(|r| r.0.to_string()),
                rank: pos.map(|i| i + 1),
                why,
            }
        })
        .collect();
    rows.sort_by_key(|r| (r.rank.is_none(), r.rank));
    rows
}

/// Whether the customer reached `stage` (an accepted `stage`; a deal counts as signed).
fn reached(view: &View, stage: Stage) -> bool {
    view.events.iter().any(|e| {
        e.verdict.outcome == Outcome::Accepted
            && match &e.act {
                Act::StageAct(s) => s.stage == stage,
                Act::Deal(_) => stage == Stage::Signed,
                _ => false,
            }
    })
}

/// The customer manager's registration (HD-OWNER), if any.
fn registration(view: &View) -> Option<&Event> {
    view.acts("register")
        .find(|e| e.verdict.outcome == Outcome::Accepted)
}

impl Ctx<'_> {
    fn hd_done(&self, v: Verdict, effects: Vec<Effect>) -> Decision {
        Decision {
            verdict: v,
            effects,
            target: self.target_or_none(),
        }
    }

    /// HD-OWNER: the customer manager registers the customer for the store; `company` holds it.
    fn hd_register(&self, by: &StaffId) -> Decision {
        let st = self.standing(self.view.as_ref());
        let role = self.role(by);
        if !matches!(role, Some(Role::Sales)) && !self.is_manager(by) {
            let v = self.reject(
                &st,
                rules::HD_OWNER,
                "客户由客户经理统一登记，设计师和其他人员不登记客户 (the customer manager registers every customer; designers do not)",
            );
            return self.hd_done(v, vec![]);
        }
        if self.presence(by) == Presence::Left {
            let v = self.reject(
                &st,
                rules::SEC_LEAVE,
                "已离职的人员不能再登记客户 (a departed person cannot register customers)",
            );
            return self.hd_done(v, vec![]);
        }
        let registered = self.view.as_ref().and_then(registration).is_some();
        if registered {
            let v = self.reject(
                &st,
                rules::HD_OWNER,
                "该客户已在本店登记 (the customer is already registered with the store)",
            );
            return self.hd_done(v, vec![]);
        }
        // A marketing lead (HD-LEADS) or a new customer: registered for the store, held by the
        // company until it is dispatched.
        let lead = st
            .holding
            .as_ref()
            .is_some_and(|h| h.rule == rules::HD_LEADS.0);
        let mut eff = Vec::new();
        if !(st.protected && st.owner != Party::Company) {
            eff.push(holder(&Party::Company, rules::HD_OWNER));
        }
        let reason = if lead {
            "客户已登记，与市场部供单对上；派单前归公司 (registered, matching the marketing lead; held by the company until dispatched)"
        } else {
            "客户已登记；派单前归公司 (registered; held by the company until dispatched)"
        };
        let v = self.settle(
            self.verdict(Outcome::Accepted, rules::HD_OWNER, reason),
            &eff,
        );
        Decision {
            verdict: v,
            effects: eff,
            target: self.target(),
        }
    }

    /// The orders a designer holds (DSP-CAP: with a deposit; DSP-STALL: stalled ones).
    fn orders_of<'s>(&'s self, d: &'s StaffId) -> impl Iterator<Item = (&'s i64, &'s Order)> + 's {
        self.project
            .orders
            .iter()
            .filter(move |(_, o)| &o.designer == d)
    }

    fn active_orders(&self, d: &StaffId) -> usize {
        self.orders_of(d).filter(|(_, o)| o.deposit).count()
    }

    /// DSP-STALL: a customer on FUP-STALE's list (registered `stall_months` or more ago, unsigned,
    /// not lost, with a deposit, a design fee or a quote), not off-plan, for whom the designer
    /// drew a plan.
    fn stalled(&self, d: &StaffId) -> Option<Instant> {
        self.orders_of(d)
            .filter(|(_, o)| o.plan && !o.off_plan && (o.deposit || o.quoted))
            .map(|(_, o)| o.registered)
            .find(|r| add_months(*r, self.params.stall_months) <= self.now)
    }

    fn suspended_until(&self, d: &StaffId) -> Option<Instant> {
        self.project
            .suspended
            .get(d)
            .copied()
            .filter(|u| *u > self.now)
    }

    /// Whether a designer may take a dispatch now (DSP-REFUSE, DSP-CAP, DSP-STALL).
    fn eligible(&self, d: &StaffId) -> bool {
        self.role(d) == Some(Role::Designer)
            && self.presence(d) != Presence::Left
            && self.suspended_until(d).is_none()
            && self.active_orders(d) < self.params.order_cap as usize
            && self.stalled(d).is_none()
    }

    /// A senior or fee-charging designer (DSP-PRIORITY).
    fn preferred(&self, d: &StaffId) -> bool {
        self.project
            .designers
            .get(d)
            .is_some_and(|p| p.senior || p.design_fee)
    }

    /// DSP-PRIORITY: the designers eligible now, ranked as advice: the one the customer asked for,
    /// then senior or fee-charging ones, then by fewer active orders; with why.
    pub(crate) fn ranking(&self, requested: Option<&StaffId>) -> Vec<(StaffId, String)> {
        let mut ds: Vec<&crate::model::Staff> = self
            .dir
            .staff
            .iter()
            .filter(|s| self.eligible(&s.id))
            .collect();
        ds.sort_by_key(|s| {
            (
                Some(&s.id) != requested,
                !self.preferred(&s.id),
                self.active_orders(&s.id),
            )
        });
        ds.into_iter()
            .map(|s| {
                let why = format!(
                    "{}在手 {} 单 ({}{} active orders)",
                    if Some(&s.id) == requested {
                        "客户指定；"
                    } else if self.preferred(&s.id) {
                        "资深或收设计费；"
                    } else {
                        ""
                    },
                    self.active_orders(&s.id),
                    if Some(&s.id) == requested {
                        "asked for by the customer; "
                    } else if self.preferred(&s.id) {
                        "senior or fee-charging; "
                    } else {
                        ""
                    },
                    self.active_orders(&s.id)
                );
                (s.id.clone(), why)
            })
            .collect()
    }

    fn large(&self, budget: Option<i64>, area: Option<i64>) -> bool {
        let over = |v: Option<i64>, t: Option<i64>| matches!((v, t), (Some(v), Some(t)) if v > t);
        over(budget, self.params.large_budget) || over(area, self.params.large_area)
    }

    fn dispatch(&self, a: &act::Dispatch) -> Decision {
        let st = self.standing(self.view.as_ref());
        let d = &a.designer;
        let dname = self.name_of(d);
        let no =
            |rule: RuleId, reason: String| self.hd_done(self.reject(&st, rule, reason), vec![]);
        if !matches!(self.role(&a.by), Some(Role::Sales)) && !self.is_manager(&a.by) {
            return no(
                rules::HD_OWNER,
                "只有客户经理或店长派单 (only the customer manager or the store manager dispatches)".into(),
            );
        }
        let Some(reg) = self.view.as_ref().and_then(registration) else {
            return no(
                rules::HD_OWNER,
                "客户尚未在本店登记，须先登记再派单 (the customer is not registered with the store; register before dispatching)".into(),
            );
        };
        if let Party::Staff(cur) = &st.owner {
            if cur == d {
                return no(
                    rules::HD_OWNER,
                    format!(
                        "该客户已派给{} (the customer is already with {dname})",
                        zh_text(&dname)
                    ),
                );
            }
            if !self.is_manager(&a.by) {
                return no(
                    rules::HD_OWNER,
                    "客户已派给设计师，只有店长可以改派 (the customer is with a designer; only the store manager re-dispatches)".into(),
                );
            }
        }
        if self.role(d) != Some(Role::Designer) || self.presence(d) == Presence::Left {
            return no(
                rules::HD_OWNER,
                format!(
                    "{}不是在职设计师 ({dname} is not a designer on the staff)",
                    zh_text(&dname)
                ),
            );
        }
        if let Some(u) = self.suspended_until(d) {
            return no(
                rules::DSP_REFUSE,
                format!(
                    "{}拒单后停止派单至 {} ({dname} refused a dispatch and gets none until {})",
                    zh_text(&dname),
                    format_local(u),
                    format_local(u)
                ),
            );
        }
        let cap = self.params.order_cap;
        let n = self.active_orders(d);
        if n >= cap as usize {
            return no(
                rules::DSP_CAP,
                format!(
                    "{}已有 {n} 个已收定金的在手单，达到上限 {cap} 个 ({dname} holds {n} active orders with a deposit; the most is {cap})",
                    zh_text(&dname)
                ),
            );
        }
        if let Some(r) = self.stalled(d) {
            return no(
                rules::DSP_STALL,
                format!(
                    "{}手上有 {} 登记、已出图却 {} 个月未签约的客户，暂停派单 ({dname} holds a customer registered {} with a plan drawn and unsigned for {} months)",
                    zh_text(&dname),
                    format_local(r),
                    self.params.stall_months,
                    format_local(r),
                    self.params.stall_months
                ),
            );
        }
        if self.large(a.budget, a.area) && !self.preferred(d) {
            let better: Vec<StaffId> = self
                .dir
                .staff
                .iter()
                .map(|s| s.id.clone())
                .filter(|s| self.eligible(s) && self.preferred(s))
                .collect();
            if !better.is_empty() {
                let names: Vec<String> = better.iter().map(|s| self.name_of(s)).collect();
                return no(
                    rules::DSP_PRIORITY,
                    format!(
                        "大单须优先派给资深或收设计费的设计师（{}） (a large order goes to a senior or fee-charging designer while one is free: {})",
                        zh_text(names.join("、")),
                        names.join(", ")
                    ),
                );
            }
        }
        let id = self.view.as_ref().and_then(|v| v.ids.first()).map(|c| c.0);
        let view = self.view.as_ref();
        let order = Order {
            designer: d.clone(),
            registered: reg.at,
            dispatched: self.now,
            deposit: view.is_some_and(|v| {
                v.acts("deposit")
                    .any(|e| e.verdict.outcome == Outcome::Accepted)
            }),
            plan: view.is_some_and(|v| reached(v, Stage::Plan)),
            quoted: view.is_some_and(|v| reached(v, Stage::DesignFee) || reached(v, Stage::Quote)),
            off_plan: view.is_some_and(|v| {
                v.events
                    .iter()
                    .any(|e| e.act.customer().is_some_and(|c| c.off_plan))
            }) || a.customer.off_plan,
        };
        let mut eff = vec![holder(&Party::Staff(d.clone()), rules::HD_OWNER)];
        if let Some(id) = id {
            eff.push(self.project_change(ProjectChange::Order {
                id,
                order: Some(order),
            }));
        }
        let by = self.name_of(&a.by);
        let v = self.settle(
            self.verdict(
                Outcome::Accepted,
                rules::HD_OWNER,
                format!(
                    "已派单给{}，客户归该设计师；已记入日转交客户登记表（经办：{}） (dispatched to {dname}, who now owns the customer; entered in the daily handover register by {by})",
                    zh_text(&dname),
                    zh_text(&by)
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

    /// DSP-REFUSE: the dispatched designer refuses; suspended for a month, the customer back to
    /// the company.
    fn refuse(&self, by: &StaffId) -> Decision {
        let st = self.standing(self.view.as_ref());
        if st.owner != Party::Staff(by.clone()) {
            let v = self.reject(
                &st,
                rules::DSP_REFUSE,
                "只有接单的设计师才能拒单 (only the designer the customer was dispatched to can refuse it)",
            );
            return self.hd_done(v, vec![]);
        }
        let until = add_months(self.now, self.params.suspend_months);
        let mut eff = vec![
            holder(&Party::Company, rules::HD_OWNER),
            self.project_change(ProjectChange::Suspend {
                staff: by.clone(),
                until,
            }),
        ];
        if let Some(id) = self.view.as_ref().and_then(|v| v.ids.first()) {
            eff.push(self.project_change(ProjectChange::Order {
                id: id.0,
                order: None,
            }));
        }
        let name = self.name_of(by);
        let mut v = self.verdict(
            Outcome::Accepted,
            rules::DSP_REFUSE,
            format!(
                "{}拒单：客户退回公司，{} 前不再派单给该设计师 ({name} refused the dispatch: the customer returns to the company and {name} gets no dispatch until {})",
                zh_text(&name),
                format_local(until),
                format_local(until)
            ),
        );
        v.violations.push(self.violation(
            by,
            rules::DSP_REFUSE,
            None,
            format!(
                "设计师拒单，停止派单至 {}；严重者由店长决定除名 (refused a dispatch; no dispatch until {}; removal in serious cases is the store manager's decision)",
                format_local(until),
                format_local(until)
            ),
        ));
        let v = self.settle(v, &eff);
        Decision {
            verdict: v,
            effects: eff,
            target: self.target(),
        }
    }

    fn hd_stage(&self, a: &act::StageAct) -> Decision {
        let st = self.standing(self.view.as_ref());
        if let Some(v) = self.stage_form(a) {
            return self.hd_done(v, vec![]);
        }
        let Some(view) = self.view.as_ref().filter(|v| registration(v).is_some()) else {
            let v = self.reject(
                &st,
                rules::HD_OWNER,
                "客户尚未在本店登记 (the customer is not registered with the store)",
            );
            return self.hd_done(v, vec![]);
        };
        let no = |reason: &str| self.hd_done(self.reject(&st, rules::HD_CONTRACT, reason), vec![]);
        if let Some(v) = self.undelivered(view, a) {
            return self.hd_done(self.with_standing(v, &st), vec![]);
        }
        let mut rule = rules::PIPE_STAGES;
        let mut eff = Vec::new();
        let id = view.ids.first().map(|c| c.0);
        let order = id.and_then(|i| self.project.orders.get(&i).map(|o| (i, o.clone())));
        match a.stage {
            Stage::Approved => {
                if !reached(view, Stage::Signed) {
                    return no("合同尚未签订，不能审核 (the contract is not signed; there is nothing to approve)");
                }
                if !self.is_manager(&a.by) {
                    return no("合同须由店长审核 (the store manager approves each contract)");
                }
                rule = rules::HD_CONTRACT;
            }
            Stage::Started => {
                if !reached(view, Stage::Approved) {
                    return no("合同未经店长审核，不能开工 (work starts only after the store manager approved the contract)");
                }
                rule = rules::HD_CONTRACT;
            }
            Stage::Lost => {
                if reached(view, Stage::Finished) {
                    return self.hd_done(
                        self.reject(
                            &st,
                            rules::PIPE_STAGES,
                            "工程已完工，不能再记跑单 (the work is finished: a finished customer cannot be lost)",
                        ),
                        vec![],
                    );
                }
                rule = rules::HD_OWNER;
                eff.push(holder(&Party::Company, rules::HD_OWNER));
            }
            _ => {}
        }
        if let Some((i, mut o)) = order {
            match a.stage {
                Stage::Plan => {
                    o.plan = true;
                    eff.push(self.project_change(ProjectChange::Order {
                        id: i,
                        order: Some(o),
                    }));
                }
                Stage::Signed | Stage::Lost => {
                    eff.push(self.project_change(ProjectChange::Order { id: i, order: None }));
                }
                _ => {}
            }
        }
        let reason = match a.stage {
            Stage::Lost => format!(
                "跑单{}：客户退回公司 (lost{}: the customer returns to the company)",
                a.reason
                    .as_deref()
                    .map(|r| format!("（原因：{}）", zh_text(r)))
                    .unwrap_or_default(),
                a.reason
                    .as_deref()
                    .map(|r| format!(" (reason: {r})"))
                    .unwrap_or_default()
            ),
            s => format!("已记录阶段：{} (stage recorded: {})", s.zh(), s.name()),
        };
        let v = self.settle(self.verdict(Outcome::Accepted, rule, reason), &eff);
        Decision {
            verdict: v,
            effects: eff,
            target: self.target(),
        }
    }

    /// HD-CONTRACT: a contract form goes only to the store manager or someone they authorised,
    /// for approval, and to finance.
    fn hand_over(&self, a: &act::HandOver) -> Decision {
        let st = self.standing(self.view.as_ref());
        if !matches!(self.role(&a.by), Some(Role::Sales)) && !self.is_manager(&a.by) {
            let v = self.reject(
                &st,
                rules::HD_CONTRACT,
                "合同单据由客户经理交接 (the customer manager hands contract forms over)",
            );
            return self.hd_done(v, vec![]);
        }
        let to = self.name_of(&a.to);
        let allowed = match a.purpose {
            Purpose::Approval => {
                self.role(&a.to) == Some(Role::Manager)
                    || self.has_post(&a.to, Post::ContractAuthorised)
            }
            Purpose::Finance => self.role(&a.to) == Some(Role::Finance),
        };
        if !allowed {
            let v = self.reject(
                &st,
                rules::HD_CONTRACT,
                format!(
                    "合同单据只能交给店长或其授权人审批、交财务入账；不能交给{} (a contract form goes only to the store manager or someone they authorised, for approval, and to finance; not to {to})",
                    zh_text(&to)
                ),
            );
            return self.hd_done(v, vec![]);
        }
        let (p_zh, p_en) = match a.purpose {
            Purpose::Approval => ("审批", "approval"),
            Purpose::Finance => ("财务", "finance"),
        };
        let v = self.with_standing(
            self.verdict(
                Outcome::Accepted,
                rules::HD_CONTRACT,
                format!(
                    "合同单据已交{}（用途：{p_zh}），应于 {} 前交回 (contract form handed to {to} for {p_en}; to come back by {})",
                    zh_text(&to),
                    format_local(a.returns),
                    format_local(a.returns)
                ),
            ),
            &st,
        );
        Decision {
            verdict: v,
            effects: vec![],
            target: self.target_or_none(),
        }
    }

    /// Adds the change of the customer's order to an accepted decision (a deposit received).
    fn with_order(&self, mut d: Decision, f: impl FnOnce(&mut Order)) -> Decision {
        if d.verdict.outcome != Outcome::Accepted {
            return d;
        }
        let Some(id) = self.view.as_ref().and_then(|v| v.ids.first()).map(|c| c.0) else {
            return d;
        };
        if let Some(mut o) = self.project.orders.get(&id).cloned() {
            f(&mut o);
            d.effects
                .push(self.project_change(ProjectChange::Order { id, order: Some(o) }));
        }
        d
    }

    /// Removes the customer's order from an accepted decision (signed).
    fn without_order(&self, mut d: Decision) -> Decision {
        if d.verdict.outcome != Outcome::Accepted {
            return d;
        }
        if let Some(id) = self.view.as_ref().and_then(|v| v.ids.first()).map(|c| c.0) {
            if self.project.orders.contains_key(&id) {
                d.effects
                    .push(self.project_change(ProjectChange::Order { id, order: None }));
            }
        }
        d
    }
}
