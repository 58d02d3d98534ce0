//! Personal data at rest, keys and schema versions: on SQLite always, on PostgreSQL whenever
//! `KEHU_TEST_PG` holds a URL (each test in its own schema, dropped afterwards).

use kehu_core::model::{Act, Command, CustomerInput, Directory, Role, Staff, StaffId};
use kehu_core::policy::{Preset, Rulebook};
use kehu_core::time::{add_minutes, parse_local};
use kehu_store::{Keys, Store, StoreError};
use std::path::{Path, PathBuf};

fn directory() -> Directory {
    Directory {
        staff: (0..4)
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

/// Twenty customers: phone, name, ID number.
fn people() -> Vec<(String, String, String)> {
    (0..20)
        .map(|i| {
            (
                format!("139{:08}", 12_345_678 + i * 7_919),
                format!("欧阳{}", ["明", "芳", "伟", "娜"][i % 4]),
                format!("11010119800101{:04}", 1000 + i),
            )
        })
        .collect()
}

/// Registers every person (some with masked phones) and a collision, through the store.
async fn fill(store: &Store) {
    let rb = Rulebook::preset(Preset::B2bProtection);
    let dir = directory();
    let t0 = parse_local("2026-11-01 10:00").unwrap();
    for (i, (phone, name, id_no)) in people().iter().enumerate() {
        let shown = if i % 3 == 1 {
            format!("{}****{}", &phone[..3], &phone[7..])
        } else {
            phone.clone()
        };
        for by in [i % 4, (i + 1) % 4] {
            let at = add_minutes(t0, (2 * i + by) as i64);
            let cmd = Command {
                project: "default".into(),
                at,
                act: Act::formal_registration(
                    StaffId(format!("S{by}")),
                    CustomerInput {
                        name: Some(name.clone()),
                        phone: Some(shown.clone()),
                        id_no: Some(id_no.clone()),
                        ..CustomerInput::default()
                    },
                ),
            };
            store.execute(&rb, &dir, &cmd, at).await.unwrap();
        }
    }
}

/// The phone numbers, their 7-digit prefixes and the ID numbers: none may appear in stored bytes.
fn secrets() -> Vec<String> {
    let mut s = Vec::new();
    for (phone, _, id_no) in people() {
        s.push(phone[..7].to_string());
        s.push(phone.clone());
        s.push(id_no);
    }
    s
}

fn find_secret(bytes: &[u8]) -> Option<String> {
    secrets()
        .into_iter()
        .find(|s| bytes.windows(s.len()).any(|w| w == s.as_bytes()))
}

fn file_bytes(db: &Path) -> Vec<u8> {
    let mut all = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        let mut p = db.as_os_str().to_owned();
        p.push(suffix);
        if let Ok(b) = std::fs::read(PathBuf::from(p)) {
            all.extend(b);
        }
    }
    all
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("kehu-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// A PostgreSQL schema for one test, dropped when the guard goes (also on a failed assertion).
struct PgSchema {
    url: String,
    name: String,
}

impl PgSchema {
    fn new(tag: &str) -> Option<PgSchema> {
        let url = std::env::var("KEHU_TEST_PG").ok()?;
        Some(PgSchema {
            url,
            name: format!("kehu_{tag}_{}", std::process::id()),
        })
    }
}

impl Drop for PgSchema {
    fn drop(&mut self) {
        let (url, name) = (self.url.clone(), self.name.clone());
        let _ = std::thread::spawn(move || {
            if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                let _ = rt.block_on(Store::drop_postgres_schema(&url, &name));
            }
        })
        .join();
    }
}

#[test]
fn the_sqlite_file_reveals_no_phone_or_id_number() {
    let dir = temp_dir("sealed");
    let db = dir.join("k.db");
    rt().block_on(async {
        let store = Store::open(&format!("sqlite:{}", db.display()), Keys::generate())
            .await
            .unwrap();
        fill(&store).await;
        assert!(store.check().await.unwrap().is_empty());
        // What a decision sees is the plaintext.
        let events = store.events().await.unwrap();
        assert!(format!("{events:?}").contains(&people()[0].0));
        let bytes = file_bytes(&db);
        assert!(bytes.len() > 4096);
        assert_eq!(find_secret(&bytes), None, "plaintext in the database file");
    });
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn postgres_tables_reveal_no_phone_or_id_number() {
    let Some(pg) = PgSchema::new("sealed") else {
        return;
    };
    rt().block_on(async {
        let store = Store::open_postgres_schema(&pg.url, &pg.name, Keys::generate())
            .await
            .unwrap();
        fill(&store).await;
        let pool = store.postgres_pool().unwrap();
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema()",
        )
        .fetch_all(pool)
        .await
        .unwrap();
        assert!(tables.len() >= 9, "{tables:?}");
        for t in tables {
            // Text columns as text; bytea columns as their raw bytes (their hex text would let
            // random ciphertext spell a number now and then).
            let cols: Vec<(String, String)> = sqlx::query_as(
                "SELECT column_name::text, data_type::text FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = $1",
            )
            .bind(&t)
            .fetch_all(pool)
            .await
            .unwrap();
            for (c, ty) in cols {
                let bytes: Vec<u8> = if ty == "bytea" {
                    sqlx::query_scalar::<_, Vec<u8>>(&format!(
                        "SELECT {c} FROM {t} WHERE {c} IS NOT NULL"
                    ))
                    .fetch_all(pool)
                    .await
                    .unwrap()
                    .concat()
                } else {
                    sqlx::query_scalar::<_, Option<String>>(&format!(
                        "SELECT string_agg({c}::text, ',') FROM {t}"
                    ))
                    .fetch_one(pool)
                    .await
                    .unwrap()
                    .unwrap_or_default()
                    .into_bytes()
                };
                assert_eq!(find_secret(&bytes), None, "plaintext in {t}.{c}");
            }
        }
    });
}

#[test]
fn a_database_opens_only_with_its_key_file() {
    let dir = temp_dir("keyfit");
    let url = format!("sqlite:{}", dir.join("k.db").display());
    rt().block_on(async {
        let keys = Keys::generate();
        let store = Store::open(&url, keys.clone()).await.unwrap();
        fill(&store).await;
        drop(store);
        let e = Store::open(&url, Keys::generate()).await.err().unwrap();
        assert!(matches!(e, StoreError::KeyMismatch(_)), "{e}");
        Store::open(&url, keys).await.unwrap();
    });
    let _ = std::fs::remove_dir_all(&dir);
}

/// `kehu key rotate`'s work: a new active key, every entry re-sealed with it, the ledger the same.
#[test]
fn rotation_reseals_every_entry_on_both_backends() {
    let dir = temp_dir("rotate");
    let url = format!("sqlite:{}", dir.join("k.db").display());
    let pg = PgSchema::new("rotate");
    rt().block_on(async {
        let mut targets = vec![(url.clone(), None)];
        if let Some(pg) = &pg {
            targets.push((pg.url.clone(), Some(pg.name.clone())));
        }
        for (url, schema) in targets {
            let open = |keys: Keys| {
                let (url, schema) = (url.clone(), schema.clone());
                async move {
                    match schema {
                        Some(s) => Store::open_postgres_schema(&url, &s, keys).await,
                        None => Store::open(&url, keys).await,
                    }
                }
            };
            let keys = Keys::generate();
            let store = open(keys.clone()).await.unwrap();
            fill(&store).await;
            let before = store.events().await.unwrap();
            drop(store);
            let mut rotated = keys.clone();
            let id = rotated.rotate();
            assert_eq!(id, 2);
            let store = open(rotated.clone()).await.unwrap();
            assert_eq!(store.reseal().await.unwrap(), before.len());
            assert_eq!(store.reseal().await.unwrap(), 0);
            assert_eq!(store.events().await.unwrap(), before);
            assert!(store.check().await.unwrap().is_empty());
            drop(store);
            // The old key file alone no longer opens the database: its entries need key 2.
            let e = open(keys).await.err().unwrap();
            assert!(matches!(e, StoreError::KeyMismatch(_)), "{e}");
        }
    });
    let _ = std::fs::remove_dir_all(&dir);
}

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/v1.db")
}

/// The v1 fixture was written by the first release (plaintext entries, plain index keys). Opening
/// it migrates it to v2: every entry sealed, the index blind, nothing lost, the check clean, and no
/// phone number left anywhere in the file.
#[test]
fn a_v1_sqlite_database_with_data_is_migrated() {
    let dir = temp_dir("v1sqlite");
    let db = dir.join("v1.db");
    std::fs::copy(fixture(), &db).unwrap();
    assert!(find_plain(&std::fs::read(&db).unwrap()));
    rt().block_on(async {
        let url = format!("sqlite:{}", db.display());
        let store = Store::open(&url, Keys::generate()).await.unwrap();
        let events = store.events().await.unwrap();
        assert_eq!(events.len(), 66);
        assert_eq!(
            events
                .iter()
                .map(|e| &e.project)
                .collect::<std::collections::BTreeSet<_>>()
                .len(),
            6
        );
        assert!(store.check().await.unwrap().is_empty());
        let v: i64 = rusqlite::Connection::open(&db)
            .unwrap()
            .query_row("SELECT MAX(version) FROM kehu_schema", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, kehu_store::SCHEMA_VERSION);
        // The holder index of the migrated database (first holders logged by version 6, read
        // with the records themselves since version 9) answers what the records say.
        let held: Vec<(String, String, i64)> = {
            let c = rusqlite::Connection::open(&db).unwrap();
            let mut st = c
                .prepare(
                    "SELECT project, holder, COUNT(*) FROM customers \
                     WHERE holder IS NOT NULL GROUP BY 1, 2",
                )
                .unwrap();
            let rows = st
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .unwrap();
            rows.map(|r| r.unwrap()).collect()
        };
        assert!(!held.is_empty());
        for (project, holder, n) in held {
            let (_, total) = store.held(&project, &holder, 0, 1).await.unwrap();
            assert_eq!(total as i64, n, "{project} {holder}");
        }
    });
    assert!(
        !find_plain(&file_bytes(&db)),
        "plaintext survived the migration"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A phone number the fixture holds in plaintext.
fn find_plain(bytes: &[u8]) -> bool {
    let s = b"13800138000";
    bytes.windows(s.len()).any(|w| w == s)
}

/// The same on PostgreSQL: a schema at v1 is filled with the fixture's rows, then opened.
#[test]
fn a_v1_postgres_database_with_data_is_migrated() {
    let Some(pg) = PgSchema::new("v1pg") else {
        return;
    };
    rt().block_on(async {
        let keys = Keys::generate();
        let applied = kehu_store::migrate(&pg.url, Some(&pg.name), &keys, Some(1))
            .await
            .unwrap();
        assert_eq!(applied, vec![1]);
        let src = rusqlite::Connection::open_with_flags(
            fixture(),
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .unwrap();
        let dst = sqlx::postgres::PgPoolOptions::new()
            .max_connections(1)
            .connect(&pg.url)
            .await
            .unwrap();
        sqlx::query(&format!("SET search_path TO {}", pg.name))
            .execute(&dst)
            .await
            .unwrap();
        // Copy every v1 table, column by column (integers and text only in v1).
        for (table, cols, ints) in [
            ("events", "seq, project, at_ms, act, body", &[0, 2][..]),
            (
                "customers",
                "id, project, holder, holder_rule, last_seq",
                &[0, 4][..],
            ),
            ("event_customers", "customer, seq", &[0, 1][..]),
            ("customer_keys", "project, key, customer", &[2][..]),
            ("projects", "name, state", &[][..]),
            (
                "disputes",
                "seq, project, customer, rule, deadline_ms, closed_seq",
                &[0, 2, 4, 5][..],
            ),
            (
                "violations",
                "seq, idx, project, party, rule, amount, note",
                &[0, 1, 5][..],
            ),
            ("notifications", "seq, idx, project, party", &[0, 1][..]),
        ] {
            let n = cols.split(',').count();
            type Cell = (Option<i64>, Option<String>);
            let rows: Vec<Vec<Cell>> = {
                let mut st = src.prepare(&format!("SELECT {cols} FROM {table}")).unwrap();
                let mapped = st
                    .query_map([], |r| {
                        (0..n)
                            .map(|i| {
                                Ok(if ints.contains(&i) {
                                    (r.get::<_, Option<i64>>(i)?, None)
                                } else {
                                    (None, r.get::<_, Option<String>>(i)?)
                                })
                            })
                            .collect::<rusqlite::Result<Vec<Cell>>>()
                    })
                    .unwrap();
                mapped.map(|r| r.unwrap()).collect()
            };
            for r in rows {
                let params: Vec<String> = (1..=n).map(|i| format!("${i}")).collect();
                let sql = format!(
                    "INSERT INTO {table} ({cols}) VALUES ({})",
                    params.join(", ")
                );
                let mut q = sqlx::query(&sql);
                for (i, cell) in r.into_iter().enumerate() {
                    q = if ints.contains(&i) {
                        q.bind(cell.0)
                    } else {
                        q.bind(cell.1)
                    };
                }
                q.execute(&dst).await.unwrap();
            }
        }
        dst.close().await;
        let store = Store::open_postgres_schema(&pg.url, &pg.name, keys)
            .await
            .unwrap();
        let events = store.events().await.unwrap();
        assert_eq!(events.len(), 66);
        assert!(store.check().await.unwrap().is_empty());
        let plain: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM events WHERE position('13800138000'::bytea in body) > 0",
        )
        .fetch_one(store.postgres_pool().unwrap())
        .await
        .unwrap();
        assert_eq!(plain, 0);
    });
}

/// An applied migration whose recorded checksum differs from this build's SQL (an embedded
/// migration edited after it shipped) stops the open, on both backends; a database recorded
/// before checksums existed gets them filled in and opens.
#[test]
fn an_edited_migration_is_found_on_both_backends() {
    let dir = temp_dir("checksum");
    let url = format!("sqlite:{}", dir.join("k.db").display());
    let keys = Keys::generate();
    rt().block_on(async {
        let store = Store::open(&url, keys.clone()).await.unwrap();
        store
            .exec("UPDATE kehu_schema SET checksum = NULL", vec![])
            .await
            .unwrap();
        drop(store);
        let store = Store::open(&url, keys.clone()).await.unwrap();
        let filled = store
            .query(
                "SELECT COUNT(*) FROM kehu_schema WHERE checksum IS NOT NULL",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(
            kehu_store::scalar(&filled).and_then(kehu_store::Val::int),
            Some(kehu_store::SCHEMA_VERSION)
        );
        store
            .exec(
                "UPDATE kehu_schema SET checksum = 'edited' WHERE version = 3",
                vec![],
            )
            .await
            .unwrap();
        drop(store);
        let e = Store::open(&url, keys.clone()).await.err().unwrap();
        assert!(
            matches!(e, StoreError::MigrationChanged { version: 3, .. }),
            "{e}"
        );
    });
    let _ = std::fs::remove_dir_all(&dir);
    let Some(pg) = PgSchema::new("checksum") else {
        return;
    };
    rt().block_on(async {
        let store = Store::open_postgres_schema(&pg.url, &pg.name, keys.clone())
            .await
            .unwrap();
        store
            .exec(
                "UPDATE kehu_schema SET checksum = 'edited' WHERE version = 5",
                vec![],
            )
            .await
            .unwrap();
        drop(store);
        let e = Store::open_postgres_schema(&pg.url, &pg.name, keys)
            .await
            .err()
            .unwrap();
        assert!(
            matches!(e, StoreError::MigrationChanged { version: 5, .. }),
            "{e}"
        );
    });
}

/// A change outside the ledger commits with its audit entry or not at all, keeps the chain in
/// order beside the acts' entries (on both backends), and a conditional change that finds
/// nothing to change writes nothing.
#[test]
fn an_audited_change_commits_with_its_entry_or_not_at_all() {
    use kehu_store::{AuditEntry, Val, Written};
    let entry = |action: &str| AuditEntry {
        at_ms: 1,
        actor: "root".into(),
        action: action.into(),
        subject: "p".into(),
        detail: String::new(),
    };
    let check = |store: Store| async move {
        fill(&store).await;
        let before = store.audit_rows().await.unwrap().len();
        // The second statement fails: the first is rolled back and no entry is written.
        let e = store
            .change_audited(
                vec![
                    (
                        "INSERT INTO settings (name, value) VALUES ('x', 'y')".into(),
                        vec![],
                    ),
                    ("INSERT INTO no_such_table VALUES (1)".into(), vec![]),
                ],
                entry("broken"),
                Written::Always,
            )
            .await;
        assert!(e.is_err());
        let x = store
            .query("SELECT 1 FROM settings WHERE name = 'x'", vec![])
            .await
            .unwrap();
        assert!(x.is_empty(), "half a change was written");
        assert_eq!(store.audit_rows().await.unwrap().len(), before);
        // Nothing to change: nothing written.
        let n = store
            .change_audited(
                vec![(
                    "UPDATE settings SET value = 'z' WHERE name = $1".into(),
                    vec![Val::from("nothing")],
                )],
                entry("nothing"),
                Written::IfFirstChanges,
            )
            .await
            .unwrap();
        assert_eq!(n, vec![0]);
        assert_eq!(store.audit_rows().await.unwrap().len(), before);
        // A change and its entry, then more acts: one chain, intact.
        store
            .change_audited(
                vec![(
                    "INSERT INTO settings (name, value) VALUES ('x', 'y')".into(),
                    vec![],
                )],
                entry("done"),
                Written::Always,
            )
            .await
            .unwrap();
        store.audit(vec![entry("after")]).await.unwrap();
        let rows = store.audit_rows().await.unwrap();
        assert_eq!(rows.len(), before + 2);
        assert_eq!(store.audit_verify().await.unwrap(), Ok(before + 2));
        // An insert whose entry names its new id: one commit.
        let id = store
            .add_approval(
                kehu_store::NewApproval {
                    requester: "S1".into(),
                    project: "p".into(),
                    subject: 7,
                    shown: "138****8000".into(),
                    reason: "客户来电".into(),
                    state: "pending".into(),
                },
                "S1",
                5,
            )
            .await
            .unwrap();
        let rows = store.audit_rows().await.unwrap();
        assert_eq!(rows.len(), before + 3);
        let last = &rows[before + 2].entry;
        assert_eq!(
            (last.action.as_str(), last.subject.clone()),
            ("approval.request", format!("approval {id}"))
        );
        assert_eq!(store.audit_verify().await.unwrap(), Ok(before + 3));
    };
    let dir = temp_dir("changes");
    let url = format!("sqlite:{}", dir.join("k.db").display());
    rt().block_on(async {
        check(Store::open(&url, Keys::generate()).await.unwrap()).await;
    });
    let _ = std::fs::remove_dir_all(&dir);
    if let Some(pg) = PgSchema::new("changes") {
        rt().block_on(async {
            check(
                Store::open_postgres_schema(&pg.url, &pg.name, Keys::generate())
                    .await
                    .unwrap(),
            )
            .await;
        });
    }
}

/// The report counters are kept with the ledger, in the batch's transaction (both backends): a
/// registration counts for its registrant (the login; the report reads an agent's for its
/// agency) by outcome.
#[test]
fn report_counters_follow_the_ledger() {
    let check = |store: Store| async move {
        let rb = Rulebook::preset(Preset::TeamRegistration);
        let mut dir = directory();
        dir.staff.push(Staff {
            id: StaffId("ag".into()),
            name: "经纪人".into(),
            role: Role::Agent,
            team: None,
            agency: Some("链家".into()),
            region: None,
            left: false,
        });
        let at = parse_local("2026-11-03 10:00").unwrap();
        for (by, phone) in [
            ("S0", "13800138000"),
            ("S1", "13800138000"),
            ("ag", "13900139000"),
        ] {
            let cmd = Command {
                project: "p".into(),
                at,
                act: Act::formal_registration(
                    StaffId(by.into()),
                    CustomerInput {
                        name: Some("王先生".into()),
                        phone: Some(phone.into()),
                        ..CustomerInput::default()
                    },
                ),
            };
            store.execute(&rb, &dir, &cmd, at).await.unwrap();
        }
        let counts = store
            .report_counts("p", "2026-11-01", "2026-11-30")
            .await
            .unwrap();
        let got: Vec<(String, String, String, i64)> = counts
            .into_iter()
            .map(|c| (c.day, c.metric, c.party, c.n))
            .collect();
        let want = vec![
            ("2026-11-03", "reg_accepted", "S0", 1),
            ("2026-11-03", "reg_accepted", "ag", 1),
            ("2026-11-03", "reg_rejected", "S1", 1),
        ];
        let want: Vec<(String, String, String, i64)> = want
            .into_iter()
            .map(|(d, m, p, n)| (d.to_string(), m.to_string(), p.to_string(), n))
            .collect();
        assert_eq!(got, want);
        // The ledger check recomputes them from the entries, and finds a counter changed behind
        // the store's back.
        assert_eq!(store.check().await.unwrap(), vec![]);
        store
            .exec(
                "UPDATE report_counts SET n = 5 WHERE metric = 'reg_accepted' AND party = 'S0'",
                vec![],
            )
            .await
            .unwrap();
        let diffs = store.check().await.unwrap();
        assert_eq!(diffs.len(), 1, "{diffs:?}");
        assert_eq!(diffs[0].table, "report_counts");
    };
    let dir = temp_dir("counters");
    let url = format!("sqlite:{}", dir.join("k.db").display());
    rt().block_on(async {
        check(Store::open(&url, Keys::generate()).await.unwrap()).await;
    });
    let _ = std::fs::remove_dir_all(&dir);
    if let Some(pg) = PgSchema::new("counters") {
        rt().block_on(async {
            check(
                Store::open_postgres_schema(&pg.url, &pg.name, Keys::generate())
                    .await
                    .unwrap(),
            )
            .await;
        });
    }
}
