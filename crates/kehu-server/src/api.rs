//! The JSON API (`/api/v1`), the setup page and the health check.

use crate::auth::{self, Caller, User, Via, SESSION_COOKIE, SESSION_MS};
use crate::error::ApiError;
use crate::{now_ms, AppState};
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{delete, get, post, MethodRouter};
use axum::{Json, Router};
use kehu_core::access;
use kehu_core::act;
use kehu_core::model::{Act, Command, CustomerInput, Role};
use kehu_core::phone::Phone;
use kehu_core::policy::{Preset, Rulebook};
use kehu_core::verdict::Verdict;
use kehu_store::AuditEntry;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// An API operation: its method as OpenAPI names it, its path, and its handler.
pub(crate) type Route = (&'static str, &'static str, MethodRouter<AppState>);

/// Every API operation, registered once here: the router is built from this table, and the
/// OpenAPI document must list exactly these operations (`routed`, compared both ways by a test).
pub(crate) fn table() -> Vec<Route> {
    let mut t: Vec<Route> = vec![
        ("get", "/healthz", get(health)),
        ("get", "/metrics", get(crate::metrics::metrics)),
        ("post", "/api/v1/setup", post(setup)),
        ("post", "/api/v1/session", post(login)),
        ("delete", "/api/v1/session", delete(logout)),
        (
            "post",
            "/api/v1/session/everywhere",
            post(logout_everywhere),
        ),
        ("get", "/api/v1/me", get(me)),
        ("post", "/api/v1/password", post(change_password)),
        ("get", "/api/v1/users", get(list_users)),
        ("post", "/api/v1/users", post(add_user)),
        ("post", "/api/v1/users/{login}/leave", post(user_leaves)),
        ("post", "/api/v1/users/{login}/restore", post(user_restored)),
        (
            "post",
            "/api/v1/users/{login}/password-link",
            post(password_link),
        ),
        ("get", "/api/v1/tokens", get(list_tokens)),
        ("post", "/api/v1/tokens", post(add_token)),
        ("delete", "/api/v1/tokens/{id}", delete(revoke_token)),
        ("get", "/api/v1/projects", get(list_projects)),
        ("post", "/api/v1/projects", post(add_project)),
        ("get", "/api/v1/projects/{project}", get(show_project)),
        ("get", "/api/v1/teams", get(list_teams)),
        ("get", "/api/v1/agencies", get(list_agencies)),
        ("post", "/api/v1/projects/{project}/acts", post(act)),
        (
            "put",
            "/api/v1/projects/{project}/roster",
            axum::routing::put(set_roster),
        ),
        (
            "put",
            "/api/v1/projects/{project}/calendar",
            axum::routing::put(set_calendar),
        ),
        (
            "post",
            "/api/v1/projects/{project}/registrations/text",
            post(text_registration),
        ),
        (
            "get",
            "/api/v1/projects/{project}/customers",
            get(find_customer),
        ),
    ];
    t.extend(crate::archive::table());
    t.extend(crate::board::table());
    t
}

/// The (method, path) of every API operation the router serves.
pub fn routed() -> Vec<(&'static str, &'static str)> {
    table().into_iter().map(|(m, p, _)| (m, p)).collect()
}

pub fn routes() -> Router<AppState> {
    // The documents themselves and the setup page are not API operations.
    let mut r = Router::new()
        .route(
            "/api/v1/openapi.json",
            get(|| async { Json(crate::openapi::document()) }),
        )
        .route(
            "/api/v1/docs",
            get(|| async { Html(crate::openapi::docs_page()) }),
        )
        .route("/setup", get(setup_page));
    for (_, path, handler) in table() {
        r = r.route(path, handler);
    }
    r.fallback(not_found)
}

/// A JSON body whose rejection is a specific 4xx in our error shape.
pub struct Body<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(Body(v)),
            Err(e) => Err(json_rejection(e)),
        }
    }
}

fn json_rejection(e: JsonRejection) -> ApiError {
    match e {
        JsonRejection::MissingJsonContentType(_) => ApiError::invalid(
            "",
            "请求体应为 JSON，Content-Type: application/json (send JSON with Content-Type: application/json)",
        ),
        JsonRejection::JsonSyntaxError(e) => {
            ApiError::invalid("", format!("JSON 格式错误 (malformed JSON): {}", e.body_text()))
        }
        JsonRejection::JsonDataError(e) => {
            ApiError::invalid("", format!("字段错误 (wrong field): {}", e.body_text()))
        }
        JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::TooLarge(format!(
                "请求体超过 {} KiB (the body is larger than {} KiB)",
                crate::BODY_LIMIT / 1024,
                crate::BODY_LIMIT / 1024
            ))
        }
        JsonRejection::BytesRejection(e) => {
            ApiError::invalid("", format!("请求体无法读取 (unreadable body): {}", e.body_text()))
        }
        e => ApiError::invalid("", e.body_text()),
    }
}

/// Query-string parameters with our error shape.
pub struct Params<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> axum::extract::FromRequestParts<S> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, ApiError> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(v)) => Ok(Params(v)),
            Err(QueryRejection::FailedToDeserializeQueryString(e)) => Err(ApiError::invalid(
                "",
                format!("查询参数错误 (bad query parameter): {}", e.body_text()),
            )),
            Err(e) => Err(ApiError::invalid("", e.body_text())),
        }
    }
}

async fn not_found() -> ApiError {
    ApiError::NotFound("没有这个地址 (no such address)".into())
}

/// Healthy means able to record: the check writes a row (the time of the last check), so a full
/// or read-only disk, or a database that refuses writes, answers 503 instead of "ok".
async fn health(State(st): State<AppState>) -> Response {
    let probe = st.store.write_probe(now_ms()).await;
    if let Err(e) = probe {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("unavailable: the database refuses writes ({e})"),
        )
            .into_response();
    }
    // The acts go through the ledger's writer: it must be taking work.
    match st.store.writer_alive().await {
        Ok(()) => "ok".into_response(),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("unavailable: the ledger's writer does not answer ({e})"),
        )
            .into_response(),
    }
}

/// Text fields: trimmed, 1..=max characters, no control characters.
pub(crate) fn text(field: &str, v: &str, max: usize) -> Result<String, ApiError> {
    let t = v.trim();
    if t.is_empty() {
        return Err(ApiError::invalid(
            field,
            format!("{field} 不能为空 ({field} is empty)"),
        ));
    }
    if t.chars().count() > max {
        return Err(ApiError::invalid(
            field,
            format!("{field} 最多 {max} 个字符 ({field} has at most {max} characters)"),
        ));
    }
    if t.chars().any(char::is_control) {
        return Err(ApiError::invalid(
            field,
            format!("{field} 含有控制字符 ({field} contains control characters)"),
        ));
    }
    Ok(t.to_string())
}

/// Free text kept outside the sealed ledger (an approval's reason, which the approvers and the
/// audit log read): checked like [`text`], and refused when it holds a phone or ID number (seven
/// or more digits in a run, spaces and dashes between them included), which would otherwise be
/// stored in plaintext.
pub(crate) fn free_text(field: &str, v: &str, max: usize) -> Result<String, ApiError> {
    let t = text(field, v, max)?;
    let mut run = 0;
    let mut longest = 0;
    for c in t.chars() {
        if c.is_ascii_digit() || ('０'..='９').contains(&c) {
            run += 1;
            longest = longest.max(run);
        } else if !matches!(c, ' ' | '-' | '　') {
            run = 0;
        }
    }
    if longest >= 7 {
        return Err(ApiError::invalid(
            field,
            format!(
                "{field} 中不要填写电话号码或证件号 ({field} must not hold a phone or ID number: it is not sealed)"
            ),
        ));
    }
    Ok(t)
}

/// A login (the staff handle): letters, digits, `_ . -`, 1 to 32 characters.
pub(crate) fn login_name(v: &str) -> Result<String, ApiError> {
    let ok = !v.is_empty()
        && v.len() <= 32
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b));
    if !ok {
        return Err(ApiError::invalid(
            "login",
            "登录名为 1 到 32 个字母、数字或 _ . - (a login is 1 to 32 letters, digits, _ . -)",
        ));
    }
    Ok(v.to_string())
}

