//! Rulebooks as data (RULES.md §3): named presets plus documented overrides from a TOML policy.

use crate::phone::MaskForm;
use crate::time::{parse_date, Counting, WorkCalendar};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// The ownership presets of RULES.md §3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Preset {
    /// §3.1 sales office, first visit and reception
    SiteRotation,
    /// §3.2 sales office, first reception
    SiteFirstReception,
    /// §3.3 team claims with arbitration
    TeamRegistration,
    /// §3.4 store registration with deposit extension
    StoreRegistration,
    /// §3.5 agencies registering by SMS before a visit
    ChannelSms,
    /// §3.6 distributor SMS registration and visit confirmation
    ChannelDistribution,
    /// §3.7 pre-registration around a launch date
    ChannelLaunch,
    /// §3.8 B2B sales with visit protection
    B2bProtection,
    /// §3.9 direct sales filing in the CRM
    DirectSales,
    /// §3.10 events and shared invitation lists
    ConferenceMarketing,
    /// §3.11 store with designers
    HomeDecoration,
    /// §3.12 customers and projects filed by field offices
    ProjectFiling,
    /// §3.13 salespeople's filing with review
    SalesFiling,
}

impl Preset {
    pub const ALL: [Preset; 13] = [
        Preset::SiteRotation,
        Preset::SiteFirstReception,
        Preset::TeamRegistration,
        Preset::StoreRegistration,
        Preset::ChannelSms,
        Preset::ChannelDistribution,
        Preset::ChannelLaunch,
        Preset::B2bProtection,
        Preset::DirectSales,
        Preset::ConferenceMarketing,
        Preset::HomeDecoration,
        Preset::ProjectFiling,
        Preset::SalesFiling,
    ];

    /// CL-SILENT: before signing nobody is told of a collision (decided by the family, read by the
    /// server when it words a registrant's answer).
    pub fn silent(self) -> bool {
        crate::rulebooks::family(self).silent()
    }

    /// The fields a registration form must ask for (`phone`, `name`, `address`, `visit_at`),
    /// for an agent's form or a staff member's.
    pub fn required_on_form(self, agent: bool) -> &'static [&'static str] {
        crate::rulebooks::family(self).required_on_form(agent)
    }

    /// Whether this rulebook's rules give an act a meaning, so that the pages offer it: a duty
    /// roster (team-registration's duty team), an event window (SR-EVENT), a claim after signing
    /// (TR-CLAIM3, SR-SIGNED's window), a consent (TR-ACTIVE), a visit confirmation (CS-CONFIRM,
    /// CD-CONFIRM). Every other act is common to all rulebooks.
    pub fn uses(self, act: &str) -> bool {
        match act {
            "duty" => self == Preset::TeamRegistration,
            "consent" => matches!(self, Preset::TeamRegistration | Preset::ConferenceMarketing),
            // DS-3MONTHS: the general manager extends a filing; no other rulebook extends.
            "extend" => self == Preset::DirectSales,
            "joint_event" | "invite" | "list" | "attend" | "quarrel" => {
                self == Preset::ConferenceMarketing
            }
            "lead" => true,
            "distribute" => self != Preset::HomeDecoration,
            "dispatch" | "refuse" | "hand_over" => self == Preset::HomeDecoration,
            "review" | "trip_report" => self == Preset::SalesFiling,
            "spot_check" => self == Preset::ProjectFiling,
            "event" => crate::rulebooks::family(self).event_window_decides(),
            "claim" => matches!(self, Preset::TeamRegistration | Preset::SiteRotation),
            "confirm" => matches!(self, Preset::ChannelSms | Preset::ChannelDistribution),
            _ => true,
        }
    }

    /// The party leads are held by until a distribution hands them out (CM-EVEN: the department;
    /// HD-LEADS: the company; elsewhere the pool).
    pub fn lead_holder(self) -> crate::model::Party {
        crate::rulebooks::family(self).lead_holder().0
    }

    /// The rule IDs of RULES.md §3 this rulebook decides (its family's file).
    pub fn rules(self) -> &'static [&'static str] {
        crate::rulebooks::family(self).rules()
    }

    pub fn name(self) -> &'static str {
        match self {
            Preset::SiteRotation => "site-rotation",
            Preset::SiteFirstReception => "site-first-reception",
            Preset::TeamRegistration => "team-registration",
            Preset::StoreRegistration => "store-registration",
            Preset::ChannelSms => "channel-sms",
            Preset::ChannelDistribution => "channel-distribution",
            Preset::ChannelLaunch => "channel-launch",
            Preset::B2bProtection => "b2b-protection",
            Preset::DirectSales => "direct-sales",
            Preset::ConferenceMarketing => "conference-marketing",
            Preset::HomeDecoration => "home-decoration",
            Preset::ProjectFiling => "project-filing",
            Preset::SalesFiling => "sales-filing",
        }
    }

    pub fn title_zh(self) -> &'static str {
        match self {
            Preset::SiteRotation => "案场首访与轮流接待",
            Preset::SiteFirstReception => "案场首次接待",
            Preset::TeamRegistration => "团队报备与业务仲裁",
            Preset::StoreRegistration => "门店报备(定金延保)",
            Preset::ChannelSms => "分销短信报备",
            Preset::ChannelDistribution => "分销报备与来访确认",
            Preset::ChannelLaunch => "开盘前后报备",
            Preset::B2bProtection => "B2B拜访保护",
            Preset::DirectSales => "直销客户备案",
            Preset::ConferenceMarketing => "会议营销与联合邀约",
            Preset::HomeDecoration => "家装门店派单",
            Preset::ProjectFiling => "客户及项目备案",
            Preset::SalesFiling => "业务员报备与审核",
        }
    }

    pub fn parse(s: &str) -> Result<Preset, PolicyError> {
        if let Some(p) = Preset::ALL.into_iter().find(|p| p.name() == s) {
            return Ok(p);
        }
        Err(PolicyError::UnknownPreset(s.to_string()))
    }
}

