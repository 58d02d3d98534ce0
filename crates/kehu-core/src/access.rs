//! Who may do what (SEC-ROLES, SEC-LEAVE, G-CLAIM): plain functions over roles and values, so the
//! server asks and the table below is tested without a server.

use crate::model::{Presence, Role};

/// Whose customers a role reads without an approval (SEC-ROLES).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The customers one holds (salespeople, agents: their agency's registrations).
    Own,
    /// The team's (department managers).
    Team,
    /// Every archive (VP, general manager, admin).
    All,
}

pub fn scope(role: Role) -> Scope {
    match role {
        Role::Vp | Role::Admin => Scope::All,
        Role::Manager => Scope::Team,
        _ => Scope::Own,
    }
}

/// Whether `role` may submit `act` (a SCENARIOS.md act name) at all.
pub fn may_act(role: Role, act: &str) -> bool {
    match role {
        Role::Admin | Role::Vp | Role::Manager => true,
        Role::Sales => matches!(
            act,
            "register"
                | "confirm"
                | "contact"
                | "deposit"
                | "deal"
                | "claim"
                | "consent"
                | "query"
                | "status"
                // §3.10–§3.13: a salesperson invites, files, dispatches (the customer manager),
                // reports a trip; the coordinator and the chaser are salespeople with a post
                // (the engine checks the post).
                | "lead"
                | "invite"
                | "attend"
                | "quarrel"
                | "close"
                | "dispatch"
                | "stage"
                | "hand_over"
                | "trip_report"
                | "spot_check"
                | "grade"
                | "kept"
                | "payment_due"
                // §6, §8: changes after the deposit, orders, credit notes, follow-up records;
                // the master sales control and the marketing director may be salespeople with
                // the post (the engine checks it).
                | "change"
                | "order"
                | "credit_note"
                | "return_visit"
                | "units"
                | "approve"
        ),
        Role::FrontDesk => matches!(
            act,
            "visit" | "walk_in" | "status" | "query" | "attend" | "return_visit"
        ),
        Role::Agent => matches!(act, "register" | "query"),
        Role::Finance => matches!(
            act,
            "deposit"
                | "deal"
                | "query"
                | "payment_due"
                | "paid"
                | "credit"
                | "terms"
                | "credit_note"
        ),
        Role::Designer => matches!(
            act,
            "contact" | "query" | "status" | "refuse" | "stage" | "kept" | "return_visit"
        ),
    }
}

/// A person as the authority rules see them: role, team (department) and agency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Person<'a> {
    pub login: &'a str,
    pub role: Role,
    pub team: Option<&'a str>,
    pub agency: Option<&'a str>,
}

impl Person<'_> {
    /// The VP (also the general manager) and the admin: authority over the whole company.
    fn company_wide(&self) -> bool {
        matches!(self.role, Role::Vp | Role::Admin)
    }

    fn same_team(&self, other: &Person<'_>) -> bool {
        self.team.is_some() && self.team == other.team
    }
}

/// Whether `actor` has a manager's authority over `target` (their department, SEC-ROLES): the
/// admin (who administers accounts) over every other account; the VP over everyone but VP and
/// admin accounts; a department manager over the non-managerial staff of their own team (agents
/// included when their account names the team). Nobody has it over themselves, and nobody from
/// below over a manager, a VP or an admin.
pub fn manages(actor: &Person<'_>, target: &Person<'_>) -> bool {
    if actor.login == target.login {
        return false;
    }
    match actor.role {
        Role::Admin => true,
        Role::Vp => !target.company_wide(),
        Role::Manager => !target.role.is_manager() && actor.same_team(target),
        _ => false,
    }
}

