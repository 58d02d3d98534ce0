//! Reception rotation 轮流接待 (RULES.md §4).

use crate::model::{Presence, StaffId};
use crate::policy::OutTurns;
use crate::rules::{self, RuleId};
use crate::state::{Board, OwedTurn};

/// Who receives the next walk-in, why, and the board afterwards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pick {
    pub receiver: StaffId,
    pub rule: RuleId,
    pub board: Board,
    /// Those passed over before the receiver, in order, with their presence (a busy one keeps
    /// the turn 累计, an away one loses it 轮空, ROT-OUT as the rulebook says, leave skipped).
    pub skipped: Vec<(StaffId, Presence)>,
}

/// Picks the receiver of a new walk-in (ROT-ORDER, ROT-BUSY, ROT-AWAY, ROT-OUT). `None` when
/// nobody on duty is available; the board is then unchanged.
pub fn pick(
    board: &Board,
    order: &[StaffId],
    presence: impl Fn(&StaffId) -> Presence,
    out: OutTurns,
) -> Option<Pick> {
    let mut b = board.clone();
    // ROT-BUSY / ROT-OUT: an owed or made-up turn is served first, oldest first, without moving the
    // regular order.
    if let Some(i) = b
        .owed
        .iter()
        .position(|o| presence(&o.staff) == Presence::Available && order.contains(&o.staff))
    {
        let owed = b.owed.remove(i);
        let rule = if owed.rule == rules::ROT_OUT.0 {
            rules::ROT_OUT
        } else {
            rules::ROT_BUSY
        };
        *b.counts.entry(owed.staff.clone()).or_default() += 1;
        note_turn(&mut b, &owed.staff);
        return Some(Pick {
            receiver: owed.staff,
            rule,
            board: b,
            skipped: Vec::new(),
        });
    }
    let n = order.len();
    if n == 0 {
        return None;
    }
    let start = b.position % n;
    let mut first_skip: Option<RuleId> = None;
    let mut skipped = Vec::new();
    for i in 0..n {
        let idx = (start + i) % n;
        let s = &order[idx];
        let now = presence(s);
        let skip_rule = match now {
            Presence::Available => {
                *b.counts.entry(s.clone()).or_default() += 1;
                b.position = (idx + 1) % n;
                note_turn(&mut b, s);
                return Some(Pick {
                    receiver: s.clone(),
                    rule: first_skip.unwrap_or(rules::ROT_ORDER),
                    board: b,
                    skipped,
                });
            }
            Presence::Busy => {
                b.owed.push(OwedTurn {
                    staff: s.clone(),
                    rule: rules::ROT_BUSY.0.to_string(),
                });
                Some(rules::ROT_BUSY)
            }
            Presence::Away => {
                *b.lost.entry(s.clone()).or_default() += 1;
                Some(rules::ROT_AWAY)
            }
            Presence::Out => {
                match out {
                    OutTurns::MakeUp => b.owed.push(OwedTurn {
                        staff: s.clone(),
                        rule: rules::ROT_OUT.0.to_string(),
                    }),
                    OutTurns::Lost => *b.lost.entry(s.clone()).or_default() += 1,
                }
                Some(rules::ROT_OUT)
            }
            // Off duty: neither owed nor lost.
            Presence::Leave | Presence::Left => None,
        };
        skipped.push((s.clone(), now));
        if first_skip.is_none() {
            first_skip = skip_rule;
        }
    }
    None
}

fn note_turn(b: &mut Board, s: &StaffId) {
    b.turns += 1;
    b.last_turn.insert(s.clone(), b.turns);
    b.last_receiver = Some(s.clone());
}

/// What the next walk-in would do, without consuming anything: the board's "next" (who will
/// receive, by which rule, and who is passed over).
pub fn preview(
    board: &Board,
    order: &[StaffId],
    presence: impl Fn(&StaffId) -> Presence,
    out: OutTurns,
) -> Option<Pick> {
    pick(board, order, presence, out)
}

/// Who would receive a walk-in now, without consuming anything (SR-ABSENT's assistant C).
pub fn would_receive(
    board: &Board,
    order: &[StaffId],
    presence: impl Fn(&StaffId) -> Presence,
    out: OutTurns,
) -> Option<StaffId> {
    pick(board, order, presence, out).map(|p| p.receiver)
}

