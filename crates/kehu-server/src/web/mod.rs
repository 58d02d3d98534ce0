//! The pages: server-rendered HTML for the front desk (前台), salespeople (销售), agents (分销),
//! managers (经理) and reports, in Chinese first with an English switch. Plain forms, no script.
//!
//! Every action is a POST carrying the session's CSRF token and the form's one-time key
//! (`form_key`, new with every page shown). A POST that changes something is answered with a
//! redirect to its page (Post/Redirect/Get) whose `?done=<key>` shows the result; a reload shows it
//! again and changes nothing, and the same form sent twice (a double tap, a phone resending) is
//! answered with the first result: for an act the ledger's idempotency keys decide (the same key
//! records one act, on any number of servers), for other forms the server remembers the keys it
//! handled. A POST refused before anything changed shows the page again with the error and the
//! values entered. The pages call the same functions as the JSON API, so both apply the same
//! checks, roles and audit entries.

/// The answer to a page's form (Post/Redirect/Get): the same form sent again goes to its first
/// result; otherwise the CSRF token is checked and `$run` (an async block giving
/// `Result<Flash, ApiError>`) decides; a change redirects to `$back` showing its result, an error
/// shows the page again (`|$f| $show`) with the values entered. Used by every form handler.
macro_rules! answer_form {
    ($v:ident, $form:ident, $back:expr, $run:expr, |$f:ident| $show:expr) => {{
        let back = $back;
        if let Some(r) = $v.repeated(&$form, &back) {
            return r;
        }
        let result = async {
            $v.check(&$form)?;
            $run.await
        }
        .await;
        match $v.after(&$form, result, &back) {
            Ok(r) => r,
            Err($f) => $show,
        }
    }};
}

mod agent;
mod credit;
mod desk;
mod dunning;
mod explain;
pub mod i18n;
mod manage;
mod pipeline;
mod pool;
mod records;
mod reports;
mod sales;
mod service;
mod units;
mod work;

use crate::auth::{self, Caller, Via};
use crate::error::ApiError;
use crate::AppState;
use axum::extract::{FromRequest, FromRequestParts, Path, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use kehu_core::model::Role;
use serde::Serialize;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::LazyLock;

pub use i18n::Lang;

/// A page's query after a form: `done` names the form whose result to show (Post/Redirect/Get).
#[derive(serde::Deserialize, Default)]
pub(crate) struct DoneQuery {
    done: Option<String>,
}

impl Viewer {
    /// A page shown after a form: its result (the flash kept for the form's key), if any.
    async fn flash_of(&self, st: &AppState, q: &DoneQuery) -> Option<Flash> {
        self.done_flash(st, q.done.as_deref()).await
    }
}

/// The cookie that holds the chosen language.
const LANG_COOKIE: &str = "kehu_lang";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_page).post(login))
        .route("/password", get(password_page).post(password_set))
        .route("/logout", post(logout))
        .route("/lang/{lang}", get(set_lang))
        .route("/static/kehu.css", get(css))
        .route("/static/echarts-5.6.0.min.js", get(echarts))
        .route("/static/charts.js", get(charts_js))
        .route("/audit", get(manage::audit))
        .route("/inbox", get(inbox))
        .merge(desk::routes())
        .merge(sales::routes())
        .merge(agent::routes())
        .merge(manage::routes())
        .merge(reports::routes())
        .merge(work::routes())
        .merge(pool::routes())
        .merge(pipeline::routes())
        .merge(dunning::routes())
        .merge(units::routes())
        .merge(service::routes())
        .merge(credit::routes())
}

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/base.html")),
    ("login.html", include_str!("../../templates/login.html")),
    ("home.html", include_str!("../../templates/home.html")),
    ("error.html", include_str!("../../templates/error.html")),
    ("desk.html", include_str!("../../templates/desk.html")),
    ("sales.html", include_str!("../../templates/sales.html")),
    (
        "customer.html",
        include_str!("../../templates/customer.html"),
    ),
    ("agent.html", include_str!("../../templates/agent.html")),
    ("manage.html", include_str!("../../templates/manage.html")),
    ("staff.html", include_str!("../../templates/staff.html")),
    ("audit.html", include_str!("../../templates/audit.html")),
    ("reports.html", include_str!("../../templates/reports.html")),
    ("inbox.html", include_str!("../../templates/inbox.html")),
    ("work.html", include_str!("../../templates/work.html")),
    ("pool.html", include_str!("../../templates/pool.html")),
    (
        "pipeline.html",
        include_str!("../../templates/pipeline.html"),
    ),
    ("dunning.html", include_str!("../../templates/dunning.html")),
    ("units.html", include_str!("../../templates/units.html")),
    ("service.html", include_str!("../../templates/service.html")),
    ("credit.html", include_str!("../../templates/credit.html")),
    (
        "password.html",
        include_str!("../../templates/password.html"),
    ),
];

