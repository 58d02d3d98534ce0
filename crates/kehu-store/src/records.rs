//! The repositories beside the accounts: projects and their rulebooks, archive approvals, the
//! reads of the ledger's projections that the boards and the export show (holders, disputes,
//! violations), and the reads of the audit log. Typed rows; changes commit with their audit entry.

use crate::audit::{AuditEntry, Written};
use crate::{Store, StoreError, Val};
use std::sync::Arc;

fn bad(detail: impl Into<String>) -> StoreError {
    StoreError::BadRow(detail.into())
}

fn text(r: &[Val], i: usize) -> Option<String> {
    r.get(i).and_then(Val::text).map(str::to_string)
}

fn int(r: &[Val], i: usize) -> Option<i64> {
    r.get(i).and_then(Val::int)
}

/// `$from, $from+1, …` for `n` values.
fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A project as stored: its name, preset and overrides (TOML).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectRow {
    /// The project's name in addresses and acts (a slug: `fcw`).
    pub name: String,
    pub preset: String,
    pub overrides: String,
    /// Its display name (翡翠湾); empty: the name.
    pub title: String,
}

/// An archive approval (查阅档案审批) as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalRow {
    pub id: i64,
    pub requester: String,
    pub project: String,
    /// The customer's phone as shown (masked).
    pub shown: String,
    pub reason: String,
    pub state: String,
    pub manager: Option<String>,
    pub vp: Option<String>,
    pub valid_until_ms: i64,
}

/// A new approval request.
#[derive(Debug, Clone)]
pub struct NewApproval {
    pub requester: String,
    pub project: String,
    /// The blind value the request is filed under.
    pub subject: i64,
    pub shown: String,
    pub reason: String,
    pub state: String,
}

/// Whose approvals a caller lists.
#[derive(Debug, Clone)]
pub enum ApprovalsFor {
    /// A department manager: their own, and their team's non-managerial people's waiting ones.
    Manager { login: String, team: Option<String> },
    /// The VP and the admin: what the managers passed, and their own.
    Vp { login: String },
    /// Anyone else: their own.
    Own { login: String },
}

/// An approval decision: a guarded state change.
#[derive(Debug, Clone)]
pub enum ApprovalStep {
    /// The department manager's signature: pending → manager_approved.
    Manager { by: String },
    /// The VP's: manager_approved → approved, valid until the instant given.
    Vp { by: String, valid_until_ms: i64 },
    /// Refused while waiting.
    Reject,
}

/// A dispute row of the board.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisputeListed {
    pub seq: i64,
    pub customer: i64,
    pub rule: String,
    pub deadline_ms: i64,
    pub closed_seq: Option<i64>,
}

/// A violation entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViolationListed {
    pub seq: i64,
    pub party: String,
    pub rule: String,
    pub amount: Option<i64>,
    pub note: String,
}

/// A customer record as the export shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportRow {
    pub id: i64,
    pub holder: Option<String>,
    pub holder_rule: Option<String>,
    pub last_seq: Option<i64>,
}

/// An audit entry as listed (without its link).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditListed {
    pub seq: i64,
    pub at_ms: i64,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub detail: String,
}

impl Store {
    // ---- projects ------------------------------------------------------------------------------

    /// Whether project `name` exists.
    pub async fn project_exists(&self, name: &str) -> Result<bool, StoreError> {
        let rows = self
            .query(
                "SELECT 1 FROM project_rulebooks WHERE name = $1",
                vec![Val::from(name)],
            )
            .await?;
        Ok(!rows.is_empty())
    }

    /// A new project with its rulebook, and the audit entry.
    pub async fn add_project(
        &self,
        p: ProjectRow,
        entry: AuditEntry,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        self.change_audited(
            vec![(
                "INSERT INTO project_rulebooks (name, preset, overrides, created_ms, title) \
                 VALUES ($1, $2, $3, $4, $5)"
                    .into(),
                vec![
                    p.name.into(),
                    p.preset.into(),
                    p.overrides.into(),
                    Val::Int(now_ms),
                    p.title.into(),
                ],
            )],
            entry,
            Written::Always,
        )
        .await?;
        Ok(())
    }

