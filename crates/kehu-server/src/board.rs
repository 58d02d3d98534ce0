//! What the front desk and the managers watch: the rotation board (轮流接待), the disputes with
//! their answer deadlines (G-DISPUTE, 24 hours) and the violation entries (G-VIOLATION).

use crate::api::{project_context, Page, Params};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::AppState;
use axum::extract::{Path, State};
use axum::routing::get;
use axum::Json;
use kehu_core::model::{Role, StaffId};
use kehu_core::state::ProjectState;

/// This module's API operations: method, path, handler (see [`crate::api::table`]).
pub(crate) fn table() -> Vec<crate::api::Route> {
    vec![
        ("get", "/api/v1/projects/{project}/rotation", get(rotation)),
        ("get", "/api/v1/projects/{project}/disputes", get(disputes)),
        (
            "get",
            "/api/v1/projects/{project}/violations",
            get(violations),
        ),
        ("get", "/api/v1/projects/{project}/export.csv", get(export)),
    ]
}

/// What the export shows of a record beside its projection row (from its entries).
#[derive(Debug, Clone, Default)]
struct ExportFacts {
    name: String,
    phone: String,
    last_act: String,
    last_at: String,
    deal_amount: Option<i64>,
    sold: bool,
}

impl ExportFacts {
    fn of(view: &kehu_core::state::View) -> ExportFacts {
        use kehu_core::model::Act;
        use kehu_core::verdict::Outcome;
        let mut f = ExportFacts::default();
        for e in &view.events {
            if let Some(c) = e.act.customer() {
                if let Some(n) = c.name.as_ref().filter(|n| !n.is_empty()) {
                    f.name = n.clone();
                }
                if let Some(Ok(p)) = c.parsed_phone() {
                    f.phone = p.masked_display();
                }
            }
            if matches!(e.verdict.outcome, Outcome::Rejected | Outcome::Invalid) {
                continue;
            }
            f.last_act = e.act.name().to_string();
            f.last_at = kehu_core::time::format_local(e.at);
            if let Act::Deal(d) = &e.act {
                if e.verdict.outcome == Outcome::Accepted {
                    f.sold = true;
                    f.deal_amount = Some(f.deal_amount.unwrap_or(0).saturating_add(d.amount));
                }
            }
        }
        f
    }
}

/// The staff a department manager answers for: themselves and the people they manage
/// (`access::manages`, their own team). `None` for the VP and the admin, whose lists are the
/// company's.
pub(crate) fn team_bound(
    c: &Caller,
    dir: &kehu_core::model::Directory,
) -> Option<(Vec<String>, Vec<String>)> {
    if matches!(c.user.role, Role::Admin | Role::Vp) {
        return None;
    }
    let me = c.user.person();
    let (mut own, mut others) = (vec![c.user.login.clone()], Vec::new());
    for s in &dir.staff {
        if s.id.0 == c.user.login {
            continue;
        }
        let managed =
            crate::api::person_of(dir, &s.id).is_some_and(|p| kehu_core::access::manages(&me, &p));
        if managed {
            own.push(s.id.0.clone());
        } else {
            others.push(s.id.0.clone());
        }
    }
    Some((own, others))
}

/// One person on the rotation board.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct BoardRow {
    pub login: String,
    pub name: String,
    pub presence: kehu_core::model::Presence,
    pub turns: u32,
    pub owed: usize,
    pub lost: u32,
}

/// Someone the next walk-in passes over, and why (their presence; ROT-BUSY: the turn is owed
/// 累计; ROT-AWAY: lost 轮空; ROT-OUT: made up or lost as the rulebook says; leave: off duty).
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct Skipped {
    pub login: String,
    pub presence: kehu_core::model::Presence,
}

/// The rotation board (轮流接待表) of a project.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct Board {
    pub project: String,
    /// Who receives the next walk-in, exactly as the engine will decide it now (ROT-*).
    pub next: Option<String>,
    /// The rule that makes them next (ROT-ORDER in turn, ROT-BUSY or ROT-OUT for an owed turn,
    /// or the first rule that passed someone over).
    pub next_rule: Option<String>,
    /// Those the next walk-in passes over, in order.
    pub skipped: Vec<Skipped>,
    pub last_receiver: Option<String>,
    pub owed_turns: Vec<kehu_core::state::OwedTurn>,
    pub staff: Vec<BoardRow>,
}