/// The templates, parsed once; strict about undefined variables, so a page that forgets one fails
/// loudly (the template test renders every page).
static ENV: LazyLock<Result<minijinja::Environment<'static>, String>> = LazyLock::new(|| {
    let mut env = minijinja::Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    for (name, src) in TEMPLATES {
        env.add_template(name, src)
            .map_err(|e| format!("template {name}: {e}"))?;
    }
    env.add_function("t", i18n::template_t);
    Ok(env)
});

fn render_str(name: &str, ctx: &Value) -> Result<String, String> {
    let env = ENV.as_ref().map_err(Clone::clone)?;
    env.get_template(name)
        .and_then(|t| t.render(ctx))
        .map_err(|e| format!("rendering {name}: {e:#}"))
}

/// A page, or a plain 500 if the template fails (a bug, logged).
fn render(status: StatusCode, name: &str, ctx: &Value) -> Response {
    match render_str(name, ctx) {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "a page could not be rendered");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

/// A message to show above a page: a verdict explained, or what went wrong.
#[derive(Debug, Clone, Serialize)]
pub struct Flash {
    /// ok, warn or error (also said in words and an icon, never by colour alone).
    pub kind: &'static str,
    pub title: String,
    pub lines: Vec<String>,
}

impl Flash {
    pub fn error(lang: Lang, e: &ApiError) -> Flash {
        Flash {
            kind: "error",
            title: lang.pick(&e.to_string()),
            lines: Vec::new(),
        }
    }

    pub fn ok(title: String, lines: Vec<String>) -> Flash {
        Flash {
            kind: "ok",
            title,
            lines,
        }
    }
}

/// The signed-in person looking at a page.
pub struct Viewer {
    pub c: Caller,
    pub lang: Lang,
    /// The token every form of this session carries (a hash of the session's cookie).
    pub csrf: String,
    pub path: String,
    /// The fields of the form being answered with an error, shown again (never a password).
    pub submitted: Map<String, Value>,
    /// Notifications not seen yet (G-NOTIFY), for the header.
    pub unread: i64,
    /// The display name of the project in the address (翡翠湾), for the header.
    pub project_title: Option<String>,
}

/// The parties whose notifications a person receives: themselves, and an agent's agency.
pub(crate) fn inbox_parties(u: &crate::auth::User) -> Vec<String> {
    let mut p = vec![u.login.clone()];
    if let Some(a) = u.agency.as_ref().filter(|_| u.role == Role::Agent) {
        p.push(a.clone());
    }
    p
}

fn lang_of(parts: &Parts) -> Lang {
    match auth::cookie(parts, LANG_COOKIE).as_deref() {
        Some("en") => Lang::En,
        _ => Lang::Zh,
    }
}

fn csrf_of(session: &str) -> String {
    Sha256::digest(format!("kehu-csrf:{session}").as_bytes())
        .iter()
        .take(16)
        .map(|x| format!("{x:02x}"))
        .collect()
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Viewer, Response> {
        let lang = lang_of(parts);
        let path = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "/".into());
        let session = auth::cookie(parts, auth::SESSION_COOKIE);
        match (Caller::from_request_parts(parts, st).await, session) {
            (Ok(c), Some(s)) if c.via == Via::Session => {
                let parties = inbox_parties(&c.user);
                let seen = st.store.inbox_seen(&c.user.login).await.unwrap_or(0);
                let unread = st.store.inbox_unread(&parties, seen).await.unwrap_or(0);
                let project_title = match parts.uri.path().strip_prefix("/p/") {
                    Some(rest) => {
                        let name = rest.split('/').next().unwrap_or_default();
                        st.store.project(name).await.ok().flatten().map(|p| {
                            if p.title.is_empty() {
                                p.name
                            } else {
                                p.title
                            }
                        })
                    }
                    None => None,
                };
                Ok(Viewer {
                    c,
                    lang,
                    csrf: csrf_of(&s),
                    path,
                    submitted: Map::new(),
                    unread,
                    project_title,
                })
            }
            (Ok(_), _) | (Err(ApiError::Unauthenticated), _) => {
                let next = if parts.method == axum::http::Method::GET {
                    path
                } else {
                    "/".into()
                };
                Err(Redirect::to(&format!("/login?next={}", urlencode(&next))).into_response())
            }
            (Err(e), _) => Err(error_page(lang, None, &e)),
        }
    }
}