impl fmt::Display for Preset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("unknown rulebook {0:?}; accepted: site-rotation, site-first-reception, team-registration, store-registration, channel-sms, channel-distribution, channel-launch, b2b-protection, direct-sales, conference-marketing, home-decoration, project-filing, sales-filing")]
    UnknownPreset(String),
    #[error("unknown policy key {key:?}; accepted keys: {accepted}")]
    UnknownKey { key: String, accepted: String },
    #[error("bad value for policy key {key:?}: {detail}; accepted: {accepted}")]
    BadValue {
        key: String,
        detail: String,
        accepted: String,
    },
    #[error("policy key {key:?} belongs to another rulebook (it governs {governs}); {preset} does not read it")]
    NotForPreset {
        key: String,
        preset: &'static str,
        governs: String,
    },
    #[error("policy file: {0}")]
    Syntax(String),
}

/// What happens to the turns of someone out on company business (ROT-OUT).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutTurns {
    /// 补接: made up on return, like owed turns.
    MakeUp,
    /// 轮空: lost.
    Lost,
}

/// The effective parameters of a rulebook. Every field is a documented policy key (see
/// [`PARAMS`]); presets set the defaults.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Params {
    pub mask_forms: Vec<MaskForm>,
    pub counting: Counting,
    pub dispute_hours: i64,
    pub warn_days: i64,
    pub customer_cap: Option<u32>,
    pub out_turns: OutTurns,
    pub record_months: i64,
    pub knowing_fine: i64,
    pub strict_days: i64,
    pub active_days: i64,
    pub claim_days: i64,
    pub inquiry_days: i64,
    pub deposit_days: i64,
    pub follow_days: i64,
    pub fake_fines: Vec<i64>,
    pub lead_minutes: i64,
    pub visit_months: i64,
    pub pre_days: i64,
    pub recontact_days: i64,
    pub confirm_days: i64,
    pub launch_date: Option<Date>,
    pub after_launch_days: i64,
    pub b2b_visit_months: i64,
    pub idle_months: i64,
    pub first_month_contacts: u32,
    pub later_month_contacts: u32,
    pub filing_months: i64,
    pub rotation_fine: Option<i64>,
    pub lapse_months: i64,
    pub list_fine: i64,
    pub quarrel_fine: i64,
    pub order_cap: u32,
    pub suspend_months: i64,
    pub stall_months: i64,
    pub large_budget: Option<i64>,
    pub large_area: Option<i64>,
    pub filing_workdays: i64,
    pub review_filings: bool,
    pub quota_points: u32,
    pub quota_shortfall: u32,
    pub grade_days: BTreeMap<String, i64>,
    pub stages: Vec<crate::act::Stage>,
    pub default_grade: String,
    pub due_days: i64,
    /// CRD-TERMS: each credit grade's sales terms.
    pub credit_terms: BTreeMap<String, GradeTerms>,
    /// CRD-OVER: the excess over the credit limit, in percent of it, above which the marketing
    /// director approves as well.
    pub credit_excess_percent: i64,
    /// CRD-LEVEL: months between credit reviews.
    pub credit_review_months: i64,
}

/// A credit grade's sales terms (CRD-TERMS): payment days (账期) and a discount in percent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GradeTerms {
    pub days: u16,
    pub discount: u8,
}

/// One documented policy key.
pub struct ParamInfo {
    pub key: &'static str,
    /// Rule IDs the key governs.
    pub governs: &'static [&'static str],
    /// Presets it applies to (empty: all).
    pub presets: &'static [Preset],
    pub doc: &'static str,
    /// `doc` in Chinese, for the Chinese pages.
    pub doc_zh: &'static str,
    pub accepted: &'static str,
    /// `accepted` in Chinese; literal values are kept as they must be typed.
    pub accepted_zh: &'static str,
}

use Preset::*;