/// The rotation order with each salesperson's presence, turns taken, owed and lost, and who will
/// receive the next walk-in, computed by the engine's own rotation (ROT-ORDER, ROT-BUSY,
/// ROT-AWAY, ROT-OUT), so the board never names someone who will not receive. Agents never see
/// it.
pub(crate) async fn rotation_of(
    st: &AppState,
    c: &Caller,
    project: &str,
) -> Result<Board, ApiError> {
    let project = project.to_string();
    if c.user.role == Role::Agent {
        return Err(ApiError::Forbidden(
            "分销经纪人看不到接待轮次 (agents do not see the rotation)".into(),
        ));
    }
    let (rulebook, dir) = project_context(st, &project).await?;
    let state: ProjectState = st.store.project_state(&project).await?;
    let order = dir.rotation();
    let next = kehu_core::engine::rotation::preview(
        &state.board,
        &order,
        |s| state.presence(s),
        rulebook.params.out_turns,
    );
    let owed = |s: &StaffId| state.board.owed.iter().filter(|o| &o.staff == s).count();
    let staff: Vec<BoardRow> = order
        .iter()
        .map(|s| BoardRow {
            login: s.0.clone(),
            name: dir.get(s).map(|x| x.name.clone()).unwrap_or_default(),
            presence: state.presence(s),
            turns: state.board.counts.get(s).copied().unwrap_or(0),
            owed: owed(s),
            lost: state.board.lost.get(s).copied().unwrap_or(0),
        })
        .collect();
    Ok(Board {
        project,
        next: next.as_ref().map(|p| p.receiver.0.clone()),
        next_rule: next.as_ref().map(|p| p.rule.0.to_string()),
        skipped: next
            .map(|p| {
                p.skipped
                    .into_iter()
                    .map(|(s, presence)| Skipped {
                        login: s.0,
                        presence,
                    })
                    .collect()
            })
            .unwrap_or_default(),
        last_receiver: state.board.last_receiver.map(|s| s.0),
        owed_turns: state.board.owed,
        staff,
    })
}

async fn rotation(
    State(st): State<AppState>,
    c: Caller,
    Path(project): Path<String>,
) -> Result<Json<Board>, ApiError> {
    rotation_of(&st, &c, &project).await.map(Json)
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DisputeQuery {
    #[serde(default)]
    closed: bool,
    page: Option<i64>,
    per_page: Option<i64>,
}

impl DisputeQuery {
    /// The open disputes, the first 200 by deadline.
    pub(crate) fn open() -> DisputeQuery {
        DisputeQuery {
            closed: false,
            page: Some(1),
            per_page: Some(200),
        }
    }
}

/// A dispute on the board.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct DisputeItem {
    pub seq: i64,
    pub customer_id: i64,
    pub rule: String,
    pub deadline: Option<String>,
    pub overdue: bool,
    pub closed_seq: Option<i64>,
}

/// A violation entry as listed.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct ViolationItem {
    pub seq: i64,
    /// The party's display form (a login, an agency's name).
    pub party: String,
    pub rule: String,
    pub amount: Option<i64>,
    pub note: String,
}

/// Disputes (待定确认单) sorted by deadline, open ones by default: managers only, a department
/// manager those of their own team's customers and of customers no person holds.
pub(crate) async fn disputes_of(
    st: &AppState,
    c: &Caller,
    project: &str,
    q: &DisputeQuery,
) -> Result<crate::api::Paged<DisputeItem>, ApiError> {
    let project = project.to_string();
    if !c.user.role.is_manager() {
        return Err(ApiError::Forbidden(
            "只有经理处理争议 (managers only)".into(),
        ));
    }
    let (_, dir) = project_context(st, &project).await?;
    let page = Page::new(q.page, q.per_page);
    // A department manager sees the disputes of customers no other team's person holds (a
    // pending customer, the pool, the company's): another team's are that team's manager's.
    let others = team_bound(c, &dir).map(|(_, o)| o).unwrap_or_default();
    let (limit, offset, p, per) = page.window()?;
    let rows = st
        .store
        .disputes_page(&project, q.closed, &others, offset, limit)
        .await?;
    let now = crate::now_ms();
    let items: Vec<DisputeItem> = rows
        .into_iter()
        .map(|r| DisputeItem {
            seq: r.seq,
            customer_id: r.customer,
            rule: r.rule,
            deadline: jiff::Timestamp::from_millisecond(r.deadline_ms)
                .ok()
                .map(kehu_core::time::format_local),
            overdue: r.closed_seq.is_none() && r.deadline_ms <= now,
            closed_seq: r.closed_seq,
        })
        .collect();
    Ok(crate::api::Paged::of(items, p, per))
}

async fn disputes(
    State(st): State<AppState>,
    c: Caller,
    Path(project): Path<String>,
    Params(q): Params<DisputeQuery>,
) -> Result<Json<crate::api::Paged<DisputeItem>>, ApiError> {
    disputes_of(&st, &c, &project, &q).await.map(Json)
}

