//! The customer archive (SEC-ROLES, SEC-MASK, SEC-APPROVE): a customer's timeline, masked by
//! default, read only within one's scope or with an approval (查阅档案审批表) that the department
//! manager and then the VP granted. Every read, unmasking and refusal is in the audit chain.

use crate::api::{audit, Body, Page, Params};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::{now_ms, AppState};
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Json;
use kehu_core::access::{self, Scope};
use kehu_core::act;
use kehu_core::model::{Act, Command, CustomerInput, Party, Role, StaffId};
use kehu_core::phone::Phone;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// An approval is good for a day after the VP signs it.
pub const APPROVAL_MS: i64 = 24 * 3600 * 1000;

/// This module's API operations: method, path, handler (see [`crate::api::table`]).
pub(crate) fn table() -> Vec<crate::api::Route> {
    vec![
        ("get", "/api/v1/projects/{project}/timeline", get(timeline)),
        (
            "get",
            "/api/v1/projects/{project}/customers/by-name",
            get(by_name),
        ),
        (
            "get",
            "/api/v1/projects/{project}/customers/mine",
            get(mine),
        ),
        ("get", "/api/v1/approvals", get(list_approvals)),
        ("post", "/api/v1/approvals", post(request_approval)),
        ("post", "/api/v1/approvals/{id}/approve", post(approve)),
        ("post", "/api/v1/approvals/{id}/reject", post(reject)),
    ]
}

/// The blind value an approval is filed under: the customer's phone as given, keyed.
fn subject(st: &AppState, project: &str, phone: &Phone) -> i64 {
    st.store
        .keys()
        .blind(&format!("approval:{project}:{}", phone.canonical()))
}

fn parse_phone(s: &str) -> Result<Phone, ApiError> {
    Phone::parse(s).map_err(|e| ApiError::invalid("phone", e.to_string()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TimelineQuery {
    pub(crate) phone: String,
    #[serde(default)]
    pub(crate) unmasked: bool,
}

/// Whether the caller reads this customer's archive without an approval (SEC-ROLES): the holder
/// is the caller (or the caller's agency), or in the department manager's team, or the caller
/// reads every archive.
pub(crate) fn in_scope(
    c: &Caller,
    holder: Option<&Party>,
    dir: &kehu_core::model::Directory,
) -> bool {
    let me = dir.party_of(&StaffId(c.user.login.clone()));
    match access::scope(c.user.role) {
        Scope::All => true,
        Scope::Own => holder == Some(&me),
        Scope::Team => match holder {
            Some(Party::Staff(s)) => {
                holder == Some(&me)
                    || (c.user.team.is_some()
                        && dir.get(s).and_then(|x| x.team.as_ref()) == c.user.team.as_ref())
            }
            Some(Party::Team(t)) => c.user.team.as_ref() == Some(t),
            _ => false,
        },
    }
}

/// The holder of a record, from the holder projection (its first id's), as a party.
pub(crate) async fn holder_of(
    st: &AppState,
    v: &kehu_core::state::View,
    dir: &kehu_core::model::Directory,
) -> Result<Option<Party>, ApiError> {
    let Some(id) = v.ids.first() else {
        return Ok(None);
    };
    Ok(st
        .store
        .holder_of_record(id.0)
        .await?
        .map(|h| party_from_key(&h, dir)))
}

/// Whether a record was filed under exactly this full number (an approval covers that record
/// only, never the other records a mask would match).
fn has_phone(v: &kehu_core::state::View, phone: &Phone) -> bool {
    v.events.iter().any(|e| {
        e.act
            .customer()
            .and_then(|x| x.parsed_phone())
            .and_then(Result::ok)
            .is_some_and(|p| p.is_full() && p.canonical() == phone.canonical())
    })
}

async fn approved(
    st: &AppState,
    c: &Caller,
    project: &str,
    phone: &Phone,
) -> Result<bool, ApiError> {
    Ok(st
        .store
        .approved(
            &c.user.login,
            project,
            subject(st, project, phone),
            now_ms(),
        )
        .await?)
}

/// A customer's records and their events, masked unless `unmasked=true` (itself logged).
/// A customer's timeline as the caller may read it (the JSON API and the sales page render it).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Timeline {
    /// The number asked for, masked.
    pub phone: String,
    /// Whose customer it is, where the caller may know it.
    pub standing: Option<kehu_core::verdict::Verdict>,
    pub records: Vec<TimelineRecord>,
}

/// One customer record of a timeline and its ledger entries.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct TimelineRecord {
    pub customer_ids: Vec<i64>,
    pub events: Vec<TimelineEntry>,
}

/// One ledger entry of a timeline: phones and ID numbers masked unless unmasking was asked for.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct TimelineEntry {
    pub seq: i64,
    pub at: String,
    pub act: &'static str,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub id_no: Option<String>,
    pub outcome: &'static str,
    pub rule: String,
    pub owner: Option<Party>,
    pub reason: String,
    /// Who did it: the registrant, the salesperson who logged it, the closer, the agent who
    /// brought the customer, the one who took a walk-in (a login).
    pub by: Option<String>,
    /// Who received the customer (a visit, a walk-in).
    pub receiver: Option<String>,
    /// The amount of a deposit or a deal, in yuan.
    pub amount: Option<i64>,
    /// The kind: the channel of a registration, the way of a contact, the kind of a deposit.
    pub kind: Option<String>,
    /// Who a deal is credited to.
    pub credited: Option<Party>,
    /// The profile the entry recorded (客户档案), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<kehu_core::model::Profile>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gender: Option<kehu_core::name::Gender>,
}

