//! The acts: what happened, as the outside world states it (SCENARIOS.md "Acts"). The engine
//! decides each act's verdict.
//!
//! This is the one definition of an act. A scenario step, an API request body and the ledger
//! entry are all read by the serde derive below; the OpenAPI document and the accepted-field
//! lists of error messages come from the same structs ([`fields`]). Reading an act from outside
//! is two steps:
//!
//! 1. [`Act::from_fields`]: the fields are checked against the act's struct and deserialized,
//!    with `serde_path_to_error` naming the field that is wrong (`customer.gender`, `names[1]`).
//! 2. [`Act::resolve`]: the staff handles and parties are looked up in the directory.
//!
//! Ledger entries are read by the same derive: every written form below (a local time, one
//! handle for a list, a party as text) is a superset of the stored form, so entries written by
//! earlier versions read as before.

use crate::model::{
    Channel, ContactKind, CustomerInput, DepositKind, Directory, Party, Presence, RegKind, StaffId,
};
use crate::time::{parse_local, parse_until, Instant};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// The largest amount of money an act may carry, in yuan (一万亿).
pub const MAX_AMOUNT: i64 = 1_000_000_000_000;

/// A field of an act that is wrong: its path (`by`, `customer.phone`, `names[1]`) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub detail: String,
}

impl FieldError {
    fn new(field: impl Into<String>, detail: impl Into<String>) -> FieldError {
        FieldError {
            field: field.into(),
            detail: detail.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "field `{}`: {}", self.field, self.detail)
    }
}

impl std::error::Error for FieldError {}

fn yes() -> bool {
    true
}

/// 报备: a claim on a customer (G-CLAIM and each rulebook's registration rule).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Register {
    pub by: StaffId,
    #[serde(deserialize_with = "customer")]
    pub customer: CustomerInput,
    #[serde(default)]
    pub channel: Channel,
    #[serde(default)]
    pub kind: RegKind,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "local_opt"
    )]
    pub visit_at: Option<Instant>,
    #[serde(default)]
    pub inbound: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default = "yes")]
    pub signed: bool,
    /// The customer's grade (FUP-GRADE), carried by a filing (PF-CHASE).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "grade_opt"
    )]
    pub grade: Option<String>,
    /// A corrected filing: when the customer's details changed (SF-3DAYS).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "local_opt"
    )]
    pub changed_at: Option<Instant>,
}

/// 到访: a customer arrives at the site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Visit {
    #[serde(deserialize_with = "customer")]
    pub customer: CustomerInput,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brought_by: Option<StaffId>,
    #[serde(default, deserialize_with = "one_or_many")]
    pub names: Vec<StaffId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub designates: Option<StaffId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refuses: Option<StaffId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub complains_about: Option<StaffId>,
    #[serde(default)]
    pub forgot: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referred_by: Option<String>,
}

/// 新客到访: a walk-in at the front desk, received by the rotation (ROT-*).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WalkIn {
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "customer_opt"
    )]
    pub customer: Option<CustomerInput>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taken_by: Option<StaffId>,
}

/// 来访确认: the site confirms an agent's customer arrived.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Confirm {
    pub by: StaffId,
    #[serde(deserialize_with = "customer")]
    pub customer: CustomerInput,
    #[serde(default, deserialize_with = "one_or_many")]
    pub signed_by: Vec<StaffId>,
}

/// 跟进: a contact with the customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    pub by: StaffId,
    #[serde(deserialize_with = "customer")]
    pub customer: CustomerInput,
    #[serde(default)]
    pub kind: ContactKind,
    /// FUP-NEXT: the next visit booked at the end of this one.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "local_opt"
    )]
    pub next_at: Option<Instant>,
    /// FUP-NEXT: a promise made to the customer, tracked until kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promise: Option<String>,
}

/// 定金: a deposit (小定, 大定 or 定金).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Deposit {
    #[serde(deserialize_with = "customer")]
    pub customer: CustomerInput,
    #[serde(default, deserialize_with = "money")]
    pub amount: i64,
    #[serde(default)]
    pub kind: DepositKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

/// 成交: a deal, credited and split by the rulebook (G-SHARES).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Deal {
    #[serde(deserialize_with = "customer")]
    pub customer: CustomerInput,
    #[serde(default, deserialize_with = "money")]
    pub amount: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_by: Option<StaffId>,
    #[serde(default, deserialize_with = "one_or_many")]
    pub helped_by: Vec<StaffId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub knowing: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub named: Option<StaffId>,
    #[serde(default)]
    pub group_purchase: bool,
}

/// A claim with evidence (e.g. TR-CLAIM3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Claim {
    pub by: StaffId,
    #[serde(deserialize_with = "customer")]
    pub customer: CustomerInput,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
}

/// The owner's consent to another's receiving their customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Consent {
    pub by: StaffId,
    pub to: StaffId,
    #[serde(deserialize_with = "customer")]
    pub customer: CustomerInput,
}

/// A salesperson's presence (ROT-*).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Status {
    pub staff: StaffId,
    pub state: Presence,
}

/// A manager's decision of a dispute.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resolve {
    pub by: StaffId,
    #[serde(deserialize_with = "customer")]
    pub customer: CustomerInput,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "party_opt"
    )]
    pub owner: Option<Party>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "shares_opt"
    )]
    pub shares: Option<Vec<(Party, u32)>>,
}

/// 撞单查询: who holds the customer, without changing anything.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Query {
    #[serde(deserialize_with = "customer")]
    pub customer: CustomerInput,
}

/// A manager's extension of a protection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Extend {
    pub by: StaffId,
    #[serde(deserialize_with = "customer")]
    pub customer: CustomerInput,
    #[serde(deserialize_with = "until")]
    pub until: Instant,
}

/// 值班: a team on duty until an instant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Duty {
    pub team: String,
    #[serde(deserialize_with = "until")]
    pub until: Instant,
}

/// 活动: an event window (SR-EVENT).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    #[serde(deserialize_with = "until")]
    pub until: Instant,
    #[serde(default)]
    pub name: String,
}

/// A leaver's customers given to others (G-LEAVER, DIST-RANDOM).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reassign {
    pub by: StaffId,
    pub from: StaffId,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "one_or_many_opt"
    )]
    pub to: Option<Vec<StaffId>>,
    /// The random seed of the distribution, recorded so that it can be shown and replayed
    /// (DIST-RANDOM). Set by kehu, never by the caller.
    #[serde(default)]
    pub seed: u64,
}

/// A post in a project (RULES.md calls them configured staff members).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Post {
    /// 协调助理 (CM-FIRSTINVITE, CM-QUARREL)
    Coordinator,
    /// 顾客资源总监 (CM-LAPSE)
    ResourceDirector,
    /// 催办员 (PF-CHASE)
    Chaser,
    /// 市场管理部经理 (PF-ORDER)
    MarketingManager,
    /// authorised by the store manager to take contract forms (HD-CONTRACT)
    ContractAuthorised,
    /// 设计师, with a profile (DSP-PRIORITY)
    Designer,
    /// 总销控: the master sales control, told of every deposit (INV-UNSOLD)
    SalesControl,
    /// 营销总监: approves orders far over the credit limit and new terms (CRD-OVER, CRD-TERMS)
    MarketingDirector,
}