/// A project name: lower-case letters, digits, `_ -`, 1 to 64 characters.
pub(crate) fn project_name(v: &str) -> Result<String, ApiError> {
    let ok = !v.is_empty()
        && v.len() <= 64
        && v.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_-".contains(&b));
    if !ok {
        return Err(ApiError::invalid(
            "project",
            "项目名为 1 到 64 个小写字母、数字或 _ - (a project name is 1 to 64 lower-case letters, digits, _ -)",
        ));
    }
    Ok(v.to_string())
}

/// Appends one audit entry (SEC-AUDIT) stamped now; returns once it is committed.
/// An audit entry of the caller's, now (SEC-AUDIT), for a change that commits with it.
pub(crate) fn entry(
    actor: &str,
    action: &str,
    subject: impl Into<String>,
    detail: impl Into<String>,
) -> AuditEntry {
    AuditEntry {
        at_ms: now_ms(),
        actor: actor.to_string(),
        action: action.to_string(),
        subject: subject.into(),
        detail: detail.into(),
    }
}

pub(crate) async fn audit(
    st: &AppState,
    actor: &str,
    action: &str,
    subject: impl Into<String>,
    detail: impl Into<String>,
) -> Result<(), ApiError> {
    st.store
        .audit(vec![AuditEntry {
            at_ms: now_ms(),
            actor: actor.to_string(),
            action: action.to_string(),
            subject: subject.into(),
            detail: detail.into(),
        }])
        .await?;
    Ok(())
}

// ---- setup -------------------------------------------------------------------------------------

#[derive(Deserialize)]
struct SetupQuery {
    token: Option<String>,
}

/// The one-time setup page: a form that creates the first admin with the token from the link.
async fn setup_page(Params(q): Params<SetupQuery>) -> Html<String> {
    let token = q.token.unwrap_or_default();
    let token: String = token
        .chars()
        .filter(char::is_ascii_hexdigit)
        .take(64)
        .collect();
    Html(format!(
        r#"<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>kehu 初始设置 · setup</title></head>
<body><main><h1>创建第一个管理员 <small lang="en">Create the first admin</small></h1>
<form id="setup"><input type="hidden" name="token" value="{token}">
<p><label for="login">登录名 (login)</label><br><input id="login" name="login" required maxlength="32" autocomplete="username"></p>
<p><label for="name">姓名 (name)</label><br><input id="name" name="name" required maxlength="64"></p>
<p><label for="password">密码 (password, 8+)</label><br><input id="password" name="password" type="password" required minlength="8" autocomplete="new-password"></p>
<p><button type="submit">创建 (create)</button></p><p id="result" role="status"></p></form>
<script>
document.getElementById('setup').addEventListener('submit', async (e) => {{
  e.preventDefault();
  const f = new FormData(e.target);
  const r = await fetch('/api/v1/setup', {{method: 'POST', headers: {{'Content-Type': 'application/json'}},
    body: JSON.stringify(Object.fromEntries(f))}});
  const j = await r.json();
  document.getElementById('result').textContent = r.ok ? '已创建 (created): ' + j.login : j.message;
}});
</script></main></body></html>"#
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SetupBody {
    token: String,
    login: String,
    name: String,
    password: String,
}

async fn setup(State(st): State<AppState>, Body(b): Body<SetupBody>) -> Result<Response, ApiError> {
    let dead = || {
        ApiError::Forbidden(
            "设置链接无效或已用过 (the setup link is invalid or already used)".into(),
        )
    };
    // Once any account exists the link is dead: answered before any password is hashed.
    if st.store.any_account().await? {
        return Err(dead());
    }
    // Every check first: a link must not be spent on an account that would be refused.
    let account = crate::accounts::NewAccount {
        login: b.login,
        name: b.name,
        role: "admin".into(),
        password: b.password,
        team: None,
        agency: None,
        region: None,
    };
    let checked = crate::accounts::check(&st.store, account).await?;
    let hash = auth::token_hash(b.token.trim());
    // The token is consumed by the delete: two requests racing cannot both create an admin, and
    // once any account exists (an admin added with `kehu user add`, say) the link is dead.
    if !st.store.spend_setup_link(&hash).await? {
        return Err(dead());
    }
    let actor = checked.login.clone();
    let (login, _) =
        crate::accounts::insert(&st.store, checked, &actor, "first admin, by the setup link")
            .await?;
    st.forget_directory();
    Ok(created(json!({ "login": login, "role": "admin" })))
}

async fn hash_blocking(pw: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || auth::hash_password(&pw))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
}

// ---- sessions ----------------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginBody {
    login: String,
    password: String,
}

#[derive(Serialize)]
struct Me {
    login: String,
    name: String,
    role: String,
    team: Option<String>,
    agency: Option<String>,
}

fn me_of(u: &User) -> Me {
    Me {
        login: u.login.clone(),
        name: u.name.clone(),
        role: u.role.name().to_string(),
        team: u.team.clone(),
        agency: u.agency.clone(),
    }
}

/// A hash to verify against when the login does not exist, so both cases cost the same.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$J0xl4yT2Qm2bGg5bqQ7e0H8v8yZpC0c0h9t8ZQm9m2w";

async fn login(State(st): State<AppState>, Body(b): Body<LoginBody>) -> Result<Response, ApiError> {
    let (h, user) = sign_in(&st, &b.login, b.password).await?;
    Ok((h, Json(me_of(&user))).into_response())
}

/// Checks a login and password (rate-limited, audited) and opens a session: the cookie to set and
/// the account.
pub(crate) async fn sign_in(
    st: &AppState,
    login: &str,
    password: String,
) -> Result<(HeaderMap, User), ApiError> {
    let now = now_ms();
    let login = login_name(login)?;
    if password.len() > 1024 {
        return Err(ApiError::invalid(
            "password",
            "密码过长 (password too long)",
        ));
    }
    // Counted before the password is checked: concurrent guesses cannot pass the limit.
    auth::Limiter::attempt(&st.store, &login, now).await?;
    let found = st.store.sign_in_account(&login).await?;
    let phc = found
        .as_ref()
        .map_or_else(|| DUMMY_HASH.to_string(), |(_, h)| h.clone());
    let pw = password;
    let ok = tokio::task::spawn_blocking(move || auth::verify_password(&pw, &phc))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let (Some((user, _)), true) = (found, ok) else {
        audit(st, &login, "login.failed", &login, String::new()).await?;
        return Err(ApiError::Forbidden(
            "登录名或密码错误 (wrong login or password)".into(),
        ));
    };
    auth::Limiter::succeeded(&st.store, &login).await?;
    let (token, hash) = auth::new_token();
    st.store
        .start_session(&hash, user.id, now, now + SESSION_MS)
        .await?;
    audit(st, &login, "login", &login, String::new()).await?;
    let mut cookie = format!(
        "{SESSION_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}",
        SESSION_MS / 1000
    );
    if st.secure_cookies {
        cookie.push_str("; Secure");
    }
    let mut h = HeaderMap::new();
    h.insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(|e| ApiError::Internal(e.to_string()))?,
    );
    Ok((h, user))
}

pub(crate) fn clear_cookie() -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(
        header::SET_COOKIE,
        HeaderValue::from_static("kehu_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"),
    );
    h
}

async fn logout(
    State(st): State<AppState>,
    c: Caller,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    sign_out(&st, &c, &headers).await?;
    Ok((clear_cookie(), StatusCode::NO_CONTENT).into_response())
}

/// Ends the session the request came with (audited).
pub(crate) async fn sign_out(
    st: &AppState,
    c: &Caller,
    headers: &HeaderMap,
) -> Result<(), ApiError> {
    if c.via == Via::Session {
        if let Some(t) = headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|kv| kv.trim().strip_prefix("kehu_session="))
            .next()
        {
            st.store.end_session(&auth::token_hash(t)).await?;
        }
    }
    audit(st, &c.user.login, "logout", &c.user.login, String::new()).await
}

async fn logout_everywhere(State(st): State<AppState>, c: Caller) -> Result<Response, ApiError> {
    let n = st.store.end_sessions_of(c.user.id).await?;
    audit(
        &st,
        &c.user.login,
        "logout.everywhere",
        &c.user.login,
        format!("{n} sessions"),
    )
    .await?;
    Ok((clear_cookie(), Json(json!({ "sessions_ended": n }))).into_response())
}