/// Whether `actor` may submit an act naming `target` as its actor (`by`, or `staff` of a status
/// change to `state`). Oneself: always, except that nobody marks themselves as departed or on long
/// leave. Someone else: a manager for the people they manage ([`manages`]); the front desk records
/// the presence (available, busy, away, out) of salespeople and designers. Departure and long leave
/// are a manager's acts (SEC-LEAVE).
pub fn may_act_as(
    actor: &Person<'_>,
    target: &Person<'_>,
    act: &str,
    state: Option<Presence>,
) -> bool {
    let hr_state = matches!(state, Some(Presence::Left | Presence::Leave));
    if actor.login == target.login {
        return !(act == "status" && hr_state);
    }
    if manages(actor, target) {
        return true;
    }
    actor.role == Role::FrontDesk
        && act == "status"
        && !hr_state
        && matches!(target.role, Role::Sales | Role::Designer)
}

/// Marking a person as departed, or restoring an account wrongly marked (SEC-LEAVE): their own
/// manager and above ([`manages`]); never oneself, never a VP or admin account from below.
pub fn may_mark_left(actor: &Person<'_>, target: &Person<'_>) -> bool {
    manages(actor, target)
}

/// Whether `actor` signs the department manager's step of `requester`'s archive approval
/// (SEC-APPROVE): the department manager of the requester's own team.
pub fn signs_for_department(actor: &Person<'_>, requester: &Person<'_>) -> bool {
    actor.role == Role::Manager && manages(actor, requester)
}

/// An archive approval's state (查阅档案审批表, SEC-APPROVE).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApprovalState {
    /// Waiting for the requester's department manager.
    Pending,
    /// Signed by the department manager, waiting for the VP.
    ManagerApproved,
    /// Signed by both: the requester may read that customer's archive for a day.
    Approved,
    Rejected,
}

impl ApprovalState {
    pub fn parse(s: &str) -> Option<ApprovalState> {
        Some(match s {
            "pending" => ApprovalState::Pending,
            "manager_approved" => ApprovalState::ManagerApproved,
            "approved" => ApprovalState::Approved,
            "rejected" => ApprovalState::Rejected,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            ApprovalState::Pending => "pending",
            ApprovalState::ManagerApproved => "manager_approved",
            ApprovalState::Approved => "approved",
            ApprovalState::Rejected => "rejected",
        }
    }
}

/// Why a decision on an approval is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApprovalRefusal {
    /// Neither a department manager nor the VP.
    NotAnApprover,
    /// A department manager of another team than the requester's.
    NotTheirDepartment,
    /// The request does not wait for this decider (decided already, or at the other step).
    NotWaiting,
}

/// SEC-APPROVE's state machine: what `actor` approving (`approve`) or rejecting a request of
/// `requester` in `state` makes of it. The requester's own department manager signs a pending
/// request; the VP signs one the manager passed; nobody signs their own; either may reject while
/// it waits for them (the VP at both steps).
pub fn approval_step(
    actor: &Person<'_>,
    requester: &Person<'_>,
    state: ApprovalState,
    approve: bool,
) -> Result<ApprovalState, ApprovalRefusal> {
    use ApprovalState::*;
    match actor.role {
        Role::Manager => {
            if !signs_for_department(actor, requester) {
                return Err(ApprovalRefusal::NotTheirDepartment);
            }
            match (state, approve) {
                (Pending, true) => Ok(ManagerApproved),
                (Pending, false) => Ok(Rejected),
                _ => Err(ApprovalRefusal::NotWaiting),
            }
        }
        Role::Vp => match (state, approve) {
            _ if actor.login == requester.login => Err(ApprovalRefusal::NotWaiting),
            (ManagerApproved, true) => Ok(Approved),
            (Pending | ManagerApproved, false) => Ok(Rejected),
            _ => Err(ApprovalRefusal::NotWaiting),
        },
        _ => Err(ApprovalRefusal::NotAnApprover),
    }
}

/// Whether the caller sees a verdict in full (the owner's name, shares, the events it relied on),
/// or only what the registering party may be told (G-CLAIM): managers always; others when the
/// outcome concerns themselves (they are the owner after the act).
pub fn sees_full_verdict(role: Role, caller_is_owner: bool) -> bool {
    role.is_manager() || caller_is_owner
}

/// Whether the caller is told who receives a visitor or walk-in (the front desk hands them over).
pub fn sees_receiver(role: Role) -> bool {
    matches!(
        role,
        Role::FrontDesk | Role::Admin | Role::Vp | Role::Manager
    )
}

