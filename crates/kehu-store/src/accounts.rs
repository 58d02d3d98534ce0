//! The accounts repository: people and their roles, sessions, API tokens, the sign-in limiter and
//! the one-time setup link. Typed rows in, typed rows out; every change a person makes to an
//! account commits with its audit entry ([`Store::change_audited`]). The server holds no SQL.

use crate::audit::{AuditEntry, Written};
use crate::{Store, StoreError, Val};
use kehu_core::access::Person;
use kehu_core::model::{Role, Staff, StaffId};

/// An account as stored (without its password hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: i64,
    pub login: String,
    pub name: String,
    pub role: Role,
    pub team: Option<String>,
    pub agency: Option<String>,
    pub region: Option<String>,
    pub active: bool,
}

impl Account {
    /// The account as the authority rules see it.
    pub fn person(&self) -> Person<'_> {
        Person {
            login: &self.login,
            role: self.role,
            team: self.team.as_deref(),
            agency: self.agency.as_deref(),
        }
    }

    /// The account as the engine's directory holds it.
    pub fn staff(&self) -> Staff {
        Staff {
            id: StaffId(self.login.clone()),
            name: self.name.clone(),
            role: self.role,
            team: self.team.clone(),
            agency: self.agency.clone(),
            region: self.region.clone(),
            left: !self.active,
        }
    }
}

/// A new account, checked and with its password hashed.
#[derive(Debug, Clone)]
pub struct NewAccountRow {
    pub login: String,
    pub name: String,
    pub role: Role,
    pub team: Option<String>,
    pub agency: Option<String>,
    pub region: Option<String>,
    pub password_hash: String,
}

/// An API token as listed to its owner (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRow {
    pub id: i64,
    pub name: String,
    pub created_ms: i64,
    pub revoked: bool,
    pub read_only: bool,
}

/// How the people are grouped for a listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    Team,
    Agency,
}

const COLUMNS: &str = "u.id, u.login, u.name, u.role, u.team, u.agency, u.region, u.active";

fn bad(detail: impl Into<String>) -> StoreError {
    StoreError::BadRow(detail.into())
}

/// An account from the first eight columns of a row (COLUMNS): a row without an id or with a
/// role this build does not know is an error, never a default.
fn account(r: &[Val]) -> Result<Account, StoreError> {
    let text = |i: usize| r.get(i).and_then(Val::text).map(str::to_string);
    let id = r
        .first()
        .and_then(Val::int)
        .ok_or_else(|| bad("an account row without an id"))?;
    let login = text(1).ok_or_else(|| bad(format!("account {id} without a login")))?;
    let role_s = text(3).unwrap_or_default();
    let role = Role::parse(&role_s)
        .ok_or_else(|| bad(format!("account {login} has the unknown role {role_s:?}")))?;
    Ok(Account {
        id,
        name: text(2).unwrap_or_default(),
        login,
        role,
        team: text(4),
        agency: text(5),
        region: text(6),
        active: r.get(7).and_then(Val::int) == Some(1),
    })
}

/// Ends every session of account `id`.
fn end_sessions(id: i64) -> crate::Statement {
    (
        "DELETE FROM sessions WHERE user_id = $1".into(),
        vec![Val::Int(id)],
    )
}

/// Revokes every live API token of account `id`.
fn end_tokens(id: i64, now_ms: i64) -> crate::Statement {
    (
        "UPDATE api_tokens SET revoked_ms = $1 WHERE user_id = $2 AND revoked_ms = 0".into(),
        vec![Val::Int(now_ms), Val::Int(id)],
    )
}

fn accounts(rows: &[Vec<Val>]) -> Result<Vec<Account>, StoreError> {
    rows.iter().map(|r| account(r)).collect()
}

impl Store {
    /// Every account, in the order they were added.
    pub async fn accounts(&self) -> Result<Vec<Account>, StoreError> {
        let rows = self
            .query(
                &format!("SELECT {COLUMNS} FROM users u ORDER BY u.id"),
                vec![],
            )
            .await?;
        accounts(&rows)
    }