async fn me(c: Caller) -> Json<Me> {
    Json(me_of(&c.user))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PasswordBody {
    old: String,
    new: String,
}

async fn change_password(
    State(st): State<AppState>,
    c: Caller,
    Body(b): Body<PasswordBody>,
) -> Result<Response, ApiError> {
    auth::check_new_password(&b.new, "new")?;
    let phc = st.store.password_of(c.user.id).await?.unwrap_or_default();
    let old = b.old;
    let ok = tokio::task::spawn_blocking(move || auth::verify_password(&old, &phc))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    if !ok {
        return Err(ApiError::Forbidden(
            "原密码错误 (the old password is wrong)".into(),
        ));
    }
    let pw = hash_blocking(b.new).await?;
    // Every other browser signs in again with the new password, and the API tokens made under
    // the old one stop (a changed password often means a leaked one).
    let e = entry(
        &c.user.login,
        "password.change",
        &c.user.login,
        String::new(),
    );
    st.store.set_password(c.user.id, pw, e, now_ms()).await?;
    Ok((clear_cookie(), StatusCode::NO_CONTENT).into_response())
}

// ---- users and tokens --------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Page {
    page: Option<i64>,
    per_page: Option<i64>,
}

impl Page {
    /// (offset, limit, page, per_page) for lists paged in memory.
    pub fn offset_limit(&self) -> Result<(usize, usize, i64, i64), ApiError> {
        let (_, offset, page, per) = self.window()?;
        Ok((offset as usize, per as usize, page, per))
    }

    pub fn new(page: Option<i64>, per_page: Option<i64>) -> Page {
        Page { page, per_page }
    }

    /// (limit, offset, page, per_page): pages count from 1, at most 200 items each.
    pub(crate) fn window(&self) -> Result<(i64, i64, i64, i64), ApiError> {
        let page = self.page.unwrap_or(1);
        let per = self.per_page.unwrap_or(50);
        if !(1..=1_000_000).contains(&page) {
            return Err(ApiError::invalid(
                "page",
                "page 从 1 开始 (page counts from 1)",
            ));
        }
        if !(1..=200).contains(&per) {
            return Err(ApiError::invalid(
                "per_page",
                "per_page 为 1 到 200 (per_page is 1 to 200)",
            ));
        }
        Ok((per + 1, (page - 1) * per, page, per))
    }
}

pub(crate) fn created(v: Value) -> Response {
    (StatusCode::CREATED, Json(v)).into_response()
}

/// A page of typed items, as the API answers and the pages read it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Paged<T> {
    pub items: Vec<T>,
    pub page: i64,
    pub per_page: i64,
    pub next_page: Option<i64>,
}

impl<T> Paged<T> {
    /// One more than asked was fetched to tell whether another page follows.
    pub(crate) fn of(mut items: Vec<T>, page: i64, per: i64) -> Paged<T> {
        let more = items.len() as i64 > per;
        items.truncate(per as usize);
        Paged {
            items,
            page,
            per_page: per,
            next_page: more.then_some(page + 1),
        }
    }
}

/// A page of items: one more than asked was fetched to tell whether another page follows.
pub(crate) fn paged<T: Serialize>(mut items: Vec<T>, page: i64, per: i64) -> Value {
    let more = items.len() as i64 > per;
    items.truncate(per as usize);
    json!({ "items": items, "page": page, "per_page": per, "next_page": more.then_some(page + 1) })
}

/// A person as the staff list shows them.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct PersonItem {
    pub login: String,
    pub name: String,
    pub role: String,
    pub team: Option<String>,
    pub agency: Option<String>,
    pub active: bool,
}

pub(crate) async fn users_of(
    st: &AppState,
    c: &Caller,
    p: &Page,
) -> Result<Paged<PersonItem>, ApiError> {
    if !c.user.role.is_manager() {
        return Err(ApiError::Forbidden(
            "只有经理和管理员可以查看人员 (managers and admins only)".into(),
        ));
    }
    let (limit, offset, page, per) = p.window()?;
    let items = st
        .store
        .accounts_page(offset, limit)
        .await?
        .into_iter()
        .map(|u| PersonItem {
            role: u.role.name().to_string(),
            login: u.login,
            name: u.name,
            team: u.team,
            agency: u.agency,
            active: u.active,
        })
        .collect();
    Ok(Paged::of(items, page, per))
}

async fn list_users(
    State(st): State<AppState>,
    c: Caller,
    Params(p): Params<Page>,
) -> Result<Json<Paged<PersonItem>>, ApiError> {
    users_of(&st, &c, &p).await.map(Json)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewUser {
    login: String,
    name: String,
    role: String,
    password: String,
    team: Option<String>,
    agency: Option<String>,
    region: Option<String>,
}

async fn add_user(
    State(st): State<AppState>,
    c: Caller,
    Body(b): Body<NewUser>,
) -> Result<Response, ApiError> {
    if !access::may_manage_users(c.user.role) {
        return Err(ApiError::Forbidden(
            "只有管理员可以添加人员 (only an admin adds people)".into(),
        ));
    }
    let account = crate::accounts::NewAccount {
        login: b.login,
        name: b.name,
        role: b.role,
        password: b.password,
        team: b.team,
        agency: b.agency,
        region: b.region,
    };
    let (login, role) = crate::accounts::add(&st.store, account, &c.user.login).await?;
    st.forget_directory();
    Ok(created(json!({ "login": login, "role": role.name() })))
}

/// The account of `login`, for a decision about that person (404 when there is none).
pub(crate) async fn user_by_login(st: &AppState, login: &str) -> Result<User, ApiError> {
    let login = login_name(login)?;
    st.store
        .account_by_login(&login)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("没有 {login} 这个人 (no person {login})")))
}

/// Whether the caller may mark `target` as left or restore them (SEC-LEAVE): their own manager
/// and above, never oneself, never a VP or admin account from below.
fn check_manages(c: &Caller, target: &User) -> Result<(), ApiError> {
    if !access::may_mark_left(&c.user.person(), &target.person()) {
        return Err(ApiError::Forbidden(format!(
            "你无权为 {} 办理离职或恢复：只有其本部门经理及以上可以 (only {}'s own manager and above may)",
            target.login, target.login
        )));
    }
    Ok(())
}

/// Records a presence change of `login` in every project's ledger, audited as the caller's.
async fn presence_everywhere(
    st: &AppState,
    c: &Caller,
    login: &str,
    state: kehu_core::model::Presence,
) -> Result<(), ApiError> {
    for p in st.store.project_names().await? {
        let p = p.as_str();
        let (rulebook, dir) = project_context(st, p).await?;
        let now = jiff::Timestamp::now();
        let cmd = Command {
            project: p.to_string(),
            at: now,
            act: Act::Status(act::Status {
                staff: kehu_core::model::StaffId(login.to_string()),
                state,
            }),
        };
        let entry = AuditEntry {
            at_ms: now.as_millisecond(),
            actor: c.user.login.clone(),
            action: "act.status".into(),
            subject: format!("{p}/{login}"),
            detail: format!("{state:?}").to_lowercase(),
        };
        st.store
            .execute_audited(&rulebook, &dir, &cmd, now, entry)
            .await?;
    }
    Ok(())
}

/// SEC-LEAVE: the person's sessions and tokens stop at once; their customers stay on the ledger
/// for the manager's reassignment.
pub(crate) async fn leave_of(st: &AppState, c: &Caller, login: &str) -> Result<Value, ApiError> {
    if !access::may_mark_anyone_left(c.user.role) {
        return Err(ApiError::Forbidden(
            "只有经理可以办理离职 (managers only)".into(),
        ));
    }
    let target = user_by_login(st, login).await?;
    check_manages(c, &target)?;
    let login = target.login.clone();
    // The account, its sessions and its tokens end together with the audit entry.
    let e = entry(
        &c.user.login,
        "user.leave",
        &login,
        "account closed, its sessions and tokens ended",
    );
    let (sessions, tokens) = st.store.close_account(target.id, e, now_ms()).await?;
    st.forget_directory();
    // The ledger learns it too, in every project: the rulebooks then refuse the leaver's acts
    // (SEC-LEAVE) and let the manager reassign their customers (SR-LEAVE, TR-LEFT, BP-LEFT).
    presence_everywhere(st, c, &login, kehu_core::model::Presence::Left).await?;
    Ok(json!({ "login": login, "sessions_ended": sessions, "tokens_revoked": tokens }))
}