/// What a timeline shows of an act beside its customer: who did it, the amount, the kind.
fn act_facts(act: &Act) -> (Option<String>, Option<i64>, Option<String>) {
    fn name(v: &impl Serialize) -> Option<String> {
        serde_json::to_value(v)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
    }
    match act {
        Act::Register(r) => (Some(r.by.0.clone()), None, name(&r.channel)),
        Act::Contact(c) => (Some(c.by.0.clone()), None, name(&c.kind)),
        Act::Deposit(d) => (None, Some(d.amount), name(&d.kind)),
        Act::Deal(d) => (
            d.closed_by.as_ref().map(|s| s.0.clone()),
            Some(d.amount),
            None,
        ),
        Act::Visit(v) => (v.brought_by.as_ref().map(|s| s.0.clone()), None, None),
        Act::WalkIn(w) => (w.taken_by.as_ref().map(|s| s.0.clone()), None, None),
        Act::Confirm(c) => (Some(c.by.0.clone()), None, None),
        Act::Claim(c) => (Some(c.by.0.clone()), None, None),
        Act::Consent(c) => (Some(c.by.0.clone()), None, None),
        Act::Resolve(r) => (Some(r.by.0.clone()), None, None),
        Act::Extend(x) => (Some(x.by.0.clone()), None, None),
        Act::Reassign(r) => (Some(r.by.0.clone()), None, None),
        Act::Status(s) => (Some(s.staff.0.clone()), None, None),
        Act::Lead(x) => (Some(x.by.0.clone()), None, Some(x.batch.clone())),
        Act::Invite(x) => (Some(x.by.0.clone()), None, x.event.clone()),
        Act::Attend(x) => (None, None, Some(x.event.clone())),
        Act::Quarrel(x) => (x.staff.first().map(|s| s.0.clone()), None, x.event.clone()),
        Act::Dispatch(x) => (Some(x.by.0.clone()), x.budget, Some(x.designer.0.clone())),
        Act::Refuse(x) => (Some(x.by.0.clone()), None, None),
        Act::StageAct(x) => (Some(x.by.0.clone()), None, name(&x.stage)),
        Act::HandOver(x) => (Some(x.by.0.clone()), None, name(&x.purpose)),
        Act::Review(x) => (Some(x.by.0.clone()), None, None),
        Act::SpotCheck(x) => (Some(x.by.0.clone()), None, None),
        Act::Appoint(x) => (Some(x.by.0.clone()), None, name(&x.post)),
        Act::Distribute(x) => (Some(x.by.0.clone()), None, Some(x.batch.clone())),
        Act::List(x) => (Some(x.by.0.clone()), None, Some(x.event.clone())),
        Act::Close(x) => (Some(x.by.0.clone()), None, None),
        Act::TripReport(x) => (Some(x.by.0.clone()), None, None),
        Act::Query(_) | Act::Duty(_) | Act::Event(_) | Act::JointEvent(_) => (None, None, None),
        Act::Warn(_) | Act::Lapse(_) | Act::Missed(_) | Act::ReviewDue(_) => {
            (Some("kehu".into()), None, None)
        }
        Act::GradeAct(x) => (Some(x.by.0.clone()), None, Some(x.grade.clone())),
        Act::Kept(x) => (Some(x.by.0.clone()), None, Some(x.promise.clone())),
        Act::PaymentDue(x) => (
            Some(x.by.0.clone()),
            Some(x.amount),
            Some(x.due.to_string()),
        ),
        Act::Paid(x) => (
            Some(x.by.0.clone()),
            Some(x.amount),
            x.due.map(|d| d.to_string()),
        ),
        Act::Units(x) => (Some(x.by.0.clone()), None, Some(x.units.len().to_string())),
        Act::Change(x) => (
            Some(x.by.0.clone()),
            x.fee,
            Some(match x.kind {
                kehu_core::act::ChangeKind::Unit => x.to.clone().unwrap_or_default(),
                _ => name(&x.kind).unwrap_or_default(),
            }),
        ),
        Act::Approve(x) => (Some(x.by.0.clone()), None, Some(x.matter.name().into())),
        Act::Credit(x) => (Some(x.by.0.clone()), Some(x.limit), Some(x.grade.clone())),
        Act::OrderAct(x) => (Some(x.by.0.clone()), Some(x.amount), None),
        Act::Terms(x) => (
            Some(x.by.0.clone()),
            x.limit,
            Some(format!("{}d {}%", x.days, x.discount)),
        ),
        Act::CreditNote(x) => (Some(x.by.0.clone()), None, Some(x.note.clone())),
        Act::ReturnVisit(x) => (Some(x.by.0.clone()), None, name(&x.kind)),
        Act::Dun(x) => (Some("kehu".into()), Some(x.amount), Some(x.due.to_string())),
        Act::Breach(x) => (Some("kehu".into()), Some(x.amount), Some(x.due.to_string())),
    }
}