/// Every policy key, documented.
pub const PARAMS: &[ParamInfo] = &[
    ParamInfo { key: "mask_forms", governs: &["G-PHONE"], presets: &[], doc: "masked phone forms accepted (a full number is always accepted)", doc_zh: "报备时接受哪些隐号手机号格式（完整的11位手机号始终接受）", accepted: "a list of \"3+4\", \"4+5\", \"7+0\"", accepted_zh: "列表，可选 \"3+4\"（前三后四）、\"4+5\"（前四后五）、\"7+0\"（隐藏后四位），如 [\"3+4\"]" },
    ParamInfo { key: "counting", governs: &["G-TIME"], presets: &[], doc: "day windows count from the instant, or as whole calendar days ending at 00:00 after the last day", doc_zh: "保护期等天数怎么算：从报备、到访的时刻起按钟点算，或按自然日算到最后一天次日零点", accepted: "\"instant\" or \"calendar_days\"", accepted_zh: "\"instant\"（从时刻起按钟点算）或 \"calendar_days\"（按自然日算，到最后一天次日零点止）" },
    ParamInfo { key: "dispute_hours", governs: &["G-DISPUTE", "CS-DISPUTE"], presets: &[], doc: "hours a manager has to answer a dispute (待定确认单)", doc_zh: "争议客户出待定确认单、由经理裁定时，经理须在几小时内答复", accepted: "an integer 1..=720", accepted_zh: "1 至 720 的整数（小时）" },
    ParamInfo { key: "warn_days", governs: &["POOL-RETURN", "G-NOTIFY"], presets: &[], doc: "days before a protection ends that its owner is warned", doc_zh: "保护期到期（客户回归公海）前几天提醒归属人", accepted: "an integer 0..=60", accepted_zh: "0 至 60 的整数（天）" },
    ParamInfo { key: "customer_cap", governs: &["DIST-CAP"], presets: &[], doc: "most customers one salesperson may own (off when absent)", doc_zh: "每名销售员最多可持有的客户数，超出则报备驳回；不设置即不限", accepted: "an integer 1..=100000", accepted_zh: "1 至 100000 的整数（个客户）；不填则不设上限" },
    ParamInfo { key: "out_turns", governs: &["ROT-OUT"], presets: &[], doc: "turns missed while out on company business are made up or lost", doc_zh: "因公外出期间漏掉的轮流接待轮次，回来后补接还是轮空", accepted: "\"make_up\" or \"lost\"", accepted_zh: "\"make_up\"（回来后补接）或 \"lost\"（轮空）" },
    ParamInfo { key: "rotation_fine", governs: &["ROT-FAIR"], presets: &[], doc: "yuan recorded for taking a walk-in out of turn (the seed says one day's base pay: absent = not a fixed sum)", doc_zh: "不按轮流接待顺序抢接客户时违规记录的罚款金额（元）；不设置则按制度记一天底薪，不是固定金额", accepted: "an integer 0..=100000", accepted_zh: "0 至 100000 的整数（元）；不填则记一天底薪" },
    ParamInfo { key: "record_months", governs: &["SR-VALID", "SR-REFUSE", "SR-FORGOT"], presets: &[SiteRotation], doc: "months a salesperson's record stays valid after their latest registration or visit received", doc_zh: "建档有效期：从销售员最近一次登记或接待到访起算的月数", accepted: "an integer 1..=24", accepted_zh: "1 至 24 的整数（月）" },
    ParamInfo { key: "knowing_fine", governs: &["FR-KNOWING"], presets: &[SiteFirstReception], doc: "yuan recorded for knowingly serving another's customer", doc_zh: "明知是他人客户仍去接待（明知故抢）时违规记录的罚款金额（元）", accepted: "an integer 0..=100000", accepted_zh: "0 至 100000 的整数（元）" },
    ParamInfo { key: "strict_days", governs: &["TR-PROTECT"], presets: &[TeamRegistration], doc: "days of strict protection from registration", doc_zh: "无异议报备从报备起严格保护的天数", accepted: "an integer 1..=365", accepted_zh: "1 至 365 的整数（天）" },
    ParamInfo { key: "active_days", governs: &["TR-ACTIVE"], presets: &[TeamRegistration], doc: "days since the owner's last contact during which others need consent", doc_zh: "归属人最近一次跟进后多少天内，他人报备须经其同意；超过则报备失效", accepted: "an integer 1..=365", accepted_zh: "1 至 365 的整数（天）" },
    ParamInfo { key: "claim_days", governs: &["TR-CLAIM3"], presets: &[TeamRegistration], doc: "days after signing in which an unclaimed deal may be claimed", doc_zh: "成交时无人认领的，签约后几天内可凭证据认领", accepted: "an integer 1..=60", accepted_zh: "1 至 60 的整数（天）" },
    ParamInfo { key: "inquiry_days", governs: &["ST-INQUIRY"], presets: &[StoreRegistration], doc: "days a walk-in inquiry customer is protected", doc_zh: "上门咨询客户从报备起的保护天数", accepted: "an integer 1..=365", accepted_zh: "1 至 365 的整数（天）" },
    ParamInfo { key: "deposit_days", governs: &["ST-DEPOSIT"], presets: &[StoreRegistration], doc: "days a customer who paid a deposit is protected from the deposit", doc_zh: "已交定金的客户从交定金起的保护天数", accepted: "an integer 1..=730", accepted_zh: "1 至 730 的整数（天）" },
    ParamInfo { key: "follow_days", governs: &["ST-EXPIRED"], presets: &[StoreRegistration], doc: "a contact within this many days means the original salesperson is still following up", doc_zh: "保护期过后，原销售员最近几天内有跟进就算仍在跟进（他人再报备时由客户选择）", accepted: "an integer 1..=90", accepted_zh: "1 至 90 的整数（天）" },
    ParamInfo { key: "fake_fines", governs: &["ST-FAKE"], presets: &[StoreRegistration], doc: "yuan for the first, second … false registration; the next one is dismissal", doc_zh: "虚假报备第一次、第二次……各罚多少元，再下一次辞退", accepted: "a list of integers", accepted_zh: "不小于 0 的整数列表（元），如 [50, 100]" },
    ParamInfo { key: "lead_minutes", governs: &["CS-LEAD"], presets: &[ChannelSms], doc: "minutes an SMS registration must precede its declared visit", doc_zh: "短信报备须比约定到访时间至少提前几分钟", accepted: "an integer 0..=1440", accepted_zh: "0 至 1440 的整数（分钟）" },
    ParamInfo { key: "visit_months", governs: &["CS-MONTH"], presets: &[ChannelSms], doc: "months of protection from the first confirmed visit", doc_zh: "从首次到访（签来访确认单）起的保护月数，期满客户归市场", accepted: "an integer 1..=24", accepted_zh: "1 至 24 的整数（月）" },
    ParamInfo { key: "pre_days", governs: &["CD-7DAYS"], presets: &[ChannelDistribution], doc: "days a pre-registration is valid", doc_zh: "短信预报备的有效天数", accepted: "an integer 1..=90", accepted_zh: "1 至 90 的整数（天）" },
    ParamInfo { key: "recontact_days", governs: &["CD-7DAYS"], presets: &[ChannelDistribution], doc: "longest gap between the agent's contacts that still allows re-registering", doc_zh: "经纪人相邻两次跟进最多间隔几天仍可续报，超过即不能续报", accepted: "an integer 1..=90", accepted_zh: "1 至 90 的整数（天）" },
    ParamInfo { key: "confirm_days", governs: &["CD-30DAYS", "CD-SELF"], presets: &[ChannelDistribution], doc: "days a confirmed visit protects from the first visit", doc_zh: "确认到访后，从首次到访起的保护天数", accepted: "an integer 1..=365", accepted_zh: "1 至 365 的整数（天）" },
    ParamInfo { key: "launch_date", governs: &["CL-LAUNCH"], presets: &[ChannelLaunch], doc: "the launch day (开盘日)", doc_zh: "开盘日：开盘前正式报备的客户保护到开盘当日结束", accepted: "a date \"YYYY-MM-DD\"", accepted_zh: "日期，格式 \"YYYY-MM-DD\"，如 \"2026-09-01\"" },
    ParamInfo { key: "after_launch_days", governs: &["CL-LAUNCH"], presets: &[ChannelLaunch], doc: "days a registration on or after launch day is valid", doc_zh: "开盘当日及以后正式报备的，从报备起的有效天数", accepted: "an integer 1..=365", accepted_zh: "1 至 365 的整数（天）" },
    ParamInfo { key: "b2b_visit_months", governs: &["BP-VISIT"], presets: &[B2bProtection], doc: "months a registration or owner's visit protects", doc_zh: "报备或归属人登记拜访后的保护月数，从最近一次算起", accepted: "an integer 1..=36", accepted_zh: "1 至 36 的整数（月）" },
    ParamInfo { key: "idle_months", governs: &["BP-IDLE", "BP-SALE"], presets: &[B2bProtection], doc: "months without sale or payment before the customer goes to the pool", doc_zh: "客户连续几个月无成交、无回款即回归公司公海，由经理重新分配", accepted: "an integer 1..=60", accepted_zh: "1 至 60 的整数（月）" },
    ParamInfo { key: "first_month_contacts", governs: &["DS-CADENCE"], presets: &[DirectSales], doc: "contacts the filer must log in the first month", doc_zh: "备案首月备案人至少要登记的跟进次数，不够则备案失效、客户回归公海", accepted: "an integer 0..=100", accepted_zh: "0 至 100 的整数（次）" },
    ParamInfo { key: "later_month_contacts", governs: &["DS-CADENCE"], presets: &[DirectSales], doc: "contacts the filer must log in every later month", doc_zh: "备案之后每个月备案人至少要登记的跟进次数，不够则备案失效、客户回归公海", accepted: "an integer 0..=100", accepted_zh: "0 至 100 的整数（次）" },
    ParamInfo { key: "filing_months", governs: &["DS-3MONTHS"], presets: &[DirectSales], doc: "months from filing in which an order must come", doc_zh: "从备案起几个月内须有订单，否则撤销备案、客户回归公海", accepted: "an integer 1..=36", accepted_zh: "1 至 36 的整数（月）" },
    ParamInfo { key: "lapse_months", governs: &["CM-LAPSE"], presets: &[ConferenceMarketing], doc: "months an owner is protected after the latest assignment, home visit or attendance on the owner's invitation", doc_zh: "归属人的保护月数：从最近一次分配、上门拜访或顾客应其邀约参会起算", accepted: "an integer 1..=36", accepted_zh: "1 至 36 的整数（月）" },
    ParamInfo { key: "list_fine", governs: &["CM-CUTOFF"], presets: &[ConferenceMarketing], doc: "yuan recorded against the division head for each list late or missing", doc_zh: "名单迟报或未报时，每份记事业部经理违规的罚款金额（元）", accepted: "an integer 0..=100000", accepted_zh: "0 至 100000 的整数（元）" },
    ParamInfo { key: "quarrel_fine", governs: &["CM-QUARREL"], presets: &[ConferenceMarketing], doc: "yuan recorded against each staff member who argued in front of a customer", doc_zh: "当着顾客争执时，每名参与员工记违规的罚款金额（元）", accepted: "an integer 0..=100000", accepted_zh: "0 至 100000 的整数（元）" },
    ParamInfo { key: "order_cap", governs: &["DSP-CAP"], presets: &[HomeDecoration], doc: "most active orders (dispatched, deposit paid, neither signed nor lost) a designer may hold", doc_zh: "设计师最多同时持有的在手单数（已派单、已交定金、未签约也未跑单）", accepted: "an integer 1..=100", accepted_zh: "1 至 100 的整数（单）" },
    ParamInfo { key: "suspend_months", governs: &["DSP-REFUSE"], presets: &[HomeDecoration], doc: "months a designer who refused a dispatch gets no dispatch", doc_zh: "设计师拒单后停止派单的月数", accepted: "an integer 0..=24", accepted_zh: "0 至 24 的整数（月）" },
    ParamInfo { key: "stall_months", governs: &["DSP-STALL", "FUP-STALE"], presets: &[HomeDecoration], doc: "months after registration an unsigned customer with a drawn plan stops the designer's dispatches", doc_zh: "登记后多少个月仍未签约、且设计师已出图的客户，会使该设计师停止派单", accepted: "an integer 1..=36", accepted_zh: "1 至 36 的整数（月）" },
    ParamInfo { key: "large_budget", governs: &["DSP-PRIORITY"], presets: &[HomeDecoration], doc: "a budget above this many yuan makes a large order (off when absent)", doc_zh: "预算超过多少元算大单，大单优先派给资深或收设计费的设计师；不设置即不区分大单", accepted: "an integer 0..=1000000000000", accepted_zh: "不小于 0 的整数（元）；不填则不按预算区分大单" },
    ParamInfo { key: "large_area", governs: &["DSP-PRIORITY"], presets: &[HomeDecoration], doc: "an area above this many m² makes a large order (off when absent)", doc_zh: "面积超过多少平方米算大单；不设置即不按面积区分大单", accepted: "an integer 0..=1000000", accepted_zh: "不小于 0 的整数（平方米）；不填则不按面积区分大单" },
    ParamInfo { key: "filing_workdays", governs: &["SF-3DAYS"], presets: &[SalesFiling], doc: "working days after the first contact's date within which a customer must be filed", doc_zh: "首次接触之日起（不含当天）几个工作日内必须报备", accepted: "an integer 1..=60", accepted_zh: "1 至 60 的整数（工作日）" },
    ParamInfo { key: "review_filings", governs: &["SF-REVIEW", "SF-ASSIGN"], presets: &[SalesFiling], doc: "filings wait for the department manager's review; false is the 精华篇 variant (first filing accepted, the leader assigns)", doc_zh: "报备是否须经部门经理审核；false 即精华篇做法：先报先得，由领导决定谁跟进", accepted: "true or false", accepted_zh: "true（须审核）或 false（精华篇，不审核）" },
    ParamInfo { key: "quota_points", governs: &["SF-QUOTA"], presets: &[SalesFiling], doc: "visit points a salesperson must reach each calendar month", doc_zh: "业务员每月须达到的拜访积分", accepted: "an integer 0..=1000", accepted_zh: "0 至 1000 的整数（分）" },
    ParamInfo { key: "quota_shortfall", governs: &["SF-QUOTA"], presets: &[SalesFiling], doc: "a month this many points or more short records a violation", doc_zh: "当月积分比要求少多少分及以上记违规（打扫办公室一次）", accepted: "an integer 0..=1000", accepted_zh: "0 至 1000 的整数（分）" },
    ParamInfo { key: "grade_days", governs: &["FUP-GRADE", "FUP-DUE", "PF-CHASE"], presets: &[], doc: "the customer grades and each one's contact interval in days", doc_zh: "客户等级及各等级的联系间隔天数", accepted: "a table of grade = days, e.g. { A = 7, B = 15, C = 30, D = 90 }", accepted_zh: "等级 = 天数 的表，如 { A = 7, B = 15, C = 30, D = 90 }" },
    ParamInfo { key: "default_grade", governs: &["FUP-GRADE"], presets: &[], doc: "the grade of a customer nobody graded", doc_zh: "未分级客户按哪一级的联系间隔跟进", accepted: "one of the grades of grade_days", accepted_zh: "grade_days 中的一个等级，如 \"C\"" },
    ParamInfo { key: "stages", governs: &["PIPE-STAGES"], presets: &[], doc: "the pipeline's stages in order (跑单/lost is possible at any of them)", doc_zh: "销售阶段及其顺序（任何阶段都可能跑单）", accepted: "a list of visit, small, large, measured, plan, design_fee, quote, signed, approved, started, finished", accepted_zh: "阶段列表，可选 visit（来访）、small（小定）、large（大定）、measured（量房）、plan（出图）、design_fee（交设计费）、quote（做报价）、signed（签合同）、approved（审核）、started（开工）、finished（完工）" },
    ParamInfo { key: "credit_terms", governs: &["CRD-TERMS"], presets: &[], doc: "each credit grade's sales terms: payment days and discount percent", doc_zh: "各信用等级的销售条件：账期天数与折扣（百分比）", accepted: "a table of grade = { days = 0..=365, discount = 0..=50 }", accepted_zh: "等级 = { days = 账期天数 0–365, discount = 折扣百分比 0–50 } 的表" },
    ParamInfo { key: "credit_excess_percent", governs: &["CRD-OVER"], presets: &[], doc: "how far over the credit limit (percent of it) an order may go with the sales manager's approval alone; beyond it the marketing director approves too", doc_zh: "订单超出信用额度多少（额度的百分比）以内由销售经理审批；超出部分还须营销总监审批", accepted: "an integer 0..=1000", accepted_zh: "0 至 1000 的整数（百分比）" },
    ParamInfo { key: "credit_review_months", governs: &["CRD-LEVEL"], presets: &[], doc: "months between finance's reviews of a customer's credit grade", doc_zh: "财务复核客户信用等级的间隔（月）", accepted: "an integer 1..=24", accepted_zh: "1 至 24 的整数（月）" },
    ParamInfo { key: "due_days", governs: &["FUP-DUE"], presets: &[], doc: "days before a customer is overdue that it shows as due", doc_zh: "客户逾期前几天起列为待跟进", accepted: "an integer 0..=60", accepted_zh: "0 至 60 的整数（天）" },
];