/// An account wrongly marked as left comes back (SEC-LEAVE's correction): the person may sign in
/// again with their password (sessions and tokens ended by the departure stay ended) and is
/// `available` again in every project. Customers reassigned meanwhile stay with their new holders:
/// the reassignment was a manager's act of its own, and its correction is another.
pub(crate) async fn restore_of(st: &AppState, c: &Caller, login: &str) -> Result<Value, ApiError> {
    if !access::may_mark_anyone_left(c.user.role) {
        return Err(ApiError::Forbidden(
            "只有经理可以恢复账户 (managers only)".into(),
        ));
    }
    let target = user_by_login(st, login).await?;
    check_manages(c, &target)?;
    if target.active {
        return Err(ApiError::Conflict(format!(
            "{} 的账户没有停用 ({}'s account is active)",
            target.login, target.login
        )));
    }
    let e = entry(
        &c.user.login,
        "user.restore",
        &target.login,
        "account restored after a departure marked in error",
    );
    st.store.reopen_account(target.id, e).await?;
    st.forget_directory();
    presence_everywhere(st, c, &target.login, kehu_core::model::Presence::Available).await?;
    Ok(json!({ "login": target.login, "active": true }))
}

async fn user_restored(
    State(st): State<AppState>,
    c: Caller,
    Path(login): Path<String>,
) -> Result<Json<Value>, ApiError> {
    restore_of(&st, &c, &login).await.map(Json)
}

/// How long a password link is valid: three days (a new colleague sets theirs on their first day).
const PASSWORD_LINK_MS: i64 = 3 * 24 * 3_600_000;

/// A one-time link with which `login` sets a password (a new account, a forgotten password):
/// made by an admin, shown once, valid for three days, audited. The person's sessions and tokens
/// end when the password is set.
pub(crate) async fn password_link_of(
    st: &AppState,
    c: &Caller,
    login: &str,
) -> Result<Value, ApiError> {
    if !access::may_manage_users(c.user.role) {
        return Err(ApiError::Forbidden(
            "只有管理员可以生成密码链接 (only an admin makes password links)".into(),
        ));
    }
    let target = user_by_login(st, login).await?;
    if !target.active {
        return Err(ApiError::Conflict(format!(
            "{} 已离职，请先恢复账号 ({} has left: restore the account first)",
            target.login, target.login
        )));
    }
    let (token, hash) = auth::new_token();
    let expires_ms = now_ms() + PASSWORD_LINK_MS;
    let e = entry(&c.user.login, "password.link", &target.login, String::new());
    st.store
        .add_password_link(&hash, &target.login, expires_ms, e)
        .await?;
    let expires = jiff::Timestamp::from_millisecond(expires_ms)
        .map(kehu_core::time::format_local)
        .unwrap_or_default();
    Ok(json!({
        "login": target.login,
        "url": format!("/password?token={token}"),
        "expires_at": expires,
    }))
}

async fn password_link(
    State(st): State<AppState>,
    c: Caller,
    Path(login): Path<String>,
) -> Result<Response, ApiError> {
    password_link_of(&st, &c, &login).await.map(created)
}

/// Sets a password with a one-time link: the link is spent, the person's sessions and tokens end.
pub(crate) async fn set_password_by_link(
    st: &AppState,
    token: &str,
    password: String,
) -> Result<String, ApiError> {
    let dead = || {
        ApiError::Forbidden(
            "链接无效、已用过或已过期，请向管理员索取新链接 (the link is invalid, used or expired: ask an admin for a new one)"
                .into(),
        )
    };
    auth::check_new_password(&password, "password")?;
    let hash = auth::token_hash(token.trim());
    let (login, expires_ms) = st.store.password_link(&hash).await?.ok_or_else(dead)?;
    if expires_ms < now_ms() {
        st.store.spend_password_link(&hash).await?;
        return Err(dead());
    }
    let target = user_by_login(st, &login).await?;
    if !target.active || !st.store.spend_password_link(&hash).await? {
        return Err(dead());
    }
    let pw = hash_blocking(password).await?;
    let e = entry(
        &login,
        "password.reset",
        &login,
        "一次性链接 (by a one-time link)",
    );
    st.store.set_password(target.id, pw, e, now_ms()).await?;
    Ok(login)
}

