//! Verdicts (G-EXPLAIN): what the engine decided about an act, and why.

use crate::model::{Party, StaffId};
use crate::rules::RuleId;
use crate::time::{format_local, Instant};
use serde::{Deserialize, Serialize};

/// G-EXPLAIN outcomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// The act took effect.
    Accepted,
    /// A well-formed act that a rule refuses (撞单, late, excluded).
    Rejected,
    /// A manager must decide (G-DISPUTE).
    Pending,
    /// The input fails a rule about its form or content.
    Invalid,
    /// A valid visit confirmation (来访确认单).
    Confirmed,
}

impl Outcome {
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Accepted => "accepted",
            Outcome::Rejected => "rejected",
            Outcome::Pending => "pending",
            Outcome::Invalid => "invalid",
            Outcome::Confirmed => "confirmed",
        }
    }

    pub fn parse(s: &str) -> Option<Outcome> {
        Some(match s {
            "accepted" => Outcome::Accepted,
            "rejected" => Outcome::Rejected,
            "pending" => Outcome::Pending,
            "invalid" => Outcome::Invalid,
            "confirmed" => Outcome::Confirmed,
            _ => return None,
        })
    }

    pub fn zh(self) -> &'static str {
        match self {
            Outcome::Accepted => "已受理",
            Outcome::Rejected => "不予受理",
            Outcome::Pending => "待定",
            Outcome::Invalid => "无效",
            Outcome::Confirmed => "已确认",
        }
    }
}

/// The exclusive end of a protection (G-TIME): an instant, or none (held until a sale, a departure
/// or a manager's decision).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "at", rename_all = "snake_case")]
pub enum Until {
    At(Instant),
    None,
}

impl Until {
    pub fn display(&self) -> String {
        match self {
            Until::At(t) => format_local(*t),
            Until::None => "none".to_string(),
        }
    }
}

/// A violation entry for the manager (G-VIOLATION): recorded, never deducted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    pub staff: Party,
    pub rule: RuleIdOwned,
    /// Yuan, where the seed names an amount.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<i64>,
    pub note: String,
}

/// A rule ID that survives serialisation round trips (ledger rows are read back as strings).
pub type RuleIdOwned = String;

/// A case left to a manager (G-DISPUTE): 待定确认单 with its answer deadline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisputeOpened {
    pub rule: RuleIdOwned,
    pub deadline: Instant,
    pub parties: Vec<Party>,
}

/// A reference to a ledger event a verdict relied on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventRef {
    pub seq: i64,
    pub at: Instant,
    pub act: String,
}

/// The engine's answer to one act.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub outcome: Outcome,
    /// The owner after the act (as a manager sees it, G-CLAIM).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<Party>,
    /// The party credited with a sale (业绩).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credited: Option<Party>,
    /// The bonus split (奖金/提成), percents summing to 100.
    pub shares: Vec<(Party, u32)>,
    /// Who receives the customer (visit, walk_in).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receiver: Option<StaffId>,
    /// Whether the receiver consumed a rotation turn.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub turn: Option<bool>,
    /// An assistant who served for an absent owner and shares a later deal (SR-ABSENT, FR-ASSIST).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assistant: Option<StaffId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protected_until: Option<Until>,
    pub rule: RuleIdOwned,
    /// Why, in plain words (English; the pages translate the rule).
    pub reason: String,
    pub relied_on: Vec<EventRef>,
    pub notify: Vec<Party>,
    pub violations: Vec<Violation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dispute: Option<DisputeOpened>,
    /// The act was refused because another party holds the customer (撞单): what a registrant
    /// may be told of it is limited (G-CLAIM, CL-SILENT). Other refusals are about the act itself
    /// (its form, its timing, nobody free to receive) and are explained in full.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub collision: bool,
    /// The amount (yuan) of a deal a manager's ruling settles (a deal left pending for its split):
    /// the ruling credits it, so the reports count it then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<i64>,
    /// CM-REFER: points this act awarded to a club member (联谊会会员), the referring customer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points: Option<Points>,
}

/// Referral points awarded to a club member (CM-REFER): records, not commission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Points {
    /// The member's customer record.
    pub member: crate::model::CustomerId,
    pub points: u32,
}

impl Verdict {
    pub fn new(outcome: Outcome, rule: RuleId, reason: impl Into<String>) -> Verdict {
        Verdict {
            outcome,
            owner: None,
            credited: None,
            shares: Vec::new(),
            receiver: None,
            turn: None,
            assistant: None,
            protected_until: None,
            rule: rule.0.to_string(),
            reason: reason.into(),
            relied_on: Vec::new(),
            notify: Vec::new(),
            violations: Vec::new(),
            dispute: None,
            collision: false,
            amount: None,
            points: None,
        }
    }

    pub fn owner(mut self, owner: Option<Party>) -> Verdict {
        self.owner = owner;
        self
    }

    pub fn until(mut self, until: Option<Until>) -> Verdict {
        self.protected_until = until;
        self
    }

    /// Whether this verdict refuses an act because another party holds the customer (撞单):
    /// rejected, with an owner who is a party of its own (not the pool, the company or the
    /// department) other than `me`.
    pub fn is_collision_for(&self, me: &Party) -> bool {
        self.collision
            && self.outcome == Outcome::Rejected
            && matches!(
                &self.owner,
                Some(p @ (Party::Staff(_) | Party::Agency(_) | Party::Team(_))) if p != me
            )
    }

    /// What the registering party itself may be told (G-CLAIM, CL-SILENT): a collision says only
    /// "already protected until <date>", or under CL-SILENT only that it was received; a refusal
    /// of the party's own act (late, same-day, excluded) says its outcome, and the caller adds the
    /// rule and its reason.
    pub fn to_registrant(&self, silent: bool, collision: bool) -> String {
        match self.outcome {
            Outcome::Rejected | Outcome::Accepted if silent => {
                "报备已收到 (registration received)".to_string()
            }
            Outcome::Rejected if !collision => "不予受理 (rejected)".to_string(),
            Outcome::Rejected => match self.protected_until {
                Some(Until::At(t)) => {
                    format!(
                        "该客户已受保护至 {} (already protected until {})",
                        format_local(t),
                        format_local(t)
                    )
                }
                _ => "该客户已受保护 (already protected)".to_string(),
            },
            o => o.zh().to_string(),
        }
    }
}