impl Params {
    /// The preset's defaults (the seeds' figures).
    pub fn preset(p: Preset) -> Params {
        let mask_forms = match p {
            TeamRegistration => vec![MaskForm::P7],
            ChannelSms | ChannelLaunch => vec![MaskForm::P3S4],
            ChannelDistribution => vec![MaskForm::P4S5],
            _ => MaskForm::ALL.to_vec(),
        };
        Params {
            mask_forms,
            counting: Counting::Instant,
            dispute_hours: 24,
            warn_days: 3,
            customer_cap: None,
            out_turns: if p == SiteFirstReception {
                OutTurns::Lost
            } else {
                OutTurns::MakeUp
            },
            record_months: 2,
            knowing_fine: 1000,
            strict_days: 30,
            active_days: 15,
            claim_days: 3,
            inquiry_days: 7,
            deposit_days: 90,
            follow_days: 7,
            fake_fines: vec![50, 100],
            lead_minutes: 30,
            visit_months: 1,
            pre_days: 7,
            recontact_days: 5,
            confirm_days: 30,
            launch_date: None,
            after_launch_days: 7,
            b2b_visit_months: 3,
            idle_months: 6,
            first_month_contacts: 2,
            later_month_contacts: 3,
            filing_months: 3,
            rotation_fine: None,
            lapse_months: 3,
            list_fine: 10,
            quarrel_fine: 100,
            order_cap: 3,
            suspend_months: 1,
            stall_months: 3,
            large_budget: None,
            large_area: None,
            filing_workdays: 3,
            review_filings: true,
            quota_points: 30,
            quota_shortfall: 3,
            grade_days: [("A", 7), ("B", 15), ("C", 30), ("D", 90)]
                .into_iter()
                .map(|(g, d)| (g.to_string(), d))
                .collect(),
            default_grade: "C".into(),
            stages: {
                use crate::act::Stage::*;
                if p == HomeDecoration {
                    vec![
                        Measured, Plan, DesignFee, Quote, Signed, Approved, Started, Finished,
                    ]
                } else {
                    vec![Visit, Small, Large, Signed]
                }
            },
            due_days: 3,
            credit_terms: [("A", 60, 3), ("B", 30, 1), ("C", 15, 0), ("D", 0, 0)]
                .into_iter()
                .map(|(g, days, discount)| (g.to_string(), GradeTerms { days, discount }))
                .collect(),
            credit_excess_percent: 20,
            credit_review_months: 3,
        }
    }