impl Post {
    pub const ALL: [Post; 8] = [
        Post::Coordinator,
        Post::ResourceDirector,
        Post::Chaser,
        Post::MarketingManager,
        Post::ContractAuthorised,
        Post::Designer,
        Post::SalesControl,
        Post::MarketingDirector,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Post::Coordinator => "coordinator",
            Post::ResourceDirector => "resource_director",
            Post::Chaser => "chaser",
            Post::MarketingManager => "marketing_manager",
            Post::ContractAuthorised => "contract_authorised",
            Post::Designer => "designer",
            Post::SalesControl => "sales_control",
            Post::MarketingDirector => "marketing_director",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Post::Coordinator => "协调助理",
            Post::ResourceDirector => "顾客资源总监",
            Post::Chaser => "催办员",
            Post::MarketingManager => "市场管理部经理",
            Post::ContractAuthorised => "合同单据经手人",
            Post::Designer => "设计师",
            Post::SalesControl => "总销控",
            Post::MarketingDirector => "营销总监",
        }
    }
}

/// 任命: a post given to (or with `revoke` taken from) a staff member in the project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Appoint {
    pub by: StaffId,
    pub staff: StaffId,
    pub post: Post,
    /// A designer's level: senior (DSP-PRIORITY).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub senior: bool,
    /// A designer who charges a design fee (DSP-PRIORITY).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub design_fee: bool,
    /// A designer's style tags (现代简约, 中式 …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub styles: Vec<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub revoke: bool,
}

/// 线索: a lead entered to be handed out (CM-EVEN, HD-LEADS, DIST-EVEN).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lead {
    pub by: StaffId,
    #[serde(deserialize_with = "customer")]
    pub customer: CustomerInput,
    pub batch: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
}

/// 分配: a batch of leads handed out evenly (DIST-EVEN).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Distribute {
    pub by: StaffId,
    pub batch: String,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "one_or_many_opt"
    )]
    pub to: Option<Vec<StaffId>>,
    /// The random seed of the distribution (DIST-EVEN), set by kehu.
    #[serde(default)]
    pub seed: u64,
}

/// 联合活动: a joint event of several divisions (CM-CUTOFF, CM-FIRSTINVITE).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JointEvent {
    pub name: String,
    #[serde(deserialize_with = "local")]
    pub starts: Instant,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "local_opt"
    )]
    pub ends: Option<Instant>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub divisions: Vec<String>,
}

/// What an invited customer is at an event (CM-FIRSTINVITE).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    #[default]
    Guest,
    /// 发言顾客
    Speaker,
    /// 带动顾客
    Activist,
}

/// 邀约敲定: a confirmed invitation (CM-LAPSE, CM-FIRSTINVITE).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Invite {
    pub by: StaffId,
    #[serde(deserialize_with = "customer")]
    pub customer: CustomerInput,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    #[serde(default)]
    pub part: Part,
}

/// Which list a division submits (CM-CUTOFF).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListKind {
    /// 敲定名单: the invitations confirmed that day
    #[default]
    Confirmed,
    /// 计划邀约名单: the names the second division plans to invite the next day
    Plan,
}

/// 名单: a division's list for a day of a joint event (CM-CUTOFF).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct List {
    pub by: StaffId,
    pub event: String,
    #[serde(default)]
    pub customers: Vec<String>,
    #[serde(default)]
    pub kind: ListKind,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "date_opt"
    )]
    pub day: Option<jiff::civil::Date>,
}

/// 参会: a customer attends an event (CM-FIRSTINVITE, CM-REFER).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attend {
    #[serde(deserialize_with = "customer")]
    pub customer: CustomerInput,
    pub event: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referred_by: Option<String>,
}

/// 争执: staff of two divisions argue in front of a customer (CM-QUARREL).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Quarrel {
    #[serde(deserialize_with = "customer")]
    pub customer: CustomerInput,
    #[serde(deserialize_with = "one_or_many")]
    pub staff: Vec<StaffId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
}

/// 日结/月结: a day's or a month's books closed; what was due and is missing is recorded
/// (CM-CUTOFF, SF-TRIP, SF-QUOTA).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Close {
    pub by: StaffId,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "date_opt"
    )]
    pub day: Option<jiff::civil::Date>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "month_opt"
    )]
    pub month: Option<jiff::civil::Date>,
}

/// 派单: a registered customer dispatched to a designer (HD-OWNER, DSP-*).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dispatch {
    pub by: StaffId,
    #[serde(deserialize_with = "customer")]
    pub customer: CustomerInput,
    pub designer: StaffId,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub requested: bool,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "money_opt"
    )]
    pub budget: Option<i64>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "area_opt"
    )]
    pub area: Option<i64>,
}

/// 拒单: the dispatched designer refuses (DSP-REFUSE).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Refuse {
    pub by: StaffId,
    #[serde(deserialize_with = "customer")]
    pub customer: CustomerInput,
}

/// A pipeline stage (PIPE-STAGES): the home-decoration stages and the real-estate ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// 来访
    Visit,
    /// 小定
    Small,
    /// 大定
    Large,
    /// 量房
    Measured,
    /// 出图
    Plan,
    /// 交设计费
    DesignFee,
    /// 做报价
    Quote,
    /// 签合同
    Signed,
    /// 审核
    Approved,
    /// 开工
    Started,
    /// 完工
    Finished,
    /// 跑单
    Lost,
    /// 交付使用: delivered after signing (FUP-RETURN counts its return visits from here)
    Delivered,
}

impl Stage {
    pub const ALL: [Stage; 13] = [
        Stage::Visit,
        Stage::Small,
        Stage::Large,
        Stage::Measured,
        Stage::Plan,
        Stage::DesignFee,
        Stage::Quote,
        Stage::Signed,
        Stage::Approved,
        Stage::Started,
        Stage::Finished,
        Stage::Lost,
        Stage::Delivered,
    ];

    pub fn parse(s: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|x| x.name() == s)
    }

    pub fn name(self) -> &'static str {
        match self {
            Stage::Visit => "visit",
            Stage::Small => "small",
            Stage::Large => "large",
            Stage::Measured => "measured",
            Stage::Plan => "plan",
            Stage::DesignFee => "design_fee",
            Stage::Quote => "quote",
            Stage::Signed => "signed",
            Stage::Approved => "approved",
            Stage::Started => "started",
            Stage::Finished => "finished",
            Stage::Lost => "lost",
            Stage::Delivered => "delivered",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Stage::Visit => "来访",
            Stage::Small => "小定",
            Stage::Large => "大定",
            Stage::Measured => "量房",
            Stage::Plan => "出图",
            Stage::DesignFee => "交设计费",
            Stage::Quote => "做报价",
            Stage::Signed => "签合同",
            Stage::Approved => "审核",
            Stage::Started => "开工",
            Stage::Finished => "完工",
            Stage::Lost => "跑单",
            Stage::Delivered => "交付使用",
        }
    }
}

