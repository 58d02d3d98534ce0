//! Ledger events and the state folded from them.
//!
//! An [`Event`] is one act with the verdict the engine gave it and the effects it had. The ledger
//! only ever appends events; a customer's [`View`] and a project's [`ProjectState`] are folds over
//! them, so replaying the ledger rebuilds every projection.

use crate::model::{Act, CustomerId, Party, Presence, StaffId};
use crate::time::Instant;
use crate::verdict::{EventRef, Outcome, Verdict};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One ledger entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub seq: i64,
    pub project: String,
    pub at: Instant,
    /// The customer records the act concerns.
    pub customers: Vec<CustomerId>,
    pub act: Act,
    pub verdict: Verdict,
    pub effects: Vec<Effect>,
}

impl Event {
    pub fn reference(&self) -> EventRef {
        EventRef {
            seq: self.seq,
            at: self.at,
            act: self.act.name().to_string(),
        }
    }
}

/// What an act changed, beyond its verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "effect", rename_all = "snake_case")]
pub enum Effect {
    /// The event's customers are now held by this party (a claim granted or moved).
    Holder { party: Party, rule: String },
    /// One customer moved to a party (reassignment of a leaver's customers).
    Reassigned { customer: CustomerId, party: Party },
    /// The customer's dispute was opened (the verdict carries its deadline) or closed.
    DisputeClosed,
    /// The project's whole state after the act (written by earlier versions; read as before).
    Project(Box<ProjectState>),
    /// One change of the project's state: only what the act changed, so that an entry does not
    /// carry the whole state.
    ProjectChange(ProjectChange),
}

/// One change of a project's state (see [`ProjectState::apply`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProjectChange {
    /// The rotation board after a turn (ROT-*).
    Board(Board),
    /// A person's presence.
    Presence { staff: StaffId, state: Presence },
    /// A team's reception duty window (TR-DUTY).
    Duty(Period),
    /// An event window (SR-EVENT).
    EventWindow(Period),
    /// ST-FAKE: the false registrations proved of a salesperson so far.
    Fakes { staff: StaffId, n: u32 },
    /// A post given (`on`) or taken away.
    Post {
        staff: StaffId,
        post: crate::act::Post,
        on: bool,
    },
    /// A designer's profile (DSP-PRIORITY), or none when revoked.
    Designer {
        staff: StaffId,
        profile: Option<DesignerProfile>,
    },
    /// DSP-REFUSE: no dispatch to the designer before `until`.
    Suspend { staff: StaffId, until: Instant },
    /// A joint event declared (CM-CUTOFF).
    JointEvent(JointEventState),
    /// A division's list submitted (CM-CUTOFF).
    List(ListEntry),
    /// Missing items recorded by a `close` (keys, so that each is recorded once).
    Closed(Vec<String>),
    /// SF-QUOTA: a salesperson's visit points in a month (`staff|YYYY-MM`).
    Points { key: String, n: u32 },
    /// A dispatched customer's order (DSP-CAP, DSP-STALL), or none when it is no longer held.
    Order { id: i64, order: Option<Order> },
    /// Units set or updated from the sales-control sheet; their holds are kept (INV-UNSOLD).
    Units(Vec<crate::act::UnitRow>),
    /// A unit's hold and its reservation for a pending unit change (INV-UNSOLD, CHG-CHANGES).
    Unit {
        key: String,
        hold: Option<Hold>,
        reserved: Option<i64>,
    },
}

/// A unit of the sales control and who holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitState {
    #[serde(flatten)]
    pub row: crate::act::UnitRow,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hold: Option<Hold>,
    /// The record a pending unit change (CHG-CHANGES) reserves the unit for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reserved: Option<i64>,
}

impl UnitState {
    /// Free for a deposit by `record`: for sale, and held or reserved by nobody else.
    pub fn free_for(&self, record: &[CustomerId]) -> bool {
        let mine = |r: i64| record.iter().any(|c| c.0 == r);
        self.row.status == crate::act::UnitSale::ForSale
            && self.hold.as_ref().is_none_or(|h| mine(h.record))
            && self.reserved.is_none_or(mine)
    }