impl Viewer {
    pub fn role(&self) -> Role {
        self.c.user.role
    }

    /// The context every page starts from.
    fn base(&self, project: Option<&str>, current: &str) -> Map<String, Value> {
        let u = &self.c.user;
        let mut m = Map::new();
        m.insert("lang".into(), json!(self.lang.code()));
        m.insert(
            "user".into(),
            json!({ "login": u.login, "name": u.name, "role": u.role.name() }),
        );
        m.insert("nav".into(), json!(nav(u.role, project, current)));
        m.insert("unread".into(), json!(self.unread));
        m.insert("project".into(), json!(project));
        m.insert(
            "project_title".into(),
            json!(self.project_title.as_deref().or(project)),
        );
        m.insert("csrf".into(), json!(self.csrf));
        m.insert("form_key".into(), json!(new_form_key()));
        m.insert("form".into(), Value::Object(self.submitted.clone()));
        m.insert("path".into(), json!(self.path));
        m.insert("flash".into(), Value::Null);
        m
    }

    /// The page `name` with the base context plus `extra`.
    fn page(
        &self,
        name: &str,
        project: Option<&str>,
        current: &str,
        flash: Option<Flash>,
        extra: Value,
    ) -> Response {
        let mut m = self.base(project, current);
        let flash = flash.map(|f| Flash {
            title: self.lang.punct(&f.title),
            lines: f.lines.iter().map(|l| self.lang.punct(l)).collect(),
            ..f
        });
        m.insert("flash".into(), json!(flash));
        if let Value::Object(x) = extra {
            m.extend(x);
        }
        render(StatusCode::OK, name, &Value::Object(m))
    }