    /// Applies one override, validating it.
    pub fn set(&mut self, key: &str, value: &toml::Value) -> Result<(), PolicyError> {
        let info = PARAMS
            .iter()
            .find(|i| i.key == key)
            .ok_or_else(|| PolicyError::UnknownKey {
                key: key.to_string(),
                accepted: format!(
                    "{}, holidays, workdays",
                    PARAMS.iter().map(|i| i.key).collect::<Vec<_>>().join(", ")
                ),
            })?;
        let bad = |detail: String| PolicyError::BadValue {
            key: key.to_string(),
            detail,
            accepted: info.accepted.to_string(),
        };
        let int = |lo: i64, hi: i64| -> Result<i64, PolicyError> {
            match value.as_integer() {
                Some(n) if (lo..=hi).contains(&n) => Ok(n),
                Some(n) => Err(bad(format!("{n} is out of range"))),
                None => Err(bad(format!("{value} is not an integer"))),
            }
        };
        match key {
            "mask_forms" => {
                let arr = value
                    .as_array()
                    .ok_or_else(|| bad(format!("{value} is not a list")))?;
                let mut forms = Vec::new();
                for v in arr {
                    let f = v
                        .as_str()
                        .and_then(MaskForm::parse)
                        .ok_or_else(|| bad(format!("{v} is not a mask form")))?;
                    if !forms.contains(&f) {
                        forms.push(f);
                    }
                }
                self.mask_forms = forms;
            }
            "counting" => {
                self.counting = match value.as_str() {
                    Some("instant") => Counting::Instant,
                    Some("calendar_days") => Counting::CalendarDays,
                    _ => return Err(bad(format!("{value} is not a counting"))),
                }
            }
            "out_turns" => {
                self.out_turns = match value.as_str() {
                    Some("make_up") => OutTurns::MakeUp,
                    Some("lost") => OutTurns::Lost,
                    _ => return Err(bad(format!("{value} is not a choice"))),
                }
            }
            "launch_date" => {
                let s = value
                    .as_str()
                    .ok_or_else(|| bad(format!("{value} is not a date")))?;
                self.launch_date = Some(parse_date(s).map_err(|e| bad(e.to_string()))?);
            }
            "fake_fines" => {
                let arr = value
                    .as_array()
                    .ok_or_else(|| bad(format!("{value} is not a list")))?;
                self.fake_fines = arr
                    .iter()
                    .map(|v| match v.as_integer() {
                        Some(n) if n >= 0 => Ok(n),
                        _ => Err(bad(format!("{v} is not a non-negative integer"))),
                    })
                    .collect::<Result<_, _>>()?;
            }
            "dispute_hours" => self.dispute_hours = int(1, 720)?,
            "warn_days" => self.warn_days = int(0, 60)?,
            "customer_cap" => self.customer_cap = Some(int(1, 100_000)? as u32),
            "rotation_fine" => self.rotation_fine = Some(int(0, 100_000)?),
            "record_months" => self.record_months = int(1, 24)?,
            "knowing_fine" => self.knowing_fine = int(0, 100_000)?,
            "strict_days" => self.strict_days = int(1, 365)?,
            "active_days" => self.active_days = int(1, 365)?,
            "claim_days" => self.claim_days = int(1, 60)?,
            "inquiry_days" => self.inquiry_days = int(1, 365)?,
            "deposit_days" => self.deposit_days = int(1, 730)?,
            "follow_days" => self.follow_days = int(1, 90)?,
            "lead_minutes" => self.lead_minutes = int(0, 1440)?,
            "visit_months" => self.visit_months = int(1, 24)?,
            "pre_days" => self.pre_days = int(1, 90)?,
            "recontact_days" => self.recontact_days = int(1, 90)?,
            "confirm_days" => self.confirm_days = int(1, 365)?,
            "after_launch_days" => self.after_launch_days = int(1, 365)?,
            "b2b_visit_months" => self.b2b_visit_months = int(1, 36)?,
            "idle_months" => self.idle_months = int(1, 60)?,
            "first_month_contacts" => self.first_month_contacts = int(0, 100)? as u32,
            "later_month_contacts" => self.later_month_contacts = int(0, 100)? as u32,
            "filing_months" => self.filing_months = int(1, 36)?,
            "lapse_months" => self.lapse_months = int(1, 36)?,
            "list_fine" => self.list_fine = int(0, 100_000)?,
            "quarrel_fine" => self.quarrel_fine = int(0, 100_000)?,
            "order_cap" => self.order_cap = int(1, 100)? as u32,
            "suspend_months" => self.suspend_months = int(0, 24)?,
            "stall_months" => self.stall_months = int(1, 36)?,
            "large_budget" => self.large_budget = Some(int(0, crate::act::MAX_AMOUNT)?),
            "large_area" => self.large_area = Some(int(0, 1_000_000)?),
            "filing_workdays" => self.filing_workdays = int(1, 60)?,
            "review_filings" => {
                self.review_filings = value
                    .as_bool()
                    .ok_or_else(|| bad(format!("{value} is not true or false")))?
            }
            "quota_points" => self.quota_points = int(0, 1000)? as u32,
            "grade_days" => {
                let t = value
                    .as_table()
                    .ok_or_else(|| bad(format!("{value} is not a table")))?;
                let mut m = BTreeMap::new();
                for (g, d) in t {
                    let code = g.trim().to_ascii_uppercase();
                    if code.is_empty()
                        || code.len() > 8
                        || !code.chars().all(|c| c.is_ascii_alphanumeric())
                    {
                        return Err(bad(format!("{g:?} is not a grade code")));
                    }
                    match d.as_integer() {
                        Some(n) if (1..=3650).contains(&n) => {
                            m.insert(code, n);
                        }
                        _ => return Err(bad(format!("{g} = {d} is not 1..=3650 days"))),
                    }
                }
                if m.is_empty() {
                    return Err(bad("no grade".into()));
                }
                self.grade_days = m;
            }
            "default_grade" => {
                let g = value
                    .as_str()
                    .ok_or_else(|| bad(format!("{value} is not text")))?
                    .trim()
                    .to_ascii_uppercase();
                self.default_grade = g;
            }
            "due_days" => self.due_days = int(0, 60)?,
            "stages" => {
                let arr = value
                    .as_array()
                    .ok_or_else(|| bad(format!("{value} is not a list")))?;
                let mut st = Vec::new();
                for v in arr {
                    let x = v
                        .as_str()
                        .and_then(crate::act::Stage::parse)
                        .filter(|x| *x != crate::act::Stage::Lost)
                        .ok_or_else(|| bad(format!("{v} is not a stage")))?;
                    if !st.contains(&x) {
                        st.push(x);
                    }
                }
                if st.is_empty() {
                    return Err(bad("no stage".into()));
                }
                self.stages = st;
            }
            "quota_shortfall" => self.quota_shortfall = int(0, 1000)? as u32,
            "credit_excess_percent" => self.credit_excess_percent = int(0, 1000)?,
            "credit_review_months" => self.credit_review_months = int(1, 24)?,
            "credit_terms" => {
                let t = value
                    .as_table()
                    .ok_or_else(|| bad(format!("{value} is not a table")))?;
                let mut m = BTreeMap::new();
                for (g, v) in t {
                    let code = g.trim().to_ascii_uppercase();
                    if code.is_empty()
                        || code.len() > 8
                        || !code.chars().all(|c| c.is_ascii_alphanumeric())
                    {
                        return Err(bad(format!("{g:?} is not a grade code")));
                    }
                    let field = |k: &str, max: i64| {
                        v.get(k)
                            .and_then(toml::Value::as_integer)
                            .filter(|n| (0..=max).contains(n))
                            .ok_or_else(|| bad(format!("{g}.{k} must be an integer 0..={max}")))
                    };
                    m.insert(
                        code,
                        GradeTerms {
                            days: field("days", 365)? as u16,
                            discount: field("discount", 50)? as u8,
                        },
                    );
                }
                if m.is_empty() {
                    return Err(bad("no grade".into()));
                }
                self.credit_terms = m;
            }
            _ => unreachable!("every PARAMS key is handled"),
        }
        Ok(())
    }