    /// The unit's status word (zh-CN) and its name in the page's colours.
    pub fn status(&self) -> (&'static str, &'static str) {
        match (&self.hold, self.row.status, self.reserved) {
            (Some(h), ..) if h.kind == HoldKind::Signed => ("已签约", "signed"),
            (Some(h), ..) if h.kind == HoldKind::Large => ("大定", "large"),
            (Some(h), ..) if h.kind == HoldKind::Small => ("小定", "small"),
            (Some(_), ..) => ("已定", "deposit"),
            (None, _, Some(_)) => ("换房待批", "reserved"),
            (None, crate::act::UnitSale::Sold, _) => ("已售", "sold"),
            (None, crate::act::UnitSale::Withheld, _) => ("销控", "withheld"),
            (None, crate::act::UnitSale::ForSale, _) => ("可售", "for-sale"),
        }
    }
}

/// Who holds a unit, and how far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hold {
    pub record: i64,
    pub kind: HoldKind,
}

/// How far a unit is held: a deposit (小定, 大定, 定金) or a signed contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HoldKind {
    Deposit,
    Small,
    Large,
    Signed,
}

/// A designer's profile (DSP-PRIORITY).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DesignerProfile {
    #[serde(default)]
    pub senior: bool,
    #[serde(default)]
    pub design_fee: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub styles: Vec<String>,
}

/// A joint event (CM-CUTOFF): its start and end and its divisions in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JointEventState {
    pub name: String,
    pub starts: Instant,
    pub ends: Instant,
    pub divisions: Vec<String>,
}

/// A list a division submitted (CM-CUTOFF).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListEntry {
    pub event: String,
    pub team: String,
    pub day: jiff::civil::Date,
    pub kind: crate::act::ListKind,
    pub at: Instant,
    pub timely: bool,
    /// The customers on it, as written (phones or e-mails).
    pub customers: Vec<String>,
}

/// A dispatched customer held by a designer (DSP-CAP, DSP-STALL).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    pub designer: StaffId,
    pub registered: Instant,
    pub dispatched: Instant,
    #[serde(default)]
    pub deposit: bool,
    #[serde(default)]
    pub plan: bool,
    #[serde(default)]
    pub off_plan: bool,
    /// A design fee paid or a quote given (FUP-STALE's list, with a deposit).
    #[serde(default)]
    pub quoted: bool,
}

/// Who holds a customer record and since when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holding {
    pub party: Party,
    pub since: Instant,
    pub seq: i64,
    pub rule: String,
}

/// Everything the ledger says about one customer (one record, or several that turned out to be the
/// same person), in ledger order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct View {
    pub ids: Vec<CustomerId>,
    pub events: Vec<Event>,
}

impl View {
    pub fn new(ids: Vec<CustomerId>, mut events: Vec<Event>) -> View {
        events.sort_by_key(|e| e.seq);
        events.dedup_by_key(|e| e.seq);
        View { ids, events }
    }

    /// The holding of each record.
    pub fn holdings(&self) -> BTreeMap<CustomerId, Holding> {
        let mut h = BTreeMap::new();
        for e in &self.events {
            for eff in &e.effects {
                match eff {
                    Effect::Holder { party, rule } => {
                        for id in e.customers.iter().filter(|id| self.ids.contains(id)) {
                            h.insert(
                                *id,
                                Holding {
                                    party: party.clone(),
                                    since: e.at,
                                    seq: e.seq,
                                    rule: rule.clone(),
                                },
                            );
                        }
                    }
                    Effect::Reassigned { customer, party } if self.ids.contains(customer) => {
                        h.insert(
                            *customer,
                            Holding {
                                party: party.clone(),
                                since: e.at,
                                seq: e.seq,
                                rule: e.verdict.rule.clone(),
                            },
                        );
                    }
                    _ => {}
                }
            }
        }
        h
    }

    /// Distinct holdings, earliest claim first.
    pub fn distinct_holdings(&self) -> Vec<Holding> {
        let mut v: Vec<Holding> = Vec::new();
        for h in self.holdings().into_values() {
            if !v.iter().any(|x| x.party == h.party) {
                v.push(h);
            }
        }
        v.sort_by_key(|h| h.seq);
        v
    }

