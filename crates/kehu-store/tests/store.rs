//! Property test: exactly one party owns a customer whatever sequence of registrations arrives.

use kehu_core::model::{Act, Command, CustomerInput, Directory, Party, Role, Staff, StaffId};
use kehu_core::policy::{Preset, Rulebook};
use kehu_core::time::{add_minutes, parse_local, Instant};
use kehu_core::verdict::Outcome;
use kehu_store::Store;
use proptest::prelude::*;

fn directory(n: usize) -> Directory {
    Directory {
        staff: (0..n)
            .map(|i| Staff {
                id: StaffId(format!("S{i}")),
                name: format!("销售{i}"),
                role: Role::Sales,
                team: None,
                agency: None,
                region: None,
            })
            .collect(),
    }
}

fn register(by: usize, phone: &str, at: Instant) -> Command {
    Command {
        project: "default".into(),
        at,
        act: Act::formal_registration(
            StaffId(format!("S{by}")),
            CustomerInput {
                name: Some("王先生".into()),
                phone: Some(phone.into()),
                address: Some("北京".into()),
                ..CustomerInput::default()
            },
        ),
    }
}

fn query(phone: &str, at: Instant) -> Command {
    Command {
        project: "default".into(),
        at,
        act: Act::Query {
            customer: CustomerInput {
                phone: Some(phone.into()),
                ..CustomerInput::default()
            },
        },
    }
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

fn mask(full: &str, form: u8) -> String {
    full.chars()
        .enumerate()
        .map(|(i, c)| match form {
            1 if (3..7).contains(&i) => '*',
            2 if (4..6).contains(&i) => '*',
            3 if i >= 7 => '*',
            _ => c,
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Whatever registrations arrive (full numbers and their masked forms mixed, any parties, any
    /// gaps), a registration is accepted exactly when nobody else holds a protected claim at that
    /// instant, so at most one party ever owns the customer; the projections always match the ledger.
    #[test]
    fn exactly_one_owner(steps in proptest::collection::vec((0usize..4, 0u8..4, 0i64..120 * 24 * 60), 1..25)) {
        rt().block_on(async {
            let store = Store::memory().await.unwrap();
            let rb = Rulebook::preset(Preset::B2bProtection);
            let dir = directory(4);
            let full = "13912345678";
            let mut t = parse_local("2026-01-01 09:00").unwrap();
            for (by, form, gap) in steps {
                t = add_minutes(t, gap);
                let phone = mask(full, form);
                let me = Party::Staff(StaffId(format!("S{by}")));
                let before = store.execute(&rb, &dir, &query(&phone, t), t).await.unwrap().verdict;
                let protected_by_other = before.protected_until.is_some()
                    && before.owner.as_ref().is_some_and(|o| o.is_owner() && *o != me);
                let v = store.execute(&rb, &dir, &register(by, &phone, t), t).await.unwrap().verdict;
                if protected_by_other {
                    prop_assert_eq!(v.outcome, Outcome::Rejected);
                    prop_assert_eq!(v.owner, before.owner);
                } else {
                    prop_assert_eq!(v.outcome, Outcome::Accepted);
                    prop_assert_eq!(v.owner, Some(me));
                }
            }
            prop_assert!(store.check().await.unwrap().is_empty());
            Ok(())
        })?;
    }
}