/// 阶段: a customer reaches a pipeline stage (PIPE-STAGES, HD-CONTRACT).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageAct {
    pub by: StaffId,
    #[serde(deserialize_with = "customer")]
    pub customer: CustomerInput,
    pub stage: Stage,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The amount of the stage (a deposit, a quote, a contract), yuan.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "money_opt"
    )]
    pub amount: Option<i64>,
}

/// Why a contract form is handed over (HD-CONTRACT).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// 审批
    Approval,
    /// 交财务
    Finance,
}

/// 合同单据交接: a contract form handed over (HD-CONTRACT).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HandOver {
    pub by: StaffId,
    #[serde(deserialize_with = "customer")]
    pub customer: CustomerInput,
    pub to: StaffId,
    pub purpose: Purpose,
    #[serde(deserialize_with = "local")]
    pub returns: Instant,
}

/// 审核: the department manager reviews a pending filing (SF-REVIEW).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Review {
    pub by: StaffId,
    #[serde(deserialize_with = "customer")]
    pub customer: CustomerInput,
    pub approve: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// 出差日报: a salesperson's daily report on a business trip (SF-TRIP).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TripReport {
    pub by: StaffId,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "date_opt"
    )]
    pub day: Option<jiff::civil::Date>,
    #[serde(default = "sms")]
    pub channel: Channel,
}

fn sms() -> Channel {
    Channel::Sms
}

/// 抽查: the chaser checks a filing's contact frequency (PF-CHASE).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpotCheck {
    pub by: StaffId,
    #[serde(deserialize_with = "customer")]
    pub customer: CustomerInput,
}

/// 到期提醒: kehu warns the owner that the protection ends at `until` (POOL-RETURN, G-NOTIFY).
/// Recorded by kehu's scheduler, never sent by a caller.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Warn {
    #[serde(deserialize_with = "customer")]
    pub customer: CustomerInput,
    pub until: Instant,
}

/// 回访逾期: a return-visit period after delivery, `[from, until)`, ended without a visit
/// (FUP-RETURN). Recorded by kehu's scheduler at `until`, never sent by a caller.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Missed {
    #[serde(deserialize_with = "customer")]
    pub customer: CustomerInput,
    pub from: Instant,
    pub until: Instant,
}

/// 信用复评到期: the customer's credit review falls due at `due` (CRD-LEVEL). Recorded by kehu's
/// scheduler, never sent by a caller.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewDue {
    #[serde(deserialize_with = "customer")]
    pub customer: CustomerInput,
    pub due: Instant,
}

/// 回归公海: the protection ended at `until` and the customer returned to the pool
/// (POOL-RETURN). Recorded by kehu's scheduler, never sent by a caller.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lapse {
    #[serde(deserialize_with = "customer")]
    pub customer: CustomerInput,
    pub until: Instant,
}

/// 客户分级: the owner sets a customer's grade (FUP-GRADE), which sets its contact interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GradeAct {
    pub by: StaffId,
    #[serde(deserialize_with = "customer")]
    pub customer: CustomerInput,
    #[serde(deserialize_with = "grade")]
    pub grade: String,
}

/// 承诺兑现: a promise made to the customer is kept (FUP-NEXT).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Kept {
    pub by: StaffId,
    #[serde(deserialize_with = "customer")]
    pub customer: CustomerInput,
    pub promise: String,
}

/// 付款计划: a payment of a signed deal falls due on a date (CHG-OVERDUE).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaymentDue {
    pub by: StaffId,
    #[serde(deserialize_with = "customer")]
    pub customer: CustomerInput,
    #[serde(deserialize_with = "date")]
    pub due: jiff::civil::Date,
    #[serde(deserialize_with = "money")]
    pub amount: i64,
}

/// 收款: a payment due on `due` is received (CHG-OVERDUE); without `due`, a payment of the
/// customer's orders on credit (CRD-OVER).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Paid {
    pub by: StaffId,
    #[serde(deserialize_with = "customer")]
    pub customer: CustomerInput,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "date_opt"
    )]
    pub due: Option<jiff::civil::Date>,
    #[serde(deserialize_with = "money")]
    pub amount: i64,
}

/// 催款通知单: kehu's dunning notice of a payment unpaid at 00:00 after its date (CHG-OVERDUE).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dun {
    #[serde(deserialize_with = "customer")]
    pub customer: CustomerInput,
    pub due: jiff::civil::Date,
    pub amount: i64,
}

/// 违约: a payment still unpaid two months after its dunning notice (CHG-OVERDUE).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Breach {
    #[serde(deserialize_with = "customer")]
    pub customer: CustomerInput,
    pub due: jiff::civil::Date,
    pub amount: i64,
}

/// Whether a unit is for sale, as the sales-control sheet (销控表) says (INV-UNSOLD).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitSale {
    /// 可售
    #[default]
    ForSale,
    /// 销控 (held back: not for sale)
    Withheld,
    /// 已售 (sold before kehu kept the sales control)
    Sold,
}

/// One unit of the sales-control sheet: 楼栋, 房号, 楼层, 面积 (m², to the hundredth), 总价.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitRow {
    #[serde(deserialize_with = "label")]
    pub building: String,
    #[serde(deserialize_with = "label")]
    pub number: String,
    /// The floor; by default the unit number without its last two digits (1203 → 12).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub floor: Option<i32>,
    /// Hundredths of a square metre (89.56 m² is 8956); written as square metres.
    #[serde(deserialize_with = "unit_area", serialize_with = "write_area")]
    pub area: i64,
    #[serde(deserialize_with = "money")]
    pub price: i64,
    #[serde(default)]
    pub status: UnitSale,
}

impl UnitRow {
    /// The unit's name in acts and on the pages: `楼栋-房号` (`3栋-1203`).
    pub fn key(&self) -> String {
        unit_key(&self.building, &self.number)
    }

    pub fn floor(&self) -> i32 {
        self.floor.unwrap_or_else(|| {
            let digits: String = self.number.chars().filter(char::is_ascii_digit).collect();
            match digits.len() {
                0..=2 => 1,
                n => digits[..n - 2].parse().unwrap_or(1),
            }
        })
    }
}

/// A unit's name: `楼栋-房号`.
pub fn unit_key(building: &str, number: &str) -> String {
    format!("{building}-{number}")
}

/// The most units one sales-control sheet may list.
pub const MAX_UNITS: usize = 20_000;

/// 销控表: the sales control's units, set or updated from a sheet (INV-UNSOLD).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Units {
    pub by: StaffId,
    #[serde(deserialize_with = "unit_rows")]
    pub units: Vec<UnitRow>,
}

/// What a change after the deposit is (CHG-CHANGES).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// 换房
    Unit,
    /// 换名
    Name,
    /// 退房
    Refund,
}

/// 换房 / 换名 / 退房 (CHG-CHANGES).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub by: StaffId,
    #[serde(deserialize_with = "customer")]
    pub customer: CustomerInput,
    pub kind: ChangeKind,
    /// 换房: the new unit (`楼栋-房号`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// 换名: the new buyer's name.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "text_opt"
    )]
    pub name: Option<String>,
    /// 换名 after signing: the transfer fee (过户费), yuan.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "money_opt"
    )]
    pub fee: Option<i64>,
    /// The customer's reason (退房, 换房).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "text_opt"
    )]
    pub reason: Option<String>,
    /// 退房: what the salesperson did to keep the customer (挽留).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "text_opt"
    )]
    pub retention: Option<String>,
}