    /// Checks a form's CSRF token.
    fn check(&self, form: &Form) -> Result<(), ApiError> {
        if form.get("csrf") == Some(self.csrf.as_str()) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(
                "表单已过期，请刷新页面后重试 (the form expired; reload the page and try again)"
                    .into(),
            ))
        }
    }

    /// Runs one act as this viewer, once per form (its `form_key`), and explains its verdict
    /// as they may see it.
    async fn act(
        &self,
        st: &AppState,
        project: &str,
        body: Value,
        form: &Form,
    ) -> Result<Flash, ApiError> {
        let shown = self.act_shown(st, project, body, form).await?;
        self.explain(st, &shown).await
    }

    /// [`Viewer::act`]'s verdict as shown, unexplained.
    async fn act_shown(
        &self,
        st: &AppState,
        project: &str,
        body: Value,
        form: &Form,
    ) -> Result<Value, ApiError> {
        let key = form.key()?;
        crate::api::run_act(st, &self.c, project, body, Some(key)).await
    }

    /// A form already handled by this server (sent twice): the redirect to its result.
    fn repeated(&self, form: &Form, back: &str) -> Option<Response> {
        let key = form.key().ok()?;
        done::seen(&self.c.user.login, key).then(|| see_other(back, key))
    }

    /// The answer to a form: after a change, the redirect to `back` showing `flash` (kept for
    /// the reload); after a refusal, `Err` with the error for the page to show again with the
    /// values entered.
    fn after(
        &mut self,
        form: &Form,
        result: Result<Flash, ApiError>,
        back: &str,
    ) -> Result<Response, Flash> {
        match (result, form.key()) {
            (Ok(flash), Ok(key)) => {
                done::keep(&self.c.user.login, key, flash);
                Ok(see_other(back, key))
            }
            (Ok(flash), Err(_)) => Err(flash),
            (Err(e), _) => {
                self.submitted = form.shown_again();
                Err(Flash::error(self.lang, &e))
            }
        }
    }

    /// The result a page shows for `?done=<key>`: kept by this server, or (after a restart, or
    /// from another server) the act the key recorded, read from the ledger.
    async fn done_flash(&self, st: &AppState, key: Option<&str>) -> Option<Flash> {
        let key = key?;
        if let Some(f) = done::get(&self.c.user.login, key) {
            return Some(f);
        }
        let (project, seq) = st.store.act_of_key(&self.c.user.login, key).await.ok()??;
        let shown = crate::api::shown_entry(st, &self.c, &project, seq)
            .await
            .ok()?;
        self.explain(st, &shown).await.ok()
    }

    /// A verdict as shown to this viewer (`api::shown`), explained in their language.
    async fn explain(&self, st: &AppState, shown: &Value) -> Result<Flash, ApiError> {
        let dir = st.directory().await?;
        Ok(explain::verdict(self.lang, &dir, shown, crate::now_ms()))
    }

    fn error(&self, e: &ApiError) -> Response {
        error_page(self.lang, Some(self), e)
    }
}

/// The pages a role sees, in the header.
fn nav(role: Role, project: Option<&str>, current: &str) -> Vec<Value> {
    let mut items = vec![("/".to_string(), "nav.projects")];
    if let Some(p) = project {
        if role == Role::Agent {
            items.push((format!("/p/{p}/agent"), "nav.agent"));
        } else {
            items.push((format!("/p/{p}/desk"), "nav.desk"));
            if role != Role::FrontDesk {
                items.push((format!("/p/{p}/sales"), "nav.sales"));
            }
        }
        if work::may_use(role) {
            items.push((format!("/p/{p}/work"), "nav.work"));
        }
        if pool::may_use(role) {
            items.push((format!("/p/{p}/pool"), "nav.pool"));
        }
        if pipeline::may_use(role) {
            items.push((format!("/p/{p}/pipeline"), "nav.pipeline"));
        }
        if units::may_use(role) {
            items.push((format!("/p/{p}/units"), "nav.units"));
        }
        if service::may_use(role) {
            items.push((format!("/p/{p}/service"), "nav.service"));
        }
        if credit::may_use(role) {
            items.push((format!("/p/{p}/credit"), "nav.credit"));
        }
        if role.is_manager() {
            items.push((format!("/p/{p}/manage"), "nav.manage"));
            items.push((format!("/p/{p}/staff"), "nav.staff"));
        }
        if reports::may_see(role) {
            items.push((format!("/p/{p}/reports"), "nav.reports"));
        }
    }
    if kehu_core::access::may_read_audit(role) {
        items.push(("/audit".to_string(), "nav.audit"));
    }
    items
        .into_iter()
        .map(|(href, key)| json!({ "current": key == current, "href": href, "key": key }))
        .collect()
}

/// The page a role starts from in a project.
fn start_page(role: Role, project: &str) -> String {
    match role {
        Role::Agent => format!("/p/{project}/agent"),
        Role::FrontDesk => format!("/p/{project}/desk"),
        r if r.is_manager() => format!("/p/{project}/manage"),
        _ => format!("/p/{project}/sales"),
    }
}