pub(crate) async fn timeline_of(
    st: &AppState,
    c: &Caller,
    project: &str,
    q: &TimelineQuery,
) -> Result<Timeline, ApiError> {
    let project = project.to_string();
    c.look_up(st).await?;
    let phone = parse_phone(&q.phone)?;
    let (rulebook, dir) = crate::api::project_context(st, &project).await?;
    if q.unmasked && !access::may_unmask(c.user.role) {
        return Err(ApiError::Forbidden(
            "你的角色不能查看完整号码 (your role may not unmask)".into(),
        ));
    }
    let now = jiff::Timestamp::now();
    let cmd = Command {
        project: project.clone(),
        at: now,
        act: Act::Query(act::Query {
            customer: CustomerInput {
                phone: Some(q.phone.clone()),
                ..CustomerInput::default()
            },
        }),
    };
    let standing = st.store.execute(&rulebook, &dir, &cmd, now).await?;
    let shown = format!("{project}/{}", phone.masked_display());
    // Decided per record, for every record returned: a masked phone can match many customers,
    // and each must be the caller's to read (SEC-ROLES) or the one an approval names.
    // Finance records the payments of any customer it is paid by, named by the full number
    // (not a mask): that customer's file opens to it, audited like every read.
    let approval = phone.is_full()
        && (c.user.role == kehu_core::model::Role::Finance
            || approved(st, c, &project, &phone).await?);
    let all = st.store.history(&project, &phone).await?;
    let mut records = Vec::new();
    for v in all.iter() {
        let holder = holder_of(st, v, &dir).await?;
        let covered = approval && has_phone(v, &phone);
        if in_scope(c, holder.as_ref(), &dir) || covered {
            records.push(v);
        }
    }
    let withheld = all.len() - records.len();
    if records.is_empty() && access::scope(c.user.role) != Scope::All {
        // SEC-APPROVE: impossible without an approval, and the attempt is logged.
        audit(
            st,
            &c.user.login,
            "customer.read.denied",
            shown,
            String::new(),
        )
        .await?;
        return Err(ApiError::Forbidden(
            "该客户不在你的查阅范围内，请先申请查阅审批 (outside your scope: request an approval first)".into(),
        ));
    }
    // The standing (whose customer it is) only where the caller may know it: the owner is in
    // scope, or an approval names this very number.
    let standing_shown =
        in_scope(c, standing.verdict.owner.as_ref(), &dir) || (approval && withheld == 0);
    let action = if q.unmasked {
        "customer.unmask"
    } else {
        "customer.read"
    };
    audit(
        st,
        &c.user.login,
        action,
        shown,
        format!(
            "显示 {n} 条记录，隐去 {withheld} 条 ({n} shown, {withheld} withheld)",
            n = records.len()
        ),
    )
    .await?;
    let show = |p: &Option<String>| -> Option<String> {
        match p.as_deref().map(Phone::parse) {
            Some(Ok(p)) if q.unmasked => Some(p.canonical()),
            Some(Ok(p)) => Some(p.masked_display()),
            _ => None,
        }
    };
    let mask_id = |s: &Option<String>| -> Option<String> {
        let id = s.as_ref()?;
        if q.unmasked {
            return Some(id.clone());
        }
        let n = id.chars().count();
        let tail: String = id.chars().skip(n.saturating_sub(4)).collect();
        Some(format!("{}{tail}", "*".repeat(n.saturating_sub(4))))
    };
    let records = records
        .iter()
        .map(|v| TimelineRecord {
            customer_ids: v.ids.iter().map(|i| i.0).collect(),
            events: v
                .events
                .iter()
                .map(|e| {
                    let cust = e.act.customer();
                    let (by, amount, kind) = act_facts(&e.act);
                    TimelineEntry {
                        seq: e.seq,
                        at: kehu_core::time::format_local(e.at),
                        act: e.act.name(),
                        name: cust.and_then(|x| x.name.clone()),
                        phone: cust.and_then(|x| show(&x.phone)),
                        id_no: cust.and_then(|x| mask_id(&x.id_no)),
                        outcome: e.verdict.outcome.name(),
                        rule: e.verdict.rule.to_string(),
                        owner: e.verdict.owner.clone(),
                        reason: e.verdict.reason.clone(),
                        by,
                        receiver: e.verdict.receiver.as_ref().map(|r| r.0.clone()),
                        amount,
                        kind,
                        credited: e.verdict.credited.clone(),
                        profile: cust.and_then(|x| x.profile.clone()),
                        gender: cust.and_then(|x| x.gender),
                    }
                })
                .collect(),
        })
        .collect();
    Ok(Timeline {
        phone: phone.masked_display(),
        standing: standing_shown.then_some(standing.verdict),
        records,
    })
}