/// A pending matter a manager (and the marketing director) decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Matter {
    /// 换房 to a smaller or cheaper unit (CHG-CHANGES)
    UnitChange,
    /// 退房 before signing (CHG-CHANGES)
    Refund,
    /// An order over the credit limit (CRD-OVER)
    Order,
    /// New credit terms proposed by finance (CRD-TERMS)
    Terms,
}

impl Matter {
    pub fn name(self) -> &'static str {
        match self {
            Matter::UnitChange => "unit_change",
            Matter::Refund => "refund",
            Matter::Order => "order",
            Matter::Terms => "terms",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Matter::UnitChange => "换房",
            Matter::Refund => "退房",
            Matter::Order => "超信用额度订单",
            Matter::Terms => "信用条件调整",
        }
    }
}

/// 审批: a decision on the customer's oldest undecided matter of a kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Approve {
    pub by: StaffId,
    #[serde(deserialize_with = "customer")]
    pub customer: CustomerInput,
    pub matter: Matter,
    /// `false`: refused.
    #[serde(default = "yes")]
    pub approved: bool,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "text_opt"
    )]
    pub note: Option<String>,
}

/// 信用等级与额度: finance grades a company customer and sets its credit limit (CRD-LEVEL); each
/// later one is a review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Credit {
    pub by: StaffId,
    #[serde(deserialize_with = "customer")]
    pub customer: CustomerInput,
    #[serde(deserialize_with = "grade")]
    pub grade: String,
    #[serde(deserialize_with = "money")]
    pub limit: i64,
}

/// 订单: an order on credit (CRD-OVER).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderAct {
    pub by: StaffId,
    #[serde(deserialize_with = "customer")]
    pub customer: CustomerInput,
    #[serde(deserialize_with = "money")]
    pub amount: i64,
}

/// 信用条件: new sales terms finance proposes for a customer after a review (CRD-TERMS).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Terms {
    pub by: StaffId,
    #[serde(deserialize_with = "customer")]
    pub customer: CustomerInput,
    /// Payment days (账期).
    pub days: u16,
    /// Discount, percent off the list price.
    #[serde(default)]
    pub discount: u8,
    /// A new credit limit, if the proposal changes it.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "money_opt"
    )]
    pub limit: Option<i64>,
}

/// 信用异动: a change in a customer's credit noticed on a visit, for finance (CRD-TERMS).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreditNote {
    pub by: StaffId,
    #[serde(deserialize_with = "customer")]
    pub customer: CustomerInput,
    #[serde(deserialize_with = "text")]
    pub note: String,
}

/// What a return visit (回访) is for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReturnKind {
    /// After delivery (交付使用), monthly then quarterly (FUP-RETURN)
    #[default]
    Delivery,
    /// The visit feedback form (出差回访表/客户反馈表) after a visit (FUP-NEXT)
    Feedback,
    /// December: the New Year gift and next year's needs (FUP-NEXT)
    Survey,
    /// A stale customer's cause and return visit (FUP-STALE)
    Stale,
    /// An A or B customer's tracking-sheet entry (客户追踪表, FUP-GRADE)
    Tracking,
}

/// 回访: a return visit or follow-up record (FUP-RETURN, FUP-NEXT, FUP-STALE, FUP-GRADE).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReturnVisit {
    pub by: StaffId,
    #[serde(deserialize_with = "customer")]
    pub customer: CustomerInput,
    #[serde(default)]
    pub kind: ReturnKind,
    /// 目的
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "text_opt"
    )]
    pub purpose: Option<String>,
    /// 形式: phone, visit, message …
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "text_opt"
    )]
    pub form: Option<String>,
    /// 内容
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "text_opt"
    )]
    pub content: Option<String>,
    /// 小结
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "text_opt"
    )]
    pub summary: Option<String>,
    /// FUP-STALE: the cause found with the designer or adviser.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "text_opt"
    )]
    pub cause: Option<String>,
    /// FUP-STALE: a home visit made (上门).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "text_opt"
    )]
    pub home_visit: Option<String>,
    /// FUP-NEXT December: the New Year gift sent.
    #[serde(default)]
    pub gift: bool,
    /// FUP-NEXT December: the needs for the next year.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "text_opt"
    )]
    pub needs: Option<String>,
}

/// Acts only kehu records (the scheduler's): refused from a request or a scenario step.
pub const SYSTEM: &[&str] = &["warn", "lapse", "dun", "breach", "missed", "review_due"];

/// Fields kehu sets itself; a caller who names one is told it is not accepted.
const SET_BY_KEHU: &[&str] = &["seed"];

macro_rules! acts {
    ($($variant:ident = $name:literal),* $(,)?) => {
        /// What happened, as the outside world states it. The engine decides its verdict.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(tag = "act")]
        pub enum Act {
            $(#[serde(rename = $name)] $variant($variant),)*
        }

        /// Every act's name, in the order of SCENARIOS.md.
        pub const NAMES: &[&str] = &[$($name),*];

        impl Act {
            /// The act's name as in scenario files and request bodies.
            pub fn name(&self) -> &'static str {
                match self {
                    $(Act::$variant(_) => $name,)*
                }
            }
        }

        /// The fields an act of this name accepts (beside `act`), or `None` for no such act.
        pub fn fields(name: &str) -> Option<Vec<&'static str>> {
            let all = match name {
                $($name => field_names::<$variant>(),)*
                _ => return None,
            };
            Some(all.iter().copied().filter(|f| !SET_BY_KEHU.contains(f)).collect())
        }

        fn deserialize_named(name: &str, value: serde_json::Value) -> Result<Act, FieldError> {
            match name {
                $($name => Ok(Act::$variant(tracked(value)?)),)*
                _ => Err(unknown_act(name)),
            }
        }
    };
}

acts! {
    Register = "register",
    Visit = "visit",
    WalkIn = "walk_in",
    Confirm = "confirm",
    Contact = "contact",
    Deposit = "deposit",
    Deal = "deal",
    Claim = "claim",
    Consent = "consent",
    Status = "status",
    Resolve = "resolve",
    Query = "query",
    Extend = "extend",
    Duty = "duty",
    Event = "event",
    Reassign = "reassign",
    Appoint = "appoint",
    Lead = "lead",
    Distribute = "distribute",
    JointEvent = "joint_event",
    Invite = "invite",
    List = "list",
    Attend = "attend",
    Quarrel = "quarrel",
    Close = "close",
    Dispatch = "dispatch",
    Refuse = "refuse",
    StageAct = "stage",
    HandOver = "hand_over",
    Review = "review",
    TripReport = "trip_report",
    SpotCheck = "spot_check",
    GradeAct = "grade",
    Kept = "kept",
    PaymentDue = "payment_due",
    Paid = "paid",
    Units = "units",
    Change = "change",
    Approve = "approve",
    Credit = "credit",
    OrderAct = "order",
    Terms = "terms",
    CreditNote = "credit_note",
    ReturnVisit = "return_visit",
    Warn = "warn",
    Lapse = "lapse",
    Dun = "dun",
    Breach = "breach",
    Missed = "missed",
    ReviewDue = "review_due",
}