/// FR-ASSIST's "last in the rotation queue": the available salesperson who most recently received
/// a turn; failing that, walking backwards from the one before the current position.
pub fn last_in_queue(
    board: &Board,
    order: &[StaffId],
    presence: impl Fn(&StaffId) -> Presence,
    exclude: &StaffId,
) -> Option<StaffId> {
    // The available one whose latest turn is the most recent.
    if let Some((s, _)) = board
        .last_turn
        .iter()
        .filter(|(s, _)| *s != exclude && order.contains(s) && presence(s) == Presence::Available)
        .max_by_key(|(_, n)| **n)
    {
        return Some(s.clone());
    }
    let n = order.len();
    (1..=n)
        .map(|i| &order[(board.position + n * 2 - i) % n])
        .find(|s| *s != exclude && presence(s) == Presence::Available)
        .cloned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    fn ids(n: usize) -> Vec<StaffId> {
        (0..n).map(|i| StaffId(format!("S{i}"))).collect()
    }

    #[test]
    fn busy_owes_and_is_served_first() {
        let order = ids(3);
        let mut pres: BTreeMap<StaffId, Presence> = BTreeMap::new();
        pres.insert(order[0].clone(), Presence::Busy);
        let p = |s: &StaffId| pres.get(s).copied().unwrap_or_default();
        let a = pick(&Board::default(), &order, p, OutTurns::MakeUp).unwrap();
        assert_eq!(a.receiver, order[1]);
        assert_eq!(a.rule, rules::ROT_BUSY);
        assert_eq!(a.board.position, 2);
        pres.insert(order[0].clone(), Presence::Available);
        let p = |s: &StaffId| pres.get(s).copied().unwrap_or_default();
        let b = pick(&a.board, &order, p, OutTurns::MakeUp).unwrap();
        assert_eq!(b.receiver, order[0]);
        assert_eq!(b.board.position, 2, "owed turn does not move the order");
        let c = pick(&b.board, &order, p, OutTurns::MakeUp).unwrap();
        assert_eq!(c.receiver, order[2]);
    }

    #[test]
    fn away_loses() {
        let order = ids(3);
        let p = |s: &StaffId| {
            if s.0 == "S0" {
                Presence::Away
            } else {
                Presence::Available
            }
        };
        let a = pick(&Board::default(), &order, p, OutTurns::MakeUp).unwrap();
        assert_eq!((a.receiver.0.as_str(), a.rule), ("S1", rules::ROT_AWAY));
        assert!(a.board.owed.is_empty());
    }

    proptest! {
        /// Over any sequence of presences, a walk-in goes to someone available, and with everyone
        /// available for n walk-ins each receives exactly once (the order is circular and fair).
        #[test]
        fn rotation_is_fair(states in proptest::collection::vec(proptest::collection::vec(0u8..6, 4), 1..30)) {
            let order = ids(4);
            let mut board = Board::default();
            for st in &states {
                let pres: Vec<Presence> = st.iter().map(|&x| [Presence::Available, Presence::Busy, Presence::Away, Presence::Out, Presence::Leave, Presence::Left][x as usize]).collect();
                let p = |s: &StaffId| pres[order.iter().position(|o| o == s).unwrap()];
                if let Some(pk) = pick(&board, &order, p, OutTurns::MakeUp) {
                    prop_assert_eq!(p(&pk.receiver), Presence::Available);
                    board = pk.board;
                }
            }
            // everyone available: serve all owed turns, then one full circle gives each one turn
            let all = |_: &StaffId| Presence::Available;
            while !board.owed.is_empty() {
                board = pick(&board, &order, all, OutTurns::MakeUp).unwrap().board;
            }
            let mut got = Vec::new();
            for _ in 0..4 {
                let pk = pick(&board, &order, all, OutTurns::MakeUp).unwrap();
                got.push(pk.receiver.clone());
                board = pk.board;
            }
            got.sort();
            prop_assert_eq!(got, order.clone());
        }
    }
}