    /// `limit` accounts from `offset`, in the order they were added.
    pub async fn accounts_page(&self, offset: i64, limit: i64) -> Result<Vec<Account>, StoreError> {
        let rows = self
            .query(
                &format!("SELECT {COLUMNS} FROM users u ORDER BY u.id LIMIT $1 OFFSET $2"),
                vec![Val::Int(limit), Val::Int(offset)],
            )
            .await?;
        accounts(&rows)
    }

    /// The account of `login`, active or not.
    pub async fn account_by_login(&self, login: &str) -> Result<Option<Account>, StoreError> {
        let rows = self
            .query(
                &format!("SELECT {COLUMNS} FROM users u WHERE u.login = $1"),
                vec![Val::from(login)],
            )
            .await?;
        rows.first().map(|r| account(r)).transpose()
    }

    /// The active account of `login` with its password hash (for signing in).
    pub async fn sign_in_account(
        &self,
        login: &str,
    ) -> Result<Option<(Account, String)>, StoreError> {
        let rows = self
            .query(
                &format!(
                    "SELECT {COLUMNS}, u.password FROM users u WHERE u.login = $1 AND u.active = 1"
                ),
                vec![Val::from(login)],
            )
            .await?;
        let Some(r) = rows.first() else {
            return Ok(None);
        };
        let hash = r
            .get(8)
            .and_then(Val::text)
            .ok_or_else(|| bad(format!("account {login} without a password hash")))?;
        Ok(Some((account(r)?, hash.to_string())))
    }

    /// The password hash of account `id`.
    pub async fn password_of(&self, id: i64) -> Result<Option<String>, StoreError> {
        self.text_of(
            "SELECT password FROM users WHERE id = $1",
            vec![Val::Int(id)],
        )
        .await
    }

    /// Whether any account exists.
    pub async fn any_account(&self) -> Result<bool, StoreError> {
        Ok(!self
            .query("SELECT 1 FROM users LIMIT 1", vec![])
            .await?
            .is_empty())
    }

    /// Whether `name` is a login.
    pub async fn login_taken(&self, name: &str) -> Result<bool, StoreError> {
        let rows = self
            .query(
                "SELECT 1 FROM users WHERE login = $1",
                vec![Val::from(name)],
            )
            .await?;
        Ok(!rows.is_empty())
    }

    /// Whether `name` is a login or an agency's name (one namespace: a customer's holder is
    /// stored by its display form).
    pub async fn party_name_taken(&self, name: &str) -> Result<bool, StoreError> {
        let rows = self
            .query(
                "SELECT 1 FROM users WHERE login = $1 OR agency = $1",
                vec![Val::from(name)],
            )
            .await?;
        Ok(!rows.is_empty())
    }