    /// The effective value of a key, as TOML text.
    pub fn value_text(&self, key: &str) -> String {
        let v = serde_json::to_value(self).unwrap_or_default();
        match key {
            "launch_date" => self
                .launch_date
                .map(|d| format!("\"{d}\""))
                .unwrap_or_else(|| "(none)".into()),
            "customer_cap" => self
                .customer_cap
                .map(|c| c.to_string())
                .unwrap_or_else(|| "(off)".into()),
            "large_budget" | "large_area" => v
                .get(key)
                .filter(|x| !x.is_null())
                .map(|x| x.to_string())
                .unwrap_or_else(|| "(off)".into()),
            "rotation_fine" => self
                .rotation_fine
                .map(|c| c.to_string())
                .unwrap_or_else(|| "(one day's base pay)".into()),
            _ => v.get(key).map(|x| x.to_string()).unwrap_or_default(),
        }
    }
}

/// A project's effective rulebook: the preset, its parameters and the work calendar.
#[derive(Debug, Clone, PartialEq)]
pub struct Rulebook {
    pub preset: Preset,
    pub params: Params,
    pub calendar: WorkCalendar,
}

impl Rulebook {
    pub fn preset(preset: Preset) -> Rulebook {
        Rulebook {
            preset,
            params: Params::preset(preset),
            calendar: WorkCalendar::default(),
        }
    }