fn error_page(lang: Lang, v: Option<&Viewer>, e: &ApiError) -> Response {
    let mut m = match v {
        Some(v) => v.base(None, ""),
        None => anonymous(lang, "/"),
    };
    m.insert("message".into(), json!(lang.pick(&e.to_string())));
    render(e.status(), "error.html", &Value::Object(m))
}

fn anonymous(lang: Lang, path: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("lang".into(), json!(lang.code()));
    m.insert("user".into(), Value::Null);
    m.insert("nav".into(), json!([]));
    m.insert("project".into(), Value::Null);
    m.insert("project_title".into(), Value::Null);
    m.insert("csrf".into(), json!(""));
    m.insert("path".into(), json!(path));
    m.insert("flash".into(), Value::Null);
    m
}

pub(crate) fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A form's one-time key: 128 random bits in hex.
fn new_form_key() -> String {
    use rand::RngCore;
    let mut b = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// 303 to `back` with `done=<key>` added to its query.
fn see_other(back: &str, key: &str) -> Response {
    let sep = if back.contains('?') { '&' } else { '?' };
    Redirect::to(&format!("{back}{sep}done={}", urlencode(key))).into_response()
}

/// The results of forms this server handled, by (login, form key), for the page after the
/// redirect and for a form sent twice. Kept an hour, at most [`done::MAX`] of them.
mod done {
    use super::Flash;
    use std::collections::HashMap;
    use std::sync::{LazyLock, Mutex};
    use std::time::{Duration, Instant};

    pub const MAX: usize = 20_000;
    const KEEP: Duration = Duration::from_secs(3600);

    type Kept = HashMap<(String, String), (Instant, Flash)>;
    static DONE: LazyLock<Mutex<Kept>> = LazyLock::new(|| Mutex::new(HashMap::new()));

    fn with<T>(f: impl FnOnce(&mut Kept) -> T) -> T {
        let mut m = DONE.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut m)
    }

    pub fn keep(login: &str, key: &str, flash: Flash) {
        with(|m| {
            if m.len() >= MAX {
                let now = Instant::now();
                m.retain(|_, (at, _)| now.duration_since(*at) < KEEP);
                if m.len() >= MAX {
                    m.clear();
                }
            }
            m.insert(
                (login.to_string(), key.to_string()),
                (Instant::now(), flash),
            );
        })
    }

    pub fn get(login: &str, key: &str) -> Option<Flash> {
        with(|m| {
            m.get(&(login.to_string(), key.to_string()))
                .filter(|(at, _)| at.elapsed() < KEEP)
                .map(|(_, f)| f.clone())
        })
    }

    pub fn seen(login: &str, key: &str) -> bool {
        get(login, key).is_some()
    }
}

/// `?done=<key>` of a page after a form.
#[derive(serde::Deserialize, Default)]
pub(crate) struct Done {
    pub done: Option<String>,
}

/// A submitted form: field → value (the last one wins).
pub struct Form(HashMap<String, String>);

impl Form {
    /// The form's one-time key.
    pub fn key(&self) -> Result<&str, ApiError> {
        self.text("form_key")
            .ok_or_else(|| {
                ApiError::Forbidden(
                    "表单已过期，请刷新页面后重试 (the form expired; reload the page and try again)"
                        .into(),
                )
            })
            .and_then(crate::api::once_key)
    }

