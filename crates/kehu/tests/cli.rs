//! End-to-end tests of the real `kehu` binary: the project's scenario suite, malformed scenarios,
//! coverage, policy show and the ledger check on a database file.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn kehu(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kehu"))
        .args(args)
        .env("KEHU_KEY_FILE", key_file())
        .current_dir(root())
        .output()
        .expect("kehu runs")
}

/// One key file for this test process (made once, mode 0600), as an installation has one.
fn key_file() -> PathBuf {
    static ONCE: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    ONCE.get_or_init(|| {
        let p = std::env::temp_dir().join(format!("kehu-cli-{}.key", std::process::id()));
        let _ = std::fs::remove_file(&p);
        kehu_store::Keys::load_or_create(&p).expect("key file");
        p
    })
    .clone()
}

fn keys() -> kehu_store::Keys {
    kehu_store::Keys::load(&key_file()).expect("key file")
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn the_scenario_suite_passes() {
    let o = kehu(&["scenario", "run", "scenarios"]);
    let out = text(&o);
    let last = out
        .lines()
        .rev()
        .find(|l| l.contains(" passed, "))
        .unwrap_or("");
    assert!(
        o.status.success(),
        "scenario suite failed:\n{}",
        out.lines()
            .filter(|l| !l.starts_with("ok "))
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        last.ends_with(" 0 failed") && !last.starts_with("0 passed"),
        "{last}"
    );
}

/// Every rule ID of §2, §3.1–§3.9 and §4 is covered by the suite.
#[test]
fn coverage_of_the_implemented_sections_is_complete() {
    let o = kehu(&["scenario", "coverage"]);
    assert!(o.status.success(), "{}", text(&o));
    let out = text(&o);
    let mut section = String::new();
    let mut missing = Vec::new();
    for line in out.lines() {
        if let Some(s) = line.strip_prefix('§') {
            section = s.trim_end_matches(':').to_string();
        } else if let Some(id) = line
            .strip_prefix("  ")
            .and_then(|l| l.split_whitespace().next())
        {
            let implemented = section == "2"
                || section == "4"
                || [
                    "3.1", "3.2", "3.3", "3.4", "3.5", "3.6", "3.7", "3.8", "3.9",
                ]
                .contains(&section.as_str());
            if implemented {
                missing.push(id.to_string());
            }
        }
    }
    assert!(missing.is_empty(), "uncovered rule IDs: {missing:?}");
}

fn write_scenario(name: &str, body: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kehu-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(format!("{name}.toml"));
    std::fs::write(&p, body).unwrap();
    p
}

const GOOD: &str = r#"
title = "t"
rulebook = "team-registration"
[[staff]]
id = "A"
role = "sales"
[[staff]]
id = "B"
role = "sales"
[[step]]
at = "2026-11-01 10:00"
act = "register"
by = "A"
customer = { name = "王先生", phone = "13800138000" }
expect = { outcome = "accepted", owner = "A", protected_until = "2026-12-01 10:00" }
[[step]]
at = "2026-11-20 09:00"
act = "register"
by = "B"
customer = { name = "王先生", phone = "1380013****" }
expect = { outcome = "rejected", owner = "A", rule = "TR-PROTECT" }
"#;

#[test]
fn malformed_scenarios_exit_2_naming_file_step_and_field() {
    for (name, bad, want) in [
        (
            "act",
            GOOD.replace(
                "act = \"register\"\nby = \"B\"",
                "act = \"regster\"\nby = \"B\"",
            ),
            "step 2: field `act`",
        ),
        (
            "field",
            GOOD.replace("by = \"B\"", "bye = \"B\""),
            "step 2: field `bye`",
        ),
        (
            "expect",
            GOOD.replace("rule = \"TR-PROTECT\"", "rulee = \"TR-PROTECT\""),
            "step 2: field `expect.rulee`",
        ),
        (
            "order",
            GOOD.replace("2026-11-20 09:00", "2026-10-20 09:00"),
            "step 2: field `at`",
        ),
        (
            "handle",
            GOOD.replace("by = \"B\"", "by = \"Z\""),
            "step 2: field `by`",
        ),
        (
            "time",
            GOOD.replace("2026-11-20 09:00", "2026-11-31 09:00"),
            "step 2: field `at`",
        ),
        (
            "ruleid",
            GOOD.replace("TR-PROTECT", "TR-PROTEKT"),
            "step 2: field `expect.rule`",
        ),
    ] {
        let p = write_scenario(name, &bad);
        let o = kehu(&["scenario", "run", p.to_str().unwrap()]);
        let out = text(&o);
        assert_eq!(o.status.code(), Some(2), "{name}: {out}");
        assert!(
            out.contains(&p.display().to_string()) && out.contains(want),
            "{name}: {out}"
        );
    }
}

#[test]
fn a_failing_expectation_exits_1_with_the_tally() {
    let p = write_scenario(
        "fails",
        &GOOD.replace("owner = \"A\", rule", "owner = \"B\", rule"),
    );
    let o = kehu(&["scenario", "run", p.to_str().unwrap()]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.lines().any(|l| l == "1 passed, 1 failed"), "{out}");
    assert!(out.contains("owner: expected B, got A"), "{out}");
    let p = write_scenario("passes", GOOD);
    let o = kehu(&["scenario", "run", p.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).lines().any(|l| l == "2 passed, 0 failed"));
}

#[test]
fn policy_show_prints_parameters_and_rules() {
    let o = kehu(&["policy", "show", "team-registration"]);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(
        out.contains("strict_days") && out.contains("TR-PROTECT") && out.contains("30"),
        "{out}"
    );
    let o = kehu(&["policy", "show", "no-such-book"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("unknown rulebook"));
    let dir = std::env::temp_dir().join(format!("kehu-pol-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("policy.toml");
    std::fs::write(
        &f,
        "[projects.a]\nrulebook = \"team-registration\"\n[projects.a.overrides]\nstrict_days = 0\n",
    )
    .unwrap();
    let o = kehu(&[
        "policy",
        "show",
        "--policy",
        f.to_str().unwrap(),
        "--project",
        "a",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains("strict_days") && text(&o).contains("1..=365"),
        "{}",
        text(&o)
    );
}

#[test]
fn ledger_check_on_a_database_file() {
    let dir = std::env::temp_dir().join(format!("kehu-ledger-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite:{}", dir.join("k.db").display());
    let o = kehu(&["migrate", "--database", &url]);
    assert!(o.status.success(), "{}", text(&o));
    let o = kehu(&["ledger", "check", "--database", &url]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("projections match"));
}

/// The whole scenario suite on PostgreSQL, each file in a fresh schema, when `KEHU_TEST_PG` is set
/// (`.ci/run` sets it and fails if the server is unreachable).
#[test]
fn the_scenario_suite_passes_on_postgres() {
    let Ok(url) = std::env::var("KEHU_TEST_PG") else {
        eprintln!("KEHU_TEST_PG is not set: the PostgreSQL run is skipped");
        return;
    };
    let o = kehu(&["scenario", "run", "--postgres", &url, "scenarios"]);
    let out = text(&o);
    assert!(
        o.status.success(),
        "scenario suite failed on PostgreSQL:\n{}",
        out.lines()
            .filter(|l| !l.starts_with("ok "))
            .collect::<Vec<_>>()
            .join("\n")
    );
    let last = out
        .lines()
        .rev()
        .find(|l| l.contains(" passed, "))
        .unwrap_or("");
    assert!(
        last.ends_with(" 0 failed") && !last.starts_with("0 passed"),
        "{last}"
    );
}

/// Fills a database with a few registrations through the store, returning its events.
fn seed(url: &str) -> Vec<kehu_core::state::Event> {
    use kehu_core::model::{Act, Command, CustomerInput, Directory, Role, Staff, StaffId};
    use kehu_core::policy::{Preset, Rulebook};
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = kehu_store::Store::open(url, keys()).await.unwrap();
        let dir = Directory {
            staff: ["A", "B"]
                .iter()
                .map(|h| Staff {
                    id: StaffId(h.to_string()),
                    name: h.to_string(),
                    role: Role::Sales,
                    team: None,
                    agency: None,
                    region: None,
                    left: false,
                })
                .collect(),
            roster: None,
        };
        let rb = Rulebook::preset(Preset::TeamRegistration);
        let t0 = kehu_core::time::parse_local("2026-11-01 10:00").unwrap();
        for (i, (by, phone)) in [
            ("A", "13800138000"),
            ("B", "1380013****"),
            ("B", "13900139000"),
        ]
        .iter()
        .enumerate()
        {
            let at = kehu_core::time::add_days(t0, i as i64);
            let cmd = Command {
                project: "default".into(),
                at,
                act: Act::formal_registration(
                    StaffId(by.to_string()),
                    CustomerInput {
                        name: Some("王先生".into()),
                        phone: Some(phone.to_string()),
                        ..CustomerInput::default()
                    },
                ),
            };
            store.execute(&rb, &dir, &cmd, at).await.unwrap();
        }
        store.events().await.unwrap()
    })
}

fn events_of(url: &str) -> Vec<kehu_core::state::Event> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        kehu_store::Store::open(url, keys())
            .await
            .unwrap()
            .events()
            .await
            .unwrap()
    })
}

#[test]
fn backup_and_restore_round_trip_on_sqlite() {
    let dir = std::env::temp_dir().join(format!("kehu-backup-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let src = format!("sqlite:{}", dir.join("a.db").display());
    let before = seed(&src);
    assert_eq!(before.len(), 3);
    let file = dir.join("a.backup");
    let o = kehu(&["backup", file.to_str().unwrap(), "--database", &src]);
    assert!(o.status.success(), "{}", text(&o));
    let o = kehu(&["backup", file.to_str().unwrap(), "--database", &src]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "a backup never overwrites: {}",
        text(&o)
    );
    let dst = format!("sqlite:{}", dir.join("b.db").display());
    let o = kehu(&["restore", file.to_str().unwrap(), "--database", &dst]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("restored 3 events"), "{}", text(&o));
    assert_eq!(events_of(&dst), before);
    let o = kehu(&["restore", file.to_str().unwrap(), "--database", &dst]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "restore never overwrites a database: {}",
        text(&o)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn backup_and_restore_round_trip_on_postgres() {
    let Ok(url) = std::env::var("KEHU_TEST_PG") else {
        eprintln!("KEHU_TEST_PG is not set: the PostgreSQL run is skipped");
        return;
    };
    let pid = std::process::id();
    let (a, b) = (format!("kehu_bk_a_{pid}"), format!("kehu_bk_b_{pid}"));
    let base = url.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap();
    let admin = |sql: String| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let pool = sqlx::postgres::PgPoolOptions::new()
                .max_connections(1)
                .connect(&url)
                .await
                .unwrap();
            sqlx::query(&sql).execute(&pool).await.unwrap();
        })
    };
    for d in [&a, &b] {
        admin(format!("DROP DATABASE IF EXISTS {d}"));
        admin(format!("CREATE DATABASE {d}"));
    }
    let (ua, ub) = (format!("{base}/{a}"), format!("{base}/{b}"));
    let before = seed(&ua);
    let dir = std::env::temp_dir().join(format!("kehu-pgbackup-{pid}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("a.dump");
    let o = kehu(&["backup", file.to_str().unwrap(), "--database", &ua]);
    assert!(o.status.success(), "{}", text(&o));
    let o = kehu(&["restore", file.to_str().unwrap(), "--database", &ub]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(events_of(&ub), before);
    for d in [&a, &b] {
        admin(format!("DROP DATABASE IF EXISTS {d} WITH (FORCE)"));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn import_checks_every_row_first_and_names_row_and_column() {
    let dir = std::env::temp_dir().join(format!("kehu-import-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let setup = dir.join("setup.toml");
    std::fs::write(
        &setup,
        "rulebook = \"team-registration\"\n[[staff]]\nid = \"A\"\nname = \"张三\"\nrole = \"sales\"\n\
         [[staff]]\nid = \"B\"\nname = \"李四\"\nrole = \"sales\"\n",
    )
    .unwrap();
    let db = format!("sqlite:{}", dir.join("k.db").display());
    let book = dir.join("book.csv");
    let import = || {
        kehu(&[
            "import",
            book.to_str().unwrap(),
            "--setup",
            setup.to_str().unwrap(),
            "--database",
            &db,
        ])
    };
    let cases = [
        (
            "at,by,phone\n2026-11-01 10:00,A,1380013800\n",
            "row 2: column phone",
        ),
        (
            "at,by,phone\n2026-11-01 10:00,Z,13800138000\n",
            "row 2: column by",
        ),
        (
            "at,by,phone\n2026-11-02 10:00,A,13800138000\n2026-11-01 10:00,B,13900139000\n",
            "row 3: column at",
        ),
        (
            "at,by,phone\n2026-11-01 10:00,Z,13800138000\n2026-11-01 11:00,A,1380013800\n",
            "row 3: column phone",
        ),
        ("at,by,phone,email\n", "unknown column \"email\""),
        ("at,phone\n", "missing column \"by\""),
    ];
    for (csv, expected) in cases {
        std::fs::write(&book, csv).unwrap();
        let o = import();
        assert_eq!(o.status.code(), Some(2), "{csv}: {}", text(&o));
        assert!(text(&o).contains(expected), "{csv}: {}", text(&o));
    }
    // Nothing was imported by the refused books.
    let o = kehu(&["ledger", "check", "--database", &db]);
    assert!(!text(&o).contains(" 1 events"), "{}", text(&o));
    std::fs::write(
        &book,
        "at,by,name,phone\n2026-11-01 10:00,A,王先生,13800138000\n2026-11-01 11:00,B,王先生,138 0013 8000\n",
    )
    .unwrap();
    let o = import();
    assert!(o.status.success(), "{}", text(&o));
    let out = text(&o);
    assert!(
        out.contains("row 2: seq 1 accepted TR-PROTECT owner A"),
        "{out}"
    );
    assert!(out.contains("row 3: seq 2 rejected"), "{out}");
    assert!(
        out.contains("imported 2 rows: 1 accepted, 1 rejected"),
        "{out}"
    );
    // The same book again records nothing: each row answers the entry it made.
    let o = import();
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(
        out.contains("row 2: already imported (seq 1)")
            && out.contains("imported 2 rows: 2 already imported"),
        "{out}"
    );
    let o = kehu(&["ledger", "check", "--database", &db]);
    assert!(text(&o).contains("2 events"), "{}", text(&o));
    let _ = std::fs::remove_dir_all(&dir);
}

/// `kehu import --units`: the sales-control sheet (CSV or XLSX) as one `units` act; a bad sheet
/// names its rows and imports nothing; a salesperson without the post is refused by the engine.
#[test]
fn import_units_from_csv_and_xlsx() {
    let dir = std::env::temp_dir().join(format!("kehu-units-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let setup = dir.join("setup.toml");
    std::fs::write(
        &setup,
        "rulebook = \"site-first-reception\"\n[[staff]]\nid = \"A\"\nname = \"张三\"\nrole = \"sales\"\n\
         [[staff]]\nid = \"M\"\nname = \"赵经理\"\nrole = \"manager\"\n",
    )
    .unwrap();
    let db = format!("sqlite:{}", dir.join("k.db").display());
    let sheet = dir.join("units.csv");
    let import = |file: &Path, by: &str| {
        kehu(&[
            "import",
            file.to_str().unwrap(),
            "--units",
            by,
            "--setup",
            setup.to_str().unwrap(),
            "--database",
            &db,
        ])
    };
    std::fs::write(&sheet, "楼栋,房号,面积,总价\nA,1201,abc,100\nA,1202,90,x\n").unwrap();
    let o = import(&sheet, "M");
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("row 2") && text(&o).contains("row 3"),
        "{}",
        text(&o)
    );
    std::fs::write(
        &sheet,
        "楼栋,房号,面积,总价,状态\nA,1201,89.5,1200000,可售\nA,1202,90,1250000,销控\n",
    )
    .unwrap();
    let o = import(&sheet, "A");
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("rejected INV-UNSOLD"), "{}", text(&o));
    let o = import(&sheet, "M");
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("2 units: accepted INV-UNSOLD"),
        "{}",
        text(&o)
    );
    let xlsx = root().join("crates/kehu-server/tests/fixtures/units.xlsx");
    let o = import(&xlsx, "M");
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("2 units: accepted"), "{}", text(&o));
    let _ = std::fs::remove_dir_all(&dir);
}

/// `kehu serve` on a fresh database: prints the setup link, answers `kehu healthcheck`, and stops
/// cleanly on SIGTERM; `kehu user add` and `kehu audit verify` work on what it wrote.
#[test]
fn serve_prints_a_setup_link_and_stops_on_sigterm() {
    use std::io::{BufRead, BufReader};
    let dir = std::env::temp_dir().join(format!("kehu-serve-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = format!("sqlite:{}", dir.join("kehu.db").display());
    let mut child = Command::new(env!("CARGO_BIN_EXE_kehu"))
        .args(["serve", "--bind", "127.0.0.1:0", "--database", &db])
        .env("KEHU_KEY_FILE", key_file())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("kehu serve starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let addr = first
        .strip_prefix("kehu serve: http://")
        .and_then(|r| r.split('/').next())
        .unwrap_or_else(|| panic!("{first}"))
        .to_string();
    let mut link = String::new();
    for _ in 0..3 {
        let l = lines.next().unwrap().unwrap();
        if l.contains("/setup?token=") {
            link = l;
            break;
        }
    }
    assert!(
        link.trim()
            .starts_with(&format!("http://{addr}/setup?token=")),
        "{link}"
    );
    let o = kehu(&["healthcheck", "--addr", &addr]);
    assert!(o.status.success(), "{}", text(&o));
    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let status = child.wait().unwrap();
    assert!(status.success(), "serve exits 0 on SIGTERM: {status:?}");
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(rest.iter().any(|l| l.contains("stopped")), "{rest:?}");
    let o = kehu(&["healthcheck", "--addr", &addr]);
    assert!(!o.status.success(), "nothing answers after the stop");
    // An admin from the command line, then the chain verifies.
    let mut add = Command::new(env!("CARGO_BIN_EXE_kehu"))
        .args([
            "user",
            "add",
            "--login",
            "boss",
            "--name",
            "老板",
            "--role",
            "admin",
            "--database",
            &db,
        ])
        .env("KEHU_KEY_FILE", key_file())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    add.stdin
        .take()
        .unwrap()
        .write_all(b"strong-pass-1\n")
        .unwrap();
    assert!(add.wait().unwrap().success());
    let o = kehu(&["audit", "verify", "--database", &db]);
    assert!(
        o.status.success() && text(&o).contains("1 entries, intact"),
        "{}",
        text(&o)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bench_disk_prints_both_rhythms_and_leaves_no_scratch_file() {
    let dir = std::env::temp_dir().join(format!("kehu-bench-disk-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch directory");
    let d = dir.to_str().expect("utf-8 temp path");
    let o = kehu(&[
        "bench",
        "disk",
        "--dir",
        d,
        "--seconds",
        "1",
        "--chunk",
        "4096",
    ]);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("| back to back | "), "{out}");
    assert!(
        out.contains("| a 300 µs pause before each write | "),
        "{out}"
    );
    let left: Vec<_> = std::fs::read_dir(&dir).expect("read dir").collect();
    assert!(left.is_empty(), "scratch file left behind: {left:?}");
    std::fs::remove_dir(&dir).expect("remove scratch directory");

    let o = kehu(&["bench", "disk", "--dir", d, "--chunk", "10"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("--chunk takes 512 to 8388608 bytes"));
}

/// `kehu` with its own key file (and so its own anchor file beside it), `stdin` fed to it.
fn kehu_keyed(key: &Path, args: &[&str], stdin: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_kehu"))
        .args(args)
        .env("KEHU_KEY_FILE", key)
        .current_dir(root())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("kehu runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// Issue 21 item 10: the operator's flow. `audit verify` keeps a signed checkpoint of the head
/// beside the key file and prints it; someone with only the database deletes the last entries
/// (the trigger dropped): the chain alone still verifies, the checkpoint (from the anchor file or
/// from `--expect`) finds the cut; an anchor file edited without the key is refused.
fn audit_anchors_find_a_cut_end(url: &str, cut: &dyn Fn()) {
    let dir = std::env::temp_dir().join(format!(
        "kehu-anchor-{}-{}",
        std::process::id(),
        url.split(':').next().unwrap_or("db")
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let key = dir.join("kehu.key");
    kehu_store::Keys::load_or_create(&key).unwrap();
    let anchors = dir.join("kehu.key.audit-anchors");
    for login in ["boss", "ma", "sa1"] {
        let o = kehu_keyed(
            &key,
            &[
                "user",
                "add",
                "--login",
                login,
                "--name",
                login,
                "--role",
                "admin",
                "--database",
                url,
            ],
            "strong-pass-1\n",
        );
        assert!(o.status.success(), "{}", text(&o));
    }
    let o = kehu_keyed(&key, &["audit", "verify", "--database", url], "");
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    let head = out
        .lines()
        .find_map(|l| l.strip_prefix("head: "))
        .unwrap_or_else(|| panic!("no head printed: {out}"))
        .to_string();
    assert!(head.starts_with("3:"), "{head}");
    assert!(
        anchors.exists(),
        "the checkpoint is kept beside the key file"
    );

    cut();
    let o = kehu_keyed(&key, &["audit", "verify", "--database", url], "");
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("its end was cut"), "{}", text(&o));
    // Without the anchor file the chain alone looks intact; the printed head still finds the cut.
    let aside = dir.join("anchors.aside");
    std::fs::rename(&anchors, &aside).unwrap();
    let o = kehu_keyed(&key, &["audit", "verify", "--database", url], "");
    assert!(o.status.success(), "{}", text(&o));
    std::fs::remove_file(&anchors).unwrap();
    let o = kehu_keyed(
        &key,
        &["audit", "verify", "--database", url, "--expect", &head],
        "",
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("its end was cut"), "{}", text(&o));
    // An anchor moved back by someone without the key: refused, not believed.
    let kept = std::fs::read_to_string(&aside).unwrap();
    let forged = kept.replacen("3 ", "2 ", 1);
    std::fs::write(&anchors, forged).unwrap();
    let o = kehu_keyed(&key, &["audit", "verify", "--database", url], "");
    assert!(!o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("does not carry the key's signature"),
        "{}",
        text(&o)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn audit_anchors_on_sqlite() {
    let dir = std::env::temp_dir().join(format!("kehu-anchor-db-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("k.db");
    let url = format!("sqlite:{}", path.display());
    audit_anchors_find_a_cut_end(&url, &|| {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch(
            "DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete; \
             DELETE FROM audit WHERE seq = (SELECT MAX(seq) FROM audit);",
        )
        .unwrap();
    });
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs `sql` on the PostgreSQL server of `url` (a database of the test server).
fn pg_exec(url: &str, sql: &str) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(1)
            .connect(url)
            .await
            .unwrap();
        sqlx::raw_sql(sql).execute(&pool).await.unwrap();
        pool.close().await;
    })
}

#[test]
fn audit_anchors_on_postgres() {
    let Ok(url) = std::env::var("KEHU_TEST_PG") else {
        eprintln!("KEHU_TEST_PG is not set: the PostgreSQL run is skipped");
        return;
    };
    let name = format!("kehu_anchor_{}", std::process::id());
    let base = url.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap();
    pg_exec(&url, &format!("DROP DATABASE IF EXISTS {name}"));
    pg_exec(&url, &format!("CREATE DATABASE {name}"));
    let db = format!("{base}/{name}");
    audit_anchors_find_a_cut_end(&db, &|| {
        pg_exec(
            &db,
            "ALTER TABLE audit DISABLE TRIGGER audit_no_change; \
             DELETE FROM audit WHERE seq = (SELECT MAX(seq) FROM audit);",
        )
    });
    pg_exec(
        &url,
        &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
    );
}

/// Issue 21 item 12: `kehu restore` never overwrites a PostgreSQL database that holds an
/// account (and no events), nor one it restored before.
#[test]
fn restore_refuses_a_postgres_database_with_an_account() {
    let Ok(url) = std::env::var("KEHU_TEST_PG") else {
        eprintln!("KEHU_TEST_PG is not set: the PostgreSQL run is skipped");
        return;
    };
    let pid = std::process::id();
    let (a, b) = (format!("kehu_rs_a_{pid}"), format!("kehu_rs_b_{pid}"));
    let base = url.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap();
    for d in [&a, &b] {
        pg_exec(&url, &format!("DROP DATABASE IF EXISTS {d}"));
        pg_exec(&url, &format!("CREATE DATABASE {d}"));
    }
    let (ua, ub) = (format!("{base}/{a}"), format!("{base}/{b}"));
    seed(&ua);
    let dir = std::env::temp_dir().join(format!("kehu-pgrestore-{pid}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("a.dump");
    let o = kehu(&["backup", file.to_str().unwrap(), "--database", &ua]);
    assert!(o.status.success(), "{}", text(&o));
    let o = kehu_keyed(
        &key_file(),
        &[
            "user",
            "add",
            "--login",
            "boss",
            "--name",
            "老板",
            "--role",
            "admin",
            "--database",
            &ub,
        ],
        "strong-pass-1\n",
    );
    assert!(o.status.success(), "{}", text(&o));
    let o = kehu(&["restore", file.to_str().unwrap(), "--database", &ub]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("restore into an empty database"),
        "{}",
        text(&o)
    );
    assert!(events_of(&ub).is_empty(), "nothing was written");
    for d in [&a, &b] {
        pg_exec(&url, &format!("DROP DATABASE IF EXISTS {d} WITH (FORCE)"));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The operator's log (issue 23): one JSON event a request with the route template, status and
/// latency inside the request's span; a phone in the query string never reaches it.
#[test]
fn serve_logs_requests_without_personal_data() {
    use std::io::{BufRead, BufReader, Read, Write};
    let dir = std::env::temp_dir().join(format!("kehu-log-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = format!("sqlite:{}", dir.join("kehu.db").display());
    let mut child = Command::new(env!("CARGO_BIN_EXE_kehu"))
        .args([
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--database",
            &db,
            "--log-format",
            "json",
        ])
        .env("KEHU_KEY_FILE", key_file())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("kehu serve starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let addr = first
        .strip_prefix("kehu serve: http://")
        .and_then(|r| r.split('/').next())
        .unwrap_or_else(|| panic!("{first}"))
        .to_string();
    let mut s = std::net::TcpStream::connect(&addr).unwrap();
    write!(
        s,
        "GET /api/v1/projects/p1/customers?phone=13800138000 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    let pid = child.id().to_string();
    Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    child.wait().unwrap();
    let mut log = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    let line = log
        .lines()
        .find(|l| l.contains("\"target\":\"kehu::request\""))
        .unwrap_or_else(|| panic!("no request event in {log}"));
    let v: serde_json::Value = serde_json::from_str(line).unwrap();
    assert_eq!(
        v["span"]["route"], "/api/v1/projects/{project}/customers",
        "{line}"
    );
    assert_eq!(v["span"]["method"], "GET", "{line}");
    assert_eq!(v["fields"]["status"], 401, "{line}");
    assert!(v["fields"]["ms"].is_number(), "{line}");
    assert!(!log.contains("13800138000"), "a phone in the log: {log}");
    let _ = std::fs::remove_dir_all(&dir);
}