/// The act names a caller may send, joined for messages ("register, visit, …").
pub fn names_list() -> String {
    NAMES
        .iter()
        .filter(|n| !SYSTEM.contains(n))
        .copied()
        .collect::<Vec<_>>()
        .join(", ")
}

fn unknown_act(name: &str) -> FieldError {
    FieldError::new(
        "act",
        format!("unknown act {name:?}; accepted: {}", names_list()),
    )
}

fn tracked<T: de::DeserializeOwned>(value: serde_json::Value) -> Result<T, FieldError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let detail = e.into_inner().to_string();
        let field = if path == "." { String::new() } else { path };
        // serde names a missing field only in its message; the field is the path.
        match detail
            .strip_prefix("missing field `")
            .and_then(|r| r.strip_suffix('`'))
        {
            Some(m) if field.is_empty() => FieldError::new(m, "missing; this act needs it"),
            Some(m) => FieldError::new(format!("{field}.{m}"), "missing"),
            None => FieldError::new(field, detail),
        }
    })
}

/// The customer field of an act (`$opt`: `as_ref` or `as_mut` for the walk-in's optional one).
macro_rules! customer_of {
    ($act:expr, $opt:ident) => {
        match $act {
            Act::Register(Register { customer, .. })
            | Act::Visit(Visit { customer, .. })
            | Act::Confirm(Confirm { customer, .. })
            | Act::Contact(Contact { customer, .. })
            | Act::Deposit(Deposit { customer, .. })
            | Act::Deal(Deal { customer, .. })
            | Act::Claim(Claim { customer, .. })
            | Act::Consent(Consent { customer, .. })
            | Act::Resolve(Resolve { customer, .. })
            | Act::Query(Query { customer })
            | Act::Extend(Extend { customer, .. })
            | Act::Lead(Lead { customer, .. })
            | Act::Invite(Invite { customer, .. })
            | Act::Attend(Attend { customer, .. })
            | Act::Quarrel(Quarrel { customer, .. })
            | Act::Dispatch(Dispatch { customer, .. })
            | Act::Refuse(Refuse { customer, .. })
            | Act::StageAct(StageAct { customer, .. })
            | Act::HandOver(HandOver { customer, .. })
            | Act::Review(Review { customer, .. })
            | Act::SpotCheck(SpotCheck { customer, .. })
            | Act::GradeAct(GradeAct { customer, .. })
            | Act::Kept(Kept { customer, .. })
            | Act::PaymentDue(PaymentDue { customer, .. })
            | Act::Paid(Paid { customer, .. })
            | Act::Change(Change { customer, .. })
            | Act::Approve(Approve { customer, .. })
            | Act::Credit(Credit { customer, .. })
            | Act::OrderAct(OrderAct { customer, .. })
            | Act::Terms(Terms { customer, .. })
            | Act::CreditNote(CreditNote { customer, .. })
            | Act::ReturnVisit(ReturnVisit { customer, .. })
            | Act::Dun(Dun { customer, .. })
            | Act::Breach(Breach { customer, .. })
            | Act::Warn(Warn { customer, .. })
            | Act::Missed(Missed { customer, .. })
            | Act::ReviewDue(ReviewDue { customer, .. })
            | Act::Lapse(Lapse { customer, .. }) => Some(customer),
            Act::WalkIn(WalkIn { customer, .. }) => customer.$opt(),
            Act::Status(_)
            | Act::Duty(_)
            | Act::Event(_)
            | Act::Reassign(_)
            | Act::Appoint(_)
            | Act::Distribute(_)
            | Act::JointEvent(_)
            | Act::List(_)
            | Act::Close(_)
            | Act::Units(_)
            | Act::TripReport(_) => None,
        }
    };
}

impl Act {
    /// Reads an act as a caller writes it: `name` and its fields (without `act`). Unknown fields
    /// are refused with the accepted ones listed; a wrong value names its path.
    pub fn from_fields(
        name: &str,
        fields_given: serde_json::Map<String, serde_json::Value>,
    ) -> Result<Act, FieldError> {
        if SYSTEM.contains(&name) {
            return Err(FieldError::new(
                "act",
                format!(
                    "act {name} is recorded by kehu's scheduler, not sent; accepted: {}",
                    names_list()
                ),
            ));
        }
        let accepted = fields(name).ok_or_else(|| unknown_act(name))?;
        for k in fields_given.keys() {
            if !accepted.contains(&k.as_str()) {
                return Err(FieldError::new(
                    k.clone(),
                    format!(
                        "unknown field for act {name}; accepted: {}",
                        accepted.join(", ")
                    ),
                ));
            }
        }
        if let Some(serde_json::Value::Object(c)) = fields_given.get("customer") {
            let accepted = field_names::<CustomerInput>();
            for k in c.keys() {
                if !accepted.contains(&k.as_str()) {
                    return Err(FieldError::new(
                        format!("customer.{k}"),
                        format!(
                            "unknown field for customer; accepted: {}",
                            accepted.join(", ")
                        ),
                    ));
                }
            }
        }
        deserialize_named(name, serde_json::Value::Object(fields_given))
    }

    /// The second step of reading an act from outside: every staff handle must be in the
    /// directory and every party written as text is looked up (an agent's handle stands for the
    /// agency). `seed` is the random seed recorded with a reassignment.
    pub fn resolve(mut self, dir: &Directory, seed: u64) -> Result<Act, FieldError> {
        for (field, id) in self.named_handles() {
            if dir.get(id).is_none() {
                return Err(FieldError::new(
                    field,
                    format!("unknown staff handle {:?}", id.0),
                ));
            }
        }
        match &mut self {
            Act::Resolve(r) => {
                if let Some(o) = r.owner.take() {
                    r.owner = Some(resolve_party(dir, o, "owner")?);
                }
                if let Some(s) = r.shares.take() {
                    let mut merged: BTreeMap<Party, u32> = BTreeMap::new();
                    for (p, n) in s {
                        *merged.entry(resolve_party(dir, p, "shares")?).or_insert(0) += n;
                    }
                    r.shares = Some(merged.into_iter().collect());
                }
            }
            Act::Reassign(r) => r.seed = seed,
            Act::Distribute(r) => r.seed = seed,
            _ => {}
        }
        Ok(self)
    }

    /// The commonest claim: a formal registration (正式报备) of `customer` by `by` through the
    /// site, signed, with no visit booked.
    pub fn formal_registration(by: StaffId, customer: CustomerInput) -> Act {
        Act::Register(Register {
            by,
            customer,
            channel: Channel::Site,
            kind: RegKind::Formal,
            visit_at: None,
            inbound: false,
            region: None,
            signed: true,
            grade: None,
            changed_at: None,
        })
    }

    /// The customer the act concerns, if any.
    pub fn customer(&self) -> Option<&CustomerInput> {
        customer_of!(self, as_ref)
    }

    /// The customer the act concerns, to be completed from an earlier step (scenarios).
    pub fn customer_mut(&mut self) -> Option<&mut CustomerInput> {
        customer_of!(self, as_mut)
    }

