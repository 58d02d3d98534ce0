//! The domain's values: staff and parties, customers as given in an act, and the acts themselves.

use crate::phone::{Phone, PhoneError};
use crate::time::Instant;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A staff member's handle (in scenarios the `id`; in the server a login name).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StaffId(pub String);

impl fmt::Display for StaffId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A customer record's identity in the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CustomerId(pub i64);

/// SEC-ROLES: what a staff member is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 销售 / 置业顾问 / 业务员
    Sales,
    /// 分销经纪人: an external agency's agent
    Agent,
    /// 前台
    FrontDesk,
    /// 经理
    Manager,
    /// 营销副总 (also stands for the general manager)
    Vp,
    Finance,
    /// 设计师
    Designer,
    Admin,
}

impl Role {
    pub const NAMES: &'static str =
        "sales, agent, front_desk, manager, vp, finance, designer, admin";

    pub fn name(self) -> &'static str {
        match self {
            Role::Sales => "sales",
            Role::Agent => "agent",
            Role::FrontDesk => "front_desk",
            Role::Manager => "manager",
            Role::Vp => "vp",
            Role::Finance => "finance",
            Role::Designer => "designer",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Some(match s {
            "sales" => Role::Sales,
            "agent" => Role::Agent,
            "front_desk" => Role::FrontDesk,
            "manager" => Role::Manager,
            "vp" => Role::Vp,
            "finance" => Role::Finance,
            "designer" => Role::Designer,
            "admin" => Role::Admin,
            _ => return None,
        })
    }

    /// Managers, VPs and admins settle disputes and reassign customers.
    pub fn is_manager(self) -> bool {
        matches!(self, Role::Manager | Role::Vp | Role::Admin)
    }
}

/// A staff member as the engine needs them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Staff {
    pub id: StaffId,
    pub name: String,
    pub role: Role,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agency: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Has left the company (SEC-LEAVE): still named in the history, on no rotation.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub left: bool,
}

impl Staff {
    /// The party a staff member claims for: an agent claims for the agency.
    pub fn party(&self) -> Party {
        match (&self.role, &self.agency) {
            (Role::Agent, Some(a)) => Party::Agency(a.clone()),
            _ => Party::Staff(self.id.clone()),
        }
    }
}

/// The staff of the company, in rotation order for `sales`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Directory {
    pub staff: Vec<Staff>,
    /// A project's own roster (排班): who takes walk-ins there, in order. `None`: every
    /// salesperson of the company, in the directory's order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roster: Option<Vec<StaffId>>,
}

impl Directory {
    pub fn get(&self, id: &StaffId) -> Option<&Staff> {
        self.staff.iter().find(|s| &s.id == id)
    }

    /// The rotation order (ROT-ORDER): the project's roster, or else the `sales` staff in
    /// order; never someone who left or who is not a salesperson.
    pub fn rotation(&self) -> Vec<StaffId> {
        let on_duty = |s: &Staff| s.role == Role::Sales && !s.left;
        match &self.roster {
            Some(r) => r
                .iter()
                .filter(|id| self.get(id).is_some_and(on_duty))
                .cloned()
                .collect(),
            None => self
                .staff
                .iter()
                .filter(|s| on_duty(s))
                .map(|s| s.id.clone())
                .collect(),
        }
    }

    /// This directory with a project's roster.
    pub fn with_roster(&self, roster: Option<Vec<StaffId>>) -> Directory {
        Directory {
            staff: self.staff.clone(),
            roster,
        }
    }

    /// The party of a handle (an agent's agency), or the staff party for an unknown handle.
    pub fn party_of(&self, id: &StaffId) -> Party {
        self.get(id)
            .map(Staff::party)
            .unwrap_or_else(|| Party::Staff(id.clone()))
    }

    /// Parses a party as written in expectations and `resolve` steps.
    pub fn parse_party(&self, s: &str) -> Option<Party> {
        Some(match s {
            "pool" => Party::Pool,
            "company" => Party::Company,
            "department" => Party::Department,
            _ => {
                if let Some(t) = s.strip_prefix("team:") {
                    Party::Team(t.to_string())
                } else if let Some(st) = self.get(&StaffId(s.to_string())) {
                    st.party()
                } else if self.staff.iter().any(|st| st.agency.as_deref() == Some(s)) {
                    Party::Agency(s.to_string())
                } else {
                    return None;
                }
            }
        })
    }
}

/// A party that may own a customer or be credited (报备方, G-CLAIM).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", content = "name", rename_all = "snake_case")]
pub enum Party {
    Staff(StaffId),
    Agency(String),
    Team(String),
    /// 公海: open to the next valid claim.
    Pool,
    /// 公司客户
    Company,
    /// 部门
    Department,
}

impl Party {
    pub fn staff(&self) -> Option<&StaffId> {
        match self {
            Party::Staff(s) => Some(s),
            _ => None,
        }
    }

    /// A party that can be told things (a person or an agency's contact).
    pub fn is_notifiable(&self) -> bool {
        matches!(self, Party::Staff(_) | Party::Agency(_))
    }

    /// Whether this party holds a real claim (not the pool).
    pub fn is_owner(&self) -> bool {
        !matches!(self, Party::Pool)
    }
}

impl fmt::Display for Party {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Party::Staff(s) => f.write_str(&s.0),
            Party::Agency(a) => f.write_str(a),
            Party::Team(t) => write!(f, "team:{t}"),
            Party::Pool => f.write_str("pool"),
            Party::Company => f.write_str("company"),
            Party::Department => f.write_str("department"),
        }
    }
}