    /// The project of `name`.
    pub async fn project(&self, name: &str) -> Result<Option<ProjectRow>, StoreError> {
        let rows = self
            .query(
                "SELECT name, preset, overrides, title FROM project_rulebooks WHERE name = $1",
                vec![Val::from(name)],
            )
            .await?;
        rows.first().map(|r| project_row(r)).transpose()
    }

    /// `limit` projects from `offset`, by name.
    pub async fn projects_page(
        &self,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<ProjectRow>, StoreError> {
        let rows = self
            .query(
                "SELECT name, preset, overrides, title FROM project_rulebooks ORDER BY name LIMIT $1 OFFSET $2",
                vec![Val::Int(limit), Val::Int(offset)],
            )
            .await?;
        rows.iter().map(|r| project_row(r)).collect()
    }

    /// A project's roster (排班): the logins that take walk-ins there, in order; `None` for
    /// every salesperson.
    pub async fn roster(&self, project: &str) -> Result<Option<Vec<String>>, StoreError> {
        Ok(self.setting(&format!("roster:{project}")).await?.map(|v| {
            v.split(',')
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect()
        }))
    }

    /// Sets a project's roster (`None`: every salesperson again), with its audit entry.
    pub async fn set_roster(
        &self,
        project: &str,
        logins: Option<&[String]>,
        entry: AuditEntry,
    ) -> Result<(), StoreError> {
        let value = logins.map(|l| l.join(","));
        self.set_setting(&format!("roster:{project}"), value, entry)
            .await
    }

    /// A project's own work calendar (工作日, 调休) as set on the server: holidays and make-up
    /// working days (`YYYY-MM-DD`), added to those of its policy.
    pub async fn calendar(&self, project: &str) -> Result<Option<String>, StoreError> {
        self.setting(&format!("calendar:{project}")).await
    }

    /// Sets a project's work calendar (JSON `{"holidays": [...], "workdays": [...]}`; `None`:
    /// the policy's alone), with its audit entry.
    pub async fn set_calendar(
        &self,
        project: &str,
        json: Option<String>,
        entry: AuditEntry,
    ) -> Result<(), StoreError> {
        self.set_setting(&format!("calendar:{project}"), json, entry)
            .await
    }

    /// Sets (or with `None` removes) a settings row, with its audit entry.
    async fn set_setting(
        &self,
        name: &str,
        value: Option<String>,
        entry: AuditEntry,
    ) -> Result<(), StoreError> {
        let name = Val::from(name);
        let statement = match value {
            Some(v) => (
                "INSERT INTO settings (name, value) VALUES ($1, $2) \
                 ON CONFLICT (name) DO UPDATE SET value = excluded.value"
                    .to_string(),
                vec![name, Val::from(v)],
            ),
            None => (
                "DELETE FROM settings WHERE name = $1".to_string(),
                vec![name],
            ),
        };
        self.change_audited(vec![statement], entry, Written::Always)
            .await?;
        Ok(())
    }

    /// Every project's name.
    pub async fn project_names(&self) -> Result<Vec<String>, StoreError> {
        let rows = self
            .query("SELECT name FROM project_rulebooks ORDER BY name", vec![])
            .await?;
        Ok(rows.iter().filter_map(|r| text(r, 0)).collect())
    }

    /// The first column of the first row of `sql`, as text.
    pub(crate) async fn text_of(
        &self,
        sql: &str,
        params: Vec<Val>,
    ) -> Result<Option<String>, StoreError> {
        let rows = self.query(sql, params).await?;
        Ok(crate::scalar(&rows).and_then(Val::text).map(str::to_string))
    }

    /// A row of the `settings` table (a roster, an inbox mark, a password link), by name.
    pub(crate) async fn setting(&self, name: &str) -> Result<Option<String>, StoreError> {
        self.text_of(
            "SELECT value FROM settings WHERE name = $1",
            vec![Val::from(name)],
        )
        .await
    }

    /// A project's state projection (its rotation board, presence, duties) as stored JSON.
    pub async fn project_state_json(&self, name: &str) -> Result<Option<String>, StoreError> {
        self.text_of(
            "SELECT state FROM projects WHERE name = $1",
            vec![Val::from(name)],
        )
        .await
    }

    /// A project's state (its board, presence, posts, lists, orders …), the default for a
    /// project with no entry yet.
    pub async fn project_state(
        &self,
        name: &str,
    ) -> Result<kehu_core::state::ProjectState, StoreError> {
        match self.project_state_json(name).await? {
            Some(j) => serde_json::from_str(&j)
                .map_err(|e| crate::corrupt(0, format!("project {name}: {e}"))),
            None => Ok(Default::default()),
        }
    }

    // ---- approvals -----------------------------------------------------------------------------

    /// A new archive approval request and its audit entry (`approval.request`, with the reason),
    /// committed together; its id.
    pub async fn add_approval(
        &self,
        a: NewApproval,
        actor: &str,
        now_ms: i64,
    ) -> Result<i64, StoreError> {
        let (actor, reason) = (actor.to_string(), a.reason.clone());
        self.insert_audited(
            (
                "INSERT INTO approvals (requester, project, subject, shown, reason, created_ms, state, valid_until_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 0) RETURNING id"
                    .into(),
                vec![
                    a.requester.into(),
                    a.project.into(),
                    Val::Int(a.subject),
                    a.shown.into(),
                    a.reason.into(),
                    Val::Int(now_ms),
                    a.state.into(),
                ],
            ),
            move |id| AuditEntry {
                at_ms: now_ms,
                actor,
                action: "approval.request".into(),
                subject: format!("approval {id}"),
                detail: reason,
            },
        )
        .await
    }

    /// The requester and state of approval `id`.
    pub async fn approval_state(&self, id: i64) -> Result<Option<(String, String)>, StoreError> {
        let rows = self
            .query(
                "SELECT requester, state FROM approvals WHERE id = $1",
                vec![Val::Int(id)],
            )
            .await?;
        Ok(rows.first().and_then(|r| Some((text(r, 0)?, text(r, 1)?))))
    }

    /// Applies an approval step if the request still waits for it (and, for a signature, was not
    /// filed by the signer), with its audit entry; false (nothing written) when it does not.
    pub async fn decide_approval(
        &self,
        id: i64,
        step: ApprovalStep,
        entry: AuditEntry,
    ) -> Result<bool, StoreError> {
        let (sql, params) = match step {
            ApprovalStep::Manager { by } => (
                "UPDATE approvals SET state = 'manager_approved', manager = $1 \
                 WHERE id = $2 AND state = 'pending' AND requester <> $1",
                vec![Val::from(by), Val::Int(id)],
            ),
            ApprovalStep::Vp { by, valid_until_ms } => (
                "UPDATE approvals SET state = 'approved', vp = $1, valid_until_ms = $2 \
                 WHERE id = $3 AND state = 'manager_approved' AND requester <> $1",
                vec![Val::from(by), Val::Int(valid_until_ms), Val::Int(id)],
            ),
            ApprovalStep::Reject => (
                "UPDATE approvals SET state = 'rejected' WHERE id = $1 \
                 AND state IN ('pending', 'manager_approved')",
                vec![Val::Int(id)],
            ),
        };
        let n = self
            .change_audited(
                vec![(sql.to_string(), params)],
                entry,
                Written::IfFirstChanges,
            )
            .await?;
        Ok(n.first() != Some(&0))
    }

    /// Whether `requester` holds a live approval for the customer filed under `subject`.
    pub async fn approved(
        &self,
        requester: &str,
        project: &str,
        subject: i64,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let rows = self
            .query(
                "SELECT 1 FROM approvals WHERE requester = $1 AND project = $2 AND subject = $3 \
                 AND state = 'approved' AND valid_until_ms > $4",
                vec![
                    Val::from(requester),
                    Val::from(project),
                    Val::Int(subject),
                    Val::Int(now_ms),
                ],
            )
            .await?;
        Ok(!rows.is_empty())
    }

    /// `limit` approvals from `offset` that the caller lists.
    pub async fn approvals_page(
        &self,
        who: &ApprovalsFor,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<ApprovalRow>, StoreError> {
        let (filter, params) = match who {
            ApprovalsFor::Manager { login, team } => (
                "requester = $1 OR (state = 'pending' AND requester IN (SELECT login FROM users \
                  WHERE team = $2 AND role NOT IN ('manager', 'vp', 'admin')))",
                vec![Val::from(login.as_str()), team.clone().into()],
            ),
            ApprovalsFor::Vp { login } => (
                "state = 'manager_approved' OR requester = $1",
                vec![Val::from(login.as_str()), Val::Null],
            ),
            ApprovalsFor::Own { login } => {
                ("requester = $1", vec![Val::from(login.as_str()), Val::Null])
            }
        };
        // Every form names $2 (the manager's team, else NULL) so that PostgreSQL knows its type,
        // and names the parameters in order (SQLite numbers `$N` by first appearance).
        let sql = format!(
            "SELECT id, requester, project, shown, reason, state, manager, vp, valid_until_ms \
             FROM approvals WHERE ({filter}) AND (CAST($2 AS TEXT) IS NULL OR $1 = $1) \
             ORDER BY id LIMIT $3 OFFSET $4"
        );
        let mut params = params;
        params.push(Val::Int(limit));
        params.push(Val::Int(offset));
        let rows = self.query(&sql, params).await?;
        rows.iter()
            .map(|r| {
                Ok(ApprovalRow {
                    id: int(r, 0).ok_or_else(|| bad("an approval row without an id"))?,
                    requester: text(r, 1).unwrap_or_default(),
                    project: text(r, 2).unwrap_or_default(),
                    shown: text(r, 3).unwrap_or_default(),
                    reason: text(r, 4).unwrap_or_default(),
                    state: text(r, 5).unwrap_or_default(),
                    manager: text(r, 6),
                    vp: text(r, 7),
                    valid_until_ms: int(r, 8).unwrap_or(0),
                })
            })
            .collect()
    }

    // ---- the ledger's projections --------------------------------------------------------------

    /// The holder of customer record `id` (its display form), from the holder projection.
    /// The notifications of `parties` (a person's login and agency), newest first: ledger entry
    /// and project (G-NOTIFY).
    pub async fn inbox(
        &self,
        parties: &[String],
        limit: i64,
    ) -> Result<Vec<(i64, String)>, StoreError> {
        if parties.is_empty() {
            return Ok(Vec::new());
        }
        // Parameters in order of first use (SQLite numbers them so): the parties, then the limit.
        let marks = params_from(1, parties.len());
        let mut params: Vec<Val> = parties.iter().map(|p| Val::from(p.as_str())).collect();
        params.push(Val::Int(limit));
        let rows = self
            .query(
                &format!(
                    "SELECT DISTINCT seq, project FROM notifications WHERE party IN ({}) \
                     ORDER BY seq DESC LIMIT ${}",
                    marks,
                    parties.len() + 1
                ),
                params,
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    int(r, 0).ok_or_else(|| bad("a notification without its entry"))?,
                    text(r, 1).unwrap_or_default(),
                ))
            })
            .collect()
    }

    /// How many notifications of `parties` came after entry `after`.
    pub async fn inbox_unread(&self, parties: &[String], after: i64) -> Result<i64, StoreError> {
        if parties.is_empty() {
            return Ok(0);
        }
        let marks = params_from(2, parties.len());
        let mut params = vec![Val::Int(after)];
        params.extend(parties.iter().map(|p| Val::from(p.as_str())));
        let rows = self
            .query(
                &format!(
                    "SELECT COUNT(DISTINCT seq) FROM notifications WHERE seq > $1 AND party IN ({marks})"
                ),
                params,
            )
            .await?;
        Ok(crate::scalar(&rows).and_then(Val::int).unwrap_or(0))
    }

    /// The last notification an account has seen (0: none).
    pub async fn inbox_seen(&self, login: &str) -> Result<i64, StoreError> {
        Ok(self
            .setting(&format!("inbox_seen:{login}"))
            .await?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0))
    }

    /// Records that an account has seen its notifications up to entry `seq`.
    pub async fn mark_inbox_seen(&self, login: &str, seq: i64) -> Result<(), StoreError> {
        self.exec(
            "INSERT INTO settings (name, value) VALUES ($1, $2) \
             ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            vec![
                Val::from(format!("inbox_seen:{login}")),
                Val::from(seq.to_string()),
            ],
        )
        .await?;
        Ok(())
    }

    /// The act an account's idempotency key recorded: its project and ledger number.
    pub async fn act_of_key(
        &self,
        account: &str,
        key: &str,
    ) -> Result<Option<(String, i64)>, StoreError> {
        let rows = self
            .query(
                "SELECT e.project, k.seq FROM act_keys k JOIN events e ON e.seq = k.seq \
                 WHERE k.account = $1 AND k.key = $2",
                vec![Val::from(account), Val::from(key)],
            )
            .await?;
        Ok(rows
            .first()
            .and_then(|r| Some((r.first()?.text()?.to_string(), r.get(1)?.int()?))))
    }

    pub async fn holder_of_record(&self, id: i64) -> Result<Option<String>, StoreError> {
        self.text_of(
            "SELECT holder FROM customers WHERE id = $1",
            vec![Val::Int(id)],
        )
        .await
    }

    /// `limit` disputes of `project` from `offset`, by deadline: open or closed ones, leaving out
    /// those whose customer is held by one of `held_by_others` (display forms).
    pub async fn disputes_page(
        &self,
        project: &str,
        closed: bool,
        held_by_others: &[String],
        offset: i64,
        limit: i64,
    ) -> Result<Vec<DisputeListed>, StoreError> {
        let cond = if closed {
            "d.closed_seq IS NOT NULL"
        } else {
            "d.closed_seq IS NULL"
        };
        let mut params = vec![Val::from(project)];
        let scope = if held_by_others.is_empty() {
            String::new()
        } else {
            let list = placeholders(2, held_by_others.len());
            params.extend(held_by_others.iter().map(|s| Val::from(s.as_str())));
            format!("AND (c.holder IS NULL OR c.holder NOT IN ({list}))")
        };
        let n = params.len();
        let sql = format!(
            "SELECT d.seq, d.customer, d.rule, d.deadline_ms, d.closed_seq FROM disputes d \
             LEFT JOIN customers c ON c.id = d.customer \
             WHERE d.project = $1 AND {cond} {scope} ORDER BY d.deadline_ms, d.seq LIMIT ${} OFFSET ${}",
            n + 1,
            n + 2
        );
        params.push(Val::Int(limit));
        params.push(Val::Int(offset));
        let rows = self.query(&sql, params).await?;
        rows.iter()
            .map(|r| {
                Ok(DisputeListed {
                    seq: int(r, 0).ok_or_else(|| bad("a dispute row without its entry"))?,
                    customer: int(r, 1).unwrap_or(0),
                    rule: text(r, 2).unwrap_or_default(),
                    deadline_ms: int(r, 3).unwrap_or(0),
                    closed_seq: int(r, 4),
                })
            })
            .collect()
    }

    /// `limit` violation entries of `project` from `offset`, newest first; only those of
    /// `parties` (display forms) when given.
    pub async fn violations_page(
        &self,
        project: &str,
        parties: Option<&[String]>,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<ViolationListed>, StoreError> {
        let mut params = vec![Val::from(project)];
        let cond = match parties {
            None => "project = $1".to_string(),
            Some([]) => "project = $1 AND 1 = 0".to_string(),
            Some(list) => {
                let ph = placeholders(2, list.len());
                params.extend(list.iter().map(|s| Val::from(s.as_str())));
                format!("project = $1 AND party IN ({ph})")
            }
        };
        let n = params.len();
        let sql = format!(
            "SELECT seq, party, rule, amount, note FROM violations WHERE {cond} \
             ORDER BY seq DESC, idx LIMIT ${} OFFSET ${}",
            n + 1,
            n + 2
        );
        params.push(Val::Int(limit));
        params.push(Val::Int(offset));
        let rows = self.query(&sql, params).await?;
        rows.iter()
            .map(|r| {
                Ok(ViolationListed {
                    seq: int(r, 0).ok_or_else(|| bad("a violation row without its entry"))?,
                    party: text(r, 1).unwrap_or_default(),
                    rule: text(r, 2).unwrap_or_default(),
                    amount: int(r, 3),
                    note: text(r, 4).unwrap_or_default(),
                })
            })
            .collect()
    }

    /// Every customer record of `project` with its holder, rule and last ledger entry (SEC-EXPORT).
    pub async fn export_rows(&self, project: &str) -> Result<Vec<ExportRow>, StoreError> {
        let rows = self
            .query(
                "SELECT c.id, c.holder, c.holder_rule, \
                   (SELECT MAX(l.seq) FROM event_customers l WHERE l.customer = c.id) \
                 FROM customers c WHERE c.project = $1 ORDER BY c.id",
                vec![Val::from(project)],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(ExportRow {
                    id: int(r, 0).ok_or_else(|| bad("a customer row without an id"))?,
                    holder: text(r, 1),
                    holder_rule: text(r, 2),
                    last_seq: int(r, 3),
                })
            })
            .collect()
    }

    // ---- the audit log -------------------------------------------------------------------------

    /// `limit` audit entries from `offset`, newest first.
    pub async fn audit_page(
        &self,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<AuditListed>, StoreError> {
        let rows = self
            .query(
                "SELECT seq, at_ms, actor, action, subject, detail FROM audit ORDER BY seq DESC LIMIT $1 OFFSET $2",
                vec![Val::Int(limit), Val::Int(offset)],
            )
            .await?;
        rows.iter().map(|r| audit_listed(r)).collect()
    }

    /// The latest `limit` registrations that agency `agency`'s agents filed in the project whose
    /// audit subjects start with `prefix`, newest first (the agency's page).
    pub async fn agency_registrations(
        &self,
        agency: &str,
        prefix: &str,
        limit: i64,
    ) -> Result<Vec<AuditListed>, StoreError> {
        let rows = self
            .query(
                "SELECT a.seq, a.at_ms, a.actor, a.action, a.subject, a.detail FROM audit a \
                 JOIN users u ON u.login = a.actor \
                 WHERE u.agency = $1 AND a.action = 'act.register' \
                 AND substr(a.subject, 1, CAST($2 AS INTEGER)) = $3 ORDER BY a.seq DESC LIMIT $4",
                vec![
                    Val::from(agency),
                    Val::Int(prefix.chars().count() as i64),
                    Val::from(prefix),
                    Val::Int(limit),
                ],
            )
            .await?;
        rows.iter().map(|r| audit_listed(r)).collect()
    }
}