    /// Every staff handle the act names.
    pub fn handles(&self) -> Vec<&StaffId> {
        self.named_handles().into_iter().map(|(_, id)| id).collect()
    }

    /// Every staff handle the act names, with the field that names it.
    pub fn named_handles(&self) -> Vec<(String, &StaffId)> {
        let mut v: Vec<(String, &StaffId)> = Vec::new();
        fn push<'a>(v: &mut Vec<(String, &'a StaffId)>, f: &str, id: &'a StaffId) {
            v.push((f.to_string(), id));
        }
        fn opt<'a>(v: &mut Vec<(String, &'a StaffId)>, f: &str, id: &'a Option<StaffId>) {
            if let Some(id) = id {
                push(v, f, id);
            }
        }
        fn list<'a>(v: &mut Vec<(String, &'a StaffId)>, f: &str, ids: &'a [StaffId]) {
            for (i, id) in ids.iter().enumerate() {
                v.push((format!("{f}[{i}]"), id));
            }
        }
        match self {
            Act::Register(Register { by, .. })
            | Act::Contact(Contact { by, .. })
            | Act::Claim(Claim { by, .. })
            | Act::Resolve(Resolve { by, .. })
            | Act::Extend(Extend { by, .. })
            | Act::Lead(Lead { by, .. })
            | Act::Invite(Invite { by, .. })
            | Act::List(List { by, .. })
            | Act::Close(Close { by, .. })
            | Act::Refuse(Refuse { by, .. })
            | Act::StageAct(StageAct { by, .. })
            | Act::Review(Review { by, .. })
            | Act::TripReport(TripReport { by, .. })
            | Act::SpotCheck(SpotCheck { by, .. })
            | Act::GradeAct(GradeAct { by, .. })
            | Act::Kept(Kept { by, .. })
            | Act::PaymentDue(PaymentDue { by, .. })
            | Act::Paid(Paid { by, .. })
            | Act::Units(Units { by, .. })
            | Act::Change(Change { by, .. })
            | Act::Approve(Approve { by, .. })
            | Act::Credit(Credit { by, .. })
            | Act::OrderAct(OrderAct { by, .. })
            | Act::Terms(Terms { by, .. })
            | Act::CreditNote(CreditNote { by, .. })
            | Act::ReturnVisit(ReturnVisit { by, .. }) => push(&mut v, "by", by),
            Act::Appoint(x) => {
                push(&mut v, "by", &x.by);
                push(&mut v, "staff", &x.staff);
            }
            Act::Distribute(x) => {
                push(&mut v, "by", &x.by);
                if let Some(t) = &x.to {
                    list(&mut v, "to", t);
                }
            }
            Act::Quarrel(x) => list(&mut v, "staff", &x.staff),
            Act::Dispatch(x) => {
                push(&mut v, "by", &x.by);
                push(&mut v, "designer", &x.designer);
            }
            Act::HandOver(x) => {
                push(&mut v, "by", &x.by);
                push(&mut v, "to", &x.to);
            }
            Act::Visit(x) => {
                opt(&mut v, "brought_by", &x.brought_by);
                list(&mut v, "names", &x.names);
                opt(&mut v, "designates", &x.designates);
                opt(&mut v, "refuses", &x.refuses);
                opt(&mut v, "complains_about", &x.complains_about);
            }
            Act::WalkIn(x) => opt(&mut v, "taken_by", &x.taken_by),
            Act::Confirm(x) => {
                push(&mut v, "by", &x.by);
                list(&mut v, "signed_by", &x.signed_by);
            }
            Act::Deal(x) => {
                opt(&mut v, "closed_by", &x.closed_by);
                list(&mut v, "helped_by", &x.helped_by);
                opt(&mut v, "named", &x.named);
            }
            Act::Consent(x) => {
                push(&mut v, "by", &x.by);
                push(&mut v, "to", &x.to);
            }
            Act::Status(x) => push(&mut v, "staff", &x.staff),
            Act::Reassign(x) => {
                push(&mut v, "by", &x.by);
                push(&mut v, "from", &x.from);
                if let Some(t) = &x.to {
                    list(&mut v, "to", t);
                }
            }
            Act::Deposit(_)
            | Act::Query(_)
            | Act::Duty(_)
            | Act::Event(_)
            | Act::JointEvent(_)
            | Act::Attend(_)
            | Act::Warn(_)
            | Act::Lapse(_)
            | Act::Dun(_)
            | Act::Breach(_)
            | Act::Missed(_)
            | Act::ReviewDue(_) => {}
        }
        v
    }
}

/// A party written as text is provisionally a staff handle until [`Act::resolve`] looks it up.
fn resolve_party(dir: &Directory, p: Party, field: &str) -> Result<Party, FieldError> {
    match p {
        Party::Staff(id) => dir.parse_party(&id.0).ok_or_else(|| {
            FieldError::new(
                field,
                format!(
                    "{:?} is not a party: a staff handle, an agency name, pool, company, \
                     department or team:<name>",
                    id.0
                ),
            )
        }),
        other => Ok(other),
    }
}

/// A party as text: `pool`, `company`, `department`, `team:<name>`, or a handle or agency name
/// (kept as a staff party until resolved).
fn written_party(s: &str) -> Party {
    match s {
        "pool" => Party::Pool,
        "company" => Party::Company,
        "department" => Party::Department,
        _ => match s.strip_prefix("team:") {
            Some(t) => Party::Team(t.to_string()),
            None => Party::Staff(StaffId(s.to_string())),
        },
    }
}

// ---- the written forms ----

/// The field names of a struct, read from its derived `Deserialize` (which names them to
/// `deserialize_struct`).
fn field_names<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
    struct Names(Option<&'static [&'static str]>);
    #[derive(Debug)]
    struct Stop;
    impl fmt::Display for Stop {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("field names read")
        }
    }
    impl std::error::Error for Stop {}
    impl de::Error for Stop {
        fn custom<M: fmt::Display>(_: M) -> Self {
            Stop
        }
    }
    impl<'de> Deserializer<'de> for &mut Names {
        type Error = Stop;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Stop> {
            Err(Stop)
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Stop> {
            self.0 = Some(fields);
            Err(Stop)
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
            identifier ignored_any
        }
    }
    let mut n = Names(None);
    let _ = T::deserialize(&mut n);
    n.0.unwrap_or(&[])
}

/// A time as written (`2026-03-01 10:00`, Asia/Shanghai) or as stored (RFC 3339).
fn instant<E: de::Error>(
    s: &str,
    read: fn(&str) -> Result<Instant, crate::time::TimeError>,
) -> Result<Instant, E> {
    if let Ok(t) = s.parse::<Instant>() {
        return Ok(t);
    }
    read(s).map_err(E::custom)
}

fn local<'de, D: Deserializer<'de>>(d: D) -> Result<Instant, D::Error> {
    instant(&String::deserialize(d)?, parse_local)
}