async fn user_leaves(
    State(st): State<AppState>,
    c: Caller,
    Path(login): Path<String>,
) -> Result<Json<Value>, ApiError> {
    leave_of(&st, &c, &login).await.map(Json)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewToken {
    name: String,
    /// Narrowed to reading (GET) only.
    #[serde(default)]
    read_only: bool,
}

async fn add_token(
    State(st): State<AppState>,
    c: Caller,
    Body(b): Body<NewToken>,
) -> Result<Response, ApiError> {
    if c.via == Via::Token {
        return Err(ApiError::Forbidden(
            "令牌不能再创建令牌，请登录后创建 (a token cannot create tokens: sign in to make one)"
                .into(),
        ));
    }
    let name = text("name", &b.name, 64)?;
    let (token, hash) = auth::new_token();
    let id = st
        .store
        .add_token(c.user.id, &name, &hash, now_ms(), b.read_only)
        .await?;
    audit(
        &st,
        &c.user.login,
        "token.add",
        &format!("token {id}"),
        format!("{name}{}", if b.read_only { " (read-only)" } else { "" }),
    )
    .await?;
    // The token itself is shown once and never stored.
    Ok(created(
        json!({ "id": id, "name": name, "read_only": b.read_only, "token": token }),
    ))
}

async fn list_tokens(
    State(st): State<AppState>,
    c: Caller,
    Params(p): Params<Page>,
) -> Result<Json<Value>, ApiError> {
    let (limit, offset, page, per) = p.window()?;
    let items: Vec<Value> = st
        .store
        .tokens_of(c.user.id, offset, limit)
        .await?
        .into_iter()
        .map(|t| {
            json!({
                "id": t.id, "name": t.name, "created_ms": t.created_ms,
                "revoked": t.revoked, "read_only": t.read_only,
            })
        })
        .collect();
    Ok(Json(paged(items, page, per)))
}

async fn revoke_token(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id: i64 = id
        .parse()
        .map_err(|_| ApiError::invalid("id", "令牌编号应为整数 (a token id is an integer)"))?;
    let e = entry(
        &c.user.login,
        "token.revoke",
        format!("token {id}"),
        String::new(),
    );
    if !st.store.revoke_token(id, c.user.id, e, now_ms()).await? {
        return Err(ApiError::NotFound(
            "没有这个有效令牌 (no such live token)".into(),
        ));
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

// ---- projects ----------------------------------------------------------------------------------

/// A rulebook from its stored form: a preset name and overrides as TOML.
pub fn rulebook_from(preset: &str, overrides: &str) -> Result<Rulebook, String> {
    let preset = Preset::parse(preset).map_err(|e| e.to_string())?;
    let table: toml::Table = overrides
        .parse()
        .map_err(|e: toml::de::Error| e.to_string())?;
    let map: BTreeMap<String, toml::Value> = table.into_iter().collect();
    Rulebook::with_overrides(preset, &map).map_err(|e| e.to_string())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewProject {
    pub name: String,
    /// The display name (翡翠湾), up to 40 characters; the name when absent.
    #[serde(default)]
    pub title: Option<String>,
    pub rulebook: String,
    #[serde(default)]
    pub overrides: serde_json::Map<String, Value>,
}

async fn add_project(
    State(st): State<AppState>,
    c: Caller,
    Body(b): Body<NewProject>,
) -> Result<Response, ApiError> {
    add_project_of(&st, &c, b).await.map(created)
}

/// A new project with its rulebook (VP and admin), audited.
pub(crate) async fn add_project_of(
    st: &AppState,
    c: &Caller,
    b: NewProject,
) -> Result<Value, ApiError> {
    if !access::may_manage_projects(c.user.role) {
        return Err(ApiError::Forbidden(
            "只有营销副总和管理员可以建项目 (VP and admin only)".into(),
        ));
    }
    let name = project_name(&b.name).map_err(|e| match e {
        ApiError::Invalid { message, .. } => ApiError::invalid(
            "name",
            format!("{message}；中文名称请填在 title (a Chinese name goes in title)"),
        ),
        e => e,
    })?;
    let title = match b.title.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => text("title", t, 40)?,
        None => String::new(),
    };
    let mut table = toml::Table::new();
    for (k, v) in &b.overrides {
        table.insert(k.clone(), to_toml(&format!("overrides.{k}"), v)?);
    }
    let overrides =
        toml::to_string(&table).map_err(|e| ApiError::invalid("overrides", e.to_string()))?;
    rulebook_from(&b.rulebook, &overrides).map_err(|e| {
        let field = if Preset::parse(&b.rulebook).is_err() {
            "rulebook"
        } else {
            "overrides"
        };
        ApiError::invalid(field, e)
    })?;
    if st.store.project_exists(&name).await? {
        return Err(ApiError::Conflict(format!(
            "项目 {name} 已存在 (project {name} exists)"
        )));
    }
    let e = entry(
        &c.user.login,
        "project.add",
        &name,
        format!("{} {}", b.rulebook, overrides.trim()),
    );
    let row = kehu_store::ProjectRow {
        name: name.clone(),
        preset: b.rulebook.clone(),
        overrides: overrides.clone(),
        title: title.clone(),
    };
    st.store.add_project(row, e, now_ms()).await?;
    Ok(json!({ "name": name, "title": title, "rulebook": b.rulebook }))
}

/// A project as listed: its name, rulebook and overrides (TOML).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ProjectItem {
    pub name: String,
    /// The display name (翡翠湾); the name when none was given.
    pub title: String,
    pub rulebook: String,
    pub overrides: String,
}

pub(crate) async fn projects_of(st: &AppState, p: &Page) -> Result<Paged<ProjectItem>, ApiError> {
    let (limit, offset, page, per) = p.window()?;
    let items = st
        .store
        .projects_page(offset, limit)
        .await?
        .into_iter()
        .map(|r| ProjectItem {
            title: if r.title.is_empty() {
                r.name.clone()
            } else {
                r.title
            },
            name: r.name,
            rulebook: r.preset,
            overrides: r.overrides,
        })
        .collect();
    Ok(Paged::of(items, page, per))
}

async fn list_projects(
    State(st): State<AppState>,
    _c: Caller,
    Params(p): Params<Page>,
) -> Result<Json<Paged<ProjectItem>>, ApiError> {
    projects_of(&st, &p).await.map(Json)
}

/// A project's effective rulebook: each parameter, its value and the rule IDs it governs.
pub(crate) async fn project_of(st: &AppState, project: &str) -> Result<Value, ApiError> {
    let project = project_name(project)?;
    let (rb, _) = project_context(st, &project).await?;
    let params: Vec<Value> = rb
        .entries()
        .into_iter()
        .map(|(info, value)| {
            json!({
                "key": info.key,
                "value": value,
                "governs": info.governs,
                "doc": info.doc,
                "doc_zh": info.doc_zh,
                "accepted_zh": info.accepted_zh,
            })
        })
        .collect();
    let days = |d: &std::collections::BTreeSet<jiff::civil::Date>| -> Vec<String> {
        d.iter().map(ToString::to_string).collect()
    };
    let roster = st.store.roster(&project).await?;
    Ok(json!({
        "name": project,
        "rulebook": rb.preset.name(),
        "roster": roster,
        "parameters": params,
        "calendar": { "holidays": days(&rb.calendar.holidays), "workdays": days(&rb.calendar.workdays) },
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RosterBody {
    /// The salespeople who take this project's walk-ins, in order; empty: every salesperson.
    logins: Vec<String>,
}

/// Sets a project's roster (排班, ROT-ORDER): who takes its walk-ins and in which order. A
/// manager, the VP or the admin; every login a salesperson who has not left, each once.
pub(crate) async fn set_roster_of(
    st: &AppState,
    c: &Caller,
    project: &str,
    logins: Vec<String>,
) -> Result<Value, ApiError> {
    if !c.user.role.is_manager() {
        return Err(ApiError::Forbidden(
            "只有经理可以排班 (managers set the roster)".into(),
        ));
    }
    let project = project_name(project)?;
    let (_, dir) = project_context(st, &project).await?;
    let mut seen: Vec<String> = Vec::new();
    for l in &logins {
        let id = kehu_core::model::StaffId(l.clone());
        let ok = dir
            .get(&id)
            .is_some_and(|s| s.role == Role::Sales && !s.left);
        if !ok {
            return Err(ApiError::invalid(
                "logins",
                format!("{l} 不是在职的置业顾问 ({l} is not a salesperson on the staff)"),
            ));
        }
        // A department manager rosters their own team (the VP and the admin anyone).
        let mine = person_of(&dir, &id).is_some_and(|p| access::manages(&c.user.person(), &p));
        if c.user.role == Role::Manager && !mine {
            return Err(ApiError::Forbidden(format!(
                "{l} 不是你部门的人员 ({l} is not in your team)"
            )));
        }
        if seen.contains(l) {
            return Err(ApiError::invalid(
                "logins",
                format!("{l} 重复 ({l} is listed twice)"),
            ));
        }
        seen.push(l.clone());
    }
    let e = entry(&c.user.login, "project.roster", &project, seen.join(","));
    let set = (!seen.is_empty()).then_some(seen.as_slice());
    st.store.set_roster(&project, set, e).await?;
    Ok(json!({ "project": project, "roster": set }))
}

async fn set_roster(
    State(st): State<AppState>,
    c: Caller,
    Path(project): Path<String>,
    Body(b): Body<RosterBody>,
) -> Result<Json<Value>, ApiError> {
    set_roster_of(&st, &c, &project, b.logins).await.map(Json)
}

/// A project's work calendar (工作日): holidays and make-up working days (调休).
#[derive(Deserialize, Serialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct CalendarBody {
    #[serde(default)]
    pub holidays: Vec<jiff::civil::Date>,
    #[serde(default)]
    pub workdays: Vec<jiff::civil::Date>,
}

/// Sets a project's work calendar (G-TIME working days; SF-3DAYS counts them): the VP or the
/// admin, who set the company's holidays. Replaces the calendar set before; the policy's own
/// holidays stay.
pub(crate) async fn set_calendar_of(
    st: &AppState,
    c: &Caller,
    project: &str,
    b: CalendarBody,
) -> Result<Value, ApiError> {
    if !access::may_manage_projects(c.user.role) {
        return Err(ApiError::Forbidden(
            "只有营销副总或管理员可以设置节假日和调休 (the VP or the admin sets the calendar)"
                .into(),
        ));
    }
    let project = project_name(project)?;
    project_context(st, &project).await?;
    if b.holidays.len() + b.workdays.len() > 400 {
        return Err(ApiError::invalid(
            "holidays",
            "节假日和调休合计最多 400 天 (at most 400 days in all)",
        ));
    }
    if let Some(d) = b.holidays.iter().find(|d| b.workdays.contains(d)) {
        return Err(ApiError::invalid(
            "workdays",
            format!("{d} 不能既是节假日又是调休工作日 ({d} is both a holiday and a working day)"),
        ));
    }
    let days = |v: &[jiff::civil::Date]| -> String {
        v.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(",")
    };
    let detail = format!(
        "holidays {}; workdays {}",
        days(&b.holidays),
        days(&b.workdays)
    );
    let empty = b.holidays.is_empty() && b.workdays.is_empty();
    let json = (!empty)
        .then(|| serde_json::to_string(&b))
        .transpose()
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let e = entry(&c.user.login, "project.calendar", &project, detail);
    st.store.set_calendar(&project, json, e).await?;
    project_of(st, &project).await
}

async fn set_calendar(
    State(st): State<AppState>,
    c: Caller,
    Path(project): Path<String>,
    Body(b): Body<CalendarBody>,
) -> Result<Json<Value>, ApiError> {
    set_calendar_of(&st, &c, &project, b).await.map(Json)
}

async fn show_project(
    State(st): State<AppState>,
    _c: Caller,
    Path(project): Path<String>,
) -> Result<Json<Value>, ApiError> {
    project_of(&st, &project).await.map(Json)
}

/// Teams or agencies with their members (from the accounts; an agent's party is its agency).
async fn groups(
    st: &AppState,
    c: &Caller,
    group: kehu_store::Group,
    p: &Page,
) -> Result<Value, ApiError> {
    if c.user.role == Role::Agent {
        return Err(ApiError::Forbidden(
            "分销经纪人看不到公司的组织 (agents do not see the organisation)".into(),
        ));
    }
    let (limit, offset, page, per) = p.window()?;
    let items: Vec<Value> = st
        .store
        .groups(group, offset, limit)
        .await?
        .into_iter()
        .map(|(name, n)| json!({ "name": name, "members": n }))
        .collect();
    Ok(paged(items, page, per))
}

async fn list_teams(
    State(st): State<AppState>,
    c: Caller,
    Params(p): Params<Page>,
) -> Result<Json<Value>, ApiError> {
    groups(&st, &c, kehu_store::Group::Team, &p).await.map(Json)
}

async fn list_agencies(
    State(st): State<AppState>,
    c: Caller,
    Params(p): Params<Page>,
) -> Result<Json<Value>, ApiError> {
    groups(&st, &c, kehu_store::Group::Agency, &p)
        .await
        .map(Json)
}

// ---- acts --------------------------------------------------------------------------------------

/// The edge's checks of a JSON value a caller sends (an act's fields, policy overrides): no
/// null (leave the field out), whole numbers only, text of at most 500 characters without
/// control characters, lists of at most 50 items.
fn check_edge(field: &str, v: &Value) -> Result<(), ApiError> {
    match v {
        Value::Null => Err(ApiError::invalid(
            field,
            format!("{field} 不能为 null (leave {field} out instead of null)"),
        )),
        Value::Bool(_) => Ok(()),
        Value::Number(n) if n.as_i64().is_some() => Ok(()),
        Value::Number(_) => Err(ApiError::invalid(
            field,
            format!("{field} 应为整数 ({field} must be an integer)"),
        )),
        Value::String(s) if s.chars().count() > 500 => Err(ApiError::invalid(
            field,
            format!("{field} 过长 ({field} is too long)"),
        )),
        Value::String(s) if s.chars().any(char::is_control) => Err(ApiError::invalid(
            field,
            format!("{field} 含有控制字符 ({field} contains control characters)"),
        )),
        Value::String(_) => Ok(()),
        // The sales-control sheet lists a project's units (INV-UNSOLD); every other list is short.
        Value::Array(a) if field == "units" && a.len() > kehu_core::act::MAX_UNITS => {
            Err(ApiError::invalid(
                field,
                format!(
                    "{field} 最多 {} 项 ({field} has at most {} items)",
                    kehu_core::act::MAX_UNITS,
                    kehu_core::act::MAX_UNITS
                ),
            ))
        }
        Value::Array(a) if field != "units" && a.len() > 50 => Err(ApiError::invalid(
            field,
            format!("{field} 最多 50 项 ({field} has at most 50 items)"),
        )),
        Value::Array(a) => a.iter().try_for_each(|x| check_edge(field, x)),
        Value::Object(o) => o
            .iter()
            .try_for_each(|(k, x)| check_edge(&format!("{field}.{k}"), x)),
    }
}

/// A checked JSON value as the TOML value the policy reads.
fn to_toml(field: &str, v: &Value) -> Result<toml::Value, ApiError> {
    check_edge(field, v)?;
    toml::Value::try_from(v).map_err(|e| ApiError::invalid(field, e.to_string()))
}

/// The verdict as the caller may see it: in full for managers and for the party it concerns,
/// otherwise only what a registrant is told (G-CLAIM, CL-SILENT). A collision tells the refused
/// party that the customer is protected and until when, citing G-CLAIM and nothing else: the
/// protecting rule would say more (ST-DEPOSIT: a deposit was paid; TR-SAMEDAY: someone met the
/// customer today). Under CL-SILENT a registrant's registration is only "received", accepted or not.
fn shown(
    v: &Verdict,
    caller: &User,
    dir: &kehu_core::model::Directory,
    rb: &Rulebook,
    act: &str,
    seq: Option<i64>,
) -> Value {
    let me = dir.party_of(&kehu_core::model::StaffId(caller.login.clone()));
    let mine = v.owner.as_ref() == Some(&me);
    let manager = access::sees_full_verdict(caller.role, false);
    // CL-SILENT hides whether a registration collided: an accepted one and a collision are both
    // only "received". A refusal of the registration itself (its form, CL-FORMAL; its timing) is
    // about nobody else's customer and is explained like any other.
    let silent = rb.preset.silent()
        && act == "register"
        && !manager
        && (v.outcome == kehu_core::verdict::Outcome::Accepted || v.is_collision_for(&me));
    if silent {
        return json!({
            "outcome": "received",
            "message": v.to_registrant(true, false),
            "rule": kehu_core::rules::CL_SILENT,
            "seq": seq,
        });
    }
    if access::sees_full_verdict(caller.role, mine) {
        json!({
            "outcome": v.outcome.name(),
            "message": v.outcome.zh(),
            "seq": seq,
            "verdict": v,
        })
    } else if act == "query" && v.outcome != kehu_core::verdict::Outcome::Invalid {
        // A collision check by someone else (撞单查询, G-CLAIM): whether the customer is protected
        // and until when; never by whom, nor under which rule.
        let held = v.owner.as_ref().is_some_and(|o| o.is_owner()) && v.protected_until.is_some();
        let mut out = json!({
            "outcome": v.outcome.name(),
            "rule": kehu_core::rules::G_CLAIM,
            "seq": seq,
        });
        if held {
            let mut as_collision = v.clone();
            as_collision.outcome = kehu_core::verdict::Outcome::Rejected;
            out["message"] = json!(as_collision.to_registrant(false, true));
            out["reason"] = json!("该客户已由其他报备方在保护期内报备；不告知归属 (another party's registration protects this customer; who holds it is not told)");
            if let Some(u) = &v.protected_until {
                out["protected_until"] = json!(u);
            }
        } else {
            out["message"] = json!("该客户目前未受保护，可以报备 (nobody protects this customer now: it may be registered)");
            out["reason"] =
                json!("没有有效的报备保护该客户 (no valid registration protects this customer)");
        }
        out
    } else if v.outcome == kehu_core::verdict::Outcome::Invalid {
        // Why an act is invalid concerns nobody else's customer: say it in full.
        json!({
            "outcome": v.outcome.name(),
            "message": v.outcome.zh(),
            "rule": v.rule,
            "reason": v.reason,
            "seq": seq,
        })
    } else {
        let collision = v.is_collision_for(&me);
        let mut out = json!({
            "outcome": v.outcome.name(),
            "message": v.to_registrant(false, collision),
            "seq": seq,
        });
        if collision {
            out["rule"] = json!(kehu_core::rules::G_CLAIM);
            // The reason a registrant may be given: the claim is someone else's, never whose.
            out["reason"] = json!(
                "该客户已由其他报备方在保护期内报备，保护期内不能再报备；不告知归属 (another party's registration protects this customer; nobody else may register it while the protection lasts, and who holds it is not told)"
            );
            if let Some(u) = &v.protected_until {
                out["protected_until"] = json!(u);
            }
        } else if v.outcome == kehu_core::verdict::Outcome::Pending
            && !kehu_core::engine::matters::is_matter_rule(&v.rule)
        {
            // A manager decides (G-DISPUTE); why it is open concerns the other party too.
            out["rule"] = json!(kehu_core::rules::G_DISPUTE);
        } else {
            // The caller's own act, decided by its own rule (a late SMS, a same-day
            // pre-registration, an excluded customer): the rule and its reason.
            out["rule"] = json!(v.rule);
            out["reason"] = json!(v.reason);
        }
        if access::sees_receiver(caller.role) {
            // The front desk hands the customer over: it needs who receives, nothing more.
            out["receiver"] = json!(v.receiver.as_ref().map(|r| &r.0));
            out["turn"] = json!(v.turn);
        }
        out
    }
}

/// A project's rulebook and the directory of everyone with an account.
pub(crate) async fn project_context(
    st: &AppState,
    project: &str,
) -> Result<
    (
        std::sync::Arc<Rulebook>,
        std::sync::Arc<kehu_core::model::Directory>,
    ),
    ApiError,
> {
    let rulebook = st
        .rulebook(project)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("没有项目 {project} (no project {project})")))?;
    // The work calendar set on the server (SF-3DAYS, G-TIME), added to the policy's.
    let rulebook = match st.store.calendar(project).await? {
        Some(j) => {
            let c: CalendarBody = serde_json::from_str(&j)
                .map_err(|e| ApiError::Internal(format!("stored calendar of {project}: {e}")))?;
            let mut rb = (*rulebook).clone();
            rb.calendar.holidays.extend(c.holidays);
            rb.calendar.workdays.extend(c.workdays);
            std::sync::Arc::new(rb)
        }
        None => rulebook,
    };
    let dir = st.directory().await?;
    // The project's own roster (排班), if it has one: who takes its walk-ins, in order.
    let dir = match st.store.roster(project).await? {
        Some(r) => std::sync::Arc::new(
            dir.with_roster(Some(r.into_iter().map(kehu_core::model::StaffId).collect())),
        ),
        None => dir,
    };
    Ok((rulebook, dir))
}

/// The `Idempotency-Key` header of a request, if any.
fn idempotency_key(headers: &axum::http::HeaderMap) -> Result<Option<&str>, ApiError> {
    headers
        .get("idempotency-key")
        .map(|h| {
            h.to_str().map_err(|_| {
                ApiError::invalid("Idempotency-Key", "幂等键应为 ASCII (the key is ASCII)")
            })
        })
        .transpose()
}

async fn act(
    State(st): State<AppState>,
    c: Caller,
    Path(project): Path<String>,
    headers: axum::http::HeaderMap,
    Body(body): Body<Value>,
) -> Result<Json<Value>, ApiError> {
    let key = idempotency_key(&headers)?;
    run_act(&st, &c, &project, body, key).await.map(Json)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TextBody {
    text: String,
}

/// A registration as agencies send it by SMS, QQ or WeChat (CS-LEAD, CL-PRE): parsed into a
/// `register` act by the caller, then decided like any other.
pub(crate) async fn text_act(
    st: &AppState,
    c: &Caller,
    project: &str,
    text: &str,
    once: Option<&str>,
) -> Result<Value, ApiError> {
    let r = kehu_core::sms::parse(text, jiff::Timestamp::now())
        .map_err(|e| ApiError::invalid("text", format!("{}: {}", e.part, e.message)))?;
    let mut body = json!({
        "act": "register",
        "customer": { "name": r.customer, "phone": r.phone },
        "channel": "sms",
        "kind": if r.pre { "pre" } else { "formal" },
    });
    if let Some(v) = &r.visit_at {
        body["visit_at"] = json!(v);
    }
    let mut v = run_act(st, c, project, body, once).await?;
    v["parsed"] = json!({
        "project": r.project, "kind": r.kind, "customer": r.customer,
        "phone": r.phone, "sender": r.sender, "visit_at": r.visit_at, "pre": r.pre,
    });
    Ok(v)
}

async fn text_registration(
    State(st): State<AppState>,
    c: Caller,
    Path(project): Path<String>,
    headers: axum::http::HeaderMap,
    Body(b): Body<TextBody>,
) -> Result<Json<Value>, ApiError> {
    let key = idempotency_key(&headers)?;
    text_act(&st, &c, &project, &b.text, key).await.map(Json)
}

/// The person who acts in `act` (`by`, or `staff` of a status change).
fn actor_of(act: &Act) -> Option<&kehu_core::model::StaffId> {
    match act {
        Act::Register(act::Register { by, .. })
        | Act::Confirm(act::Confirm { by, .. })
        | Act::Contact(act::Contact { by, .. })
        | Act::Claim(act::Claim { by, .. })
        | Act::Consent(act::Consent { by, .. })
        | Act::Resolve(act::Resolve { by, .. })
        | Act::Extend(act::Extend { by, .. })
        | Act::Reassign(act::Reassign { by, .. }) => Some(by),
        Act::Status(act::Status { staff, .. }) => Some(staff),
        _ => None,
    }
}

pub(crate) fn person_of<'a>(
    dir: &'a kehu_core::model::Directory,
    id: &'a kehu_core::model::StaffId,
) -> Option<access::Person<'a>> {
    dir.get(id).map(|s| access::Person {
        login: &s.id.0,
        role: s.role,
        team: s.team.as_deref(),
        agency: s.agency.as_deref(),
    })
}

/// A refusal for acting beyond one's authority (the scope dimension of SEC-ROLES).
fn beyond(what: String) -> ApiError {
    ApiError::Forbidden(format!(
        "{what}：经理的权限限于本部门 (beyond your authority: a manager acts for their own team)"
    ))
}

/// Whether the caller may submit this parsed act (SEC-ROLES, SEC-LEAVE): acting as the person it
/// names, and for `reassign` and `resolve` over the people and the customer concerned. A manager's
/// authority is their own team's; the VP's and the admin's the company's. Returns the act, with a
/// department manager's `reassign` without `to` narrowed to their own team.
async fn authorize_act(
    st: &AppState,
    c: &Caller,
    project: &str,
    rulebook: &Rulebook,
    dir: &kehu_core::model::Directory,
    act: Act,
) -> Result<Act, ApiError> {
    let me = c.user.person();
    if let Some(actor) = actor_of(&act) {
        let state = match &act {
            Act::Status(act::Status { state, .. }) => Some(*state),
            _ => None,
        };
        if state == Some(kehu_core::model::Presence::Left) {
            return Err(ApiError::invalid(
                "state",
                "离职请通过人员管理办理：POST /api/v1/users/{login}/leave，账户随即停用 \
                 (a departure is recorded by marking the person as left, which also ends their access)",
            ));
        }
        let allowed = if actor.0 == c.user.login {
            access::may_act_as(&me, &me, act.name(), state)
        } else {
            person_of(dir, actor).is_some_and(|t| access::may_act_as(&me, &t, act.name(), state))
        };
        if !allowed {
            return Err(ApiError::Forbidden(format!(
                "你不能以 {actor} 的名义执行 {} (you may not {} as {actor})",
                act.name(),
                act.name()
            )));
        }
    }
    let company_wide = matches!(c.user.role, Role::Vp | Role::Admin);
    let managed = |id: &kehu_core::model::StaffId| {
        person_of(dir, id).is_some_and(|t| access::manages(&me, &t))
    };
    match act {
        Act::Reassign(act::Reassign { by, from, to, seed }) if !company_wide => {
            if !managed(&from) {
                return Err(beyond(format!("{from} 不是你部门的人员")));
            }
            let to = match to {
                Some(list) => {
                    if let Some(x) = list.iter().find(|x| !managed(x)) {
                        return Err(beyond(format!("{x} 不是你部门的人员")));
                    }
                    list
                }
                // The department's own salespeople, in the directory's order.
                None => dir
                    .staff
                    .iter()
                    .filter(|s| s.role == Role::Sales && s.id != from && managed(&s.id))
                    .map(|s| s.id.clone())
                    .collect(),
            };
            Ok(Act::Reassign(act::Reassign {
                by,
                from,
                to: Some(to),
                seed,
            }))
        }
        Act::Resolve(act::Resolve {
            ref customer,
            ref owner,
            ref shares,
            ..
        }) if !company_wide => {
            // The customer's holder now, and every person the settlement names, must be the
            // manager's own people (or no person: pool, company, department, an agency).
            let named = owner.iter().chain(shares.iter().flatten().map(|(p, _)| p));
            for p in named {
                if let Some(s) = p.staff() {
                    if !managed(s) {
                        return Err(beyond(format!("{s} 不是你部门的人员")));
                    }
                }
            }
            let now = jiff::Timestamp::now();
            let query = Command {
                project: project.to_string(),
                at: now,
                act: Act::Query(act::Query {
                    customer: customer.clone(),
                }),
            };
            let standing = st.store.execute(rulebook, dir, &query, now).await?;
            let holder_ok = match &standing.verdict.owner {
                Some(kehu_core::model::Party::Staff(s)) => managed(s),
                Some(kehu_core::model::Party::Team(t)) => c.user.team.as_ref() == Some(t),
                // An agency's customer, the pool's, the company's: no department's own people
                // hold it, and the site's managers settle channel disputes (CS-DISPUTE).
                _ => true,
            };
            if !holder_ok {
                return Err(beyond("该客户不属于你的部门".to_string()));
            }
            // Nobody holds a customer whose decision is open (G-DISPUTE, SR-EVENT): the people
            // waiting for it, those whose registrations are pending, must be the manager's own.
            if let Some(Ok(phone)) = customer.parsed_phone() {
                for view in st.store.history(project, &phone).await? {
                    // Since the last settlement: a decided dispute waits for nobody.
                    let open = view
                        .events
                        .iter()
                        .rposition(|e| matches!(e.act, Act::Resolve(_)))
                        .map_or(0, |i| i + 1);
                    let waiting = view.events[open..]
                        .iter()
                        .filter(|e| e.verdict.outcome == kehu_core::verdict::Outcome::Pending);
                    for e in waiting {
                        if let Some(x) = actor_of(&e.act) {
                            // Agents are no department's people: a channel dispute is the site's.
                            let agent = dir.get(x).is_some_and(|s| s.role == Role::Agent);
                            if !agent && x.0 != c.user.login && !managed(x) {
                                return Err(beyond(format!("{x} 不是你部门的人员")));
                            }
                        }
                    }
                }
            }
            Ok(act)
        }
        act => Ok(act),
    }
}

/// An idempotency key as a caller sends it (`Idempotency-Key`, a form's one-time key): 1 to 200
/// visible ASCII characters.
pub(crate) fn once_key(key: &str) -> Result<&str, ApiError> {
    if key.is_empty() || key.len() > 200 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::invalid(
            "Idempotency-Key",
            "幂等键应为 1 到 200 个可见 ASCII 字符 (an idempotency key is 1 to 200 visible ASCII characters)",
        ));
    }
    Ok(key)
}