/// `n` statement parameters numbered from `first`: `$2, $3, $4`.
fn params_from(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn project_row(r: &[Val]) -> Result<ProjectRow, StoreError> {
    Ok(ProjectRow {
        name: text(r, 0).ok_or_else(|| bad("a project row without a name"))?,
        preset: text(r, 1).ok_or_else(|| bad("a project row without a rulebook"))?,
        overrides: text(r, 2).unwrap_or_default(),
        title: text(r, 3).unwrap_or_default(),
    })
}

fn audit_listed(r: &[Val]) -> Result<AuditListed, StoreError> {
    Ok(AuditListed {
        seq: int(r, 0).ok_or_else(|| bad("an audit row without its number"))?,
        at_ms: int(r, 1).unwrap_or(0),
        actor: text(r, 2).unwrap_or_default(),
        action: text(r, 3).unwrap_or_default(),
        subject: text(r, 4).unwrap_or_default(),
        detail: text(r, 5).unwrap_or_default(),
    })
}

/// A record's next due effect, as the index keeps it (G-CLOCK).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueListed {
    pub customer: i64,
    pub project: String,
    pub kind: kehu_core::engine::due::DueKind,
    pub at_ms: i64,
    pub until_ms: i64,
}

/// A row of `due` (customer, project, kind, at, until) as listed.
fn due_listed(r: &[Val]) -> Option<DueListed> {
    Some(DueListed {
        customer: int(r, 0)?,
        project: text(r, 1)?,
        kind: kehu_core::engine::due::DueKind::parse(&text(r, 2)?)?,
        at_ms: int(r, 3)?,
        until_ms: int(r, 4)?,
    })
}