    /// Events whose act is of the given name, in order.
    pub fn acts<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Event> + 'a {
        self.events.iter().filter(move |e| e.act.name() == name)
    }

    /// The open dispute, if any: a pending verdict not yet closed by a resolve.
    pub fn open_dispute(&self) -> Option<&Event> {
        let mut open: Option<&Event> = None;
        for e in &self.events {
            if e.verdict.dispute.is_some() && e.verdict.outcome == Outcome::Pending {
                open = Some(e);
            }
            if e.effects.iter().any(|x| matches!(x, Effect::DisputeClosed)) {
                open = None;
            }
        }
        open
    }

    /// The latest deal event.
    pub fn last_deal(&self) -> Option<&Event> {
        self.acts("deal").last()
    }

    /// Every name the customer was given.
    pub fn names(&self) -> Vec<&str> {
        self.events
            .iter()
            .filter_map(|e| e.act.customer().and_then(|c| c.name.as_deref()))
            .collect()
    }
}

/// The reception board of a project (ROT-FAIR: 轮流接待表).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Board {
    /// Index into the rotation order of the one whose regular turn it is.
    pub position: usize,
    /// Owed (ROT-BUSY 累计) and made-up (ROT-OUT 补接) turns, oldest first.
    pub owed: Vec<OwedTurn>,
    /// Receptions that consumed a turn, per salesperson.
    pub counts: BTreeMap<StaffId, u32>,
    /// Turns lost (ROT-AWAY, ROT-OUT 轮空), per salesperson.
    pub lost: BTreeMap<StaffId, u32>,
    /// Who received a turn most recently (FR-ASSIST 排轮最后).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_receiver: Option<StaffId>,
    /// Turns handed out so far, and the number of each one's latest turn (recency ranking).
    pub turns: u64,
    pub last_turn: BTreeMap<StaffId, u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwedTurn {
    pub staff: StaffId,
    /// ROT-BUSY or ROT-OUT.
    pub rule: String,
}

/// A dated window of a project: a team's reception duty (TR-DUTY) or an event (SR-EVENT).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub name: String,
    pub from: Instant,
    pub until: Instant,
}

/// Project-wide state: the board, everyone's presence, duty and event windows, per-staff counters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProjectState {
    pub board: Board,
    pub presence: BTreeMap<StaffId, Presence>,
    pub duties: Vec<Period>,
    pub events: Vec<Period>,
    /// ST-FAKE: false registrations proved so far, per salesperson.
    pub fakes: BTreeMap<StaffId, u32>,
    /// Posts (coordinator, chaser …) and who holds them.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub posts: BTreeMap<crate::act::Post, std::collections::BTreeSet<StaffId>>,
    /// Designers' profiles (DSP-PRIORITY).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub designers: BTreeMap<StaffId, DesignerProfile>,
    /// DSP-REFUSE: designers suspended from dispatch, until when.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub suspended: BTreeMap<StaffId, Instant>,
    /// Joint events not yet over (CM-CUTOFF).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub joint_events: Vec<JointEventState>,
    /// The lists of those events (CM-CUTOFF).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lists: Vec<ListEntry>,
    /// Missing items a `close` recorded (each recorded once).
    #[serde(skip_serializing_if = "std::collections::BTreeSet::is_empty")]
    pub closed: std::collections::BTreeSet<String>,
    /// SF-QUOTA: visit points per `staff|YYYY-MM`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub points: BTreeMap<String, u32>,
    /// Dispatched customers' orders by record (DSP-CAP, DSP-STALL).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub orders: BTreeMap<i64, Order>,
    /// The sales control (销控, INV-UNSOLD): each unit by its name (`楼栋-房号`) and who holds it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub units: BTreeMap<String, UnitState>,
}