async fn timeline(
    State(st): State<AppState>,
    c: Caller,
    Path(project): Path<String>,
    Params(q): Params<TimelineQuery>,
) -> Result<Json<Timeline>, ApiError> {
    timeline_of(&st, &c, &project, &q).await.map(Json)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewApproval {
    project: String,
    phone: String,
    reason: String,
}

async fn request_approval(
    State(st): State<AppState>,
    c: Caller,
    Body(b): Body<NewApproval>,
) -> Result<Response, ApiError> {
    let id = request_of(&st, &c, &b.project, &b.phone, &b.reason).await?;
    Ok(crate::api::created(json!({ "id": id, "state": "pending" })))
}

/// Files a request to read one customer's archive (查阅档案审批表); its number.
pub(crate) async fn request_of(
    st: &AppState,
    c: &Caller,
    project: &str,
    phone: &str,
    reason: &str,
) -> Result<i64, ApiError> {
    if c.user.role == Role::Agent {
        return Err(ApiError::Forbidden(
            "分销经纪人不能查阅公司档案 (agents never read the archive)".into(),
        ));
    }
    let phone = parse_phone(phone)?;
    if !phone.is_full() {
        return Err(ApiError::invalid(
            "phone",
            "查阅审批针对一位客户，请填写完整的 11 位手机号 (an approval names one customer: give the full 11-digit number)",
        ));
    }
    crate::api::project_context(st, project).await?;
    let reason = crate::api::free_text("reason", reason, 200)?;
    // A department manager's own request goes to the VP: nobody signs their own step.
    let state = if c.user.role == Role::Manager {
        "manager_approved"
    } else {
        "pending"
    };
    let request = kehu_store::NewApproval {
        requester: c.user.login.clone(),
        project: project.to_string(),
        subject: subject(st, project, &phone),
        shown: phone.masked_display(),
        reason,
        state: state.to_string(),
    };
    Ok(st
        .store
        .add_approval(request, &c.user.login, now_ms())
        .await?)
}

fn not_waiting() -> ApiError {
    ApiError::Conflict(
        "没有等待你审批的这项申请 (no such request waiting for you; nobody approves their own)"
            .into(),
    )
}

fn not_your_department(requester: &str) -> ApiError {
    ApiError::Forbidden(format!(
        "{requester} 不是你部门的人员：由其部门经理审批 (the requester's own department manager signs)"
    ))
}

/// An archive approval request as listed.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ApprovalItem {
    pub id: i64,
    pub requester: String,
    pub project: String,
    /// The customer's phone, masked.
    pub phone: String,
    pub reason: String,
    pub state: String,
    pub manager: Option<String>,
    pub vp: Option<String>,
    pub valid_until_ms: i64,
}

