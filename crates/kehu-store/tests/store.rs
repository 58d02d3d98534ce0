//! Property test: exactly one party owns a customer whatever sequence of registrations arrives.

use kehu_core::act;
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
                left: false,
            })
            .collect(),
        roster: None,
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
        act: Act::Query(act::Query {
            customer: CustomerInput {
                phone: Some(phone.into()),
                ..CustomerInput::default()
            },
        }),
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

/// One act of the stream below: a registration, a visit, a walk-in, a follow-up, a deal, a change
/// of presence or a reassignment, by staff `by`, about phone `phone` in mask `form`.
fn act(kind: u8, by: usize, phone: usize, form: u8, at: Instant) -> Command {
    let full = ["13912345678", "13712345678", "15800001111"][phone % 3];
    let customer = CustomerInput {
        name: Some("王先生".into()),
        phone: Some(mask(full, form)),
        ..CustomerInput::default()
    };
    let staff = StaffId(format!("S{by}"));
    let act = match kind {
        0 => return register(by, &mask(full, form), at),
        1 => Act::Visit(act::Visit {
            customer: CustomerInput {
                phone: Some(full.into()),
                ..customer
            },
            brought_by: by.is_multiple_of(2).then(|| staff.clone()),
            names: Vec::new(),
            designates: None,
            refuses: None,
            complains_about: None,
            forgot: false,
            referred_by: None,
        }),
        2 => Act::WalkIn(act::WalkIn {
            customer: None,
            taken_by: None,
        }),
        3 => Act::Contact(act::Contact {
            by: staff,
            customer,
            kind: kehu_core::model::ContactKind::Call,
            next_at: None,
            promise: None,
        }),
        4 => Act::Deal(act::Deal {
            customer: CustomerInput {
                phone: Some(full.into()),
                ..customer
            },
            amount: 1_000_000,
            closed_by: Some(staff),
            helped_by: Vec::new(),
            knowing: None,
            named: None,
            group_purchase: false,
        }),
        5 => Act::Status(act::Status {
            staff,
            state: if form.is_multiple_of(2) {
                kehu_core::model::Presence::Away
            } else {
                kehu_core::model::Presence::Available
            },
        }),
        _ => Act::Reassign(act::Reassign {
            by: StaffId("S4".into()),
            from: staff,
            to: None,
            seed: 7,
        }),
    };
    Command {
        project: "default".into(),
        at,
        act,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    /// A file database decides acts that arrive together (its writer takes whatever is waiting
    /// into one batch, so batches of any size and several in flight) exactly as a store that is
    /// handed one act at a time: the same verdicts and sequence numbers, and projections that
    /// match the ledger. Acts of one batch see each other only through the batch's pending state,
    /// which this compares with the committed state a lone act reads.
    #[test]
    fn acts_arriving_together_are_decided_as_one_at_a_time(
        steps in proptest::collection::vec((0u8..7, 0usize..4, 0usize..3, 0u8..4, 0i64..3 * 24 * 60, 0u8..4), 1..60)
    ) {
        let dir = std::env::temp_dir().join(format!(
            "kehu-together-{}-{}",
            std::process::id(),
            SEQ.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite:{}", dir.join("k.db").display());
        let outcome = rt().block_on(async {
            let rb = std::sync::Arc::new(Rulebook::preset(Preset::SiteRotation));
            let mut people = directory(5);
            // S4, a manager, reassigns a leaver's customers.
            people.staff[4].role = kehu_core::model::Role::Manager;
            let people = std::sync::Arc::new(people);
            let mut t = parse_local("2026-01-01 09:00").unwrap();
            let mut items = Vec::new();
            for (kind, by, phone, form, gap, _) in &steps {
                t = add_minutes(t, *gap);
                items.push(kehu_store::Item {
                    rulebook: rb.clone(),
                    directory: people.clone(),
                    command: act(*kind, *by, *phone, *form, t),
                    now: t,
                });
            }
            let one_at_a_time = Store::memory().await.unwrap();
            let mut expected = Vec::new();
            for item in &items {
                expected.push(one_at_a_time.submit(vec![item.clone()]).await.unwrap().pop().unwrap());
            }
            let store = Store::open(&url, kehu_store::Keys::generate()).await.unwrap();
            let mut pending = Vec::new();
            for (item, (.., pause)) in items.iter().zip(&steps) {
                pending.push(store.enqueue(vec![item.clone()]).unwrap());
                if *pause == 0 {
                    // Let the writer take what has come so far: the next acts go in later batches.
                    std::thread::sleep(std::time::Duration::from_micros(300));
                }
            }
            let mut got = Vec::new();
            for p in pending {
                got.push(p.wait().await.unwrap().pop().unwrap());
            }
            for (i, (e, g)) in expected.iter().zip(&got).enumerate() {
                match (e, g) {
                    (Ok(e), Ok(g)) => {
                        prop_assert_eq!(&e.verdict, &g.verdict, "act {}", i);
                        prop_assert_eq!(e.seq, g.seq, "act {}", i);
                    }
                    (Err(e), Err(g)) => prop_assert_eq!(e.to_string(), g.to_string(), "act {}", i),
                    (e, g) => prop_assert!(false, "act {}: {:?} against {:?}", i, e.is_ok(), g.is_ok()),
                }
            }
            prop_assert!(store.check().await.unwrap().is_empty());
            Ok(())
        });
        let _ = std::fs::remove_dir_all(&dir);
        outcome?;
    }
}

static SEQ: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