    /// Teams or agencies with their active members' count, by name.
    pub async fn groups(
        &self,
        group: Group,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<(String, i64)>, StoreError> {
        let column = match group {
            Group::Team => "team",
            Group::Agency => "agency",
        };
        let rows = self
            .query(
                &format!(
                    "SELECT {column}, COUNT(*) FROM users WHERE {column} IS NOT NULL AND active = 1 \
                     GROUP BY {column} ORDER BY {column} LIMIT $1 OFFSET $2"
                ),
                vec![Val::Int(limit), Val::Int(offset)],
            )
            .await?;
        rows.iter()
            .map(|r| {
                let name = r.first().and_then(Val::text).unwrap_or_default();
                Ok((name.to_string(), r.get(1).and_then(Val::int).unwrap_or(0)))
            })
            .collect()
    }

    /// A new account, the end of a pending setup link (an account exists now) and the audit
    /// entry, together.
    pub async fn add_account(
        &self,
        a: NewAccountRow,
        entry: AuditEntry,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        self.change_audited(
            vec![
                (
                    "INSERT INTO users (login, name, role, team, agency, region, password, active, created_ms) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8)"
                        .to_string(),
                    vec![
                        a.login.into(),
                        a.name.into(),
                        a.role.name().into(),
                        a.team.into(),
                        a.agency.into(),
                        a.region.into(),
                        a.password_hash.into(),
                        Val::Int(now_ms),
                    ],
                ),
                (
                    "DELETE FROM settings WHERE name = 'setup_token'".to_string(),
                    vec![],
                ),
            ],
            entry,
            Written::Always,
        )
        .await?;
        Ok(())
    }

    /// SEC-LEAVE: the account closed, its sessions and live tokens ended, with the audit entry;
    /// how many sessions and tokens ended.
    pub async fn close_account(
        &self,
        id: i64,
        entry: AuditEntry,
        now_ms: i64,
    ) -> Result<(usize, usize), StoreError> {
        let n = self
            .change_audited(
                vec![
                    (
                        "UPDATE users SET active = 0 WHERE id = $1".into(),
                        vec![Val::Int(id)],
                    ),
                    end_sessions(id),
                    end_tokens(id, now_ms),
                ],
                entry,
                Written::Always,
            )
            .await?;
        Ok((
            n.get(1).copied().unwrap_or(0),
            n.get(2).copied().unwrap_or(0),
        ))
    }

    /// An account wrongly closed opens again, with the audit entry.
    pub async fn reopen_account(&self, id: i64, entry: AuditEntry) -> Result<(), StoreError> {
        self.change_audited(
            vec![(
                "UPDATE users SET active = 1 WHERE id = $1".into(),
                vec![Val::Int(id)],
            )],
            entry,
            Written::Always,
        )
        .await?;
        Ok(())
    }

    /// A new password: every session and live token of the account ends with it.
    pub async fn set_password(
        &self,
        id: i64,
        password_hash: String,
        entry: AuditEntry,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        self.change_audited(
            vec![
                (
                    "UPDATE users SET password = $1 WHERE id = $2".into(),
                    vec![password_hash.into(), Val::Int(id)],
                ),
                end_sessions(id),
                end_tokens(id, now_ms),
            ],
            entry,
            Written::Always,
        )
        .await?;
        Ok(())
    }

    // ---- sessions ------------------------------------------------------------------------------

    /// A session (its token's hash) for account `id` until `expires_ms`.
    pub async fn start_session(
        &self,
        token_hash: &str,
        id: i64,
        now_ms: i64,
        expires_ms: i64,
    ) -> Result<(), StoreError> {
        self.exec(
            "INSERT INTO sessions (token_hash, user_id, created_ms, expires_ms) VALUES ($1, $2, $3, $4)",
            vec![
                Val::from(token_hash),
                Val::Int(id),
                Val::Int(now_ms),
                Val::Int(expires_ms),
            ],
        )
        .await?;
        Ok(())
    }

    /// Ends the session of this token hash.
    pub async fn end_session(&self, token_hash: &str) -> Result<usize, StoreError> {
        self.exec(
            "DELETE FROM sessions WHERE token_hash = $1",
            vec![Val::from(token_hash)],
        )
        .await
    }

    /// Ends every session of account `id`; how many.
    pub async fn end_sessions_of(&self, id: i64) -> Result<usize, StoreError> {
        self.exec(
            "DELETE FROM sessions WHERE user_id = $1",
            vec![Val::Int(id)],
        )
        .await
    }

    /// The active account of a live session.
    pub async fn session_account(
        &self,
        token_hash: &str,
        now_ms: i64,
    ) -> Result<Option<Account>, StoreError> {
        let rows = self
            .query(
                &format!(
                    "SELECT {COLUMNS} FROM sessions s JOIN users u ON u.id = s.user_id \
                     WHERE s.token_hash = $1 AND s.expires_ms > $2 AND u.active = 1"
                ),
                vec![Val::from(token_hash), Val::Int(now_ms)],
            )
            .await?;
        rows.first().map(|r| account(r)).transpose()
    }

    // ---- API tokens ----------------------------------------------------------------------------

    /// The active account of a live API token, and whether the token only reads.
    pub async fn token_account(
        &self,
        token_hash: &str,
    ) -> Result<Option<(Account, bool)>, StoreError> {
        let rows = self
            .query(
                &format!(
                    "SELECT {COLUMNS}, t.read_only FROM api_tokens t \
                     JOIN users u ON u.id = t.user_id \
                     WHERE t.token_hash = $1 AND t.revoked_ms = 0 AND u.active = 1"
                ),
                vec![Val::from(token_hash)],
            )
            .await?;
        let Some(r) = rows.first() else {
            return Ok(None);
        };
        Ok(Some((account(r)?, r.get(8).and_then(Val::int) == Some(1))))
    }

    /// A new API token for account `id`; its id.
    pub async fn add_token(
        &self,
        id: i64,
        name: &str,
        token_hash: &str,
        now_ms: i64,
        read_only: bool,
    ) -> Result<i64, StoreError> {
        let rows = self
            .query(
                "INSERT INTO api_tokens (user_id, name, token_hash, created_ms, revoked_ms, read_only) \
                 VALUES ($1, $2, $3, $4, 0, $5) RETURNING id",
                vec![
                    Val::Int(id),
                    Val::from(name),
                    Val::from(token_hash),
                    Val::Int(now_ms),
                    Val::Int(i64::from(read_only)),
                ],
            )
            .await?;
        crate::scalar(&rows)
            .and_then(Val::int)
            .ok_or_else(|| bad("the new token has no id"))
    }

    /// `limit` tokens of account `id` from `offset`.
    pub async fn tokens_of(
        &self,
        id: i64,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<TokenRow>, StoreError> {
        let rows = self
            .query(
                "SELECT id, name, created_ms, revoked_ms, read_only FROM api_tokens \
                 WHERE user_id = $1 ORDER BY id LIMIT $2 OFFSET $3",
                vec![Val::Int(id), Val::Int(limit), Val::Int(offset)],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(TokenRow {
                    id: r
                        .first()
                        .and_then(Val::int)
                        .ok_or_else(|| bad("a token row without an id"))?,
                    name: r.get(1).and_then(Val::text).unwrap_or_default().to_string(),
                    created_ms: r.get(2).and_then(Val::int).unwrap_or(0),
                    revoked: r.get(3).and_then(Val::int) != Some(0),
                    read_only: r.get(4).and_then(Val::int) == Some(1),
                })
            })
            .collect()
    }

    /// Revokes a live token of account `owner`, with the audit entry; false (nothing written)
    /// when there is no such live token.
    pub async fn revoke_token(
        &self,
        token: i64,
        owner: i64,
        entry: AuditEntry,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let n = self
            .change_audited(
                vec![(
                    "UPDATE api_tokens SET revoked_ms = $1 WHERE id = $2 AND user_id = $3 AND revoked_ms = 0"
                        .into(),
                    vec![Val::Int(now_ms), Val::Int(token), Val::Int(owner)],
                )],
                entry,
                Written::IfFirstChanges,
            )
            .await?;
        Ok(n.first() != Some(&0))
    }

    // ---- the sign-in limiter -------------------------------------------------------------------

    /// Counts a sign-in attempt at `login` (one atomic upsert, before any password check): the
    /// failures counted and the end of the lock window. A window that has ended starts again.
    pub async fn count_sign_in(
        &self,
        login: &str,
        now_ms: i64,
        lockout_ms: i64,
        max_failures: i64,
    ) -> Result<(i64, i64), StoreError> {
        let rows = self
            .query(
                "INSERT INTO login_attempts (login, failures, until_ms) VALUES ($1, 1, $2) \
                 ON CONFLICT (login) DO UPDATE SET \
                 failures = CASE WHEN login_attempts.until_ms <= $3 THEN 1 \
                                 ELSE login_attempts.failures + 1 END, \
                 until_ms = CASE WHEN login_attempts.until_ms > $3 \
                                  AND login_attempts.failures >= $4 THEN login_attempts.until_ms \
                                 ELSE $2 END \
                 RETURNING failures, until_ms",
                vec![
                    Val::from(login),
                    Val::Int(now_ms + lockout_ms),
                    Val::Int(now_ms),
                    Val::Int(max_failures),
                ],
            )
            .await?;
        let row = rows
            .first()
            .ok_or_else(|| bad("the sign-in count returned no row"))?;
        let n = row.first().and_then(Val::int).unwrap_or(i64::MAX);
        let until = row.get(1).and_then(Val::int).unwrap_or(now_ms);
        Ok((n, until))
    }

    /// A correct password: the count of `login` starts again.
    pub async fn clear_sign_ins(&self, login: &str) -> Result<(), StoreError> {
        self.exec(
            "DELETE FROM login_attempts WHERE login = $1",
            vec![Val::from(login)],
        )
        .await?;
        Ok(())
    }

    // ---- the setup link and the health probe ---------------------------------------------------

    /// A fresh setup link's hash, replacing any earlier one, while no account exists; false when
    /// one does.
    pub async fn set_setup_link(&self, token_hash: &str) -> Result<bool, StoreError> {
        if self.any_account().await? {
            return Ok(false);
        }
        self.exec("DELETE FROM settings WHERE name = 'setup_token'", vec![])
            .await?;
        self.exec(
            "INSERT INTO settings (name, value) VALUES ('setup_token', $1)",
            vec![Val::from(token_hash)],
        )
        .await?;
        Ok(true)
    }

    /// Spends the setup link of this hash, only while no account exists: true for exactly one
    /// caller.
    pub async fn spend_setup_link(&self, token_hash: &str) -> Result<bool, StoreError> {
        let n = self
            .exec(
                "DELETE FROM settings WHERE name = 'setup_token' AND value = $1 \
                 AND NOT EXISTS (SELECT 1 FROM users)",
                vec![Val::from(token_hash)],
            )
            .await?;
        Ok(n == 1)
    }

    /// A one-time link to set `login`'s password, by its token's hash, valid until
    /// `expires_ms`; committed with its audit entry. An earlier link of the same person stays
    /// valid until it is used or expires.
    pub async fn add_password_link(
        &self,
        token_hash: &str,
        login: &str,
        expires_ms: i64,
        entry: AuditEntry,
    ) -> Result<(), StoreError> {
        self.change_audited(
            vec![(
                "INSERT INTO settings (name, value) VALUES ($1, $2)".into(),
                vec![
                    Val::from(format!("password_link:{token_hash}")),
                    Val::from(format!("{login}|{expires_ms}")),
                ],
            )],
            entry,
            Written::Always,
        )
        .await?;
        Ok(())
    }

    /// The person a password link is for and when it expires, if it exists.
    pub async fn password_link(
        &self,
        token_hash: &str,
    ) -> Result<Option<(String, i64)>, StoreError> {
        let v = self.setting(&format!("password_link:{token_hash}")).await?;
        Ok(v.and_then(|v| {
            let (login, exp) = v.rsplit_once('|')?;
            Some((login.to_string(), exp.parse().ok()?))
        }))
    }

    /// Spends a password link: true for the one request that removed it.
    pub async fn spend_password_link(&self, token_hash: &str) -> Result<bool, StoreError> {
        let n = self
            .exec(
                "DELETE FROM settings WHERE name = $1",
                vec![Val::from(format!("password_link:{token_hash}"))],
            )
            .await?;
        Ok(n == 1)
    }

    /// Writes a row (the health check: a database that refuses writes is found).
    pub async fn write_probe(&self, now_ms: i64) -> Result<(), StoreError> {
        self.exec(
            "INSERT INTO settings (name, value) VALUES ('healthz', $1) \
             ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            vec![Val::from(now_ms.to_string())],
        )
        .await?;
        Ok(())
    }
}