    /// The fields to show again after an error: not the tokens, never a password.
    fn shown_again(&self) -> Map<String, Value> {
        self.0
            .iter()
            .filter(|(k, _)| !["csrf", "form_key", "password"].contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect()
    }

    pub fn get(&self, k: &str) -> Option<&str> {
        self.0.get(k).map(String::as_str)
    }

    /// A field with text in it, trimmed.
    pub fn text(&self, k: &str) -> Option<&str> {
        self.get(k).map(str::trim).filter(|s| !s.is_empty())
    }

    /// A required field, or an error naming it.
    pub fn need(&self, k: &str) -> Result<&str, ApiError> {
        self.text(k)
            .ok_or_else(|| ApiError::invalid(k, format!("请填写 {k} (fill in {k})")))
    }
}

impl<S: Send + Sync> FromRequest<S> for Form {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Form, Response> {
        match axum::Form::<HashMap<String, String>>::from_request(req, state).await {
            Ok(axum::Form(m)) => Ok(Form(m)),
            Err(e) => Err(error_page(
                Lang::Zh,
                None,
                &ApiError::invalid(
                    "",
                    format!("表单无法读取 (unreadable form): {}", e.body_text()),
                ),
            )),
        }
    }
}

async fn css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/kehu.css"),
    )
        .into_response()
}

/// Apache ECharts, vendored (static/ECHARTS-LICENSE): its address names its version, so browsers
/// keep it for a year.
async fn echarts() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        include_str!("../../static/echarts-5.6.0.min.js"),
    )
        .into_response()
}

/// The report charts' script (draws each `.chart` with ECharts).
async fn charts_js() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/charts.js"),
    )
        .into_response()
}

/// The inbox (G-NOTIFY): the verdicts that told this person something (a collision at signing, a
/// dispute to answer, a customer handed over), newest first, each as they may see it. Opening it
/// marks them seen.
async fn inbox(State(st): State<AppState>, mut v: Viewer) -> Response {
    let parties = inbox_parties(&v.c.user);
    let seen = st.store.inbox_seen(&v.c.user.login).await.unwrap_or(0);
    let rows = match st.store.inbox(&parties, 100).await {
        Ok(r) => r,
        Err(e) => return v.error(&e.into()),
    };
    let mut items = Vec::new();
    for (seq, project) in &rows {
        let shown = match crate::api::shown_entry(&st, &v.c, project, *seq).await {
            Ok(x) => x,
            Err(e) => return v.error(&e),
        };
        let f = match v.explain(&st, &shown).await {
            Ok(f) => f,
            Err(e) => return v.error(&e),
        };
        let e = st
            .store
            .project_events(project, kehu_store::EventRange::Seq(*seq))
            .await
            .ok()
            .and_then(|mut x| x.pop());
        items.push(json!({
            "seq": seq, "project": project,
            "at": e.as_ref().map(|e| kehu_core::time::format_local(e.at)),
            "act": e.as_ref().map(|e| e.act.name()),
            "kind": f.kind, "title": v.lang.punct(&f.title),
            "lines": f.lines.iter().map(|l| v.lang.punct(l)).collect::<Vec<_>>(),
            "new": *seq > seen,
        }));
    }
    if let Some((latest, _)) = rows.first() {
        if let Err(e) = st.store.mark_inbox_seen(&v.c.user.login, *latest).await {
            return v.error(&e.into());
        }
    }
    v.unread = 0;
    v.page(
        "inbox.html",
        None,
        "nav.inbox",
        None,
        json!({ "items": items }),
    )
}

/// Projects, each linking to the page the caller's role starts from; with one project, that page.
async fn home(State(st): State<AppState>, v: Viewer) -> Response {
    let p = crate::api::Page::new(Some(1), Some(200));
    let projects = match crate::api::projects_of(&st, &p).await {
        Ok(x) => x,
        Err(e) => return v.error(&e),
    };
    let items: Vec<Value> = projects
        .items
        .iter()
        .map(|x| json!({ "name": x.name, "title": x.title, "rulebook": x.rulebook, "href": start_page(v.role(), &x.name) }))
        .collect();
    if let [only] = items.as_slice() {
        if let Some(href) = only["href"].as_str() {
            return Redirect::to(href).into_response();
        }
    }
    v.page(
        "home.html",
        None,
        "nav.projects",
        None,
        json!({ "projects": items }),
    )
}

#[cfg(test)]
mod redirect_tests {
    use super::local_path;

