//! Who may do what (SEC-ROLES, SEC-LEAVE, G-CLAIM): plain functions over roles and values, so the
//! server asks and the table below is tested without a server.

use crate::model::Role;

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
        ),
        Role::FrontDesk => matches!(act, "visit" | "walk_in" | "status" | "query"),
        Role::Agent => matches!(act, "register" | "query"),
        Role::Finance => matches!(act, "deposit" | "deal" | "query"),
        Role::Designer => matches!(act, "contact" | "query" | "status"),
    }
}

/// Whether `role` may name another person as the actor (`by`, `staff` of a status change): managers
/// act for their staff; the front desk records everyone's presence.
pub fn may_act_for_others(role: Role, act: &str) -> bool {
    match role {
        Role::Admin | Role::Vp | Role::Manager => true,
        Role::FrontDesk => act == "status",
        _ => false,
    }
}

/// Whether the caller sees a verdict in full (the owner's name, shares, the events it relied on),
/// or only what the registering party may be told (G-CLAIM): managers always; others when the
/// outcome concerns themselves (they are the owner after the act).
pub fn sees_full_verdict(role: Role, caller_is_owner: bool) -> bool {
    matches!(role, Role::Admin | Role::Vp | Role::Manager) || caller_is_owner
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

/// Marking a person as departed (SEC-LEAVE): their access ends at once.
pub fn may_mark_left(role: Role) -> bool {
    matches!(role, Role::Admin | Role::Vp | Role::Manager)
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

    #[test]
    fn nobody_but_managers_acts_for_others_except_front_desk_presence() {
        for r in ROLES {
            let managerial = matches!(r, Role::Admin | Role::Vp | Role::Manager);
            assert_eq!(may_act_for_others(r, "register"), managerial, "{r:?}");
            assert_eq!(
                may_act_for_others(r, "status"),
                managerial || r == Role::FrontDesk,
                "{r:?}"
            );
        }
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