/// `fn $name` reads an optional field with `$read`; null (as in entries of earlier versions) is
/// none.
macro_rules! optional {
    ($name:ident, $read:ident, $t:ty) => {
        fn $name<'de, D: Deserializer<'de>>(d: D) -> Result<Option<$t>, D::Error> {
            struct W($t);
            impl<'de> Deserialize<'de> for W {
                fn deserialize<D2: Deserializer<'de>>(d: D2) -> Result<W, D2::Error> {
                    $read(d).map(W)
                }
            }
            Ok(Option::<W>::deserialize(d)?.map(|w| w.0))
        }
    };
}

optional!(local_opt, local, Instant);
optional!(customer_opt, customer, CustomerInput);
optional!(party_opt, party, Party);
optional!(shares_opt, shares, Vec<(Party, u32)>);
optional!(one_or_many_opt, one_or_many, Vec<StaffId>);
optional!(date_opt, date, jiff::civil::Date);
optional!(month_opt, month, jiff::civil::Date);
optional!(money_opt, money, i64);
optional!(area_opt, square_metres, i64);
optional!(grade_opt, grade, String);
optional!(text_opt, text, String);

/// Free text: not blank, at most 500 characters, trimmed.
fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let s = String::deserialize(d)?;
    let t = s.trim();
    if t.is_empty() {
        return Err(de::Error::custom("must not be blank"));
    }
    if t.chars().count() > 500 {
        return Err(de::Error::custom("must be at most 500 characters"));
    }
    Ok(t.to_string())
}

/// A building's or a unit's label: 1 to 20 characters, no spaces or `/`.
fn label<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let s = String::deserialize(d)?;
    let t = s.trim();
    if t.is_empty() || t.chars().count() > 20 || t.chars().any(|c| c.is_whitespace() || c == '/') {
        return Err(de::Error::custom(format!(
            "{s:?} is not a building or unit label: 1 to 20 characters without spaces or /"
        )));
    }
    Ok(t.to_string())
}

/// A unit's area: square metres to the hundredth (a number, or text such as "89.56"), more
/// than 0 and at most 100000; kept in hundredths.
fn unit_area<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    let n = match &v {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    match n {
        Some(x) if x > 0.0 && x <= 100_000.0 => Ok((x * 100.0).round() as i64),
        _ => Err(de::Error::custom(format!(
            "{v} is not an area: square metres, more than 0 and at most 100000 (e.g. 89.56)"
        ))),
    }
}

/// An area as text ("89.56"): exact, and whole-number-only edges accept text.
fn write_area<S: serde::Serializer>(a: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format!("{}.{:02}", a / 100, a % 100))
}

/// A sheet's units: 1 to [`MAX_UNITS`], no unit twice.
fn unit_rows<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<UnitRow>, D::Error> {
    let rows = Vec::<UnitRow>::deserialize(d)?;
    if rows.is_empty() || rows.len() > MAX_UNITS {
        return Err(de::Error::custom(format!(
            "must list 1 to {MAX_UNITS} units, got {}",
            rows.len()
        )));
    }
    let mut seen = std::collections::BTreeSet::new();
    for r in &rows {
        if !seen.insert(r.key()) {
            return Err(de::Error::custom(format!(
                "unit {} is listed twice",
                r.key()
            )));
        }
    }
    Ok(rows)
}

/// A date as written (`2026-11-06`).
fn date<'de, D: Deserializer<'de>>(d: D) -> Result<jiff::civil::Date, D::Error> {
    let s = String::deserialize(d)?;
    crate::time::parse_date(&s)
        .map_err(|_| de::Error::custom(format!("{s:?} is not a date; write it as YYYY-MM-DD")))
}

/// An area in square metres: a whole number from 0 to a million.
fn square_metres<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    let n = i64::deserialize(d)?;
    if !(0..=1_000_000).contains(&n) {
        return Err(de::Error::custom(format!(
            "must be a number of square metres from 0 to 1000000, got {n}"
        )));
    }
    Ok(n)
}

/// A customer's grade (FUP-GRADE) as written: a short code of letters or digits (A, B, C, D by
/// default; the rulebook's `grade_days` lists the project's), upper-cased.
fn grade<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let s = String::deserialize(d)?;
    let g = s.trim().to_ascii_uppercase();
    if g.is_empty() || g.len() > 8 || !g.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(de::Error::custom(format!(
            "{s:?} is not a grade: a code of 1 to 8 letters or digits, such as A, B, C, D"
        )));
    }
    Ok(g)
}

/// A month as written (`2026-11`) or stored (its first day): the month's first day.
fn month<'de, D: Deserializer<'de>>(d: D) -> Result<jiff::civil::Date, D::Error> {
    let s = String::deserialize(d)?;
    let full = if s.len() == 7 { format!("{s}-01") } else { s };
    let day = crate::time::parse_date(&full)
        .map_err(|_| de::Error::custom(format!("{full:?} is not a month; write it as YYYY-MM")))?;
    Ok(day.first_of_month())
}

fn until<'de, D: Deserializer<'de>>(d: D) -> Result<Instant, D::Error> {
    instant(&String::deserialize(d)?, parse_until)
}

/// An amount of money in yuan: a whole number from 0 to [`MAX_AMOUNT`] (a trillion yuan, far
/// above any one deal, and low enough that a million of them add up without overflow).
fn money<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    let n = i64::deserialize(d)?;
    if !(0..=MAX_AMOUNT).contains(&n) {
        return Err(de::Error::custom(format!(
            "must be a number of yuan from 0 to {MAX_AMOUNT}, got {n}"
        )));
    }
    Ok(n)
}

/// A list of handles, or one handle for a list of one.
fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<StaffId>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Vec<StaffId>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a staff handle or a list of them")
        }
        fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
            Ok(vec![StaffId(s.to_string())])
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(id) = a.next_element::<StaffId>()? {
                out.push(id);
            }
            Ok(out)
        }
    }
    d.deserialize_any(V)
}

/// A party as text or as stored (`{ kind, name }`).
fn party<'de, D: Deserializer<'de>>(d: D) -> Result<Party, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Party;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(
                "a party: a staff handle, an agency name, pool, company, department or team:<name>",
            )
        }
        fn visit_str<E: de::Error>(self, s: &str) -> Result<Party, E> {
            Ok(written_party(s))
        }
        fn visit_map<A: MapAccess<'de>>(self, a: A) -> Result<Party, A::Error> {
            Party::deserialize(de::value::MapAccessDeserializer::new(a))
        }
    }
    d.deserialize_any(V)
}

/// Shares as written (`{ A = 70, B = 30 }`) or as stored (`[[party, 70], …]`).
fn shares<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(Party, u32)>, D::Error> {
    struct Percent(u32);
    impl<'de> Deserialize<'de> for Percent {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Percent, D::Error> {
            let n = i64::deserialize(d)?;
            if !(0..=100).contains(&n) {
                return Err(de::Error::custom(format!("share {n} is not a percentage")));
            }
            Ok(Percent(n as u32))
        }
    }
    struct Pair(Party, u32);
    impl<'de> Deserialize<'de> for Pair {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Pair, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Pair;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("a [party, percentage] pair")
                }
                fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Pair, A::Error> {
                    let missing = || de::Error::custom("a share is a [party, percentage] pair");
                    let p = a.next_element_seed(PartySeed)?.ok_or_else(missing)?;
                    let Percent(n) = a.next_element()?.ok_or_else(missing)?;
                    Ok(Pair(p, n))
                }
            }
            d.deserialize_seq(V)
        }
    }
    struct PartySeed;
    impl<'de> de::DeserializeSeed<'de> for PartySeed {
        type Value = Party;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Party, D::Error> {
            party(d)
        }
    }
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Vec<(Party, u32)>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a table of party = percentage")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(k) = a.next_key::<String>()? {
                let Percent(n) = a.next_value()?;
                out.push((written_party(&k), n));
            }
            Ok(out)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(Pair(p, n)) = a.next_element()? {
                out.push((p, n));
            }
            Ok(out)
        }
    }
    d.deserialize_any(V)
}

