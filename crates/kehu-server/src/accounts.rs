//! Adding accounts (SEC-ROLES): one path for the API, the pages and `kehu user add`, so every
//! account is checked alike. A login and an agency name share one namespace, because a customer's
//! holder is stored by its display form (a salesperson's login, an agency's name): an agency named
//! like a login would otherwise hold that person's customers.

use crate::api::{login_name, text};
use crate::error::ApiError;
use kehu_core::model::Role;
use kehu_store::{AuditEntry, Store};

/// Party names that are not people (G-CLAIM): no login or agency may take them.
const RESERVED: &[&str] = &["pool", "company", "department", "market", "system", "cli"];

/// An account to add, as given.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub login: String,
    pub name: String,
    pub role: String,
    pub password: String,
    pub team: Option<String>,
    pub agency: Option<String>,
    pub region: Option<String>,
}

/// An account that passed every check, its password hashed: ready to insert.
#[derive(Debug, Clone)]
pub struct Checked {
    pub login: String,
    name: String,
    pub role: Role,
    team: Option<String>,
    agency: Option<String>,
    region: Option<String>,
    hash: String,
}

/// Checks and adds an account, audited as `actor`'s; also ends a pending setup link (the first
/// admin exists once any account does). Returns the login and role.
pub async fn add(store: &Store, a: NewAccount, actor: &str) -> Result<(String, Role), ApiError> {
    let c = check(store, a).await?;
    let detail = format!("role {}", c.role.name());
    insert(store, c, actor, &detail).await
}

/// Every check of a new account (names, role, agency, the shared namespace, the password), and
/// the password's hash.
pub async fn check(store: &Store, a: NewAccount) -> Result<Checked, ApiError> {
    let login = login_name(&a.login)?;
    let name = text("name", &a.name, 64)?;
    let role = Role::parse(&a.role).ok_or_else(|| {
        ApiError::invalid("role", format!("{:?}; accepted: {}", a.role, Role::NAMES))
    })?;
    let opt = |f: &str, v: &Option<String>| v.as_deref().map(|s| text(f, s, 64)).transpose();
    let (team, agency, region) = (
        opt("team", &a.team)?,
        opt("agency", &a.agency)?,
        opt("region", &a.region)?,
    );
    if role == Role::Agent && agency.is_none() {
        return Err(ApiError::invalid(
            "agency",
            "分销经纪人须属于一个机构 (an agent belongs to an agency)",
        ));
    }
    if role != Role::Agent && agency.is_some() {
        return Err(ApiError::invalid(
            "agency",
            "只有分销经纪人属于机构 (only agents belong to an agency)",
        ));
    }
    if RESERVED.contains(&login.to_lowercase().as_str()) {
        return Err(ApiError::invalid(
            "login",
            format!("{login} 是保留名称 ({login} is a reserved name)"),
        ));
    }
    if let Some(ag) = &agency {
        if RESERVED.contains(&ag.to_lowercase().as_str()) || ag.starts_with("team:") {
            return Err(ApiError::invalid(
                "agency",
                format!("{ag} 是保留名称 ({ag} is a reserved name)"),
            ));
        }
        if store.login_taken(ag).await? {
            return Err(ApiError::Conflict(format!(
                "机构名 {ag} 与某个登录名相同 (agency {ag} has the name of a login)"
            )));
        }
    }
    crate::auth::check_new_password(&a.password, "password")?;
    if store.party_name_taken(&login).await? {
        return Err(ApiError::Conflict(format!(
            "登录名 {login} 已存在或与机构同名 (login {login} exists, or an agency has that name)"
        )));
    }
    let pw = a.password;
    let hash = tokio::task::spawn_blocking(move || crate::auth::hash_password(&pw))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))??;
    Ok(Checked {
        login,
        name,
        role,
        team,
        agency,
        region,
        hash,
    })
}

/// Inserts a checked account, ends a pending setup link and writes the audit entry.
pub async fn insert(
    store: &Store,
    c: Checked,
    actor: &str,
    detail: &str,
) -> Result<(String, Role), ApiError> {
    let Checked {
        login,
        name,
        role,
        team,
        agency,
        region,
        hash,
    } = c;
    // The account, the end of a pending setup link (an account exists now) and the audit
    // entry commit together.
    let entry = AuditEntry {
        at_ms: crate::now_ms(),
        actor: actor.to_string(),
        action: "user.add".into(),
        subject: login.clone(),
        detail: detail.to_string(),
    };
    let row = kehu_store::NewAccountRow {
        login: login.clone(),
        name,
        role,
        team,
        agency,
        region,
        password_hash: hash,
    };
    store.add_account(row, entry, crate::now_ms()).await?;
    Ok((login, role))
}