    /// A preset with overrides applied in order.
    pub fn with_overrides(
        preset: Preset,
        overrides: &BTreeMap<String, toml::Value>,
    ) -> Result<Rulebook, PolicyError> {
        let mut rb = Rulebook::preset(preset);
        for (k, v) in overrides {
            // The project's own work calendar (工作日, 调休): holidays and make-up working days,
            // added to the company's.
            match k.as_str() {
                "holidays" => {
                    rb.calendar.holidays.extend(parse_dates(k, v)?);
                    continue;
                }
                "workdays" => {
                    rb.calendar.workdays.extend(parse_dates(k, v)?);
                    continue;
                }
                _ => {}
            }
            // A key of another rulebook would be silently ignored here: refused instead.
            if let Some(info) = PARAMS.iter().find(|i| i.key == k.as_str()) {
                if !info.presets.is_empty() && !info.presets.contains(&preset) {
                    return Err(PolicyError::NotForPreset {
                        key: k.clone(),
                        preset: preset.name(),
                        governs: info.governs.join(", "),
                    });
                }
            }
            rb.params.set(k, v)?;
        }
        Ok(rb)
    }

    /// The parameters relevant to this rulebook, with the rules each governs.
    pub fn entries(&self) -> Vec<(&'static ParamInfo, String)> {
        PARAMS
            .iter()
            .filter(|i| i.presets.is_empty() || i.presets.contains(&self.preset))
            .map(|i| (i, self.params.value_text(i.key)))
            .collect()
    }
}

/// A policy file: one rulebook per project, with overrides, and the company's work calendar.
///
/// ```toml
/// [calendar]
/// holidays = ["2026-10-01"]
/// workdays = ["2026-10-10"]
///
/// [projects.default]
/// rulebook = "team-registration"
/// [projects.default.overrides]
/// strict_days = 20
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyFile {
    pub projects: BTreeMap<String, Rulebook>,
}

impl PolicyFile {
    pub fn parse(text: &str) -> Result<PolicyFile, PolicyError> {
        let doc: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| PolicyError::Syntax(e.to_string()))?;
        let mut calendar = WorkCalendar::default();
        let mut projects = BTreeMap::new();
        for (key, value) in &doc {
            match key.as_str() {
                "calendar" => {
                    let t = value
                        .as_table()
                        .ok_or_else(|| PolicyError::Syntax("[calendar] must be a table".into()))?;
                    for (k, v) in t {
                        let dates = parse_dates(&format!("calendar.{k}"), v)?;
                        match k.as_str() {
                            "holidays" => calendar.holidays.extend(dates),
                            "workdays" => calendar.workdays.extend(dates),
                            _ => {
                                return Err(PolicyError::UnknownKey {
                                    key: format!("calendar.{k}"),
                                    accepted: "holidays, workdays".into(),
                                })
                            }
                        }
                    }
                }
                "projects" => {
                    let t = value
                        .as_table()
                        .ok_or_else(|| PolicyError::Syntax("[projects] must be a table".into()))?;
                    for (name, p) in t {
                        let pt = p.as_table().ok_or_else(|| {
                            PolicyError::Syntax(format!("[projects.{name}] must be a table"))
                        })?;
                        let mut preset = None;
                        let mut overrides = BTreeMap::new();
                        for (k, v) in pt {
                            match k.as_str() {
                                "rulebook" => {
                                    let s = v.as_str().ok_or_else(|| PolicyError::BadValue {
                                        key: format!("projects.{name}.rulebook"),
                                        detail: format!("{v} is not a string"),
                                        accepted: "a preset name".into(),
                                    })?;
                                    preset = Some(Preset::parse(s)?);
                                }
                                "overrides" => {
                                    let o = v.as_table().ok_or_else(|| {
                                        PolicyError::Syntax(format!(
                                            "[projects.{name}.overrides] must be a table"
                                        ))
                                    })?;
                                    overrides = o.clone().into_iter().collect();
                                }
                                _ => {
                                    return Err(PolicyError::UnknownKey {
                                        key: format!("projects.{name}.{k}"),
                                        accepted: "rulebook, overrides".into(),
                                    })
                                }
                            }
                        }
                        let preset = preset.ok_or_else(|| PolicyError::BadValue {
                            key: format!("projects.{name}.rulebook"),
                            detail: "missing".into(),
                            accepted: "a preset name".into(),
                        })?;
                        projects
                            .insert(name.clone(), Rulebook::with_overrides(preset, &overrides)?);
                    }
                }
                _ => {
                    return Err(PolicyError::UnknownKey {
                        key: key.clone(),
                        accepted: "calendar, projects".into(),
                    })
                }
            }
        }
        // The company's calendar, beside each project's own days.
        for rb in projects.values_mut() {
            rb.calendar
                .holidays
                .extend(calendar.holidays.iter().copied());
            rb.calendar
                .workdays
                .extend(calendar.workdays.iter().copied());
        }
        Ok(PolicyFile { projects })
    }
}