impl DueListed {
    /// The engine's form of it.
    pub fn due(&self) -> kehu_core::engine::due::Due {
        let t = |ms: i64| jiff::Timestamp::from_millisecond(ms).unwrap_or(jiff::Timestamp::MAX);
        kehu_core::engine::due::Due {
            kind: self.kind,
            at: t(self.at_ms),
            until: t(self.until_ms),
        }
    }
}

impl Store {
    /// The effects due at or before `until_ms`, earliest first, at most `limit` (the index of
    /// due instants: no scan of the customers).
    pub async fn due_until(&self, until_ms: i64, limit: i64) -> Result<Vec<DueListed>, StoreError> {
        self.due_rows(until_ms, limit, false).await
    }

    /// [`Store::due_until`] of the projects created on the server (a server decides only those:
    /// entries imported under a project it does not know wait for it, and take no tick's room).
    pub async fn due_until_in_projects(
        &self,
        until_ms: i64,
        limit: i64,
    ) -> Result<Vec<DueListed>, StoreError> {
        self.due_rows(until_ms, limit, true).await
    }

    async fn due_rows(
        &self,
        until_ms: i64,
        limit: i64,
        known: bool,
    ) -> Result<Vec<DueListed>, StoreError> {
        let only = if known {
            "AND project IN (SELECT name FROM project_rulebooks)"
        } else {
            ""
        };
        let rows = self
            .query(
                &format!(
                    "SELECT customer, project, kind, at_ms, until_ms FROM due WHERE at_ms <= $1 {only} \
                     ORDER BY at_ms, customer LIMIT $2"
                ),
                vec![Val::Int(until_ms), Val::Int(limit)],
            )
            .await?;
        Ok(rows.iter().filter_map(|r| due_listed(r)).collect())
    }
}