/// Violation entries (recorded, never deducted): the VP and the admin see all, a department
/// manager their own team's, others their own.
pub(crate) async fn violations_of(
    st: &AppState,
    c: &Caller,
    project: &str,
    p: &Page,
) -> Result<crate::api::Paged<ViolationItem>, ApiError> {
    let project = project.to_string();
    let (_, dir) = project_context(st, &project).await?;
    // Stored as the party's display form (a login, an agency's name).
    let parties: Option<Vec<String>> = if !c.user.role.is_manager() {
        Some(vec![dir
            .party_of(&StaffId(c.user.login.clone()))
            .to_string()])
    } else {
        // A department manager: their own team's entries; the VP and the admin: all.
        team_bound(c, &dir).map(|(own, _)| own)
    };
    let (limit, offset, page, per) = p.window()?;
    let items: Vec<ViolationItem> = st
        .store
        .violations_page(&project, parties.as_deref(), offset, limit)
        .await?
        .into_iter()
        .map(|r| ViolationItem {
            seq: r.seq,
            party: r.party,
            rule: r.rule,
            amount: r.amount,
            note: r.note,
        })
        .collect();
    Ok(crate::api::Paged::of(items, page, per))
}

async fn violations(
    State(st): State<AppState>,
    c: Caller,
    Path(project): Path<String>,
    Params(p): Params<Page>,
) -> Result<Json<crate::api::Paged<ViolationItem>>, ApiError> {
    violations_of(&st, &c, &project, &p).await.map(Json)
}

/// SEC-EXPORT: the project's customer records (id, holder, deciding rule, last entry) as CSV, for
/// those with the export permission; logged, and watermarked in a header and on every row with who
/// exported it and when.
async fn export(
    State(st): State<AppState>,
    c: Caller,
    Path(project): Path<String>,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    if !kehu_core::access::may_export(c.user.role) {
        return Err(ApiError::Forbidden(
            "没有导出权限 (no export permission)".into(),
        ));
    }
    let (_, dir) = project_context(&st, &project).await?;
    let now = jiff::Timestamp::now();
    let when = kehu_core::time::format_local(now);
    let rows = st.store.export_rows(&project).await?;
    crate::api::audit(
        &st,
        &c.user.login,
        "export",
        project.clone(),
        format!("导出 {n} 个客户 ({n} customers exported)", n = rows.len()),
    )
    .await?;
    // Each record's name, masked phone, last act and deal from its entries, a thousand at a time.
    let mut facts: std::collections::HashMap<i64, ExportFacts> = std::collections::HashMap::new();
    for chunk in rows.chunks(1000) {
        let ids: Vec<i64> = chunk.iter().map(|r| r.id).collect();
        for (id, view) in ids.iter().zip(st.store.views(ids.clone()).await?) {
            facts.insert(*id, ExportFacts::of(&view));
        }
    }
    let mark = format!("{}@{when}", c.user.login);
    // A UTF-8 byte order mark first: Excel then reads the Chinese right.
    let mut out = format!(
        "\u{feff}# kehu 导出 (export) · 项目 {project} · 导出人 {} {} · {when} (Asia/Shanghai) · 仅限内部使用 (internal use only)\n\
         客户编号 customer_id,姓名 name,电话（隐号）phone,归属 holder,归属人 holder_name,依据规则 holder_rule,状态 status,最近一次 last_act,最近时间 last_at,成交金额（元）deal_amount,最后记录 last_seq,水印 watermark\n",
        c.user.login, c.user.name
    );
    let opt = |v: Option<i64>| v.map(|x| x.to_string()).unwrap_or_default();
    for r in &rows {
        let f = facts.get(&r.id).cloned().unwrap_or_default();
        let holder = r.holder.clone().unwrap_or_default();
        let holder_name = crate::archive::party_from_key(&holder, &dir).to_string();
        let holder_name = dir
            .get(&StaffId(holder_name.clone()))
            .map(|s| s.name.clone())
            .unwrap_or(holder_name);
        let status = if f.sold {
            "已成交 sold"
        } else if holder == "pool" || holder.is_empty() {
            "公海 pool"
        } else {
            "保护中 held"
        };
        let cells: Vec<String> = [
            r.id.to_string(),
            f.name,
            f.phone,
            holder,
            holder_name,
            r.holder_rule.clone().unwrap_or_default(),
            status.to_string(),
            f.last_act,
            f.last_at,
            opt(f.deal_amount),
            opt(r.last_seq),
        ]
        .iter()
        .map(|t| crate::csv::cell(t))
        .collect();
        out.push_str(&cells.join(","));
        out.push(',');
        out.push_str(&mark);
        out.push('\n');
    }
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/csv; charset=utf-8".to_string(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"kehu-{project}-export.csv\""),
            ),
        ],
        out,
    )
        .into_response())
}