    #[test]
    fn only_local_paths_follow() {
        for bad in [
            "//evil.example",
            "/\tevil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r/evil.example",
            "/\x7f",
            "/\\evil.example",
            "/ /evil.example",
            "https://evil.example",
            "evil.example",
            "/\u{3000}/evil.example",
        ] {
            assert_eq!(local_path(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(local_path(Some("/p/p1/desk?x=1")), "/p/p1/desk?x=1");
        assert_eq!(local_path(None), "/");
    }
}

#[derive(serde::Deserialize)]
struct LoginQuery {
    next: Option<String>,
    /// Set after a password was set with a one-time link.
    password: Option<String>,
}

/// Only a path of this site may follow a sign-in or a language switch (never another site): one
/// `/` and then a path character. Browsers drop tabs and line breaks from a URL and read `\\` as
/// `/`, so `/<TAB>/evil.example` would be `//evil.example`, another site; anything but printable
/// ASCII without `\\` is refused (a non-ASCII path arrives percent-encoded), which also keeps the
/// `Location` header valid.
pub(crate) fn local_path(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && n.bytes().all(|b| b.is_ascii_graphic() && b != b'\\') =>
        {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

async fn login_page(
    headers: HeaderMap,
    axum::extract::Query(q): axum::extract::Query<LoginQuery>,
) -> Response {
    let lang = lang_from_headers(&headers);
    let mut m = anonymous(lang, "/login");
    m.insert("next".into(), json!(local_path(q.next.as_deref())));
    m.insert("login".into(), json!(""));
    if q.password.is_some() {
        m.insert(
            "flash".into(),
            json!(Flash::ok(
                i18n::tr(lang, "password.set").to_string(),
                Vec::new()
            )),
        );
    }
    render(StatusCode::OK, "login.html", &Value::Object(m))
}

fn lang_from_headers(headers: &HeaderMap) -> Lang {
    let en = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .any(|kv| kv.trim() == "kehu_lang=en");
    if en {
        Lang::En
    } else {
        Lang::Zh
    }
}

async fn login(State(st): State<AppState>, headers: HeaderMap, form: Form) -> Response {
    let lang = lang_from_headers(&headers);
    let next = local_path(form.get("next"));
    let login = form.get("login").unwrap_or_default().trim().to_string();
    let password = form.get("password").unwrap_or_default().to_string();
    match crate::api::sign_in(&st, &login, password).await {
        Ok((h, _)) => (h, Redirect::to(&next)).into_response(),
        Err(e) => {
            let mut m = anonymous(lang, "/login");
            m.insert("next".into(), json!(next));
            m.insert("login".into(), json!(login));
            m.insert("flash".into(), json!(Flash::error(lang, &e)));
            render(e.status(), "login.html", &Value::Object(m))
        }
    }
}

#[derive(serde::Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

/// The page of a one-time password link (no session): choose a password.
async fn password_page(
    headers: HeaderMap,
    axum::extract::Query(q): axum::extract::Query<TokenQuery>,
) -> Response {
    let lang = lang_from_headers(&headers);
    let mut m = anonymous(lang, "/password");
    let token: String = (q.token.unwrap_or_default().chars())
        .filter(char::is_ascii_hexdigit)
        .take(64)
        .collect();
    m.insert("token".into(), json!(token));
    render(StatusCode::OK, "password.html", &Value::Object(m))
}

/// Sets the password of a one-time link, then goes to the sign-in page (Post/Redirect/Get).
async fn password_set(State(st): State<AppState>, headers: HeaderMap, form: Form) -> Response {
    let lang = lang_from_headers(&headers);
    let token = form.get("token").unwrap_or_default().to_string();
    let result = async {
        let pw = form.get("password").unwrap_or_default().to_string();
        if form.get("password2") != Some(pw.as_str()) {
            return Err(ApiError::invalid(
                "password2",
                "两次输入的密码不一致 (the two passwords differ)",
            ));
        }
        crate::api::set_password_by_link(&st, &token, pw).await
    }
    .await;
    match result {
        Ok(_) => Redirect::to("/login?password=set").into_response(),
        Err(e) => {
            let mut m = anonymous(lang, "/password");
            m.insert("token".into(), json!(token));
            m.insert("flash".into(), json!(Flash::error(lang, &e)));
            render(e.status(), "password.html", &Value::Object(m))
        }
    }
}

async fn logout(State(st): State<AppState>, v: Viewer, headers: HeaderMap, form: Form) -> Response {
    if let Err(e) = v.check(&form) {
        return v.error(&e);
    }
    if let Err(e) = crate::api::sign_out(&st, &v.c, &headers).await {
        return v.error(&e);
    }
    (crate::api::clear_cookie(), Redirect::to("/login")).into_response()
}

#[derive(serde::Deserialize)]
struct Back {
    back: Option<String>,
}

/// Switches the language (a cookie for a year) and goes back to the page.
async fn set_lang(
    Path(lang): Path<String>,
    axum::extract::Query(q): axum::extract::Query<Back>,
) -> Response {
    let code = if lang == "en" { "en" } else { "zh" };
    let cookie = format!("{LANG_COOKIE}={code}; SameSite=Lax; Path=/; Max-Age=31536000");
    (
        [(header::SET_COOKIE, cookie)],
        Redirect::to(&local_path(q.back.as_deref())),
    )
        .into_response()
}

/// The rulebook and directory of a project, or the error page.
async fn context(
    st: &AppState,
    v: &Viewer,
    project: &str,
) -> Result<
    (
        std::sync::Arc<kehu_core::policy::Rulebook>,
        std::sync::Arc<kehu_core::model::Directory>,
    ),
    Response,
> {
    let project = crate::api::project_name(project).map_err(|e| v.error(&e))?;
    crate::api::project_context(st, &project)
        .await
        .map_err(|e| v.error(&e))
}

/// An amount of money in yuan with thousands separators: 3,280,000 元 (328 万元), or
/// ¥3,280,000 on English pages.
pub(crate) fn yuan(lang: Lang, n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if n < 0 { "-" } else { "" };
    match lang {
        Lang::Zh if n.abs() >= 10_000 && n % 100 == 0 => {
            let wan = n as f64 / 10_000.0;
            format!(
                "{sign}{grouped} 元（{} 万元）",
                format!("{wan:.2}")
                    .trim_end_matches('0')
                    .trim_end_matches('.')
            )
        }
        Lang::Zh => format!("{sign}{grouped} 元"),
        Lang::En => format!("{sign}¥{grouped}"),
    }
}

/// The phone field's hint: the full number, and only the masked forms this project's rulebook
/// accepts (G-PHONE, `mask_forms`).
pub(crate) fn phone_hint(lang: Lang, rb: &kehu_core::policy::Rulebook) -> String {
    let examples: Vec<&str> = rb.params.mask_forms.iter().map(|m| m.example()).collect();
    match (lang, examples.is_empty()) {
        (Lang::Zh, true) => "请填写完整号码（本项目不接受隐号）".to_string(),
        (Lang::Zh, false) => format!("完整号码，或隐号如 {}", examples.join("、")),
        (Lang::En, true) => "The full number (this project accepts no masked numbers)".to_string(),
        (Lang::En, false) => format!(
            "The full number, or a masked one such as {}",
            examples.join(", ")
        ),
    }
}

/// A person's display name: 张三, or the login of someone without an account.
pub(crate) fn person(dir: &kehu_core::model::Directory, login: &str) -> String {
    dir.get(&kehu_core::model::StaffId(login.to_string()))
        .map(|s| s.name.clone())
        .unwrap_or_else(|| login.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_parses() {
        assert!(ENV.is_ok(), "{:?}", ENV.as_ref().err());
    }

    #[test]
    fn only_local_paths_follow_sign_in() {
        assert_eq!(local_path(Some("/p/x/desk")), "/p/x/desk");
        assert_eq!(local_path(Some("//evil.example")), "/");
        assert_eq!(local_path(Some("https://evil.example")), "/");
        assert_eq!(local_path(Some("/\\evil")), "/");
        assert_eq!(local_path(None), "/");
    }
}
