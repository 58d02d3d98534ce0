//! The sales control (销控, INV-UNSOLD): each building's units by floor, each with its status
//! in words and colour (可售, 销控, 小定, 大定, 已定, 换房待批, 已签约, 已售), and the counts; a
//! manager or the master sales control uploads the sheet (CSV or XLSX). The grid names no
//! customer: it shows what a sales office's board shows, so every company member may read it.

use super::{context, Flash, Form, Viewer};
use crate::error::ApiError;
use crate::AppState;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use kehu_core::act::Post;
use kehu_core::model::{Role, StaffId};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/p/{project}/units", get(show))
        .route("/p/{project}/units/upload", post(upload))
}

/// Who reads the sales control: the company's staff (agents and the front desk do not).
pub(crate) fn may_use(role: Role) -> bool {
    !matches!(role, Role::Agent | Role::FrontDesk)
}

async fn show(
    State(st): State<AppState>,
    v: Viewer,
    Path(project): Path<String>,
    Query(q): Query<super::DoneQuery>,
) -> Response {
    let flash = v.flash_of(&st, &q).await;
    view(&st, &v, &project, flash).await
}

fn area(hundredths: i64) -> String {
    if hundredths % 100 == 0 {
        format!("{}", hundredths / 100)
    } else {
        format!("{:.2}", hundredths as f64 / 100.0)
    }
}

async fn view(st: &AppState, v: &Viewer, project: &str, flash: Option<Flash>) -> Response {
    if !may_use(v.role()) {
        return v.error(&ApiError::Forbidden(
            "销控表供公司员工使用 (the sales control is for the company's staff)".into(),
        ));
    }
    if let Err(r) = context(st, v, project).await {
        return r;
    }
    let state = match st.store.project_state(project).await {
        Ok(s) => s,
        Err(e) => return v.error(&ApiError::from(e)),
    };
    let me = StaffId(v.c.user.login.clone());
    let may_upload = v.role().is_manager() || state.has_post(&me, Post::SalesControl);
    // Building → floor → units, floors from the top.
    let mut buildings: BTreeMap<&str, BTreeMap<i32, Vec<Value>>> = BTreeMap::new();
    let mut counts: BTreeMap<&'static str, (usize, &'static str)> = BTreeMap::new();
    for (key, u) in &state.units {
        let (word, class) = u.status();
        counts.entry(class).or_insert((0, word)).0 += 1;
        buildings
            .entry(u.row.building.as_str())
            .or_default()
            .entry(u.row.floor())
            .or_default()
            .push(json!({
                "key": key, "number": u.row.number, "status": word, "class": class,
                "area": area(u.row.area), "price": super::yuan(v.lang, u.row.price),
            }));
    }
    let grid: Vec<Value> = buildings
        .into_iter()
        .map(|(b, floors)| {
            let width = floors.values().map(Vec::len).max().unwrap_or(0);
            json!({
                "building": b,
                "width": width,
                "floors": floors.into_iter().rev().map(|(f, units)| json!({ "floor": f, "units": units })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let counts: Vec<Value> = counts
        .into_iter()
        .map(|(class, (n, word))| json!({ "class": class, "status": word, "n": n }))
        .collect();
    v.page(
        "units.html",
        Some(project),
        "nav.units",
        flash,
        json!({ "buildings": grid, "counts": counts, "may_upload": may_upload, "total": state.units.len() }),
    )
}

/// The uploaded sheet: a multipart form with the page's tokens and the file.
async fn read_upload(mut m: Multipart) -> Result<(Form, Vec<u8>), ApiError> {
    let mut fields = HashMap::new();
    let mut file = None;
    while let Some(f) = m
        .next_field()
        .await
        .map_err(|e| ApiError::invalid("sheet", format!("表单无法读取 (unreadable form): {e}")))?
    {
        let name = f.name().unwrap_or_default().to_string();
        if name == "sheet" {
            let bytes = f.bytes().await.map_err(|e| {
                ApiError::invalid("sheet", format!("文件无法读取 (unreadable file): {e}"))
            })?;
            if bytes.len() > crate::sheet::MAX_BYTES {
                return Err(ApiError::invalid(
                    "sheet",
                    "文件过大 (the file is too large)",
                ));
            }
            file = Some(bytes.to_vec());
        } else if fields.len() < 8 {
            let text = f.text().await.map_err(|e| {
                ApiError::invalid(
                    name.clone(),
                    format!("字段无法读取 (unreadable field): {e}"),
                )
            })?;
            fields.insert(name, text);
        }
    }
    let file = file
        .filter(|b| !b.is_empty())
        .ok_or_else(|| ApiError::invalid("sheet", "请选择销控表文件 (choose the sheet file)"))?;
    Ok((Form(fields), file))
}

async fn upload(
    State(st): State<AppState>,
    mut v: Viewer,
    Path(project): Path<String>,
    m: Multipart,
) -> Response {
    let (form, bytes) = match read_upload(m).await {
        Ok(x) => x,
        Err(e) => {
            let f = Flash::error(v.lang, &e);
            return view(&st, &v, &project, Some(f)).await;
        }
    };
    answer_form!(
        v,
        form,
        format!("/p/{}/units", super::urlencode(&project)),
        async {
            let units = crate::sheet::units(&bytes).map_err(|problems| {
                ApiError::invalid(
                    "sheet",
                    problems.into_iter().take(20).collect::<Vec<_>>().join("；"),
                )
            })?;
            v.act(
                &st,
                &project,
                json!({ "act": "units", "units": units }),
                &form,
            )
            .await
        },
        |f| view(&st, &v, &project, Some(f)).await
    )
}