pub(crate) async fn approvals_of(
    st: &AppState,
    c: &Caller,
    p: &Page,
) -> Result<crate::api::Paged<ApprovalItem>, ApiError> {
    // A department manager sees what waits for them (their own team's requests), the VP what the
    // managers passed, everyone their own requests.
    let login = c.user.login.clone();
    let who = match c.user.role {
        Role::Manager => kehu_store::ApprovalsFor::Manager {
            login,
            team: c.user.team.clone(),
        },
        Role::Vp | Role::Admin => kehu_store::ApprovalsFor::Vp { login },
        _ => kehu_store::ApprovalsFor::Own { login },
    };
    let (limit, offset, page, per) = p.window()?;
    let items: Vec<ApprovalItem> = st
        .store
        .approvals_page(&who, offset, limit)
        .await?
        .into_iter()
        .map(|r| ApprovalItem {
            id: r.id,
            requester: r.requester,
            project: r.project,
            phone: r.shown,
            reason: r.reason,
            state: r.state,
            manager: r.manager,
            vp: r.vp,
            valid_until_ms: r.valid_until_ms,
        })
        .collect();
    Ok(crate::api::Paged::of(items, page, per))
}

async fn list_approvals(
    State(st): State<AppState>,
    c: Caller,
    Params(p): Params<Page>,
) -> Result<Json<crate::api::Paged<ApprovalItem>>, ApiError> {
    approvals_of(&st, &c, &p).await.map(Json)
}

fn approval_id(id: &str) -> Result<i64, ApiError> {
    id.parse()
        .map_err(|_| ApiError::invalid("id", "审批编号应为整数 (an approval id is an integer)"))
}

/// The department manager's signature (the requester's own department), then the VP's (who sets
/// the validity) (SEC-APPROVE).
pub(crate) async fn approve_of(st: &AppState, c: &Caller, id: &str) -> Result<Value, ApiError> {
    decide(st, c, id, true).await
}

async fn approve(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    approve_of(&st, &c, &id).await.map(Json)
}

/// A refusal: the requester's own department manager while the request waits for them, or the
/// VP while it waits for either.
pub(crate) async fn reject_of(st: &AppState, c: &Caller, id: &str) -> Result<Value, ApiError> {
    decide(st, c, id, false).await
}