fn parse_dates(key: &str, v: &toml::Value) -> Result<Vec<Date>, PolicyError> {
    let bad = |detail: String| PolicyError::BadValue {
        key: key.to_string(),
        detail,
        accepted: "a list of dates \"YYYY-MM-DD\"".into(),
    };
    v.as_array()
        .ok_or_else(|| bad(format!("{v} is not a list")))?
        .iter()
        .map(|d| {
            d.as_str()
                .ok_or_else(|| bad(format!("{d} is not a string")))
                .and_then(|s| parse_date(s).map_err(|e| bad(e.to_string())))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_project_carries_its_work_calendar() {
        let mut o = std::collections::BTreeMap::new();
        o.insert(
            "holidays".to_string(),
            toml::Value::Array(vec![toml::Value::String("2026-10-01".into())]),
        );
        o.insert(
            "workdays".to_string(),
            toml::Value::Array(vec![toml::Value::String("2026-10-10".into())]),
        );
        let rb = super::Rulebook::with_overrides(super::Preset::TeamRegistration, &o).unwrap();
        let d = |s| crate::time::parse_date(s).unwrap();
        assert!(!rb.calendar.is_working_day(d("2026-10-01")));
        assert!(rb.calendar.is_working_day(d("2026-10-10")));
        o.insert("holidays".to_string(), toml::Value::String("10-01".into()));
        assert!(super::Rulebook::with_overrides(super::Preset::TeamRegistration, &o).is_err());
    }

    #[test]
    fn a_key_of_another_rulebook_is_refused() {
        let mut o = std::collections::BTreeMap::new();
        o.insert("strict_days".to_string(), toml::Value::Integer(20));
        let e = super::Rulebook::with_overrides(super::Preset::SiteRotation, &o).unwrap_err();
        assert!(e.to_string().contains("another rulebook"), "{e}");
        super::Rulebook::with_overrides(super::Preset::TeamRegistration, &o).unwrap();
    }

    use super::*;

    #[test]
    fn presets_and_overrides() {
        let f = PolicyFile::parse(
            "[calendar]\nholidays=[\"2026-10-01\"]\n[projects.a]\nrulebook=\"team-registration\"\n[projects.a.overrides]\nstrict_days=20\n",
        )
        .unwrap();
        let rb = &f.projects["a"];
        assert_eq!(rb.params.strict_days, 20);
        assert_eq!(rb.calendar.holidays.len(), 1);
        assert!(matches!(
            PolicyFile::parse("[projects.a]\nrulebook=\"team-registration\"\n[projects.a.overrides]\nstrikt_days=20\n"),
            Err(PolicyError::UnknownKey { .. })
        ));
        let e = PolicyFile::parse("[projects.a]\nrulebook=\"team-registration\"\n[projects.a.overrides]\nstrict_days=\"x\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("strict_days") && e.contains("integer"), "{e}");
        assert_eq!(Preset::parse("home-decoration"), Ok(Preset::HomeDecoration));
        assert!(matches!(
            Preset::parse("home-decorations"),
            Err(PolicyError::UnknownPreset(_))
        ));
    }

    #[test]
    fn every_param_is_documented_in_chinese() {
        let cjk = |s: &str| {
            s.chars()
                .any(|c| matches!(c, '\u{4e00}'..='\u{9fff}' | '\u{3400}'..='\u{4dbf}'))
        };
        for info in PARAMS {
            assert!(!info.doc_zh.trim().is_empty(), "{}: empty doc_zh", info.key);
            assert!(cjk(info.doc_zh), "{}: doc_zh has no Chinese", info.key);
            assert!(
                !info.accepted_zh.trim().is_empty(),
                "{}: empty accepted_zh",
                info.key
            );
            assert!(
                cjk(info.accepted_zh),
                "{}: accepted_zh has no Chinese",
                info.key
            );
        }
    }

    #[test]
    fn every_param_is_settable() {
        for info in PARAMS {
            let mut p = Params::preset(Preset::SiteRotation);
            let v: toml::Value = match info.key {
                "mask_forms" => toml::Value::Array(vec!["3+4".into()]),
                "counting" => "calendar_days".into(),
                "out_turns" => "lost".into(),
                "launch_date" => "2026-09-01".into(),
                "fake_fines" => toml::Value::Array(vec![10.into()]),
                "review_filings" => false.into(),
                "grade_days" => toml::Value::Table(
                    [("A".to_string(), toml::Value::Integer(5))]
                        .into_iter()
                        .collect(),
                ),
                "default_grade" => "A".into(),
                "stages" => toml::Value::Array(vec!["visit".into(), "signed".into()]),
                "credit_terms" => toml::Value::Table(
                    [(
                        "A".to_string(),
                        toml::Value::Table(
                            [
                                ("days".to_string(), toml::Value::Integer(30)),
                                ("discount".to_string(), toml::Value::Integer(2)),
                            ]
                            .into_iter()
                            .collect(),
                        ),
                    )]
                    .into_iter()
                    .collect(),
                ),
                _ => 1.into(),
            };
            p.set(info.key, &v)
                .unwrap_or_else(|e| panic!("{}: {e}", info.key));
            assert!(!p.value_text(info.key).is_empty());
        }
    }
}
