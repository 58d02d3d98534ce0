//! The store contract, run on SQLite always and on PostgreSQL whenever `KEHU_TEST_PG` holds a URL
//! (each test in its own schema, dropped afterwards).

use kehu_core::model::{Act, Command, CustomerInput, Directory, Party, Role, Staff, StaffId};
use kehu_core::policy::{Preset, Rulebook};
use kehu_core::time::{add_days, add_minutes, parse_local, Instant};
use kehu_core::verdict::Outcome;
use kehu_store::{Keys, Store, StoreError};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

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

fn register(by: usize, name: &str, phone: &str, at: Instant) -> Command {
    Command {
        project: "default".into(),
        at,
        act: Act::formal_registration(
            StaffId(format!("S{by}")),
            CustomerInput {
                name: Some(name.into()),
                phone: Some(phone.into()),
                ..CustomerInput::default()
            },
        ),
    }
}

static SEQ: AtomicUsize = AtomicUsize::new(0);

/// A backend under test: two store handles on one database (as two processes would have), and
/// how to clean up.
struct Backend {
    name: &'static str,
    a: Arc<Store>,
    b: Arc<Store>,
    keys: Keys,
    cleanup: Option<(String, String)>,
    _dir: Option<std::path::PathBuf>,
}

impl Backend {
    async fn done(mut self) {
        if let Some((url, schema)) = self.cleanup.take() {
            Store::drop_postgres_schema(&url, &schema).await.unwrap();
        }
    }
}

/// Drops the test's schema and directory even when an assertion fails (on unwinding).
impl Drop for Backend {
    fn drop(&mut self) {
        if let Some((url, schema)) = self.cleanup.take() {
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build();
                if let Ok(rt) = rt {
                    let _ = rt.block_on(Store::drop_postgres_schema(&url, &schema));
                }
            })
            .join();
        }
        if let Some(d) = self._dir.take() {
            let _ = std::fs::remove_dir_all(d);
        }
    }
}