/// A decision on approval `id` (SEC-APPROVE), by the state machine of `access::approval_step`,
/// written only if the request still waits for it, with its audit entry.
async fn decide(st: &AppState, c: &Caller, id: &str, approve: bool) -> Result<Value, ApiError> {
    use access::{ApprovalRefusal, ApprovalState};
    let id = approval_id(id)?;
    if !matches!(c.user.role, Role::Manager | Role::Vp) {
        return Err(ApiError::Forbidden(
            "只有部门经理和营销副总审批 (only the department manager, then the VP, decide)".into(),
        ));
    }
    let (requester, state) = st.store.approval_state(id).await?.ok_or_else(not_waiting)?;
    let state = ApprovalState::parse(&state)
        .ok_or_else(|| ApiError::Internal(format!("approval {id} in the unknown state {state}")))?;
    let requester = crate::api::user_by_login(st, &requester).await?;
    let next = match access::approval_step(&c.user.person(), &requester.person(), state, approve) {
        Ok(next) => next,
        Err(ApprovalRefusal::NotTheirDepartment) => {
            return Err(not_your_department(&requester.login))
        }
        Err(ApprovalRefusal::NotAnApprover) => {
            return Err(ApiError::Forbidden(
                "只有部门经理和营销副总审批 (only the department manager, then the VP, decide)"
                    .into(),
            ))
        }
        Err(ApprovalRefusal::NotWaiting) => return Err(not_waiting()),
    };
    let by = c.user.login.clone();
    let step = match next {
        ApprovalState::ManagerApproved => kehu_store::ApprovalStep::Manager { by },
        ApprovalState::Approved => kehu_store::ApprovalStep::Vp {
            by,
            valid_until_ms: now_ms() + APPROVAL_MS,
        },
        _ => kehu_store::ApprovalStep::Reject,
    };
    let (action, detail) = if approve {
        ("approval.approve", next.name().to_string())
    } else {
        ("approval.reject", String::new())
    };
    let e = crate::api::entry(&c.user.login, action, format!("approval {id}"), detail);
    if !st.store.decide_approval(id, step, e).await? {
        return Err(not_waiting());
    }
    Ok(json!({ "id": id, "state": next.name() }))
}

async fn reject(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    reject_of(&st, &c, &id).await.map(Json)
}

/// A holder as stored in the projection (the party's display form) back to the party.
pub(crate) fn party_from_key(key: &str, dir: &kehu_core::model::Directory) -> Party {
    match key {
        "pool" => Party::Pool,
        "company" => Party::Company,
        "department" => Party::Department,
        k if k.starts_with("team:") => Party::Team(k[5..].to_string()),
        k if dir.get(&StaffId(k.to_string())).is_some() => Party::Staff(StaffId(k.to_string())),
        k => Party::Agency(k.to_string()),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NameQuery {
    name: String,
}

/// Customer search by name (客户姓名查询), within the caller's scope: each match with its masked
/// phone. Names are found through a blind index; the audit entry names nobody.
async fn by_name(
    State(st): State<AppState>,
    c: Caller,
    Path(project): Path<String>,
    Params(q): Params<NameQuery>,
) -> Result<Json<Value>, ApiError> {
    let items = by_name_of(&st, &c, &project, &q.name).await?;
    Ok(Json(json!({ "items": items })))
}

/// A customer found by name, as the caller may see it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct NameMatch {
    /// Masked.
    pub phone: Option<String>,
    pub name: Option<String>,
    pub holder: Option<String>,
    pub records: usize,
}

/// The customers filed under `name` in `project` that the caller may read (each record passes the
/// caller's scope), audited without the name.
pub(crate) async fn by_name_of(
    st: &AppState,
    c: &Caller,
    project: &str,
    name: &str,
) -> Result<Vec<NameMatch>, ApiError> {
    let name = crate::api::text("name", name, 40)?;
    let (_, dir) = crate::api::project_context(st, project).await?;
    if !access::may_act(c.user.role, "query") {
        return Err(ApiError::Forbidden(
            "你的角色不能查询客户 (your role may not look up customers)".into(),
        ));
    }
    c.look_up(st).await?;
    let views = st.store.by_name(project, &name).await?;
    let mut items = Vec::new();
    for v in views.iter().take(200) {
        if v.ids.is_empty() {
            continue;
        }
        let holder = holder_of(st, v, &dir).await?;
        if !in_scope(c, holder.as_ref(), &dir) {
            continue;
        }
        let phone = v.events.iter().rev().find_map(|e| {
            e.act
                .customer()
                .and_then(|x| x.parsed_phone())
                .and_then(Result::ok)
        });
        let shown_name = v
            .events
            .iter()
            .rev()
            .find_map(|e| e.act.customer().and_then(|x| x.name.clone()));
        items.push(NameMatch {
            phone: phone.map(|p| p.masked_display()),
            name: shown_name,
            holder: holder.map(|h| h.to_string()),
            records: v.ids.len(),
        });
    }
    audit(
        st,
        &c.user.login,
        "customer.search",
        format!("{project}/name"),
        format!("显示 {n} 条 ({n} shown)", n = items.len()),
    )
    .await?;
    Ok(items)
}

/// My customers (我的客户): the records the caller's party holds, with the protection the latest
/// verdict gave and the last act. An agent sees its agency's registrations, nobody else's.
/// One of the caller's customers, as "my customers" lists them.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct MyCustomer {
    pub customer_id: Option<i64>,
    /// Masked.
    pub phone: Option<String>,
    pub name: Option<String>,
    /// The end of the protection the latest verdict gave (`none`: no end).
    pub protected_until: Option<String>,
    pub last_act: Option<&'static str>,
    pub last_at: Option<String>,
    /// A deal was accepted (已成交): the protection countdown no longer matters.
    pub sold: bool,
}