impl Store {
    /// Records due effects of one project at their own instants (G-CLOCK), exactly once each:
    /// every act carries a key made of the record, the kind and the protection's end, so a second
    /// scheduler (another `kehu serve` on the same database) or a second tick records nothing.
    /// The acts go to the writer together (one transaction's worth, not one each). Where an act
    /// in between changed the protection, nothing is recorded and the record's next due effect is
    /// worked out again. Returns how many acts were recorded (not replayed).
    pub async fn fire_due(
        &self,
        rulebook: &kehu_core::policy::Rulebook,
        directory: &kehu_core::model::Directory,
        rows: &[DueListed],
    ) -> Result<usize, StoreError> {
        use kehu_core::engine::{due, Context};
        let Some(first) = rows.first() else {
            return Ok(0);
        };
        let project = self.project_state(&first.project).await?;
        let ctx = Context {
            directory: Some(directory),
            rulebook: Some(rulebook),
            project,
            ..Context::default()
        };
        let views = self
            .views(rows.iter().map(|r| r.customer).collect())
            .await?;
        let (rb, dir) = (Arc::new(rulebook.clone()), Arc::new(directory.clone()));
        let mut items = Vec::new();
        let mut audits = Vec::new();
        for (row, view) in rows.iter().zip(views.iter()) {
            debug_assert_eq!(row.project, first.project, "one project at a time");
            let d = row.due();
            match due::fire(&ctx, view, &d, d.at) {
                Some(cmd) => {
                    audits.push((
                        Some(items.len()),
                        crate::audit::AuditEntry {
                            at_ms: d.at.as_millisecond(),
                            actor: "kehu".into(),
                            action: format!("act.{}", cmd.act.name()),
                            subject: row.project.clone(),
                            detail: String::new(),
                        },
                    ));
                    let once = crate::Once {
                        account: "kehu".into(),
                        key: format!("due:{}:{}:{}", row.customer, row.kind.name(), row.until_ms),
                        fingerprint: format!("{}:{}", row.customer, row.kind.name()),
                    };
                    items.push((
                        crate::Item {
                            rulebook: rb.clone(),
                            directory: dir.clone(),
                            command: cmd,
                            now: d.at,
                        },
                        Some(once),
                    ));
                }
                None => {
                    let next = due::next_due(&ctx, view, d.at)
                        .map(|n| crate::backend::due_row(&row.project, &n));
                    // Not the same effect at the same instant again: it waits for the act that
                    // changes it.
                    let next = next.filter(|n| n.2 > row.at_ms || n.1 != row.kind.name());
                    self.set_due(row.customer, next).await?;
                }
            }
        }
        if items.is_empty() {
            return Ok(0);
        }
        let results = self.enqueue_with(items, audits)?.wait().await?;
        let mut recorded = 0;
        for r in results {
            match r {
                Ok(_) => recorded += 1,
                Err(StoreError::Replayed(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(recorded)
    }

    /// Sets (or clears) one record's next due effect outside a batch.
    async fn set_due(
        &self,
        customer: i64,
        due: Option<crate::backend::DueRow>,
    ) -> Result<(), StoreError> {
        match due {
            Some((p, k, at, until)) => {
                self.exec(
                    "INSERT INTO due (customer, project, kind, at_ms, until_ms) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (customer) DO UPDATE SET project = excluded.project, kind = excluded.kind, \
                     at_ms = excluded.at_ms, until_ms = excluded.until_ms",
                    vec![Val::Int(customer), Val::from(p), Val::from(k), Val::Int(at), Val::Int(until)],
                )
                .await?
            }
            None => {
                self.exec("DELETE FROM due WHERE customer = $1", vec![Val::Int(customer)])
                    .await?
            }
        };
        Ok(())
    }
}

impl Store {
    /// The records of `project` whose protection ends between `from_ms` and `until_ms` and that
    /// return to the pool then (the index of due instants), earliest first.
    pub async fn returning(
        &self,
        project: &str,
        from_ms: i64,
        until_ms: i64,
        limit: i64,
    ) -> Result<Vec<DueListed>, StoreError> {
        let rows = self
            .query(
                "SELECT customer, project, kind, at_ms, until_ms FROM due \
                 WHERE project = $1 AND until_ms >= $2 AND until_ms < $3 \
                 ORDER BY until_ms, customer LIMIT $4",
                vec![
                    Val::from(project),
                    Val::Int(from_ms),
                    Val::Int(until_ms),
                    Val::Int(limit),
                ],
            )
            .await?;
        Ok(rows.iter().filter_map(|r| due_listed(r)).collect())
    }
}

impl Store {
    /// Whether a project's records were all given their row in the index of due instants (a
    /// database written before the index existed is filled once).
    pub async fn due_filled(&self, project: &str) -> Result<bool, StoreError> {
        Ok(self
            .setting(&format!("due-filled:{project}"))
            .await?
            .is_some())
    }

    /// Marks a project's index of due instants as filled.
    pub async fn mark_due_filled(&self, project: &str) -> Result<(), StoreError> {
        self.exec(
            "INSERT INTO settings (name, value) VALUES ($1, '1') ON CONFLICT (name) DO NOTHING",
            vec![Val::from(format!("due-filled:{project}"))],
        )
        .await?;
        Ok(())
    }

    /// Fills the index of due instants for a project's records that have no row yet (a database
    /// written before the index existed): each record's next due effect as of its latest entry.
    /// Reads the records `chunk` at a time. Returns how many records got a row.
    pub async fn fill_due(
        &self,
        project: &str,
        rulebook: &kehu_core::policy::Rulebook,
        directory: &kehu_core::model::Directory,
    ) -> Result<usize, StoreError> {
        use kehu_core::engine::{due, Context};
        let state = self.project_state(project).await?;
        let ctx = Context {
            directory: Some(directory),
            rulebook: Some(rulebook),
            project: state,
            ..Context::default()
        };
        let mut after = 0i64;
        let mut filled = 0;
        loop {
            let rows = self
                .query(
                    "SELECT c.id FROM customers c WHERE c.project = $1 AND c.id > $2 \
                     AND NOT EXISTS (SELECT 1 FROM due d WHERE d.customer = c.id) \
                     ORDER BY c.id LIMIT 1000",
                    vec![Val::from(project), Val::Int(after)],
                )
                .await?;
            let ids: Vec<i64> = rows.iter().filter_map(|r| int(r, 0)).collect();
            let Some(last) = ids.last().copied() else {
                return Ok(filled);
            };
            after = last;
            let views = self.views(ids.clone()).await?;
            for (id, view) in ids.iter().zip(views.iter()) {
                let Some(latest) = view.events.last().map(|e| e.at) else {
                    continue;
                };
                if let Some(n) = due::next_due(&ctx, view, latest) {
                    self.set_due(*id, Some(crate::backend::due_row(project, &n)))
                        .await?;
                    filled += 1;
                }
            }
        }
    }
}