/// A staff member's presence (ROT-*).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    #[default]
    Available,
    /// 忙: with a customer or sales work
    Busy,
    /// 离开: away or on non-sales matters
    Away,
    /// 外出: out on company business
    Out,
    /// 请假
    Leave,
    /// 离职
    Left,
}

impl Presence {
    pub const NAMES: &'static str = "available, busy, away, out, leave, left";

    pub fn parse(s: &str) -> Option<Presence> {
        Some(match s {
            "available" => Presence::Available,
            "busy" => Presence::Busy,
            "away" => Presence::Away,
            "out" => Presence::Out,
            "leave" => Presence::Leave,
            "left" => Presence::Left,
            _ => return None,
        })
    }

    /// Its name as written in acts and shown to the pages.
    pub fn name(self) -> &'static str {
        match self {
            Presence::Available => "available",
            Presence::Busy => "busy",
            Presence::Away => "away",
            Presence::Out => "out",
            Presence::Leave => "leave",
            Presence::Left => "left",
        }
    }

    /// On site: available or busy.
    pub fn is_present(self) -> bool {
        matches!(self, Presence::Available | Presence::Busy)
    }
}

/// A customer as an act gives it. The phone stays text until the engine validates it against the
/// rulebook (a phone in a form the rulebook refuses is a verdict, `invalid`, not a crash).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerInput {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gender: Option<crate::name::Gender>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_no: Option<String>,
    /// Phone of a household member (家庭, 直属关系).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub household_of: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relation: Option<Relation>,
    /// What the sales office records of the customer beside identity (客户档案).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<Profile>,
    /// An e-mail address: a contact where a rulebook accepts one instead of a phone (SF-FIELDS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The company of a company customer (SF-FIELDS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    /// The customer's needs and intent (需求及意向, SF-FIELDS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub needs: Option<String>,
    /// The record is a project (项目, PF-PROJECT), identified by name and address.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub project: bool,
    /// The customer buys off-plan (期房, DSP-STALL).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub off_plan: bool,
}

/// A customer's profile as a sales office records it (客户档案): how they heard of the project
/// (认知途径), the home they want (意向户型、面积、预算) and why they buy (置业目的). Free text as the
/// office writes it ("三房", "90-110㎡", "300-350万"); the rules decide nothing on it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// 认知途径: how they heard of the project (路过, 朋友介绍, 网络, 户外广告, 老带新, 分销 …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// 意向户型: the layout wanted (三房两厅).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layout: Option<String>,
    /// 意向面积: the size wanted (90-110㎡).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area: Option<String>,
    /// 预算: the budget (300-350万).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<String>,
    /// 置业目的: why they buy (自住, 改善, 投资, 养老, 子女教育, 婚房 …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
}

impl Profile {
    /// Whether nothing is recorded.
    pub fn is_empty(&self) -> bool {
        self == &Profile::default()
    }
}

impl CustomerInput {
    pub fn parsed_phone(&self) -> Option<Result<Phone, PhoneError>> {
        self.phone.as_deref().map(Phone::parse)
    }

    /// The identity of a customer without a phone: a project's name and address, or an e-mail
    /// (compared without spaces, case-insensitive). `None` when the phone identifies it.
    pub fn identity(&self) -> Option<String> {
        let norm = |s: &str| -> String {
            s.chars()
                .filter(|c| !c.is_whitespace())
                .flat_map(char::to_lowercase)
                .collect()
        };
        if self.project {
            let name = norm(self.name.as_deref().unwrap_or_default());
            let address = norm(self.address.as_deref().unwrap_or_default());
            return (!name.is_empty()).then(|| format!("project:{name}|{address}"));
        }
        if self.phone.is_none() {
            return self
                .email
                .as_deref()
                .map(norm)
                .filter(|e| !e.is_empty())
                .map(|e| format!("email:{e}"));
        }
        None
    }

    pub fn gender(&self) -> Option<crate::name::Gender> {
        self.gender.or_else(|| {
            self.name
                .as_deref()
                .and_then(crate::name::gender_from_title)
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    Spouse,
    Parent,
    Child,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    #[default]
    Site,
    Sms,
    Phone,
    Online,
    Wechat,
    Qq,
    Email,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegKind {
    #[default]
    Formal,
    /// 预报备
    Pre,
}

impl Channel {
    /// The accepted names, for error messages.
    pub const NAMES: &'static str = "site, sms, phone, online, wechat, qq, email";

    pub fn parse(s: &str) -> Option<Channel> {
        Some(match s {
            "site" => Channel::Site,
            "sms" => Channel::Sms,
            "phone" => Channel::Phone,
            "online" => Channel::Online,
            "wechat" => Channel::Wechat,
            "qq" => Channel::Qq,
            "email" => Channel::Email,
            _ => return None,
        })
    }
}

impl RegKind {
    /// The accepted names, for error messages.
    pub const NAMES: &'static str = "formal, pre";

    pub fn parse(s: &str) -> Option<RegKind> {
        match s {
            "formal" => Some(RegKind::Formal),
            "pre" => Some(RegKind::Pre),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactKind {
    #[default]
    Call,
    Visit,
    Message,
    Invite,
    HomeVisit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DepositKind {
    /// 小定
    Small,
    /// 大定
    Large,
    /// 定金
    #[default]
    Deposit,
    /// 量房定金 (HD-DEPOSIT)
    Measure,
    /// 活动定金 (HD-DEPOSIT)
    Promotion,
}

pub use crate::act::Act;

/// An act at an instant in a project (G-SCOPE).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Command {
    pub project: String,
    pub at: Instant,
    pub act: Act,
}
