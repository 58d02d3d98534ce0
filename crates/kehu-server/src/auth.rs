//! Accounts (SEC-ROLES, SEC-LEAVE): argon2id passwords, session cookies and API tokens (only
//! their SHA-256 is stored), and the login limiter (5 failures lock a login for 15 minutes; the
//! count is in the database, so it holds under concurrency, across servers and restarts).

use crate::error::ApiError;
use crate::AppState;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use kehu_store::Store;
use rand::RngCore;
use sha2::{Digest, Sha256};

pub const SESSION_COOKIE: &str = "kehu_session";
/// A session lasts 12 hours (a working day and its evening).
pub const SESSION_MS: i64 = 12 * 3600 * 1000;
const MAX_FAILURES: u32 = 5;
const LOCKOUT_MS: i64 = 15 * 60 * 1000;

/// A signed-in person, as the access rules see them: the stored account.
pub type User = kehu_store::Account;

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

/// The sign-in limiter (5 failures lock a login for 15 minutes), kept in the database.
///
/// An attempt is counted *before* its password is checked (one atomic upsert that returns the
/// count), so a burst of concurrent guesses gets exactly [`MAX_FAILURES`] checks, and two servers
/// on one PostgreSQL database, or a restarted one, share the same count. A success clears it.
pub struct Limiter;

impl Limiter {
    /// Counts an attempt at `login`; Err (429) when the login is locked, before any password check.
    pub async fn attempt(store: &Store, login: &str, now_ms: i64) -> Result<(), ApiError> {
        let (n, until) = store
            .count_sign_in(login, now_ms, LOCKOUT_MS, i64::from(MAX_FAILURES))
            .await?;
        if n > i64::from(MAX_FAILURES) {
            let minutes = (until - now_ms).max(0) / 60_000 + 1;
            return Err(ApiError::TooMany(format!(
                "登录失败次数过多，请 {minutes} 分钟后再试 (too many failed sign-ins; try again in {minutes} minutes)"
            )));
        }
        Ok(())
    }

    /// A correct password: the count starts again.
    pub async fn succeeded(store: &Store, login: &str) -> Result<(), ApiError> {
        store.clear_sign_ins(login).await?;
        Ok(())
    }
}

impl Caller {
    /// Counts one customer look-up (collision check, name search, archive read) against the
    /// caller's limits; past them a 429, and the first refusal of a window is audited.
    pub async fn look_up(&self, st: &AppState) -> Result<(), ApiError> {
        let now = crate::now_ms();
        match st
            .lookups
            .check(&self.user.login, self.addr.as_deref(), now)
        {
            Ok(()) => Ok(()),
            Err(l) => {
                if l.first {
                    crate::api::audit(
                        st,
                        &self.user.login,
                        "customer.probe.limited",
                        self.addr.clone().unwrap_or_default(),
                        format!("look-up limit reached ({})", l.what),
                    )
                    .await?;
                }
                Err(ApiError::TooMany(format!(
                    "查询过于频繁，请 {} 秒后再试 (too many look-ups; try again in {} s)",
                    l.retry_after_s, l.retry_after_s
                )))
            }
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
    /// A token narrowed to reading: only GET and HEAD requests.
    pub read_only: bool,
    /// The network address the request came from (the peer; a proxy's when behind one).
    pub addr: Option<String>,
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
        let (token, via) = match (bearer, cookie(parts, SESSION_COOKIE)) {
            (Some(t), _) => (t.to_string(), Via::Token),
            (None, Some(c)) => (c, Via::Session),
            (None, None) => return Err(ApiError::Unauthenticated),
        };
        if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(ApiError::Unauthenticated);
        }
        let hash = token_hash(&token);
        let found = match via {
            Via::Token => st.store.token_account(&hash).await?,
            Via::Session => st
                .store
                .session_account(&hash, now)
                .await?
                .map(|a| (a, false)),
        };
        let Some((user, read_only)) = found else {
            return Err(ApiError::Unauthenticated);
        };
        if read_only
            && !matches!(
                parts.method,
                axum::http::Method::GET | axum::http::Method::HEAD
            )
        {
            return Err(ApiError::Forbidden(
                "只读令牌只能查询 (a read-only token may only read)".into(),
            ));
        }
        // The request's span names the account (its id: no name, no login).
        tracing::Span::current().record("account", user.id);
        let addr = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip().to_string());
        Ok(Caller {
            user,
            via,
            read_only,
            addr,
        })
    }
}
