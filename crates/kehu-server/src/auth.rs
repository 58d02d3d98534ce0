//! Accounts (SEC-ROLES, SEC-LEAVE): argon2id passwords, session cookies and API tokens (only
//! their SHA-256 is stored), and the login limiter (5 failures lock a login for 15 minutes).

use crate::error::ApiError;
use crate::AppState;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use kehu_core::model::{Role, Staff, StaffId};
use kehu_store::Val;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;

pub const SESSION_COOKIE: &str = "kehu_session";
/// A session lasts 12 hours (a working day and its evening).
pub const SESSION_MS: i64 = 12 * 3600 * 1000;
const MAX_FAILURES: u32 = 5;
const LOCKOUT_MS: i64 = 15 * 60 * 1000;

/// A signed-in person, as the access rules see them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub login: String,
    pub name: String,
    pub role: Role,
    pub team: Option<String>,
    pub agency: Option<String>,
    pub region: Option<String>,
    pub active: bool,
}

impl User {
    pub fn staff(&self) -> Staff {
        Staff {
            id: StaffId(self.login.clone()),
            name: self.name.clone(),
            role: self.role,
            team: self.team.clone(),
            agency: self.agency.clone(),
            region: self.region.clone(),
        }
    }
}

pub const USER_COLUMNS: &str =
    "u.id, u.login, u.name, u.role, u.team, u.agency, u.region, u.active";

pub fn user_from_row(r: &[Val]) -> Result<User, ApiError> {
    let t = |i: usize| r.get(i).and_then(|v| v.text()).map(str::to_string);
    let role_s = t(3).unwrap_or_default();
    Ok(User {
        id: r.first().and_then(Val::int).unwrap_or(0),
        login: t(1).unwrap_or_default(),
        name: t(2).unwrap_or_default(),
        role: Role::parse(&role_s)
            .ok_or_else(|| ApiError::Internal(format!("stored role {role_s:?}")))?,
        team: t(4),
        agency: t(5),
        region: t(6),
        active: r.get(7).and_then(Val::int) == Some(1),
    })
}

pub fn hash_password(pw: &str) -> Result<String, ApiError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(pw.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ApiError::Internal(format!("argon2: {e}")))
}

pub fn verify_password(pw: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| Argon2::default().verify_password(pw.as_bytes(), &h).is_ok())
        .unwrap_or(false)
}

/// Checks a new password: 8 to 128 characters, not all of one kind of character.
pub fn check_new_password(pw: &str, field: &str) -> Result<(), ApiError> {
    let n = pw.chars().count();
    if !(8..=128).contains(&n) {
        return Err(ApiError::invalid(
            field,
            "密码长度应为 8 到 128 个字符 (a password has 8 to 128 characters)",
        ));
    }
    if pw.chars().all(|c| c.is_ascii_digit()) || pw.chars().all(|c| c.is_alphabetic()) {
        return Err(ApiError::invalid(
            field,
            "密码不能只有数字或只有字母 (a password mixes letters with digits or signs)",
        ));
    }
    Ok(())
}

/// A fresh random token (256 bits, hex) and the hash that is stored.
pub fn new_token() -> (String, String) {
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    let t: String = b.iter().map(|x| format!("{x:02x}")).collect();
    let h = token_hash(&t);
    (t, h)
}

pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect()
}

/// Failed logins per login name.
#[derive(Default)]
pub struct Limiter {
    failures: Mutex<HashMap<String, (u32, i64)>>,
}

impl Limiter {
    /// Err while the login is locked.
    pub fn check(&self, login: &str, now_ms: i64) -> Result<(), ApiError> {
        let map = self
            .failures
            .lock()
            .map_err(|_| ApiError::Internal("limiter".into()))?;
        match map.get(login) {
            Some((n, until)) if *n >= MAX_FAILURES && *until > now_ms => Err(ApiError::TooMany(
                format!(
                    "登录失败次数过多，请 {} 分钟后再试 (too many failed sign-ins; try again in {} minutes)",
                    (until - now_ms) / 60_000 + 1,
                    (until - now_ms) / 60_000 + 1
                ),
            )),
            _ => Ok(()),
        }
    }

    pub fn failed(&self, login: &str, now_ms: i64) {
        if let Ok(mut map) = self.failures.lock() {
            if map.len() > 100_000 {
                map.retain(|_, (_, until)| *until > now_ms);
            }
            let e = map.entry(login.to_string()).or_insert((0, 0));
            if e.1 <= now_ms && e.0 >= MAX_FAILURES {
                *e = (0, 0);
            }
            e.0 += 1;
            e.1 = now_ms + LOCKOUT_MS;
        }
    }

    pub fn succeeded(&self, login: &str) {
        if let Ok(mut map) = self.failures.lock() {
            map.remove(login);
        }
    }
}

/// How the caller proved who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Session,
    Token,
}

/// The authenticated caller of a request: an active account with a live session or token.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: User,
    pub via: Via,
}

pub(crate) fn cookie(parts: &Parts, name: &str) -> Option<String> {
    parts
        .headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Caller, ApiError> {
        let now = crate::now_ms();
        let bearer = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        let (sql, token, via) = match (bearer, cookie(parts, SESSION_COOKIE)) {
            (Some(t), _) => (
                format!(
                    "SELECT {USER_COLUMNS} FROM api_tokens t JOIN users u ON u.id = t.user_id \
                     WHERE t.token_hash = $1 AND t.revoked_ms = 0 AND u.active = 1"
                ),
                t.to_string(),
                Via::Token,
            ),
            (None, Some(c)) => (
                format!(
                    "SELECT {USER_COLUMNS} FROM sessions s JOIN users u ON u.id = s.user_id \
                     WHERE s.token_hash = $1 AND s.expires_ms > $2 AND u.active = 1"
                ),
                c,
                Via::Session,
            ),
            (None, None) => return Err(ApiError::Unauthenticated),
        };
        if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(ApiError::Unauthenticated);
        }
        let mut params = vec![Val::from(token_hash(&token))];
        if via == Via::Session {
            params.push(Val::Int(now));
        }
        let rows = st.store.query(&sql, params).await?;
        match rows.first() {
            Some(r) => Ok(Caller {
                user: user_from_row(r)?,
                via,
            }),
            None => Err(ApiError::Unauthenticated),
        }
    }
}