/// Account administration: adding people, roles.
pub fn may_manage_users(role: Role) -> bool {
    role == Role::Admin
}

/// Whether the role may mark anyone at all as departed (the door before [`may_mark_left`]).
pub fn may_mark_anyone_left(role: Role) -> bool {
    role.is_manager()
}

/// Creating projects and choosing their rulebooks.
pub fn may_manage_projects(role: Role) -> bool {
    matches!(role, Role::Admin | Role::Vp)
}

/// Bulk export (SEC-EXPORT): the VP and the admin hold the export permission.
pub fn may_export(role: Role) -> bool {
    matches!(role, Role::Admin | Role::Vp)
}

/// Reading the audit log.
pub fn may_read_audit(role: Role) -> bool {
    matches!(role, Role::Admin | Role::Vp)
}

/// Seeing a phone or ID number unmasked (SEC-MASK): never by default; this call is itself logged.
pub fn may_unmask(role: Role) -> bool {
    !matches!(role, Role::Agent)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROLES: [Role; 8] = [
        Role::Sales,
        Role::Agent,
        Role::FrontDesk,
        Role::Manager,
        Role::Vp,
        Role::Finance,
        Role::Designer,
        Role::Admin,
    ];

    #[test]
    fn agents_only_register_and_ask() {
        for act in [
            "visit", "walk_in", "deal", "resolve", "reassign", "status", "contact",
        ] {
            assert!(!may_act(Role::Agent, act), "{act}");
        }
        assert!(may_act(Role::Agent, "register"));
        assert!(may_act(Role::Agent, "query"));
    }

    #[test]
    fn only_managers_settle_and_reassign() {
        for r in ROLES {
            let managerial = matches!(r, Role::Admin | Role::Vp | Role::Manager);
            for act in ["resolve", "reassign", "extend", "duty", "event"] {
                assert_eq!(may_act(r, act), managerial, "{r:?} {act}");
            }
        }
    }

    fn person(login: &'static str, role: Role, team: Option<&'static str>) -> Person<'static> {
        Person {
            login,
            role,
            team,
            agency: None,
        }
    }

    /// SEC-APPROVE as a table: (actor, requester, state, approve) → the next state or why not.
    #[test]
    fn approvals_follow_the_form() {
        use ApprovalRefusal::*;
        use ApprovalState::*;
        let ma = person("ma", Role::Manager, Some("alpha"));
        let mb = person("mb", Role::Manager, Some("beta"));
        let sa = person("sa1", Role::Sales, Some("alpha"));
        let vp = person("vp", Role::Vp, None);
        let adm = person("adm", Role::Admin, None);
        let table = [
            (&ma, &sa, Pending, true, Ok(ManagerApproved)),
            (&ma, &sa, Pending, false, Ok(Rejected)),
            (&ma, &sa, ManagerApproved, true, Err(NotWaiting)),
            (&ma, &sa, Approved, false, Err(NotWaiting)),
            (&mb, &sa, Pending, true, Err(NotTheirDepartment)),
            (&mb, &sa, Pending, false, Err(NotTheirDepartment)),
            (&ma, &ma, Pending, true, Err(NotTheirDepartment)),
            (&vp, &sa, ManagerApproved, true, Ok(Approved)),
            (&vp, &sa, Pending, true, Err(NotWaiting)),
            (&vp, &sa, Pending, false, Ok(Rejected)),
            (&vp, &sa, ManagerApproved, false, Ok(Rejected)),
            (&vp, &sa, Rejected, false, Err(NotWaiting)),
            (&vp, &vp, ManagerApproved, true, Err(NotWaiting)),
            (&vp, &ma, ManagerApproved, true, Ok(Approved)),
            (&adm, &sa, Pending, true, Err(NotAnApprover)),
            (&sa, &sa, Pending, true, Err(NotAnApprover)),
        ];
        for (a, r, st, approve, want) in table {
            assert_eq!(
                approval_step(a, r, st, approve),
                want,
                "{} on {}'s {st:?} ({approve})",
                a.login,
                r.login
            );
        }
        for st in [Pending, ManagerApproved, Approved, Rejected] {
            assert_eq!(ApprovalState::parse(st.name()), Some(st));
        }
    }

    /// The scope dimension: own team, other team, no team, above, oneself.
    #[test]
    fn authority_is_bounded_by_team_and_rank() {
        let ma = person("ma", Role::Manager, Some("alpha"));
        let mb = person("mb", Role::Manager, Some("beta"));
        let sa = person("sa1", Role::Sales, Some("alpha"));
        let sb = person("sb1", Role::Sales, Some("beta"));
        let loose = person("s0", Role::Sales, None);
        let vp = person("vp", Role::Vp, None);
        let adm = person("adm2", Role::Admin, None);
        let adm1 = person("root", Role::Admin, None);
        let fd = person("fd1", Role::FrontDesk, None);
        let ma2 = person("ma2", Role::Manager, Some("alpha"));
        // (actor, target, manages)
        let table = [
            (&ma, &sa, true),
            (&ma, &sb, false),
            (&mb, &sa, false),
            (&ma, &loose, false),
            (&ma, &ma, false),
            (&ma, &ma2, false),
            (&ma, &vp, false),
            (&ma, &adm, false),
            (&vp, &sa, true),
            (&vp, &ma, true),
            (&vp, &adm, false),
            (&vp, &vp, false),
            (&adm1, &ma, true),
            (&adm1, &vp, true),
            (&adm1, &adm, true),
            (&adm1, &adm1, false),
            (&fd, &sa, false),
            (&sa, &sb, false),
            (&sa, &sa, false),
        ];
        for (a, t, want) in table {
            assert_eq!(manages(a, t), want, "{} over {}", a.login, t.login);
            assert_eq!(
                may_mark_left(a, t),
                want,
                "{} marks {} left",
                a.login,
                t.login
            );
        }
        // Acting as someone.
        assert!(may_act_as(&sa, &sa, "register", None));
        assert!(!may_act_as(&sa, &sb, "register", None));
        assert!(may_act_as(&ma, &sa, "register", None));
        assert!(!may_act_as(&ma, &sb, "register", None));
        assert!(!may_act_as(&ma, &vp, "resolve", None));
        assert!(may_act_as(&sa, &sa, "status", Some(Presence::Busy)));
        assert!(!may_act_as(&sa, &sa, "status", Some(Presence::Left)));
        assert!(!may_act_as(&sa, &sa, "status", Some(Presence::Leave)));
        assert!(may_act_as(&fd, &sb, "status", Some(Presence::Away)));
        assert!(!may_act_as(&fd, &sb, "status", Some(Presence::Left)));
        assert!(!may_act_as(&fd, &ma, "status", Some(Presence::Busy)));
        assert!(!may_act_as(&fd, &sb, "walk_in", None));
        assert!(may_act_as(&ma, &sa, "status", Some(Presence::Left)));
        assert!(!may_act_as(&mb, &sa, "status", Some(Presence::Left)));
        // Approvals: the requester's own department manager.
        assert!(signs_for_department(&ma, &sa));
        assert!(!signs_for_department(&ma, &sb));
        assert!(!signs_for_department(&vp, &sa));
    }

    #[test]
    fn scopes() {
        assert_eq!(scope(Role::Sales), Scope::Own);
        assert_eq!(scope(Role::Agent), Scope::Own);
        assert_eq!(scope(Role::Manager), Scope::Team);
        assert_eq!(scope(Role::Vp), Scope::All);
        assert_eq!(scope(Role::Admin), Scope::All);
    }

    #[test]
    fn claimants_see_only_their_own_verdicts_in_full() {
        assert!(!sees_full_verdict(Role::Agent, false));
        assert!(!sees_full_verdict(Role::Sales, false));
        assert!(sees_full_verdict(Role::Sales, true));
        assert!(sees_full_verdict(Role::Manager, false));
        assert!(!may_unmask(Role::Agent));
        assert!(may_manage_users(Role::Admin) && !may_manage_users(Role::Vp));
    }
}