/// The act recorded as entry `seq` of `project`, its verdict as the caller may see it (the page
/// after a form, read again from the ledger).
pub(crate) async fn shown_entry(
    st: &AppState,
    c: &Caller,
    project: &str,
    seq: i64,
) -> Result<Value, ApiError> {
    let (rulebook, dir) = project_context(st, project).await?;
    let e = st
        .store
        .project_events(project, kehu_store::EventRange::Seq(seq))
        .await?
        .pop()
        .ok_or_else(|| ApiError::NotFound(format!("没有第 {seq} 条记录 (no entry {seq})")))?;
    Ok(shown(
        &e.verdict,
        &c.user,
        &dir,
        &rulebook,
        e.act.name(),
        Some(seq),
    ))
}

/// Checks, decides and records one act for the caller; the verdict as the caller may see it.
/// With a key (`once`), the same key sent again with the same act answers the first verdict
/// (`"replayed": true`) and records nothing.
pub(crate) async fn run_act(
    st: &AppState,
    c: &Caller,
    project: &str,
    body: Value,
    once: Option<&str>,
) -> Result<Value, ApiError> {
    let project = project_name(project)?;
    let once = match once {
        Some(k) => Some(kehu_store::Once {
            account: c.user.login.clone(),
            key: once_key(k)?.to_string(),
            fingerprint: crate::auth::token_hash(&format!("{project}\0{body}")),
        }),
        None => None,
    };
    let Value::Object(mut obj) = body else {
        return Err(ApiError::invalid(
            "",
            "请求体应为 JSON 对象 (the body is a JSON object)",
        ));
    };
    let name = match obj.remove("act") {
        Some(Value::String(s)) => s,
        Some(_) => {
            return Err(ApiError::invalid(
                "act",
                format!(
                    "act 应为字符串 (act is a string); accepted: {}",
                    act::names_list()
                ),
            ))
        }
        None => {
            return Err(ApiError::invalid(
                "act",
                format!("缺少 act (missing act); accepted: {}", act::names_list()),
            ))
        }
    };
    let fields = act::fields(&name).ok_or_else(|| {
        ApiError::invalid(
            "act",
            format!("unknown act {name:?}; accepted: {}", act::names_list()),
        )
    })?;
    for (k, v) in &obj {
        if k == "at" || k == "project" {
            return Err(ApiError::invalid(
                k,
                format!("{k} 由服务器确定 ({k} is set by the server)"),
            ));
        }
        check_edge(k, v)?;
    }
    if !access::may_act(c.user.role, &name) {
        return Err(ApiError::Forbidden(format!(
            "你的角色不能执行 {name} (your role may not {name})"
        )));
    }
    if name == "query" {
        c.look_up(st).await?;
    }
    // The actor is the caller unless named; whether the caller may act as the person named is
    // decided on the resolved act, below.
    for actor_field in ["by", "staff"] {
        if fields.contains(&actor_field) && !obj.contains_key(actor_field) {
            obj.insert(actor_field.into(), Value::String(c.user.login.clone()));
        }
    }
    let wrong = |e: act::FieldError| ApiError::invalid(e.field, e.detail);
    let act = Act::from_fields(&name, obj).map_err(wrong)?;
    let (rulebook, dir) = project_context(st, &project).await?;
    let act = act.resolve(&dir, now_ms() as u64).map_err(wrong)?;
    if let Act::Status(act::Status { staff, .. }) = &act {
        if dir.get(staff).is_some_and(|s| s.left) {
            return Err(ApiError::invalid(
                "staff",
                format!("{staff} 已离职，不在接待轮次中 ({staff} has left and is on no rotation)"),
            ));
        }
    }
    let act = authorize_act(st, c, &project, &rulebook, &dir, act).await?;
    let now = jiff::Timestamp::now();
    let cmd = Command {
        project: project.clone(),
        at: now,
        act,
    };
    // SEC-AUDIT: the entry commits with the act; the customer is named by masked phone only.
    let masked = cmd
        .act
        .customer()
        .and_then(|x| x.parsed_phone())
        .and_then(Result::ok)
        .map(|p| p.masked_display());
    let entry = AuditEntry {
        at_ms: now.as_millisecond(),
        actor: c.user.login.clone(),
        action: format!("act.{name}"),
        subject: match masked {
            Some(m) => format!("{project}/{m}"),
            None => project.clone(),
        },
        detail: String::new(),
    };
    let out = st
        .store
        .execute_once(&rulebook, &dir, &cmd, now, entry, once)
        .await?;
    if !out.replayed {
        st.metrics.act(&name, out.verdict.outcome.name());
    }
    let mut v = shown(&out.verdict, &c.user, &dir, &rulebook, &name, out.seq);
    if out.replayed {
        v["replayed"] = json!(true);
    }
    Ok(v)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FindCustomer {
    phone: String,
}

/// A collision check (撞单查询) by full or masked phone: the current verdict for that customer.
async fn find_customer(
    State(st): State<AppState>,
    c: Caller,
    Path(project): Path<String>,
    Params(q): Params<FindCustomer>,
) -> Result<Json<Value>, ApiError> {
    check_customer_of(&st, &c, &project, &q.phone)
        .await
        .map(Json)
}

/// The collision check (撞单查询) by full or masked phone: the standing verdict as the caller may
/// see it, audited under the masked number.
pub(crate) async fn check_customer_of(
    st: &AppState,
    c: &Caller,
    project: &str,
    phone_text: &str,
) -> Result<Value, ApiError> {
    let q = FindCustomer {
        phone: phone_text.to_string(),
    };
    let project = project_name(project)?;
    if !access::may_act(c.user.role, "query") {
        return Err(ApiError::Forbidden(
            "你的角色不能查询客户 (your role may not look up customers)".into(),
        ));
    }
    c.look_up(st).await?;
    let phone = Phone::parse(&q.phone).map_err(|e| ApiError::invalid("phone", e.to_string()))?;
    let (rulebook, dir) = project_context(st, &project).await?;
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
    // SEC-AUDIT: the read is logged under the masked number only.
    let entry = AuditEntry {
        at_ms: now.as_millisecond(),
        actor: c.user.login.clone(),
        action: "customer.read".into(),
        subject: format!("{project}/{}", phone.masked_display()),
        detail: String::new(),
    };
    let out = st
        .store
        .execute_audited(&rulebook, &dir, &cmd, now, entry)
        .await?;
    let mut v = shown(&out.verdict, &c.user, &dir, &rulebook, "query", None);
    v["phone"] = json!(phone.masked_display());
    Ok(v)
}