/// SQLite on a file, and PostgreSQL when `KEHU_TEST_PG` is set.
async fn backends() -> Vec<Backend> {
    let n = SEQ.fetch_add(1, Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("kehu-contract-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite:{}", dir.join("k.db").display());
    let keys = Keys::generate();
    let mut out = vec![Backend {
        name: "sqlite",
        a: Arc::new(Store::open(&url, keys.clone()).await.unwrap()),
        b: Arc::new(Store::open(&url, keys.clone()).await.unwrap()),
        keys,
        cleanup: None,
        _dir: Some(dir),
    }];
    if let Ok(pg) = std::env::var("KEHU_TEST_PG") {
        let schema = format!("kehu_contract_{}_{n}", std::process::id());
        let keys = Keys::generate();
        out.push(Backend {
            name: "postgres",
            a: Arc::new(
                Store::open_postgres_schema(&pg, &schema, keys.clone())
                    .await
                    .unwrap(),
            ),
            b: Arc::new(
                Store::open_postgres_schema(&pg, &schema, keys.clone())
                    .await
                    .unwrap(),
            ),
            keys,
            cleanup: Some((pg, schema)),
            _dir: None,
        });
    }
    out
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .expect("runtime")
}

/// Runs SQL on the backend's database directly, as someone with access to the files would.
async fn exec(sql: &str, be: &Backend) -> Result<(), String> {
    match &be._dir {
        Some(dir) => {
            let c = rusqlite::Connection::open(dir.join("k.db")).map_err(|e| e.to_string())?;
            c.busy_timeout(std::time::Duration::from_secs(10))
                .map_err(|e| e.to_string())?;
            c.execute_batch(sql).map_err(|e| e.to_string())
        }
        None => sqlx::query(sql)
            .execute(be.a.postgres_pool().unwrap())
            .await
            .map(|_| ())
            .map_err(|e| e.to_string()),
    }
}

/// Another handle on the backend's database, opened now (as a process started later would be).
async fn another_handle(be: &Backend) -> Store {
    match (&be._dir, &be.cleanup) {
        (Some(dir), _) => {
            let url = format!("sqlite:{}", dir.join("k.db").display());
            Store::open(&url, be.keys.clone()).await.unwrap()
        }
        (None, Some((url, schema))) => Store::open_postgres_schema(url, schema, be.keys.clone())
            .await
            .unwrap(),
        (None, None) => unreachable!("every backend has a file or a schema"),
    }
}

/// A process that opens a database with a long key log loads all of it (PostgreSQL reads it in
/// pages of 65,536 rows), and a handle opened before reads every row added since.
#[test]
fn a_long_key_log_is_loaded_whole() {
    rt().block_on(async {
        for be in backends().await {
            let rb = Rulebook::preset(Preset::B2bProtection);
            let dir = directory(1);
            let t0 = parse_local("2026-11-01 10:00").unwrap();
            be.a.execute(&rb, &dir, &register(0, "王先生", "13800138000", t0), t0)
                .await
                .unwrap();
            let before = be.a.warm().await.unwrap();
            assert!(before > 0, "{}", be.name);
            exec(
                "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 70000) \
                 INSERT INTO customer_keys (project, key, customer) SELECT 'other', n, 1 FROM g",
                &be,
            )
            .await
            .unwrap();
            let later = another_handle(&be).await;
            assert_eq!(later.warm().await.unwrap(), before + 70_000, "{}", be.name);
            assert_eq!(be.b.warm().await.unwrap(), before + 70_000, "{}", be.name);
            drop(later);
            be.done().await;
        }
    });
}

#[test]
fn the_ledger_is_append_only_and_the_check_finds_tampering() {
    rt().block_on(async {
        for be in backends().await {
            let store = &be.a;
            let rb = Rulebook::preset(Preset::B2bProtection);
            let dir = directory(2);
            let t0 = parse_local("2026-11-01 10:00").unwrap();
            let t1 = add_days(t0, 1);
            store
                .execute(&rb, &dir, &register(0, "王先生", "13800138000", t0), t0)
                .await
                .unwrap();
            let v = store
                .execute(&rb, &dir, &register(1, "王女士", "138****8000", t1), t1)
                .await
                .unwrap();
            assert_eq!(v.verdict.outcome, Outcome::Rejected, "{}", be.name);
            assert!(store.check().await.unwrap().is_empty(), "{}", be.name);
            for sql in [
                "UPDATE events SET body = '{}' WHERE seq = 1",
                "DELETE FROM events WHERE seq = 2",
                "DELETE FROM event_customers",
            ] {
                let e = exec(sql, &be).await.unwrap_err();
                assert!(e.contains("append-only"), "{}: {sql}: {e}", be.name);
            }
            exec("UPDATE customers SET holder = 'S1'", &be)
                .await
                .unwrap();
            let diffs = store.check().await.unwrap();
            assert!(
                diffs.iter().any(|d| d.table == "customers"),
                "{}: {diffs:?}",
                be.name
            );
            // A link the ledger does not give (to an existing event, so that SQLite's foreign
            // key lets it in too).
            exec(
                "INSERT INTO event_customers (customer, seq) VALUES (999, 1)",
                &be,
            )
            .await
            .unwrap();
            let diffs = store.check().await.unwrap();
            assert!(
                diffs
                    .iter()
                    .any(|d| d.table == "event_customers" && d.key == "(999, 1)"),
                "{}: {diffs:?}",
                be.name
            );
            // The one update the ledger allows is a re-seal (a new key id). Without the key, a
            // re-seal can only move bytes around, and the moved entry no longer opens.
            exec(
                "UPDATE events SET key_id = 7, body = (SELECT body FROM events WHERE seq = 2) \
                 WHERE seq = 1",
                &be,
            )
            .await
            .unwrap();
            let e = store.check().await.unwrap_err();
            assert!(
                matches!(e, StoreError::Corrupt { seq: 1, .. }),
                "{}: {e}",
                be.name
            );
            be.done().await;
        }
    });
}

/// 64 parties register one customer at the same instant, through two store handles, with full and
/// masked phones mixed: exactly one is accepted, every other is rejected naming that owner, and the
/// ledger check is clean. Fifty rounds, each with a new customer.
#[test]
fn exactly_one_owner_under_concurrency() {
    rt().block_on(async {
        for be in backends().await {
            let rb = Rulebook::preset(Preset::SiteRotation);
            let dir = Arc::new(directory(64));
            let rb = Arc::new(rb);
            let t0 = parse_local("2026-11-01 10:00").unwrap();
            for round in 0..50 {
                // A distinct first three digits per round: masks of different rounds must not match (G-MATCH
                // compares only the positions both know, so 3+4 and 7+0 share just the prefix).
                let full = format!("{}12345678", 130 + round);
                let forms = [
                    full.clone(),
                    format!("{}****{}", &full[..3], &full[7..]),
                    format!("{}**{}", &full[..4], &full[6..]),
                    format!("{}****", &full[..7]),
                ];
                let at = add_minutes(t0, round as i64);
                let mut tasks = Vec::new();
                for p in 0..64 {
                    let store = if p % 2 == 0 {
                        be.a.clone()
                    } else {
                        be.b.clone()
                    };
                    let (rb, dir) = (rb.clone(), dir.clone());
                    let cmd = register(p, "王先生", &forms[p % 4], at);
                    tasks.push(tokio::spawn(async move {
                        store.execute(&rb, &dir, &cmd, at).await
                    }));
                }
                let mut accepted = Vec::new();
                let mut rejected = Vec::new();
                for t in tasks {
                    let v = t.await.unwrap().unwrap().verdict;
                    match v.outcome {
                        Outcome::Accepted => accepted.push(v.owner),
                        Outcome::Rejected => rejected.push(v.owner),
                        o => panic!("{}: unexpected outcome {o:?}", be.name),
                    }
                }
                assert_eq!(accepted.len(), 1, "{} round {round}: {accepted:?}", be.name);
                assert_eq!(rejected.len(), 63, "{} round {round}", be.name);
                let owner = accepted[0].clone();
                assert!(matches!(owner, Some(Party::Staff(_))));
                assert!(
                    rejected.iter().all(|o| *o == owner),
                    "{} round {round}",
                    be.name
                );
            }
            assert!(be.a.check().await.unwrap().is_empty(), "{}", be.name);
            be.done().await;
        }
    });
}

/// Two masked registrations that match each other (3+4 and 7+0 of one number) arriving together are
/// decided exactly once.
#[test]
fn matching_masks_arriving_together_are_decided_once() {
    rt().block_on(async {
        for be in backends().await {
            let rb = Arc::new(Rulebook::preset(Preset::B2bProtection));
            let dir = Arc::new(directory(2));
            let t0 = parse_local("2026-11-01 10:00").unwrap();
            for round in 0..50 {
                let full = format!("{}87654321", 130 + round);
                let masks = [
                    format!("{}****{}", &full[..3], &full[7..]),
                    format!("{}****", &full[..7]),
                ];
                let at = add_minutes(t0, round as i64);
                let mut tasks = Vec::new();
                for (p, m) in masks.iter().enumerate() {
                    let store = if p == 0 { be.a.clone() } else { be.b.clone() };
                    let (rb, dir) = (rb.clone(), dir.clone());
                    let cmd = register(p, "李女士", m, at);
                    tasks.push(tokio::spawn(async move {
                        store.execute(&rb, &dir, &cmd, at).await
                    }));
                }
                let mut outcomes = Vec::new();
                for t in tasks {
                    outcomes.push(t.await.unwrap().unwrap().verdict.outcome);
                }
                outcomes.sort_by_key(|o| *o == Outcome::Rejected);
                assert_eq!(
                    outcomes,
                    vec![Outcome::Accepted, Outcome::Rejected],
                    "{} round {round}",
                    be.name
                );
            }
            assert!(be.a.check().await.unwrap().is_empty(), "{}", be.name);
            be.done().await;
        }
    });
}

/// A database that already holds data is opened again (migrations re-run) and keeps every event.
#[test]
fn reopening_a_database_with_data_keeps_it() {
    rt().block_on(async {
        for be in backends().await {
            let rb = Rulebook::preset(Preset::TeamRegistration);
            let dir = directory(2);
            let t0 = parse_local("2026-11-01 10:00").unwrap();
            be.a.execute(&rb, &dir, &register(0, "王先生", "13800138000", t0), t0)
                .await
                .unwrap();
            let before = be.a.events().await.unwrap();
            let again = another_handle(&be).await;
            assert_eq!(again.events().await.unwrap(), before, "{}", be.name);
            assert!(again.check().await.unwrap().is_empty());
            drop(again);
            be.done().await;
        }
    });
}

/// Two handles on one database (two processes) each keep their own key index, loaded
/// before either writes: what one registers, the other finds as soon as it has committed.
#[test]
fn a_second_handle_finds_what_the_first_registered() {
    rt().block_on(async {
        for be in backends().await {
            let rb = Rulebook::preset(Preset::B2bProtection);
            let dir = directory(2);
            let t0 = parse_local("2026-11-01 10:00").unwrap();
            let t1 = add_days(t0, 1);
            for s in [&be.a, &be.b] {
                assert_eq!(s.warm().await.unwrap(), 0, "{}", be.name);
            }
            let first =
                be.a.execute(&rb, &dir, &register(0, "王先生", "13800138000", t0), t0)
                    .await
                    .unwrap();
            assert_eq!(first.verdict.outcome, Outcome::Accepted, "{}", be.name);
            let v =
                be.b.execute(&rb, &dir, &register(1, "王先生", "138****8000", t1), t1)
                    .await
                    .unwrap();
            assert_eq!(v.verdict.outcome, Outcome::Rejected, "{}", be.name);
            let v =
                be.b.execute(&rb, &dir, &register(1, "李女士", "13900139000", t1), t1)
                    .await
                    .unwrap();
            assert_eq!(v.verdict.outcome, Outcome::Accepted, "{}", be.name);
            let v =
                be.a.execute(&rb, &dir, &register(0, "李女士", "1390013****", t1), t1)
                    .await
                    .unwrap();
            assert_eq!(v.verdict.outcome, Outcome::Rejected, "{}", be.name);
            assert!(be.a.check().await.unwrap().is_empty(), "{}", be.name);
            // Each handle knows who holds what, whichever handle registered it.
            for s in [&be.a, &be.b] {
                for (staff, name) in [("S0", "王先生"), ("S1", "李女士")] {
                    let holder = kehu_core::model::Party::Staff(StaffId(staff.into()));
                    let (views, total) =
                        s.held("default", &holder.to_string(), 0, 10).await.unwrap();
                    assert_eq!(total, 1, "{} {staff}", be.name);
                    let named = views[0]
                        .events
                        .iter()
                        .any(|e| e.act.customer().and_then(|c| c.name.as_deref()) == Some(name));
                    assert!(named, "{} {staff}", be.name);
                }
            }
            if be.name == "sqlite" {
                // The log takes changes of holder only (none here): one as the writer appends
                // it, repeating the record's holder, so that there is a row to refuse to delete.
                exec(
                    "INSERT INTO holder_log (customer, project, holder) \
                     SELECT id, project, holder FROM customers WHERE holder IS NOT NULL LIMIT 1",
                    &be,
                )
                .await
                .unwrap();
                assert!(be.a.check().await.unwrap().is_empty(), "{}", be.name);
                for table in ["customer_keys", "holder_log"] {
                    let e = exec(&format!("DELETE FROM {table}"), &be)
                        .await
                        .unwrap_err();
                    assert!(e.contains("append log"), "{e}");
                }
            }
            be.done().await;
        }
    });
}

#[test]
fn an_unknown_url_scheme_is_an_error() {
    rt().block_on(async {
        let e = Store::open("mysql://localhost/x", Keys::generate())
            .await
            .err()
            .unwrap();
        assert!(e.to_string().contains("unsupported database URL"), "{e}");
    });
}

/// The server's plain SQL reads the same values from both backends, whatever the integer width.
#[test]
fn plain_sql_values_agree() {
    use kehu_store::Val;
    rt().block_on(async {
        for be in backends().await {
            let rows =
                be.a.query(
                    "SELECT 1, CAST(2 AS BIGINT), 'x', CAST(NULL AS TEXT), $1, $2",
                    vec![Val::Int(-7), Val::from("王")],
                )
                .await
                .unwrap();
            assert_eq!(
                rows,
                vec![vec![
                    Val::Int(1),
                    Val::Int(2),
                    Val::from("x"),
                    Val::Null,
                    Val::Int(-7),
                    Val::from("王")
                ]],
                "{}",
                be.name
            );
            let n =
                be.a.exec(
                    "INSERT INTO settings (name, value) VALUES ($1, $2)",
                    vec![Val::from("k"), Val::from("v")],
                )
                .await
                .unwrap();
            assert_eq!(n, 1, "{}", be.name);
            be.done().await;
        }
    });
}

/// INV-UNSOLD under concurrency, as a property: whatever deposits on one unit arrive together
/// (any number of customers, each with one to three deposits of any kind, through two handles on
/// one database, as two processes would send them), exactly one customer's deposits are all
/// taken and every other customer's is refused (INV-UNSOLD); the unit is held by that customer,
/// as far as its largest deposit; the ledger check is clean. Each case is a new unit and new
/// customers on the same database.
#[test]
fn one_unit_one_customer_under_concurrency() {
    use kehu_core::act::{self, UnitRow, UnitSale};
    use kehu_core::model::DepositKind;
    use kehu_core::state::HoldKind;
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};

    rt().block_on(async {
        for be in backends().await {
            let rb = Arc::new(Rulebook::preset(Preset::SiteFirstReception));
            let mut people = directory(4);
            people.staff[3].role = Role::Manager;
            let dir = Arc::new(people);
            let t0 = parse_local("2026-11-01 10:00").unwrap();
            let mut runner = TestRunner::new(Config {
                cases: 12,
                failure_persistence: None,
                ..Config::default()
            });
            let case = AtomicUsize::new(0);
            let strategy = proptest::collection::vec(
                (proptest::collection::vec(0u8..3, 1..4), any::<bool>()),
                2..10,
            );
            let handle = tokio::runtime::Handle::current();
            let result = runner.run(&strategy, |customers| {
                let n = case.fetch_add(1, Ordering::SeqCst);
                let (rb, dir, be) = (rb.clone(), dir.clone(), &be);
                let at = add_minutes(t0, n as i64 * 60);
                let unit = format!("{n}栋-101");
                tokio::task::block_in_place(|| {
                    handle.block_on(async move {
                        let manager = StaffId("S3".into());
                        let units = Command {
                            project: "default".into(),
                            at,
                            act: Act::Units(act::Units {
                                by: manager,
                                units: vec![UnitRow {
                                    building: format!("{n}栋"),
                                    number: "101".into(),
                                    floor: None,
                                    area: 8_900,
                                    price: 1_000_000,
                                    status: UnitSale::ForSale,
                                }],
                            }),
                        };
                        let v = be.a.execute(&rb, &dir, &units, at).await.unwrap().verdict;
                        prop_assert_eq!(v.outcome, Outcome::Accepted);
                        let phone = |c: usize| format!("1{:02}{:08}", 30 + n % 60, c * 1000 + n);
                        for c in 0..customers.len() {
                            let cmd = register(c % 3, "王先生", &phone(c), at);
                            be.a.execute(&rb, &dir, &cmd, at).await.unwrap();
                        }
                        let at = add_minutes(at, 1);
                        let mut tasks = Vec::new();
                        for (c, (kinds, via_b)) in customers.iter().enumerate() {
                            for k in kinds {
                                let store = if *via_b { be.b.clone() } else { be.a.clone() };
                                let (rb, dir) = (rb.clone(), dir.clone());
                                let kind =
                                    [DepositKind::Small, DepositKind::Large, DepositKind::Deposit]
                                        [*k as usize];
                                let cmd = Command {
                                    project: "default".into(),
                                    at,
                                    act: Act::Deposit(act::Deposit {
                                        customer: CustomerInput {
                                            name: Some("王先生".into()),
                                            phone: Some(phone(c)),
                                            ..CustomerInput::default()
                                        },
                                        amount: 10_000,
                                        kind,
                                        unit: Some(unit.clone()),
                                    }),
                                };
                                tasks.push((
                                    c,
                                    kind,
                                    tokio::spawn(async move {
                                        store.execute(&rb, &dir, &cmd, at).await
                                    }),
                                ));
                            }
                        }
                        let mut taken: Vec<(usize, DepositKind)> = Vec::new();
                        let mut refused = Vec::new();
                        for (c, kind, t) in tasks {
                            let v = t.await.unwrap().unwrap().verdict;
                            match v.outcome {
                                Outcome::Accepted => taken.push((c, kind)),
                                Outcome::Rejected => {
                                    prop_assert_eq!(v.rule.as_str(), "INV-UNSOLD");
                                    refused.push(c);
                                }
                                o => prop_assert!(false, "{}: unexpected outcome {:?}", be.name, o),
                            }
                        }
                        let winner = taken.first().map(|x| x.0);
                        prop_assert!(winner.is_some(), "{}: nobody's deposit was taken", be.name);
                        let winner = winner.unwrap_or_default();
                        prop_assert!(
                            taken.iter().all(|x| x.0 == winner),
                            "{}: {:?}",
                            be.name,
                            taken
                        );
                        prop_assert_eq!(taken.len(), customers[winner].0.len(), "{}", be.name);
                        prop_assert!(!refused.contains(&winner));
                        let state = be.a.project_state("default").await.unwrap();
                        let hold = state.units.get(&unit).and_then(|u| u.hold.clone());
                        let most = taken
                            .iter()
                            .map(|x| match x.1 {
                                DepositKind::Small => HoldKind::Small,
                                DepositKind::Large => HoldKind::Large,
                                _ => HoldKind::Deposit,
                            })
                            .max();
                        prop_assert_eq!(hold.map(|h| h.kind), most, "{}", be.name);
                        Ok(())
                    })
                })
            });
            if let Err(e) = result {
                panic!("{}: {e}", be.name);
            }
            assert!(be.a.check().await.unwrap().is_empty(), "{}", be.name);
            be.done().await;
        }
    });
}