/// A page of the caller's customers.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct MyCustomers {
    pub items: Vec<MyCustomer>,
    pub page: i64,
    pub per_page: i64,
    pub total: usize,
    pub next_page: Option<i64>,
}

pub(crate) async fn mine_of(
    st: &AppState,
    c: &Caller,
    project: &str,
    p: &Page,
) -> Result<MyCustomers, ApiError> {
    let project = project.to_string();
    let (_, dir) = crate::api::project_context(st, &project).await?;
    let me = dir.party_of(&StaffId(c.user.login.clone()));
    let (offset, limit, page, per) = p.offset_limit()?;
    let (views, total) = st
        .store
        .held(&project, &me.to_string(), offset, limit)
        .await?;
    let items: Vec<MyCustomer> = views
        .iter()
        .map(|v| {
            // The last thing that happened to the customer: someone else's refused attempt is
            // not (it changed nothing, and it is not the holder's to see).
            let last = v.events.iter().rev().find(|e| {
                !matches!(
                    e.verdict.outcome,
                    kehu_core::verdict::Outcome::Rejected | kehu_core::verdict::Outcome::Invalid
                )
            });
            let sold = v.events.iter().any(|e| {
                matches!(e.act, Act::Deal(_))
                    && e.verdict.outcome == kehu_core::verdict::Outcome::Accepted
            });
            let phone = v.events.iter().rev().find_map(|e| {
                e.act
                    .customer()
                    .and_then(|x| x.parsed_phone())
                    .and_then(Result::ok)
            });
            let protected = v
                .events
                .iter()
                .rev()
                .find_map(|e| e.verdict.protected_until)
                .map(|u| u.display());
            MyCustomer {
                customer_id: v.ids.first().map(|i| i.0),
                phone: phone.map(|p| p.masked_display()),
                name: v
                    .events
                    .iter()
                    .rev()
                    .find_map(|e| e.act.customer().and_then(|x| x.name.clone())),
                protected_until: protected,
                last_act: last.map(|e| e.act.name()),
                last_at: last.map(|e| kehu_core::time::format_local(e.at)),
                sold,
            }
        })
        .collect();
    audit(
        st,
        &c.user.login,
        "customer.list",
        format!("{project}/mine"),
        format!("显示 {n} 条 ({n} shown)", n = items.len()),
    )
    .await?;
    let more = offset + items.len() < total;
    Ok(MyCustomers {
        items,
        page,
        per_page: per,
        total,
        next_page: more.then_some(page + 1),
    })
}

async fn mine(
    State(st): State<AppState>,
    c: Caller,
    Path(project): Path<String>,
    Params(p): Params<Page>,
) -> Result<Json<MyCustomers>, ApiError> {
    mine_of(&st, &c, &project, &p).await.map(Json)
}