/// A customer as a table, or a phone alone as text.
fn customer<'de, D: Deserializer<'de>>(d: D) -> Result<CustomerInput, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = CustomerInput;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a table, or a phone as text")
        }
        fn visit_str<E: de::Error>(self, s: &str) -> Result<CustomerInput, E> {
            Ok(CustomerInput {
                phone: Some(s.to_string()),
                ..CustomerInput::default()
            })
        }
        fn visit_map<A: MapAccess<'de>>(self, a: A) -> Result<CustomerInput, A::Error> {
            CustomerInput::deserialize(de::value::MapAccessDeserializer::new(a))
        }
    }
    d.deserialize_any(V)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Role, Staff};
    use serde_json::json;

    fn dir() -> Directory {
        let staff = |id: &str, role, agency: Option<&str>| Staff {
            id: StaffId(id.into()),
            name: id.into(),
            role,
            team: None,
            agency: agency.map(str::to_string),
            region: None,
            left: false,
        };
        Directory {
            staff: vec![
                staff("A", Role::Sales, None),
                staff("B", Role::Sales, None),
                staff("M", Role::Manager, None),
                staff("x1", Role::Agent, Some("星河")),
            ],
            roster: None,
        }
    }

    fn read(name: &str, body: serde_json::Value) -> Result<Act, FieldError> {
        let serde_json::Value::Object(m) = body else {
            panic!("test bodies are objects")
        };
        Act::from_fields(name, m)?.resolve(&dir(), 7)
    }

    #[test]
    fn every_act_lists_its_fields_from_its_struct() {
        assert_eq!(
            fields("consent").unwrap_or_default(),
            vec!["by", "to", "customer"]
        );
        assert_eq!(
            fields("reassign").unwrap_or_default(),
            vec!["by", "from", "to"],
            "the seed is kehu's"
        );
        assert!(fields("regster").is_none());
        for n in NAMES {
            assert!(fields(n).is_some_and(|f| !f.is_empty()), "{n}");
        }
    }

    #[test]
    fn the_wrong_field_is_named_by_its_path() {
        for (name, body, field) in [
            ("register", json!({ "by": "A" }), "customer"),
            (
                "register",
                json!({ "by": "A", "customer": { "gender": "x" } }),
                "customer.gender",
            ),
            (
                "register",
                json!({ "by": "A", "customer": "1", "colour": 1 }),
                "colour",
            ),
            (
                "register",
                json!({ "by": "A", "customer": { "age": 3 } }),
                "customer.age",
            ),
            ("register", json!({ "by": "Z", "customer": "1" }), "by"),
            (
                "register",
                json!({ "by": "A", "customer": "1", "visit_at": "2026-02-30 10:00" }),
                "visit_at",
            ),
            (
                "visit",
                json!({ "customer": "1", "names": ["A", 3] }),
                "names[1]",
            ),
            (
                "visit",
                json!({ "customer": "1", "names": ["A", "Z"] }),
                "names[1]",
            ),
            ("deal", json!({ "customer": "1", "amount": -1 }), "amount"),
            (
                "deal",
                json!({ "customer": "1", "amount": 1_000_000_000_001_i64 }),
                "amount",
            ),
            (
                "resolve",
                json!({ "by": "M", "customer": "1", "owner": "nobody" }),
                "owner",
            ),
            (
                "resolve",
                json!({ "by": "M", "customer": "1", "shares": { "A": 101 } }),
                "shares.A",
            ),
            (
                "reassign",
                json!({ "by": "M", "from": "A", "seed": 3 }),
                "seed",
            ),
            (
                "status",
                json!({ "staff": "A", "state": "asleep" }),
                "state",
            ),
        ] {
            let e = read(name, body.clone()).expect_err(&body.to_string());
            assert_eq!(e.field, field, "{body}: {e}");
        }
    }

    #[test]
    fn written_forms_are_read() {
        let a = read(
            "resolve",
            json!({ "by": "M", "customer": "13800138000", "owner": "x1", "shares": { "A": 70, "B": 30 } }),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let Act::Resolve(r) = a else {
            panic!("a resolve")
        };
        assert_eq!(
            r.owner,
            Some(Party::Agency("星河".into())),
            "an agent stands for the agency"
        );
        assert_eq!(
            r.shares,
            Some(vec![
                (Party::Staff(StaffId("A".into())), 70),
                (Party::Staff(StaffId("B".into())), 30)
            ])
        );
        assert_eq!(r.customer.phone.as_deref(), Some("13800138000"));
        let Ok(Act::Visit(v)) = read(
            "visit",
            json!({ "customer": { "name": "王", "gender": "男" }, "names": "A" }),
        ) else {
            panic!("a visit")
        };
        assert_eq!(v.names, vec![StaffId("A".into())]);
        assert_eq!(v.customer.gender, Some(crate::name::Gender::Male));
        let Ok(Act::Reassign(r)) = read("reassign", json!({ "by": "M", "from": "A" })) else {
            panic!("a reassignment")
        };
        assert_eq!(r.seed, 7, "the seed comes from kehu");
        let Ok(Act::Register(r)) = read("register", json!({ "by": "A", "customer": "1" })) else {
            panic!("a registration")
        };
        assert!(
            r.signed,
            "a registration is signed unless it says otherwise"
        );
    }

    /// The ledger stores acts with the same derive: what is written reads back equal.
    #[test]
    fn stored_acts_read_back_equal() {
        for (name, body) in [
            (
                "register",
                json!({ "by": "A", "customer": { "name": "王", "phone": "13800138000" }, "visit_at": "2026-03-01 10:00", "channel": "sms" }),
            ),
            (
                "resolve",
                json!({ "by": "M", "customer": "1", "owner": "team:一部", "shares": { "A": 50, "x1": 50 } }),
            ),
            (
                "extend",
                json!({ "by": "M", "customer": "1", "until": "2026-03-01" }),
            ),
            (
                "deal",
                json!({ "customer": "1", "amount": 3_280_000, "helped_by": ["B"], "knowing": true }),
            ),
            ("walk_in", json!({})),
            ("reassign", json!({ "by": "M", "from": "A", "to": ["B"] })),
        ] {
            let a = read(name, body).unwrap_or_else(|e| panic!("{name}: {e}"));
            let stored = serde_json::to_string(&a).unwrap_or_default();
            let back: Act =
                serde_json::from_str(&stored).unwrap_or_else(|e| panic!("{stored}: {e}"));
            assert_eq!(back, a, "{stored}");
        }
    }
}
