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
    Project(ProjectState),
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
pub struct ProjectState {
    pub board: Board,
    pub presence: BTreeMap<StaffId, Presence>,
    pub duties: Vec<Period>,
    pub events: Vec<Period>,
    /// ST-FAKE: false registrations proved so far, per salesperson.
    pub fakes: BTreeMap<StaffId, u32>,
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
        }
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