impl ProjectState {
    /// Applies one change made by an act at `at`. A window that has ended by then leaves the
    /// state when the next of its kind is set (acts are recorded in time order, so it decides
    /// nothing any more).
    pub fn apply(&mut self, change: &ProjectChange, at: Instant) {
        match change {
            ProjectChange::Board(b) => self.board = b.clone(),
            ProjectChange::Presence { staff, state } => {
                self.presence.insert(staff.clone(), *state);
            }
            ProjectChange::Duty(p) => {
                self.duties.retain(|d| d.until > at);
                self.duties.push(p.clone());
            }
            ProjectChange::EventWindow(p) => {
                self.events.retain(|e| e.until > at);
                self.events.push(p.clone());
            }
            ProjectChange::Fakes { staff, n } => {
                self.fakes.insert(staff.clone(), *n);
            }
            ProjectChange::Post { staff, post, on } => {
                let holders = self.posts.entry(*post).or_default();
                if *on {
                    holders.insert(staff.clone());
                } else {
                    holders.remove(staff);
                }
                self.posts.retain(|_, h| !h.is_empty());
            }
            ProjectChange::Designer { staff, profile } => match profile {
                Some(p) => {
                    self.designers.insert(staff.clone(), p.clone());
                }
                None => {
                    self.designers.remove(staff);
                }
            },
            ProjectChange::Suspend { staff, until } => {
                self.suspended.retain(|_, u| *u > at);
                self.suspended.insert(staff.clone(), *until);
            }
            ProjectChange::JointEvent(e) => {
                // An event over for a week decides nothing more (its lists and credits are in
                // the ledger); it leaves the state with its lists.
                let week = crate::time::add_days(at, -7);
                self.joint_events
                    .retain(|x| x.ends > week && x.name != e.name);
                self.joint_events.push(e.clone());
                let live: Vec<String> = self.joint_events.iter().map(|x| x.name.clone()).collect();
                self.lists.retain(|l| live.contains(&l.event));
            }
            ProjectChange::List(l) => self.lists.push(l.clone()),
            ProjectChange::Closed(keys) => {
                // Keys start with their date (`YYYY-MM-DD|…`); two months on they are kept by
                // the ledger only.
                let cut = crate::time::date_of(crate::time::add_days(at, -62)).to_string();
                self.closed.retain(|k| k.as_str() >= cut.as_str());
                self.closed.extend(keys.iter().cloned());
            }
            ProjectChange::Points { key, n } => {
                let month = |k: &str| k.rsplit('|').next().unwrap_or_default().to_string();
                let cut = crate::time::date_of(crate::time::add_days(at, -62))
                    .first_of_month()
                    .to_string();
                let cut = &cut[..7];
                self.points.retain(|k, _| month(k).as_str() >= cut);
                self.points.insert(key.clone(), *n);
            }
            ProjectChange::Units(rows) => {
                for r in rows {
                    match self.units.get_mut(&r.key()) {
                        Some(u) => u.row = r.clone(),
                        None => {
                            self.units.insert(
                                r.key(),
                                UnitState {
                                    row: r.clone(),
                                    hold: None,
                                    reserved: None,
                                },
                            );
                        }
                    }
                }
            }
            ProjectChange::Unit {
                key,
                hold,
                reserved,
            } => {
                if let Some(u) = self.units.get_mut(key) {
                    u.hold = hold.clone();
                    u.reserved = *reserved;
                }
            }
            ProjectChange::Order { id, order } => match order {
                Some(o) => {
                    self.orders.insert(*id, o.clone());
                }
                None => {
                    self.orders.remove(id);
                }
            },
        }
    }

    /// Who holds a post.
    pub fn holders(&self, post: crate::act::Post) -> Vec<StaffId> {
        self.posts
            .get(&post)
            .map(|h| h.iter().cloned().collect())
            .unwrap_or_default()
    }

    pub fn has_post(&self, staff: &StaffId, post: crate::act::Post) -> bool {
        self.posts.get(&post).is_some_and(|h| h.contains(staff))
    }

    pub fn joint_event(&self, name: &str) -> Option<&JointEventState> {
        self.joint_events.iter().rev().find(|e| e.name == name)
    }

    pub fn presence(&self, s: &StaffId) -> Presence {
        self.presence.get(s).copied().unwrap_or_default()
    }

    pub fn duty_at(&self, t: Instant) -> Option<&Period> {
        self.duties
            .iter()
            .rev()
            .find(|p| p.from <= t && t < p.until)
    }

    pub fn event_at(&self, t: Instant) -> Option<&Period> {
        self.events
            .iter()
            .rev()
            .find(|p| p.from <= t && t < p.until)
    }
}
